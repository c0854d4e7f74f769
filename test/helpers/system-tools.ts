// Tests that need a Debian tool (tinyproxy, microsocks, tmux, openssl). .ci/run installs every
// one, so under CI a missing tool fails the test: those tests always run there. On a
// developer's machine without the tool they are skipped with the install command.

import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';

/** Why a test cannot run without `tool` (for `skip`), or false when it must run. */
export function missingToolReason(tool: string, isInstalled: boolean): string | false {
  if (isInstalled) return false;
  assert.notEqual(
    process.env.CI,
    'true',
    `${tool} is not installed, but .ci/run installs it: CI must run these tests`,
  );
  return `${tool} is not installed (apt-get install ${tool}); .ci/run installs it`;
}

/** True when the test can use `tool`; otherwise skips it (fails it under CI) and is false. */
export function hasTool(t: TestContext, tool: string, isInstalled: boolean): boolean {
  const missing = missingToolReason(tool, isInstalled);
  if (missing !== false) t.skip(missing);
  return missing === false;
}
