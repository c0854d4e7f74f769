// Tests for src/core/backoff.ts: the exponential bound, full jitter, and Retry-After parsing
// (RFC 9110 §10.2.3).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffBound, backoffDelay, parseRetryAfter } from '../../src/core/backoff.js';

const settings = { initialDelayMs: 500, factor: 2, maxDelayMs: 30_000 };

describe('backoff', () => {
  it('grows the bound by the factor per attempt and caps it at maxDelayMs', () => {
    assert.deepEqual(
      [0, 1, 2, 3, 5, 6, 7].map((attempt) => backoffBound(attempt, settings)),
      [500, 1000, 2000, 4000, 16_000, 30_000, 30_000],
    );
  });

  it('caps an overflowing bound (factor ** attempt = Infinity) instead of returning NaN', () => {
    assert.equal(backoffBound(5000, settings), 30_000);
    assert.equal(backoffBound(10, { ...settings, factor: 1 }), 500, 'factor 1: fixed interval');
  });

  it('draws a delay between 0 and the bound (full jitter)', () => {
    assert.equal(backoffDelay(2, settings, 0), 0);
    assert.equal(backoffDelay(2, settings, 0.5), 1000);
    assert.equal(backoffDelay(2, settings, 0.999_999), 1999);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('Sun, 06 Nov 1994 08:49:37 GMT');

  it('reads delay-seconds', () => {
    assert.equal(parseRetryAfter('120', now), 120_000);
    assert.equal(parseRetryAfter(' 0 ', now), 0);
  });

  it('reads an HTTP date relative to now, never negative', () => {
    assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:49:47 GMT', now), 10_000);
    assert.equal(parseRetryAfter('Sunday, 06-Nov-94 08:49:57 GMT', now), 20_000);
    assert.equal(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', now), 0);
  });

  it('ignores what is neither form', () => {
    for (const value of [undefined, '', '-5', '1.5', 'soon', '12abc', 'Funday, 1 Jan 2000']) {
      assert.equal(parseRetryAfter(value, now), undefined, String(value));
    }
  });

  it('turns an absurd number of seconds into a huge but finite wait', () => {
    const ms = parseRetryAfter('9'.repeat(400), now);
    assert.ok(ms !== undefined && Number.isFinite(ms) && ms > 1e300);
  });
});
