// A quiet reporter for node:test: one dot per passing test, an x per failure, then every
// failure in full (its path of suite names, file, error and stack, and what its file wrote to
// stdout/stderr), and last a line of its own, "N passed, N failed", that CI looks for.
// Used by scripts/run-tests.mjs: node --test --test-reporter=./scripts/test-reporter.mjs

import { relative } from 'node:path';
import { inspect } from 'node:util';

const WIDTH = 80;

/** The error a failed test reports, unwrapped from node:test's ERR_TEST_FAILURE. */
function failureText(error) {
  if (error === undefined || error === null) return 'failed (no error given)';
  const inner =
    error.code === 'ERR_TEST_FAILURE' && error.cause !== undefined ? error.cause : error;
  if (error.failureType === 'cancelledByParent') return 'cancelled: its parent test ended first';
  const text = inner instanceof Error ? (inner.stack ?? inner.message) : inspect(inner);
  // node:test's own frames say nothing about the failure.
  return text
    .split('\n')
    .filter((line) => !/^\s+at .*\(?node:(internal|async_hooks)/.test(line))
    .join('\n');
}

function indent(text, prefix) {
  return text
    .split('\n')
    .map((line) => (line === '' ? line : prefix + line))
    .join('\n');
}

export default async function* quietReporter(source) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  let todo = 0;
  let column = 0;
  const failures = [];
  /** Names of the suites enclosing the current test, per file and nesting level. */
  const open = new Map();
  /** Output of each file, shown only for files with a failure. */
  const output = new Map();

  const mark = (char) => {
    column++;
    if (column > WIDTH) {
      column = 1;
      return `\n${char}`;
    }
    return char;
  };

  for await (const { type, data } of source) {
    const file = data?.file ?? '';
    if (type === 'test:start') {
      const names = open.get(file) ?? [];
      names.length = data.nesting;
      names.push(data.name);
      open.set(file, names);
      continue;
    }
    if (type === 'test:stdout' || type === 'test:stderr') {
      output.set(file, (output.get(file) ?? '') + data.message);
      continue;
    }
    if (type !== 'test:pass' && type !== 'test:fail') continue;
    const details = data.details ?? {};
    // Suites count through their tests, except a suite that failed by itself (a hook threw).
    const isSuite = details.type === 'suite';
    if (type === 'test:pass') {
      if (isSuite) continue;
      if (data.skip !== undefined) skipped++;
      else if (data.todo !== undefined) todo++;
      else passed++;
      yield mark(data.skip !== undefined || data.todo !== undefined ? ',' : '.');
      continue;
    }
    const error = details.error;
    // A suite fails when one of its tests failed: that test was already counted.
    if (isSuite && error?.failureType === 'subtestsFailed') continue;
    if (data.todo !== undefined) {
      todo++;
      yield mark(',');
      continue;
    }
    failed++;
    const path = [...(open.get(file) ?? []).slice(0, data.nesting), data.name];
    failures.push({ path, file, text: failureText(error) });
    yield mark('x');
  }

  let report = column === 0 ? '' : '\n';
  const shownOutput = new Set();
  for (const [index, failure] of failures.entries()) {
    const where = failure.file === '' ? '' : ` (${relative(process.cwd(), failure.file)})`;
    report += `\n${index + 1}) ${failure.path.join(' > ')}${where}\n`;
    report += `${indent(failure.text, '   ')}\n`;
    const written = output.get(failure.file);
    if (written !== undefined && written.trim() !== '' && !shownOutput.has(failure.file)) {
      shownOutput.add(failure.file);
      report += `   output of ${relative(process.cwd(), failure.file)}:\n${indent(written.trimEnd(), '   | ')}\n`;
    }
  }
  if (skipped > 0 || todo > 0) report += `\n${skipped} skipped, ${todo} todo`;
  report += `\n${passed} passed, ${failed} failed\n`;
  yield report;
}
