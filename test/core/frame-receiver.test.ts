// Tests for src/core/frame-receiver.ts: decoded frames to messages (or, with deliverFrames,
// to one event per data frame), control frames collected whole across reads, data dropped
// after our Close, and receive failures reported to the host.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocketError } from '../../src/core/errors.js';
import { ErrorCode } from '../../src/core/errors.js';
import { FrameDecoder } from '../../src/core/frame-decoder.js';
import { FrameReceiver, type ReceivedFrameHost } from '../../src/core/frame-receiver.js';
import type { ProtocolEvent } from '../../src/core/protocol.js';
import { serverFrame } from '../helpers/servers.js';

function setup(options: { deliverFrames?: boolean; maxMessageBytes?: number } = {}) {
  const seen = {
    data: [] as ProtocolEvent[],
    controls: [] as [number, string][],
    errors: [] as WebSocketError[],
    isDropping: false,
  };
  let decoder: FrameDecoder;
  const host: ReceivedFrameHost = {
    onData: (event) => seen.data.push(event),
    onControlFrame: (opcode, payload) =>
      seen.controls.push([opcode, Buffer.from(payload).toString()]),
    // As the protocol does: the first failure stops the decoder.
    onReceiveError: (error) => {
      seen.errors.push(error);
      decoder.halt();
    },
    isDroppingData: () => seen.isDropping,
    onInflateStarted: () => decoder.pause(),
    createInflater: () => assert.fail('no compressed message in these tests'),
    onInflateDone: () => {
      decoder.resume();
    },
  };
  const receiver = new FrameReceiver(host, {
    maxMessageBytes: options.maxMessageBytes,
    maxTextLength: 1 << 20,
    deliverFrames: options.deliverFrames === true,
  });
  decoder = new FrameDecoder(receiver);
  /** Feeds bytes in pieces of `size` (a Ping split across reads, say). */
  const feed = (bytes: Uint8Array, size = bytes.length) => {
    for (let i = 0; i < bytes.length; i += size) {
      const error = decoder.push(bytes.subarray(i, i + size));
      if (error !== undefined) host.onReceiveError(error);
    }
  };
  return { seen, receiver, feed };
}

describe('FrameReceiver', () => {
  it('assembles fragments into one message, with a control frame between them', () => {
    const { seen, feed } = setup();
    feed(
      Buffer.concat([
        serverFrame(1, 'hel', { fin: false }),
        serverFrame(9, 'ping!'),
        serverFrame(0, 'lo', { fin: false }),
        serverFrame(0, ''),
        serverFrame(2, Buffer.from([1, 2])),
      ]),
      3,
    );
    assert.deepEqual(seen.controls, [[9, 'ping!']]);
    assert.equal(seen.data.length, 2);
    assert.deepEqual(seen.data[0], { type: 'message', data: 'hello', isBinary: false });
    const binary = seen.data[1] as Extract<ProtocolEvent, { type: 'message' }>;
    assert.equal(binary.isBinary, true);
    assert.deepEqual([...(binary.data as Uint8Array)], [1, 2]);
  });

  it('with deliverFrames, reports each data frame with its own opcode and FIN', () => {
    const { seen, feed } = setup({ deliverFrames: true });
    feed(Buffer.concat([serverFrame(2, 'ab', { fin: false }), serverFrame(0, 'c')]), 1);
    assert.deepEqual(
      seen.data.map((event) => {
        const frame = event as Extract<ProtocolEvent, { type: 'frame' }>;
        return [frame.opcode, frame.fin, frame.isBinary, Buffer.from(frame.data).toString()];
      }),
      [
        [2, false, true, 'ab'],
        [0, true, true, 'c'],
      ],
    );
  });

  it('drops data frames unread while the host says so, but still takes control frames', () => {
    const { seen, feed } = setup();
    seen.isDropping = true;
    feed(Buffer.concat([serverFrame(1, 'late'), serverFrame(8, Buffer.from([3, 232]))]));
    assert.deepEqual(seen.data, []);
    assert.equal(seen.controls.length, 1);
    assert.equal(seen.controls[0]![0], 8);
  });

  it('abandonData() drops the message being received and the rest of its frame', () => {
    const { seen, receiver, feed } = setup();
    const first = serverFrame(1, 'aaaa');
    feed(first.subarray(0, 4));
    receiver.abandonData();
    seen.isDropping = true;
    feed(first.subarray(4));
    feed(serverFrame(0, 'bb'));
    assert.deepEqual(seen.data, []);
    assert.deepEqual(seen.errors, []);
  });

  it('reports a message over maxMessageBytes and invalid UTF-8 as receive errors', () => {
    const big = setup({ maxMessageBytes: 4 });
    big.feed(serverFrame(2, Buffer.alloc(5)));
    assert.equal(big.seen.errors[0]?.code, ErrorCode.MessageTooBig);
    const bad = setup();
    bad.feed(serverFrame(1, Buffer.from([0xc3, 0x28])));
    assert.equal(bad.seen.errors.length, 1);
    assert.equal(bad.seen.errors[0]?.code, ErrorCode.InvalidUtf8);
    assert.equal(bad.seen.data.length, 0);
  });
});
