// The retry policy as one table: what ended a connection (Retry-After in every form, 1013,
// HTTP statuses, close codes) and how long it stayed open, against whether the client retries
// and how long it waits. Also maxRetries, minUptimeMs and the timer bound every delay obeys.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { armTimer, MAX_TIMER_MS, timerDelayMs } from '../../src/client/clock.js';
import { closeCause } from '../../src/client/close-cause.js';
import type { CloseInfo } from '../../src/client/connection.js';
import { retryDelayMs } from '../../src/client/policy.js';
import type { ReconnectOptions } from '../../src/client/reconnect.js';
import { RetrySchedule } from '../../src/client/retry-schedule.js';
import { parseRetryAfter } from '../../src/core/backoff.js';
import { ErrorCode, TransportError, UnexpectedStatusError } from '../../src/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';

const NOW = Date.UTC(2026, 0, 1);

function refused(status: number, retryAfter?: string): CloseInfo {
  const headers: Record<string, string> =
    retryAfter === undefined ? {} : { 'retry-after': retryAfter };
  const error = new UnexpectedStatusError(status, '', headers, new Uint8Array(0));
  return {
    code: 1006,
    reason: '',
    wasClean: false,
    error,
    cause: closeCause(error, undefined, 'connecting'),
  };
}

function serverClose(code: number): CloseInfo {
  return { code, reason: '', wasClean: true, cause: closeCause(undefined, 'server', 'closing') };
}

function reset(): CloseInfo {
  const error = new TransportError(ErrorCode.ConnectionReset, 'reset', 'open');
  return {
    code: 1006,
    reason: '',
    wasClean: false,
    error,
    cause: closeCause(error, undefined, 'open'),
  };
}

/** random() = 0.999…: the jittered backoff is just under its bound, so the bound shows. */
const almostOne = (): number => 0.999_999;

interface Row {
  name: string;
  info: CloseInfo;
  options?: ReconnectOptions;
  retry: boolean;
  /** Expected delay of the first retry (random just under 1, so backoff ≈ 499 ms). */
  delayMs?: number;
}

