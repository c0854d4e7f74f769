// Tests for src/api/whatwg-face.ts: what both WHATWG faces share (argument reading, close()
// checks, binaryType, message and error events).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  binaryTypeOf,
  closeArguments,
  errorEvent,
  faceArguments,
  messageEvent,
  urlArgument,
} from '../../src/api/whatwg-face.js';
import { ErrorCode, InvalidArgumentError } from '../../src/core/errors.js';

function domError(name: string) {
  return (error: unknown) => error instanceof DOMException && error.name === name;
}

describe('faceArguments', () => {
  it('takes (protocols, options) and (options) forms', () => {
    assert.deepEqual(
      faceArguments<{ protocols?: unknown; origin?: string }>('chat', { origin: 'x' }),
      {
        settings: { origin: 'x' },
        offered: 'chat',
      },
    );
    const options = { protocols: ['a', 'b'] };
    assert.deepEqual(faceArguments(options, undefined), { settings: options, offered: ['a', 'b'] });
    assert.deepEqual(faceArguments(undefined, options), { settings: options, offered: ['a', 'b'] });
    assert.deepEqual(faceArguments(['x'], undefined), { settings: undefined, offered: ['x'] });
  });

  it('refuses options that are not an object, options twice, and protocols twice', () => {
    const refused = (error: unknown) =>
      error instanceof InvalidArgumentError && error.code === ErrorCode.InvalidArgument;
    assert.throws(() => faceArguments(undefined, 5 as never), refused);
    assert.throws(() => faceArguments(undefined, null as never), refused);
    assert.throws(() => faceArguments({}, {}), /2nd and 3rd argument/);
    assert.throws(() => faceArguments('a', { protocols: 'b' }), /not both/);
  });
});

describe('urlArgument', () => {
  it('maps http(s) to ws(s) and refuses a bad URL with a SyntaxError', () => {
    assert.equal(urlArgument('http://example.com/a').url.href, 'ws://example.com/a');
    assert.throws(() => urlArgument('not a url'), domError('SyntaxError'));
    assert.throws(() => urlArgument('ftp://example.com/'), domError('SyntaxError'));
  });
});

describe('closeArguments', () => {
  it('keeps what was not given undefined and clamps the code', () => {
    assert.deepEqual(closeArguments(undefined, undefined), { code: undefined, reason: undefined });
    assert.deepEqual(closeArguments(1000, 'bye'), { code: 1000, reason: 'bye' });
    assert.deepEqual(closeArguments(3000.5, undefined), { code: 3000, reason: undefined });
    assert.deepEqual(closeArguments(4999, ''), { code: 4999, reason: '' });
  });

  it('refuses other codes with InvalidAccessError and long reasons with SyntaxError', () => {
    for (const code of [999, 1001, 1005, 2999, 5000, -1, 70000]) {
      assert.throws(() => closeArguments(code, undefined), domError('InvalidAccessError'));
    }
    assert.throws(() => closeArguments(1000, 'x'.repeat(124)), domError('SyntaxError'));
    assert.throws(() => closeArguments(undefined, 'é'.repeat(62)), domError('SyntaxError'));
    assert.deepEqual(closeArguments(1000, 'x'.repeat(123)).reason?.length, 123);
  });
});

describe('binaryTypeOf', () => {
  it('takes the two enumeration values and ignores anything else', () => {
    assert.equal(binaryTypeOf('arraybuffer', 'blob'), 'arraybuffer');
    assert.equal(binaryTypeOf('blob', 'arraybuffer'), 'blob');
    assert.equal(binaryTypeOf('nodebuffer', 'arraybuffer'), 'arraybuffer');
    assert.equal(binaryTypeOf(undefined, 'blob'), 'blob');
  });
});

describe('messageEvent', () => {
  it('text stays a string; binary is a Blob or an ArrayBuffer of exactly the message', async () => {
    assert.equal(messageEvent('hi', false, 'blob', 'ws://h').data, 'hi');
    const backing = Buffer.from([0, 1, 2, 3, 4]);
    const view = backing.subarray(1, 4);
    const asBuffer = messageEvent(view, true, 'arraybuffer', 'ws://h');
    assert.ok(asBuffer.data instanceof ArrayBuffer);
    assert.deepEqual([...new Uint8Array(asBuffer.data)], [1, 2, 3]);
    assert.equal(asBuffer.origin, 'ws://h');
    const asBlob = messageEvent(view, true, 'blob', 'ws://h');
    assert.ok(asBlob.data instanceof Blob);
    assert.deepEqual([...new Uint8Array(await asBlob.data.arrayBuffer())], [1, 2, 3]);
  });
});

describe('errorEvent', () => {
  it('carries the message and the error', () => {
    const error = new Error('boom');
    const event = errorEvent(error);
    assert.equal(event.type, 'error');
    assert.equal(event.message, 'boom');
    assert.equal(event.error, error);
  });
});
