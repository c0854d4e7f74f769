// Direct ws:// sockets read large messages straight into their buffers (src/transport/
// socket-reads.ts, net.connect's onread, with ClientProtocol.receiveTarget): over real loopback
// sockets, messages around the 64 KiB threshold and far above it, binary and text, between small
// ones, arrive byte for byte; reads do land in the targets; receive backpressure still pauses.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { ClientProtocol } from '../../src/core/protocol.js';
import { open, reader, turn } from '../helpers/api.js';
import { acceptHandshake, scripted, serverFrame } from '../helpers/servers.js';

const KiB = 1024;
const MiB = 1024 * KiB;

function patterned(length: number, seed: number): Buffer {
  const bytes = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) bytes[i] = (i * 131 + seed) & 0xff;
  return bytes;
}

/** Text of exactly `byteLength` UTF-8 bytes with 1- to 4-byte characters. */
function textOf(byteLength: number): string {
  const unit = 'aé€😀'; // 1 + 2 + 3 + 4 bytes
  let text = unit.repeat(Math.floor(byteLength / 10));
  text += 'z'.repeat(byteLength - Buffer.byteLength(text));
  return text;
}

/**
 * Counts, while the test runs, the reads that landed in a target: data passed to receiveData
 * as a view starting where the last target given out started.
 */
function countTargetedReads(t: { after(fn: () => void): void }): { count: number } {
  const proto = ClientProtocol.prototype;
  const { receiveTarget, receiveData } = proto;
  const counter = { count: 0 };
  let last: Uint8Array | undefined;
  proto.receiveTarget = function (this: ClientProtocol) {
    last = receiveTarget.call(this);
    return last;
  };
  proto.receiveData = function (this: ClientProtocol, data: Uint8Array) {
    if (last !== undefined && data.buffer === last.buffer && data.byteOffset === last.byteOffset) {
      counter.count++;
    }
    last = undefined;
    receiveData.call(this, data);
  };
  t.after(() => {
    proto.receiveTarget = receiveTarget;
    proto.receiveData = receiveData;
  });
  return counter;
}

describe('reading large messages straight into their buffers (plain TCP)', () => {
  it('delivers messages of 64 KiB - 1, 64 KiB, 1 MiB and 5 MiB + 3 exactly, binary and text', async (t) => {
    const sizes = [64 * KiB - 1, 64 * KiB, MiB, 5 * MiB + 3];
    const expected: (Buffer | string)[] = [];
    sizes.forEach((size, i) => {
      expected.push(patterned(size, i), `small ${i}`, textOf(size), Buffer.of(i));
    });
    const targeted = countTargetedReads(t);
    const server = await scripted(t, async (socket: Socket) => {
      await acceptHandshake(socket);
      for (const data of expected) {
        const frame = serverFrame(typeof data === 'string' ? 1 : 2, data);
        // Written in two parts, so that reads also end inside headers and payloads.
        const cut = Math.min(frame.length - 1, 3 + (frame.length >> 1));
        socket.write(frame.subarray(0, cut));
        socket.write(frame.subarray(cut));
      }
    });
    const ws = await open(t, server.url, { maxMessageBytes: 8 * MiB });
    const next = reader(ws);
    for (let i = 0; i < expected.length; i++) {
      const want = expected[i]!;
      const message = await next();
      if (typeof want === 'string') {
        assert.equal(message.isBinary, false, `#${i}`);
        assert.ok(message.data === want, `#${i}: text of ${want.length} characters`);
      } else {
        assert.equal(message.isBinary, true, `#${i}`);
        const data = message.data as Uint8Array;
        assert.equal(data.length, want.length, `#${i}`);
        assert.ok(Buffer.from(data.buffer, data.byteOffset, data.length).equals(want), `#${i}`);
      }
    }
    assert.ok(targeted.count >= 6, `reads went into message buffers (${targeted.count})`);
  });

  it('still stops reading while received messages wait (receive backpressure)', async (t) => {
    const MESSAGES = 24;
    let serverSocket: Socket | undefined;
    const server = await scripted(t, async (socket: Socket) => {
      serverSocket = socket;
      await acceptHandshake(socket);
      for (let i = 0; i < MESSAGES; i++) socket.write(serverFrame(2, patterned(MiB, i)));
    });
    const ws = await open(t, server.url, { receiveHighWaterMark: 1 });
    const next = reader(ws);
    const first = await next();
    assert.ok(Buffer.from(first.data as Uint8Array).equals(patterned(MiB, 0)));
    // The client holds at most a couple of messages: most of 24 MiB still waits at the server.
    for (let i = 0; i < 20; i++) await turn();
    assert.ok(
      serverSocket!.writableLength > 8 * MiB,
      `the server still holds ${serverSocket!.writableLength} bytes`,
    );
    for (let i = 1; i < MESSAGES; i++) {
      const message = await next();
      assert.ok(Buffer.from(message.data as Uint8Array).equals(patterned(MiB, i)), `#${i}`);
    }
    assert.equal(serverSocket!.writableLength, 0);
  });
});