const table: Row[] = [
  { name: '503 without Retry-After: backoff only', info: refused(503), retry: true, delayMs: 499 },
  { name: '503 Retry-After: 7 (seconds)', info: refused(503, '7'), retry: true, delayMs: 7000 },
  { name: '429 Retry-After: 0', info: refused(429, '0'), retry: true, delayMs: 499 },
  {
    name: '429 Retry-After as an HTTP date 20 s ahead',
    info: refused(429, new Date(NOW + 20_000).toUTCString()),
    retry: true,
    delayMs: 20_000,
  },
  {
    name: '503 Retry-After as a date in the past: backoff only',
    info: refused(503, new Date(NOW - 20_000).toUTCString()),
    retry: true,
    delayMs: 499,
  },
  {
    name: '503 Retry-After: 99999999 (huge) waits maxDelayMs, not 1 ms',
    info: refused(503, '99999999'),
    retry: true,
    delayMs: 30_000,
  },
  {
    name: '503 Retry-After: 400 digits (Infinity) waits maxDelayMs',
    info: refused(503, '9'.repeat(400)),
    retry: true,
    delayMs: 30_000,
  },
  {
    name: '503 Retry-After: a date in 2100 waits maxDelayMs',
    info: refused(503, 'Fri, 01 Jan 2100 00:00:00 GMT'),
    retry: true,
    delayMs: 30_000,
  },
  {
    name: '503 Retry-After beyond a raised maxDelayMs stays below 2^31 ms',
    info: refused(503, '99999999'),
    options: { maxDelayMs: 10 ** 12 },
    retry: true,
    delayMs: MAX_TIMER_MS,
  },
  {
    name: '503 Retry-After: -5 (negative) is ignored',
    info: refused(503, '-5'),
    retry: true,
    delayMs: 499,
  },
  { name: '503 Retry-After: 1.5 is ignored', info: refused(503, '1.5'), retry: true, delayMs: 499 },
  {
    name: '503 Retry-After: garbage is ignored',
    info: refused(503, 'soon, maybe 12'),
    retry: true,
    delayMs: 499,
  },
  { name: '503 Retry-After: empty is ignored', info: refused(503, ''), retry: true, delayMs: 499 },
  {
    name: '500 ignores Retry-After (only 429 and 503 carry one)',
    info: refused(500, '7'),
    retry: true,
    delayMs: 499,
  },
  { name: '408 is retried', info: refused(408), retry: true, delayMs: 499 },
  { name: '502 is retried', info: refused(502), retry: true, delayMs: 499 },
  { name: '401 gives up', info: refused(401), retry: false },
  { name: '403 gives up', info: refused(403), retry: false },
  { name: '404 gives up', info: refused(404), retry: false },
  {
    name: 'close 1013 waits tryAgainLaterDelayMs',
    info: serverClose(1013),
    retry: true,
    delayMs: 10_000,
  },
  {
    name: 'close 1013 with tryAgainLaterDelayMs above maxDelayMs waits maxDelayMs',
    info: serverClose(1013),
    options: { tryAgainLaterDelayMs: 60_000, maxDelayMs: 20_000 },
    retry: true,
    delayMs: 20_000,
  },
  {
    name: 'close 1001 is retried at once (backoff)',
    info: serverClose(1001),
    retry: true,
    delayMs: 499,
  },
  { name: 'close 1008 gives up', info: serverClose(1008), retry: false },
  { name: 'a reset is retried', info: reset(), retry: true, delayMs: 499 },
  {
    name: 'shouldReconnect overrules the policy',
    info: refused(401),
    options: { shouldReconnect: () => true },
    retry: true,
    delayMs: 499,
  },
];

describe('retry policy table (RetrySchedule.next)', () => {
  for (const row of table) {
    it(row.name, () => {
      const schedule = new RetrySchedule({ ...row.options }, almostOne);
      const step = schedule.next(row.info, undefined, undefined, NOW);
      assert.equal(step.retry, row.retry, step.reason);
      if (row.delayMs !== undefined) assert.equal(step.delayMs, row.delayMs, step.reason);
      assert.ok(step.delayMs >= 0 && step.delayMs <= MAX_TIMER_MS);
      assert.equal(step.attempt, row.retry ? 1 : 0);
    });
  }
});

