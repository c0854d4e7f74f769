// Tests for src/dialects/lua-conventions.ts: Lua truthiness, payload arguments and the fixed
// reconnect interval shared by the firmware dialects.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, InvalidArgumentError } from '../../src/core/errors.js';
import {
  fixedInterval,
  isLuaTruthy,
  RETRY_AFTER_CAP_MS,
  toPayload,
} from '../../src/dialects/lua-conventions.js';

describe('isLuaTruthy', () => {
  it('only nil and false are false; 0 and the empty string are true', () => {
    for (const value of [undefined, null, false]) assert.equal(isLuaTruthy(value), false);
    for (const value of [0, '', true, 'false', {}, Number.NaN])
      assert.equal(isLuaTruthy(value), true);
  });
});

describe('toPayload', () => {
  it('takes strings and bytes in every common shape, without copying', () => {
    assert.equal(toPayload('x'), 'x');
    const backing = Buffer.from([1, 2, 3, 4, 5]);
    const slice = backing.subarray(1, 4);
    const payload = toPayload(slice) as Uint8Array;
    assert.deepEqual([...payload], [2, 3, 4]);
    assert.deepEqual(
      [...(toPayload(new DataView(backing.buffer, backing.byteOffset + 3, 2)) as Uint8Array)],
      [4, 5],
    );
    assert.equal((toPayload(new ArrayBuffer(3)) as Uint8Array).byteLength, 3);
  });

  it('refuses anything else with ERR_INVALID_ARGUMENT naming the argument', () => {
    for (const value of [undefined, null, 42, {}, [1], new SharedArrayBuffer(1)]) {
      assert.throws(
        () => toPayload(value, 'the ping data'),
        (error: unknown) =>
          error instanceof InvalidArgumentError &&
          error.code === ErrorCode.InvalidArgument &&
          error.message.startsWith('the ping data must be a string'),
      );
    }
    assert.throws(() => toPayload(7), /^InvalidArgumentError: data must be .*not a number$/);
  });
});

describe('fixedInterval', () => {
  it('retries at the interval without growth or jitter; Retry-After waits at most 30 s', () => {
    assert.deepEqual(fixedInterval(3000), {
      jitter: false,
      backoffFactor: 1,
      initialDelayMs: 3000,
      maxDelayMs: RETRY_AFTER_CAP_MS,
      tryAgainLaterDelayMs: 0,
    });
    assert.equal(RETRY_AFTER_CAP_MS, 30_000);
    assert.equal(fixedInterval(60_000).maxDelayMs, 60_000);
  });
});
