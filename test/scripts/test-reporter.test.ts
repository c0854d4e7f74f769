// The quiet reporter of scripts/run-tests.mjs, run by node's test runner on a sample file: a
// mark per test, each failure with its suite path, file, assertion and output, and the last
// line "N passed, N failed" alone, as CI expects.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';

const REPORTER = fileURLToPath(new URL('../../scripts/test-reporter.mjs', import.meta.url));
const SAMPLE = fileURLToPath(new URL('../fixtures/reporter-sample.ts', import.meta.url));

it('prints marks, then the failure in full, then "N passed, N failed" last', () => {
  // Without this, a runner started inside a test reports to its parent instead.
  const env = { ...process.env };
  delete env.NODE_TEST_CONTEXT;
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--test', `--test-reporter=${REPORTER}`, SAMPLE],
    { encoding: 'utf8', timeout: 30_000, env },
  );
  assert.equal(run.status, 1, 'a failure fails the run');
  const lines = run.stdout.trimEnd().split('\n');
  assert.equal(lines[0], '.x,,.');
  assert.equal(lines.at(-1), '2 passed, 1 failed');
  assert.equal(lines.at(-2), '1 skipped, 1 todo');
  const report = run.stdout;
  assert.match(report, /\n1\) outer > fails \(.*reporter-sample\.ts\)\n/);
  assert.match(report, /AssertionError \[ERR_ASSERTION\]/);
  assert.match(report, /2 !== 3/);
  assert.match(report, /\| said on stderr/);
  assert.doesNotMatch(report, /node:internal/);
  assert.ok(lines.length < 25, `quiet: ${lines.length} lines`);
});
