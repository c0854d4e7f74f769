#!/usr/bin/env node
// Finds *.test.ts files under the given folders and runs them with node's test runner
// through tsx (Node 20 cannot strip types and has no glob support in --test). The output is
// quiet (scripts/test-reporter.mjs: dots, then the failures, then "N passed, N failed");
// TEST_REPORTER=tap (or spec, or dot) selects one of node's own reporters instead.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(path);
  }
  return out;
}

const roots = process.argv.slice(2);
const files = roots.flatMap((root) => (statSync(root).isDirectory() ? collect(root, []) : [root]));
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const reporter = process.env.TEST_REPORTER || resolve(import.meta.dirname, 'test-reporter.mjs');
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--test',
    '--test-concurrency=2',
    `--test-reporter=${reporter}`,
    '--test-reporter-destination=stdout',
    ...files,
  ],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
