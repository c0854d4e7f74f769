// Tests for src/lua/host.ts: the TrackingClock that lets a script's end cancel every timer it
// left behind. (The Host's tasks and blocking calls are covered through scripts in
// prelude-core.test.ts and runner.test.ts.)

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TrackingClock } from '../../src/lua/host.js';

describe('TrackingClock', () => {
  it('runs timers, and clearAll cancels every one still pending', async () => {
    const clock = new TrackingClock();
    const fired: string[] = [];
    await new Promise<void>((resolve) =>
      clock.setTimeout(() => {
        fired.push('first');
        resolve();
      }, 0),
    );
    clock.setTimeout(() => fired.push('cancelled a'), 1);
    clock.setTimeout(() => fired.push('cancelled b'), 1);
    clock.clearAll();
    // A later timer fires after the cancelled ones would have.
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 5));
    assert.deepEqual(fired, ['first']);
  });

  it('clearTimeout cancels one timer; now() never goes back', async () => {
    const clock = new TrackingClock();
    const fired: string[] = [];
    const handle = clock.setTimeout(() => fired.push('cancelled'), 1);
    clock.setTimeout(() => fired.push('kept'), 1);
    clock.clearTimeout(handle);
    const before = clock.now();
    await new Promise<void>((resolve) => clock.setTimeout(resolve, 5));
    assert.ok(clock.now() >= before);
    assert.deepEqual(fired, ['kept']);
  });
});
