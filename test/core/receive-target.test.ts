// Tests for ClientProtocol.receiveTarget (src/core/protocol.ts, assembler.ts): a large
// unfragmented, uncompressed message gets its buffer from its header, a transport may read the
// rest of its payload straight into it, and bytes passed back as a view at the fill point are
// taken without a copy. Everything else (views elsewhere, split headers, a next frame in the
// same read, UTF-8 split anywhere, limits) behaves as before.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes } from '../../src/core/bytes.js';
import type { ClientProtocol, ProtocolEvent } from '../../src/core/protocol.js';
import { testPorts } from '../helpers/ports.js';
import { expectError, frame, openProtocol } from './protocol-harness.js';

const KiB = 1024;
/** The smallest message whose buffer is made from its header (WHOLE_MESSAGE_BYTES). */
const WHOLE = 64 * KiB;

/** Ports whose allocator hands out memory full of 0xee and keeps what it handed out. */
function dirtyPorts(): { ports: ReturnType<typeof testPorts>; made: Uint8Array[] } {
  const made: Uint8Array[] = [];
  const ports = {
    ...testPorts(7),
    allocate: (length: number) => {
      const bytes = new Uint8Array(length).fill(0xee);
      made.push(bytes);
      return bytes;
    },
  };
  return { ports, made };
}

function patterned(length: number, seed = 1): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) & 0xff);
}

/**
 * A transport in miniature: feeds `stream` in reads of at most `sizes[i % sizes.length]` bytes,
 * each into the protocol's target when it has one (then passed as a view of it), else as a
 * view of the stream. Returns the number of reads that went into a target.
 */
function readAll(protocol: ClientProtocol, stream: Uint8Array, sizes: readonly number[]): number {
  let at = 0;
  let targeted = 0;
  for (let i = 0; at < stream.length; i++) {
    assert.ok(i < stream.length + 10, 'bounded');
    const want = Math.min(sizes[i % sizes.length]!, stream.length - at);
    const target = protocol.receiveTarget();
    if (target === undefined) {
      protocol.receiveData(stream.subarray(at, at + want));
      at += want;
      continue;
    }
    assert.ok(target.length > 0);
    const n = Math.min(want, target.length);
    target.set(stream.subarray(at, at + n));
    protocol.receiveData(target.subarray(0, n));
    at += n;
    targeted++;
  }
  return targeted;
}

function messageEvents(events: readonly ProtocolEvent[]) {
  return events.filter((event) => event.type === 'message');
}

