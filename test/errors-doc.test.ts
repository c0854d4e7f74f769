// docs/errors.md must document every code of the ErrorCode table, and nothing else.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { it } from 'node:test';
import { ErrorCode } from '../src/core/errors.js';

it('docs/errors.md lists exactly the codes of ErrorCode', () => {
  const doc = readFileSync(resolve(import.meta.dirname, '..', 'docs', 'errors.md'), 'utf8');
  const documented = new Set([...doc.matchAll(/^\|\s*`(ERR_[A-Z0-9_]+)`\s*\|/gm)].map((m) => m[1]));
  const codes = new Set(Object.values(ErrorCode));
  assert.deepEqual(
    [...codes].filter((code) => !documented.has(code)),
    [],
  );
  assert.deepEqual(
    [...documented].filter((code) => !codes.has(code as ErrorCode)),
    [],
  );
});