describe('RetrySchedule: attempts, maxRetries and minUptimeMs', () => {
  it('delays grow with each retry and stop at maxDelayMs, even with Retry-After', () => {
    const schedule = new RetrySchedule({ initialDelayMs: 1000, maxDelayMs: 8000 }, almostOne);
    const delays = [];
    for (let i = 0; i < 6; i++)
      delays.push(schedule.next(refused(503, '99999999'), undefined, undefined, NOW).delayMs);
    assert.deepEqual(delays, [8000, 8000, 8000, 8000, 8000, 8000]);
    const plain = new RetrySchedule({ initialDelayMs: 1000, maxDelayMs: 8000, jitter: false });
    const bounds = [];
    for (let i = 0; i < 6; i++) bounds.push(plain.next(reset(), undefined).delayMs);
    assert.deepEqual(bounds, [1000, 2000, 4000, 8000, 8000, 8000]);
  });

  it('maxRetries: gives up after that many retries, and says so', () => {
    const schedule = new RetrySchedule({ maxRetries: 2 }, almostOne);
    assert.equal(schedule.next(reset(), undefined).retry, true);
    assert.equal(schedule.next(reset(), undefined).retry, true);
    const last = schedule.next(reset(), undefined);
    assert.equal(last.retry, false);
    assert.equal(last.exhausted, true);
    assert.match(last.reason, /gave up after 2 retries/);
  });

  it('maxRetries: 0 never retries', () => {
    const step = new RetrySchedule({ maxRetries: 0 }).next(reset(), undefined);
    assert.deepEqual([step.retry, step.exhausted], [false, true]);
  });

  it('minUptimeMs: a connection open that long resets the counter; a shorter one does not', () => {
    const schedule = new RetrySchedule({ minUptimeMs: 5000, jitter: false });
    schedule.next(reset(), undefined);
    schedule.next(reset(), undefined);
    assert.equal(schedule.attempt, 2);
    const short = schedule.next(reset(), 4999);
    assert.deepEqual([short.attempt, short.delayMs], [3, 2000]);
    const healthy = schedule.next(reset(), 5000);
    assert.deepEqual([healthy.attempt, healthy.delayMs], [1, 500]);
    const neverOpened = schedule.next(reset(), undefined);
    assert.equal(neverOpened.attempt, 2);
  });

  it('minUptimeMs with maxRetries: a healthy connection earns new retries', () => {
    const schedule = new RetrySchedule({ maxRetries: 1, minUptimeMs: 1000 });
    assert.equal(schedule.next(reset(), undefined).retry, true);
    assert.equal(schedule.next(reset(), 10).retry, false);
    assert.equal(schedule.next(reset(), 1000).retry, true);
  });

  it('reset() starts counting again', () => {
    const schedule = new RetrySchedule({});
    schedule.next(reset(), undefined);
    schedule.reset();
    assert.equal(schedule.attempt, 0);
  });
});

describe('retryDelayMs and parseRetryAfter bounds', () => {
  it('nonsense settings fall back to the defaults instead of NaN or a negative delay', () => {
    for (const bad of [Number.NaN, -1, undefined]) {
      const delay = retryDelayMs(
        3,
        0,
        { initialDelayMs: bad, maxDelayMs: bad, backoffFactor: bad },
        almostOne,
      );
      assert.equal(delay, 3999);
    }
    assert.equal(retryDelayMs(0, Number.NaN, {}, almostOne), 499);
    assert.equal(retryDelayMs(0, -10_000, {}, almostOne), 499);
    assert.equal(
      retryDelayMs(40, Number.POSITIVE_INFINITY, { maxDelayMs: Infinity }, almostOne),
      MAX_TIMER_MS,
    );
  });

  it('parseRetryAfter reads seconds and HTTP dates, refuses the rest', () => {
    assert.equal(parseRetryAfter(' 120 ', NOW), 120_000);
    assert.equal(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', NOW), 30_000);
    assert.equal(parseRetryAfter('Thursday, 01-Jan-26 00:00:30 GMT', NOW), 30_000);
    assert.equal(parseRetryAfter('Thu Jan  1 00:00:30 2026', NOW), 30_000);
    for (const bad of ['-5', '1e3', '0x10', '2026-01-01', 'tomorrow', '12 apples', ''])
      assert.equal(parseRetryAfter(bad, NOW), undefined, bad);
    assert.ok(parseRetryAfter('9'.repeat(400), NOW)! > MAX_TIMER_MS);
  });
});

describe('armTimer: every timer the library arms fits in a Node timer', () => {
  it('clamps huge, infinite, negative and NaN delays', () => {
    assert.equal(timerDelayMs(99_999_999_000), MAX_TIMER_MS);
    assert.equal(timerDelayMs(Number.POSITIVE_INFINITY), MAX_TIMER_MS);
    assert.equal(timerDelayMs(MAX_TIMER_MS), MAX_TIMER_MS);
    assert.equal(timerDelayMs(-5), 0);
    assert.equal(timerDelayMs(Number.NaN), 0);
    assert.equal(timerDelayMs(1.2), 2);
    const clock = new FakeClock();
    armTimer(clock, () => {}, 10 ** 15);
    assert.deepEqual(clock.armedDelays, [MAX_TIMER_MS]);
  });
});