describe('receiveTarget: reading a large message straight into its buffer', () => {
  it('gives the rest of the payload, ending where the frame ends, from the header on', () => {
    const { ports, made } = dirtyPorts();
    const protocol = openProtocol({ ports });
    const payload = patterned(WHOLE + 10);
    const bytes = frame(2, payload);
    const header = bytes.length - payload.length;
    assert.equal(protocol.receiveTarget(), undefined, 'nothing between messages');
    protocol.receiveData(bytes.subarray(0, header + 100));
    const target = protocol.receiveTarget();
    assert.ok(target !== undefined);
    assert.equal(target.length, payload.length - 100, 'never past the payload');
    assert.equal(made.length, 1);
    assert.equal(target.buffer, made[0]!.buffer);
    assert.equal(target.byteOffset, made[0]!.byteOffset + 100);
    target.set(payload.subarray(100));
    protocol.receiveData(target);
    assert.equal(protocol.receiveTarget(), undefined, 'the message is complete');
    const [message] = messageEvents(protocol.eventsReceived());
    assert.ok(message?.type === 'message' && message.isBinary);
    assert.deepEqual(message.data, payload);
    assert.equal(message.data, made[0], 'the allocated buffer itself, no copy');
  });

  it('is only for a whole message of at least 64 KiB, uncompressed, delivered as a message', () => {
    const cases: [string, Uint8Array, object][] = [
      ['64 KiB - 1', frame(2, patterned(WHOLE - 1)), {}],
      ['a first fragment', frame(2, patterned(WHOLE), { fin: false }), {}],
      ['deliverFrames', frame(2, patterned(WHOLE)), { deliverFrames: true }],
    ];
    for (const [name, bytes, options] of cases) {
      const { ports, made } = dirtyPorts();
      const protocol = openProtocol({ ports, ...options });
      protocol.receiveData(bytes.subarray(0, 20));
      assert.equal(protocol.receiveTarget(), undefined, name);
      assert.equal(made.length, 0, name);
    }
    const { ports } = dirtyPorts();
    const protocol = openProtocol({ ports });
    protocol.receiveData(frame(2, patterned(WHOLE)).subarray(0, 20));
    assert.ok(protocol.receiveTarget() !== undefined, 'exactly 64 KiB gets one');
  });

  it('delivers exact bytes whatever the read sizes: binary, text, small messages between', () => {
    const text = 'aé€😀'.repeat(20 * KiB); // 1, 2, 3 and 4-byte characters, 200 KiB
    const big = patterned(5 * 1024 * KiB + 3, 9);
    const messages: [number, Uint8Array | string][] = [
      [2, patterned(WHOLE - 1)],
      [1, 'small'],
      [2, patterned(WHOLE, 2)],
      [1, text],
      [9, 'ping'],
      [2, big],
      [2, Uint8Array.of(1, 2, 3)],
    ];
    const stream = concatBytes(messages.map(([opcode, data]) => frame(opcode, data)));
    // Read sizes cut headers in two, 4-byte characters anywhere, and end reads mid-payload.
    for (const sizes of [[1000], [7, 65536, 3], [65536], [1 << 20], [13, 1, 2, 300000]]) {
      const { ports, made } = dirtyPorts();
      const protocol = openProtocol({ ports });
      const targeted = readAll(protocol, stream, sizes);
      assert.ok(targeted > 0, `${sizes}: some reads went into a target`);
      const events = protocol.eventsReceived();
      const got = messageEvents(events).map((event) => event.data);
      const want = messages.filter(([opcode]) => opcode !== 9).map(([, data]) => data);
      assert.equal(got.length, want.length, `${sizes}`);
      for (let i = 0; i < want.length; i++) assert.deepEqual(got[i], want[i], `${sizes} #${i}`);
      assert.deepEqual(
        events.filter((event) => event.type === 'ping').length,
        1,
        `${sizes}: the ping in between`,
      );
      assert.deepEqual(
        made.map((bytes) => bytes.length).filter((length) => length >= WHOLE),
        [WHOLE, new TextEncoder().encode(text).length, big.length],
        `${sizes}: one buffer per large message`,
      );
    }
  });

  it('copies bytes that arrive elsewhere (another buffer, or the same one at another place)', () => {
    const payload = patterned(WHOLE + 500);
    const bytes = frame(2, payload);
    const header = bytes.length - payload.length;
    const { ports, made } = dirtyPorts();
    const protocol = openProtocol({ ports });
    protocol.receiveData(bytes.subarray(0, header + 10));
    // Same buffer, wrong place: the bytes for [10, 110) written at the end of the target.
    const target = protocol.receiveTarget()!;
    const elsewhere = target.subarray(target.length - 100);
    elsewhere.set(payload.subarray(10, 110));
    protocol.receiveData(elsewhere);
    assert.equal(protocol.receiveTarget()!.byteOffset, made[0]!.byteOffset + 110);
    // Another buffer altogether.
    protocol.receiveData(bytes.slice(header + 110));
    const [message] = messageEvents(protocol.eventsReceived());
    assert.ok(message?.type === 'message');
    assert.deepEqual(message.data, payload);
  });

  it('never reaches the next frame: it follows in a read of its own, whole', () => {
    const first = patterned(WHOLE + 1);
    const stream = concatBytes([frame(2, first), frame(1, 'next'), frame(2, patterned(WHOLE, 5))]);
    const { ports } = dirtyPorts();
    const protocol = openProtocol({ ports });
    // One huge read size: each read into a target stops where its frame ends.
    readAll(protocol, stream, [stream.length]);
    const got = messageEvents(protocol.eventsReceived()).map((event) => event.data);
    assert.deepEqual(got, [first, 'next', patterned(WHOLE, 5)]);
  });

  it('checks text as it arrives: bad UTF-8 read into the target fails at once (1007)', () => {
    const payload = new TextEncoder().encode('é'.repeat(WHOLE));
    payload[WHOLE + 1] = 0xff;
    const bytes = frame(1, payload);
    const header = bytes.length - payload.length;
    const { ports } = dirtyPorts();
    const protocol = openProtocol({ ports });
    protocol.receiveData(bytes.subarray(0, header + 1)); // half of the first character
    const target = protocol.receiveTarget()!;
    target.set(payload.subarray(1, WHOLE + 2));
    protocol.receiveData(target.subarray(0, WHOLE + 1));
    expectError(protocol.eventsReceived(), 'ERR_INVALID_UTF8');
    assert.equal(protocol.receiveTarget(), undefined, 'no target once failed');
  });

  it('refuses a message over maxMessageBytes from its header, before allocating', () => {
    const { ports, made } = dirtyPorts();
    const protocol = openProtocol({ ports, maxMessageBytes: WHOLE });
    protocol.receiveData(frame(2, patterned(WHOLE + 1)).subarray(0, 20));
    expectError(protocol.eventsReceived(), 'ERR_MESSAGE_TOO_BIG');
    assert.equal(made.length, 0);
    assert.equal(protocol.receiveTarget(), undefined);
  });

  it('drops a partly filled message when our Close goes out: its stale bytes never show', () => {
    const payload = patterned(WHOLE * 2);
    const bytes = frame(2, payload);
    const header = bytes.length - payload.length;
    const { ports } = dirtyPorts();
    const protocol = openProtocol({ ports });
    protocol.receiveData(bytes.subarray(0, header + 5));
    protocol.sendClose(1000);
    assert.equal(protocol.receiveTarget(), undefined, 'no target after our Close');
    protocol.receiveData(bytes.subarray(header + 5));
    assert.deepEqual(messageEvents(protocol.eventsReceived()), []);
  });
});
