// Tests for src/dialects/luatos-air-arguments.ts: argument checks of the LuatOS-Air client.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MAX_TIMER_MS } from '../../src/client/clock.js';
import { ErrorCode, InvalidArgumentError } from '../../src/core/errors.js';
import {
  checkFrame,
  closeArguments,
  controlPayload,
  secondsToMs,
} from '../../src/dialects/luatos-air-arguments.js';

const refused = (pattern: RegExp) => (error: unknown) =>
  error instanceof InvalidArgumentError &&
  error.code === ErrorCode.InvalidArgument &&
  pattern.test(error.message);

describe('secondsToMs', () => {
  it('rounds up to whole milliseconds and clamps to what a timer holds', () => {
    assert.equal(secondsToMs(1.5, 'timeout', false), 1500);
    assert.equal(secondsToMs(0.0001, 'timeout', false), 1);
    assert.equal(secondsToMs(0, 'heartbeat', true), 0);
    assert.equal(secondsToMs(1e9, 'timeout', false), MAX_TIMER_MS);
  });

  it('refuses zero when not allowed, negatives, NaN, Infinity and non-numbers', () => {
    assert.throws(() => secondsToMs(0, 'timeout', false), refused(/timeout must be .* > 0, not 0/));
    for (const value of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      assert.throws(() => secondsToMs(value, 'timeout', true), refused(/>= 0/));
    }
    assert.throws(() => secondsToMs('5', 'timeout', true), refused(/not a string$/));
  });
});

describe('checkFrame', () => {
  it('takes continuation, text, binary, ping and pong; FIN follows Lua truthiness', () => {
    assert.equal(checkFrame(true, 1), true);
    assert.equal(checkFrame(0, 2), true); // 0 is true in Lua
    assert.equal(checkFrame(false, 0), false);
    assert.equal(checkFrame(undefined, 2), false);
    assert.equal(checkFrame(1, 9), true);
    assert.equal(checkFrame(1, 10), true);
  });

  it('refuses close, reserved and odd opcodes, and fragmented control frames', () => {
    for (const opcode of [8, 3, 11, 16, -1, 1.5, '1']) {
      assert.throws(() => checkFrame(true, opcode), refused(/opcode .* is not allowed/));
    }
    assert.throws(() => checkFrame(false, 9), refused(/cannot be fragmented/));
  });
});

describe('closeArguments', () => {
  it('takes any code that may appear on the wire; a reason alone goes with 1000', () => {
    assert.deepEqual(closeArguments(1002, undefined), { code: 1002, reason: undefined });
    assert.deepEqual(closeArguments(undefined, 'bye'), { code: 1000, reason: 'bye' });
    assert.deepEqual(closeArguments(null, null), { code: undefined, reason: undefined });
    assert.deepEqual(closeArguments(4999, ''), { code: 4999, reason: '' });
  });

  it('refuses codes that cannot be sent and reasons over 123 bytes', () => {
    for (const code of [1005, 1006, 1015, 999, 5000, '1000']) {
      assert.throws(() => closeArguments(code, undefined), refused(/cannot be sent/));
    }
    assert.throws(() => closeArguments(1000, 'x'.repeat(124)), InvalidArgumentError);
  });
});

describe('controlPayload', () => {
  it('nil is empty, text is UTF-8, bytes stay; at most 125 bytes', () => {
    assert.equal(controlPayload(undefined, 'ping').byteLength, 0);
    assert.equal(controlPayload(null, 'pong').byteLength, 0);
    assert.deepEqual([...controlPayload('é', 'ping')], [0xc3, 0xa9]);
    assert.equal(controlPayload(new Uint8Array(125), 'ping').byteLength, 125);
    assert.throws(
      () => controlPayload(new Uint8Array(126), 'pong'),
      refused(/at most 125 bytes \(got 126\)/),
    );
    assert.throws(() => controlPayload('é'.repeat(63), 'ping'), refused(/got 126/));
    assert.throws(() => controlPayload(5, 'ping'), refused(/the ping data must be/));
  });
});
