// Tests for src/client/clock.ts: the delay clamp every library timer goes through, armTimer,
// and the real clock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  armTimer,
  type Clock,
  MAX_TIMER_MS,
  systemClock,
  type TimerHandle,
  timerDelayMs,
} from '../../src/client/clock.js';

describe('timerDelayMs', () => {
  it('MAX_TIMER_MS is the longest delay a Node timer holds', () => {
    assert.equal(MAX_TIMER_MS, 2147483647);
  });

  it('NaN, zero and negative delays become 0', () => {
    for (const delay of [Number.NaN, 0, -0, -1, -0.5, Number.NEGATIVE_INFINITY]) {
      assert.equal(Object.is(timerDelayMs(delay), 0), true, `delay ${delay}`);
    }
  });

  it('fractions round up to whole milliseconds, so a timer never fires early', () => {
    assert.equal(timerDelayMs(0.1), 1);
    assert.equal(timerDelayMs(1), 1);
    assert.equal(timerDelayMs(1.5), 2);
    assert.equal(timerDelayMs(999.0001), 1000);
  });

  it('delays at and beyond the limit become MAX_TIMER_MS; just below stays', () => {
    assert.equal(timerDelayMs(MAX_TIMER_MS - 1), MAX_TIMER_MS - 1);
    assert.equal(timerDelayMs(MAX_TIMER_MS - 0.5), MAX_TIMER_MS);
    assert.equal(timerDelayMs(MAX_TIMER_MS), MAX_TIMER_MS);
    assert.equal(timerDelayMs(MAX_TIMER_MS + 1), MAX_TIMER_MS);
    assert.equal(timerDelayMs(2 ** 53), MAX_TIMER_MS);
    assert.equal(timerDelayMs(Number.POSITIVE_INFINITY), MAX_TIMER_MS);
  });
});

class RecordingClock implements Clock {
  readonly armed: { callback: () => void; delayMs: number }[] = [];
  now(): number {
    return 0;
  }
  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    this.armed.push({ callback, delayMs });
    return { id: this.armed.length };
  }
  clearTimeout(): void {}
}

describe('armTimer', () => {
  it('arms on the given clock with the clamped delay and returns its handle', () => {
    const clock = new RecordingClock();
    let fired = 0;
    const handle = armTimer(clock, () => fired++, Number.POSITIVE_INFINITY);
    armTimer(clock, () => {}, -5);
    armTimer(clock, () => {}, 2.2);
    assert.deepEqual(handle, { id: 1 });
    assert.deepEqual(
      clock.armed.map((timer) => timer.delayMs),
      [MAX_TIMER_MS, 0, 3],
    );
    clock.armed[0]!.callback();
    assert.equal(fired, 1);
  });
});

describe('systemClock', () => {
  it('now() is monotonic milliseconds from performance.now()', () => {
    const before = performance.now();
    const first = systemClock.now();
    const second = systemClock.now();
    assert.ok(first >= before && second >= first);
  });

  it('runs a timer on the event loop, and clearTimeout stops one', async () => {
    const order: string[] = [];
    const cleared = systemClock.setTimeout(() => order.push('cleared'), 1);
    systemClock.clearTimeout(cleared);
    await new Promise<void>((resolve) => {
      systemClock.setTimeout(() => {
        order.push('fired');
        resolve();
      }, 2);
    });
    assert.deepEqual(order, ['fired']);
  });

  it('clamps an over-long delay instead of firing after 1 ms with a warning', () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    let fired = false;
    const handle = systemClock.setTimeout(() => {
      fired = true;
    }, Number.POSITIVE_INFINITY);
    const timer = handle.id as NodeJS.Timeout;
    try {
      assert.equal((timer as unknown as { _idleTimeout: number })._idleTimeout, MAX_TIMER_MS);
    } finally {
      systemClock.clearTimeout(handle);
      process.off('warning', onWarning);
    }
    assert.equal(fired, false);
    assert.deepEqual(warnings, []);
  });

  it('a NaN delay fires on the next timer turn', async () => {
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, Number.NaN));
  });
});
