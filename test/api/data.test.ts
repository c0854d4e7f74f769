// Tests for src/api/data.ts: what WebSocketClient.send() takes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toSendable } from '../../src/api/data.js';
import { ErrorCode, InvalidArgumentError } from '../../src/core/errors.js';

describe('toSendable', () => {
  it('keeps text, and views any byte shape without copying', () => {
    assert.equal(toSendable('hi'), 'hi');
    const backing = Buffer.alloc(70_000, 7);
    const slice = backing.subarray(3, 3 + 65_537);
    const bytes = toSendable(slice) as Uint8Array;
    assert.equal(bytes.byteLength, 65_537);
    assert.equal(bytes.buffer, backing.buffer);
    assert.deepEqual([...(toSendable(new DataView(new ArrayBuffer(3), 1)) as Uint8Array)], [0, 0]);
    assert.equal((toSendable(new SharedArrayBuffer(5)) as Uint8Array).byteLength, 5);
  });

  it('refuses a missing or wrong argument with ERR_INVALID_ARGUMENT', () => {
    const refused = (pattern: RegExp) => (error: unknown) =>
      error instanceof InvalidArgumentError &&
      error.code === ErrorCode.InvalidArgument &&
      pattern.test(error.message);
    assert.throws(() => toSendable(undefined), refused(/called without one/));
    assert.throws(() => toSendable(42), refused(/not a number$/));
    assert.throws(() => toSendable(null), refused(/not null$/));
    assert.throws(() => toSendable([1]), refused(/not an array$/));
  });
});
