// Tests for src/client/payload.ts: what callers pass as a message, as the engine takes it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { asPayload, payloadBytes } from '../../src/client/payload.js';

describe('asPayload', () => {
  it('keeps strings and Uint8Arrays (Buffers too) as they are', () => {
    assert.equal(asPayload('héllo'), 'héllo');
    assert.equal(asPayload(''), '');
    const bytes = new Uint8Array([1, 2, 3]);
    assert.equal(asPayload(bytes), bytes);
    const buffer = Buffer.from('abc');
    assert.equal(asPayload(buffer), buffer);
  });

  it('views at an odd offset become a Uint8Array over exactly their bytes, without a copy', () => {
    const backing = Buffer.from([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    const slice = backing.subarray(3, 6);
    assert.deepEqual([...(asPayload(slice) as Uint8Array)], [3, 4, 5]);
    const view = new DataView(backing.buffer, backing.byteOffset + 1, 3);
    const fromView = asPayload(view) as Uint8Array;
    assert.deepEqual([...fromView], [1, 2, 3]);
    assert.equal(fromView.buffer, backing.buffer);
    const words = new Uint16Array([0x0102, 0x0304]);
    assert.equal((asPayload(words) as Uint8Array).byteLength, 4);
  });

  it('an ArrayBuffer becomes a Uint8Array over all of it', () => {
    const buffer = new ArrayBuffer(5);
    const payload = asPayload(buffer) as Uint8Array;
    assert.ok(payload instanceof Uint8Array);
    assert.equal(payload.buffer, buffer);
    assert.equal(payload.byteLength, 5);
  });

  it('anything else is undefined, for the caller to refuse', () => {
    for (const value of [undefined, null, 42, {}, [1, 2], new SharedArrayBuffer(2), true]) {
      assert.equal(asPayload(value), undefined);
    }
  });
});

describe('payloadBytes', () => {
  it('encodes text as UTF-8 and passes bytes through unchanged', () => {
    assert.deepEqual([...payloadBytes('é€')], [0xc3, 0xa9, 0xe2, 0x82, 0xac]);
    assert.equal(payloadBytes('').byteLength, 0);
    const bytes = new Uint8Array([9, 8]);
    assert.equal(payloadBytes(bytes), bytes);
  });
});
