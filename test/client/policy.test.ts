// Tests for src/client/policy.ts, its retry delays: full-jitter backoff with the defaults,
// fixed intervals without jitter, a server's minimum, and the caps (maxDelayMs, timers).
// decideRetry is tested by close reason in policy-proxy.test.ts and the faults tests.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIMER_MS } from '../../src/client/clock.js';
import { ReconnectDefaults } from '../../src/client/options.js';
import { retryDelayMs } from '../../src/client/policy.js';

const highest = () => 0.999_999;

describe('retryDelayMs', () => {
  it('uses the default backoff: up to 500 ms, doubling, at most 30 s', () => {
    assert.deepEqual(
      [0, 1, 2, 6, 20].map((attempt) => retryDelayMs(attempt, 0, {}, highest)),
      [499, 999, 1999, ReconnectDefaults.maxDelayMs - 1, ReconnectDefaults.maxDelayMs - 1],
    );
    assert.equal(
      retryDelayMs(3, 0, {}, () => 0),
      0,
      'full jitter reaches 0',
    );
  });

  it('waits exactly the bound without jitter (fixed intervals with factor 1)', () => {
    const fixed = { initialDelayMs: 3000, backoffFactor: 1, jitter: false };
    assert.deepEqual(
      [0, 1, 9].map((attempt) => retryDelayMs(attempt, 0, fixed, () => 0)),
      [3000, 3000, 3000],
    );
  });

  it('waits at least what the server asked for, but never more than maxDelayMs', () => {
    assert.equal(
      retryDelayMs(0, 12_000, {}, () => 0),
      12_000,
    );
    assert.equal(
      retryDelayMs(0, 10 ** 12, { maxDelayMs: 60_000 }, () => 0),
      60_000,
    );
  });

  it('keeps a huge maxDelayMs within what a timer can hold', () => {
    const delay = retryDelayMs(
      0,
      Number.MAX_VALUE,
      { maxDelayMs: Number.POSITIVE_INFINITY },
      () => 0,
    );
    assert.equal(delay, MAX_TIMER_MS);
  });

  it('falls back to the defaults for settings that are not numbers >= 0', () => {
    const odd = { initialDelayMs: -1, backoffFactor: Number.NaN, maxDelayMs: -5 };
    assert.equal(retryDelayMs(1, 0, odd as never, highest), 999);
  });
});
