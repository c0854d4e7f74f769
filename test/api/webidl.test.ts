// Tests for src/api/webidl.ts: the WebIDL conversions of the WHATWG face.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  clampUnsignedShort,
  isDictionary,
  isIterableObject,
  messageOf,
  sizeOf,
  toDOMString,
  toProtocolList,
  toSendValue,
} from '../../src/api/webidl.js';

const syntaxError = (error: unknown) =>
  error instanceof DOMException && error.name === 'SyntaxError';

describe('webidl conversions', () => {
  it('toDOMString converts anything but a Symbol', () => {
    assert.equal(toDOMString(12), '12');
    assert.equal(toDOMString(null), 'null');
    assert.throws(() => toDOMString(Symbol('s')), TypeError);
  });

  it('tells iterables from dictionaries', () => {
    assert.equal(isIterableObject(['a']), true);
    assert.equal(isIterableObject(new Set()), true);
    assert.equal(isIterableObject('abc'), false);
    assert.equal(isDictionary({ protocols: [] }), true);
    assert.equal(isDictionary(['a']), false);
    assert.equal(isDictionary(null), false);
  });

  it('toProtocolList takes a name or a sequence and refuses bad or repeated names', () => {
    assert.deepEqual(toProtocolList(undefined), []);
    assert.deepEqual(toProtocolList('chat'), ['chat']);
    assert.deepEqual(toProtocolList(new Set(['a', 'b'])), ['a', 'b']);
    assert.throws(() => toProtocolList('two words'), syntaxError);
    assert.throws(() => toProtocolList(['a', 'a']), syntaxError);
    assert.throws(() => toProtocolList(['chat', 'CHAT']), syntaxError);
  });

  it('toSendValue: views at an offset, ArrayBuffer, Blob, others as strings; no shared memory', () => {
    const backing = Buffer.from([0, 1, 2, 3]);
    assert.deepEqual([...(toSendValue(backing.subarray(1, 3)) as Uint8Array)], [1, 2]);
    assert.equal((toSendValue(new ArrayBuffer(4)) as Uint8Array).byteLength, 4);
    const blob = new Blob(['x']);
    assert.equal(toSendValue(blob), blob);
    assert.equal(toSendValue(42), '42');
    assert.equal(toSendValue(undefined), 'undefined');
    assert.throws(() => toSendValue(new SharedArrayBuffer(2)), TypeError);
    assert.throws(() => toSendValue(new Uint8Array(new SharedArrayBuffer(2))), TypeError);
  });

  it('sizeOf counts UTF-8 bytes, Blob and byte sizes', () => {
    assert.equal(sizeOf('é€😀'), 2 + 3 + 4);
    assert.equal(sizeOf('\ud800'), 3); // a lone surrogate is sent as U+FFFD
    assert.equal(sizeOf(new Uint8Array(126)), 126);
    assert.equal(sizeOf(new Blob(['abc'])), 3);
  });

  it('clampUnsignedShort clamps, rounds half to even and maps NaN to 0', () => {
    assert.equal(clampUnsignedShort(-5), 0);
    assert.equal(clampUnsignedShort(70000), 65535);
    assert.equal(clampUnsignedShort(1000.5), 1000);
    assert.equal(clampUnsignedShort(1001.5), 1002);
    assert.equal(clampUnsignedShort(3000.6), 3001);
    assert.equal(clampUnsignedShort('x'), 0);
    assert.equal(clampUnsignedShort('4000'), 4000);
  });

  it('messageOf gives an Error message or the value as text', () => {
    assert.equal(messageOf(new Error('m')), 'm');
    assert.equal(messageOf('plain'), 'plain');
  });
});
