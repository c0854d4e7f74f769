// The rule for tests that need a Debian tool: skipped on a machine without it, failed under CI
// (where .ci/run installs it), run when present.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { missingToolReason } from './system-tools.js';

describe('missingToolReason', () => {
  it('lets the test run when the tool is there', () => {
    assert.equal(missingToolReason('tmux', true), false);
  });

  it('skips with the install command outside CI, fails under CI', (t) => {
    const saved = process.env.CI;
    t.after(() => {
      if (saved === undefined) delete process.env.CI;
      else process.env.CI = saved;
    });
    delete process.env.CI;
    assert.match(String(missingToolReason('tmux', false)), /apt-get install tmux/);
    process.env.CI = 'true';
    assert.throws(() => missingToolReason('tmux', false), /CI must run these tests/);
  });
});
