// Tests for src/api/send-order.ts: send() order across Blobs for the WHATWG faces.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SendOrder, type Settle } from '../../src/api/send-order.js';
import { ErrorCode, InvalidArgumentError } from '../../src/core/errors.js';

function recorder() {
  const sent: { data: string | number[]; bytes: number }[] = [];
  const order = new SendOrder((data, bytes, settle) => {
    sent.push({ data: typeof data === 'string' ? data : [...data], bytes });
    settle(undefined);
  });
  return { sent, order };
}

/** A Blob whose bytes arrive when `release()` is called. */
function slowBlob(bytes: number[]) {
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => (release = resolve));
  const blob = new Blob([new Uint8Array(bytes)]);
  Object.defineProperty(blob, 'arrayBuffer', {
    value: async () => {
      await gate;
      return new Uint8Array(bytes).buffer;
    },
  });
  return { blob, release };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('SendOrder', () => {
  it('forwards strings and bytes at once while nothing waits, with their UTF-8 size', () => {
    const { sent, order } = recorder();
    order.send('héllo');
    order.send(new Uint8Array([1, 2]));
    assert.deepEqual(sent, [
      { data: 'héllo', bytes: 6 },
      { data: [1, 2], bytes: 2 },
    ]);
    assert.equal(order.waitingBytes, 0);
  });

  it('holds everything sent after a Blob until the Blob was read, and copies held bytes', async () => {
    const { sent, order } = recorder();
    const { blob, release } = slowBlob([9, 9, 9]);
    order.send(blob);
    const reused = Buffer.from([1, 2, 3, 4]).subarray(1, 3);
    order.send(reused);
    reused[0] = 0xff; // the caller reuses its buffer before the Blob is read
    order.send('after');
    let closed = false;
    order.after(() => {
      closed = true;
    });
    assert.deepEqual(sent, []);
    assert.equal(order.waitingBytes, 3 + 2 + 5);
    assert.equal(closed, false);
    release();
    await turn();
    assert.deepEqual(sent, [
      { data: [9, 9, 9], bytes: 3 },
      { data: [2, 3], bytes: 2 },
      { data: 'after', bytes: 5 },
    ]);
    assert.equal(closed, true);
    assert.equal(order.waitingBytes, 0);
  });

  it('after() runs at once when nothing waits', () => {
    const { order } = recorder();
    let ran = false;
    order.after(() => {
      ran = true;
    });
    assert.equal(ran, true);
  });

  it('an unreadable Blob settles its send with ERR_INVALID_ARGUMENT; later sends go on', async () => {
    const { sent, order } = recorder();
    const blob = new Blob(['x']);
    Object.defineProperty(blob, 'arrayBuffer', { value: () => Promise.reject(new Error('gone')) });
    let settled: Error | undefined;
    const settle: Settle = (error) => {
      settled = error;
    };
    order.send(blob, settle);
    order.send('next');
    await turn();
    assert.ok(settled instanceof InvalidArgumentError);
    assert.equal(settled.code, ErrorCode.InvalidArgument);
    assert.match(settled.message, /could not be read: gone/);
    assert.equal((settled.cause as Error).message, 'gone');
    assert.deepEqual(sent, [{ data: 'next', bytes: 4 }]);
  });

  it('clear() drops what waits and returns its bytes; a late Blob read forwards nothing', async () => {
    const { sent, order } = recorder();
    const { blob, release } = slowBlob([1]);
    order.send(blob);
    order.send('ab');
    assert.equal(order.clear(), 3);
    assert.equal(order.waitingBytes, 0);
    release();
    await turn();
    assert.deepEqual(sent, []);
  });
});
