// Tests for src/core/frame.ts: client frame encoding (RFC 6455 §5.2), masked on the way
// (the masking functions themselves: mask.test.ts) and the opcode classification helpers.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concatBytes } from '../../src/core/bytes.js';
import { Opcode } from '../../src/core/constants.js';
import {
  FrameWriter,
  isControlOpcode,
  isKnownOpcode,
  maskedHeaderLength,
} from '../../src/core/frame.js';
import { fixtureBytes } from '../helpers/fixtures.js';
import { seededEntropy } from '../helpers/ports.js';
import { parseClientFrames } from '../helpers/servers.js';
import { chunksAt, cutsArbitrary, largeBytesArbitrary, textArbitrary } from '../helpers/splits.js';

const property = { seed: 0x6455, numRuns: 150 };

/** Entropy that repeats `key` forever, so every frame gets that mask. */
function fixedKey(key: readonly number[]): (target: Uint8Array) => void {
  return (target) => {
    for (let i = 0; i < target.length; i++) target[i] = key[i & 3]!;
  };
}

/** Output of `writer`, as one array. */
function output(writer: FrameWriter): Uint8Array {
  return concatBytes(writer.takeOutput());
}

/** Decodes client frames from `chunks` as a server would: accumulating, frame by frame. */
function decodeIncrementally(chunks: readonly Uint8Array[]) {
  let buffered = Buffer.alloc(0);
  const frames: ReturnType<typeof parseClientFrames>['frames'] = [];
  for (const chunk of chunks) {
    buffered = Buffer.concat([buffered, chunk]);
    const parsed = parseClientFrames(buffered);
    frames.push(...parsed.frames);
    buffered = Buffer.from(parsed.rest);
  }
  assert.equal(buffered.length, 0, 'no bytes left over');
  return frames;
}

describe('RFC 6455 §5.7 examples, client side', () => {
  it('writes the masked "Hello" text frame byte for byte', () => {
    const writer = new FrameWriter(fixedKey([0x37, 0xfa, 0x21, 0x3d]));
    writer.writeFrame(Opcode.Text, new TextEncoder().encode('Hello'), true);
    assert.deepEqual(output(writer), fixtureBytes('rfc6455-text-hello-masked'));
  });

  it('writes the same bytes through writeTextFrame', () => {
    const writer = new FrameWriter(fixedKey([0x37, 0xfa, 0x21, 0x3d]));
    assert.equal(writer.writeTextFrame(Opcode.Text, 'Hello', true), 5);
    assert.deepEqual(output(writer), fixtureBytes('rfc6455-text-hello-masked'));
  });

  it('writes the masked Pong answering "Hello"', () => {
    const writer = new FrameWriter(fixedKey([0x37, 0xfa, 0x21, 0x3d]));
    writer.writeFrame(Opcode.Pong, new TextEncoder().encode('Hello'), true);
    assert.deepEqual(output(writer), fixtureBytes('rfc6455-pong-hello-masked'));
  });
});

describe('RFC 6455 §5.2 base framing: payload length encoding', () => {
  for (const [length, headerLength] of [
    [0, 6],
    [125, 6],
    [126, 8],
    [65535, 8],
    [65536, 14],
  ] as const) {
    it(`uses a ${headerLength}-byte masked header for ${length} bytes`, () => {
      assert.equal(maskedHeaderLength(length), headerLength);
      const writer = new FrameWriter(seededEntropy(3));
      writer.writeFrame(Opcode.Binary, new Uint8Array(length), true);
      const bytes = output(writer);
      assert.equal(bytes.length, headerLength + length);
      const lengthField = bytes[1]! & 0x7f;
      assert.equal(lengthField, length < 126 ? length : length < 65536 ? 126 : 127);
      assert.equal(bytes[1]! & 0x80, 0x80, 'the MASK bit is set');
    });
  }
});

describe("RFC 6455 §5.3: FrameWriter never writes the caller's bytes", () => {
  /** Payload sizes around every threshold of the writer: frame lengths, pooled copy, pool. */
  const SIZES = [0, 125, 126, 16370, 16371, 16384, 16385, 65535, 65536, 65537, 1 << 20];

  it('leaves Buffers, views over larger buffers and odd offsets as they were', () => {
    const writer = new FrameWriter(seededEntropy(7));
    for (const size of SIZES) {
      for (const offset of [0, 1, 2, 3, 8]) {
        // A Buffer over the middle of a larger ArrayBuffer, with guard bytes on both sides.
        const backing = new ArrayBuffer(size + offset + 16);
        new Uint8Array(backing).fill(0x5a);
        const payload = Buffer.from(backing, offset, size);
        for (let i = 0; i < size; i++) payload[i] = (i * 131 + size) & 0xff;
        const before = Buffer.from(new Uint8Array(backing)); // a real copy of everything
        writer.writeFrame(Opcode.Binary, payload, true);
        const [decoded] = decodeIncrementally(writer.takeOutput());
        const what = `${size} bytes at offset ${offset}`;
        assert.ok(before.equals(new Uint8Array(backing)), `${what}: caller's bytes untouched`);
        assert.ok(Buffer.from(decoded!.payload).equals(payload), `${what}: payload on the wire`);
      }
    }
  });

  it("a Buffer's slice() (a view) sent twice goes out the same both times", () => {
    const writer = new FrameWriter(seededEntropy(9));
    const source = Buffer.alloc(70000, 0x41).slice(3, 69999);
    writer.writeFrame(Opcode.Binary, source, true);
    writer.writeFrame(Opcode.Binary, source, true);
    const frames = decodeIncrementally(writer.takeOutput());
    assert.equal(frames.length, 2);
    for (const frame of frames) assert.ok(Buffer.from(frame.payload).equals(source));
    assert.ok(
      source.every((b) => b === 0x41),
      'still all 0x41',
    );
  });
});

interface Piece {
  opcode: number;
  payload: Uint8Array;
  fin: boolean;
  rsv1: boolean;
}

const pieceArbitrary: fc.Arbitrary<Piece> = fc.record({
  opcode: fc.constantFrom(Opcode.Continuation, Opcode.Text, Opcode.Binary, Opcode.Ping),
  payload: fc.oneof(
    { weight: 5, arbitrary: fc.uint8Array({ maxLength: 200, size: 'medium' }) },
    { weight: 1, arbitrary: largeBytesArbitrary(16000, 70000) },
  ),
  fin: fc.boolean(),
  rsv1: fc.boolean(),
});

describe('RFC 6455 §5.2 base framing: FrameWriter round trip', () => {
  it('frames unmask with their header key to the original payload, opcode and FIN', () => {
    fc.assert(
      fc.property(
        fc.array(pieceArbitrary, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.constantFrom(64, 1024, 65536),
        cutsArbitrary(150_000, 10),
        (pieces, seed, poolBytes, cuts) => {
          const writer = new FrameWriter(seededEntropy(seed), { poolBytes });
          const copies = pieces.map((piece) => piece.payload.slice());
          for (const piece of pieces) {
            writer.writeFrame(piece.opcode, piece.payload, piece.fin, piece.rsv1);
          }
          const total = writer.pendingBytes;
          const bytes = output(writer);
          assert.equal(bytes.length, total, 'pendingBytes counts the whole output');
          assert.equal(writer.pendingBytes, 0, 'nothing pending after takeOutput');
          const frames = decodeIncrementally(chunksAt(bytes, cuts));
          assert.equal(frames.length, pieces.length);
          pieces.forEach((piece, i) => {
            const decoded = frames[i]!;
            assert.equal(decoded.opcode, piece.opcode);
            assert.equal(decoded.fin, piece.fin);
            assert.equal(decoded.rsv, piece.rsv1 ? 4 : 0);
            assert.deepEqual(new Uint8Array(decoded.payload), piece.payload);
            assert.deepEqual(piece.payload, copies[i], "the caller's bytes are not mutated");
          });
        },
      ),
      { ...property, numRuns: 60 },
    );
  });

  it('text frames carry the UTF-8 encoding and report its length', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            textArbitrary(60),
            // Long texts, cheaply: a short random string repeated past the pooled-copy size.
            fc
              .tuple(textArbitrary(12, 1), fc.integer({ min: 1500, max: 9000 }))
              .map(([unit, times]) => unit.repeat(times)),
          ),
          { minLength: 1, maxLength: 5 },
        ),
        fc.constantFrom(64, 65536),
        cutsArbitrary(40_000),
        (texts, poolBytes, cuts) => {
          const writer = new FrameWriter(seededEntropy(11), { poolBytes });
          const lengths = texts.map((item, i) =>
            writer.writeTextFrame(i === 0 ? Opcode.Text : Opcode.Continuation, item, true),
          );
          const frames = decodeIncrementally(chunksAt(output(writer), cuts));
          texts.forEach((item, i) => {
            const expected = new TextEncoder().encode(item);
            assert.equal(lengths[i], expected.length);
            assert.deepEqual(new Uint8Array(frames[i]!.payload), expected);
            assert.equal(frames[i]!.opcode, i === 0 ? Opcode.Text : Opcode.Continuation);
          });
        },
      ),
      { ...property, numRuns: 60 },
    );
  });

  it('picks the smaller header when the text encodes to fewer bytes than reserved', () => {
    // 50 chars of "é" reserve 150 bytes (16-bit length) but encode to 100 (7-bit length).
    const writer = new FrameWriter(fixedKey([0, 0, 0, 0]));
    assert.equal(writer.writeTextFrame(Opcode.Text, 'é'.repeat(50), true), 100);
    const bytes = output(writer);
    assert.equal(bytes.length, 6 + 100);
    assert.equal(bytes[1], 0x80 | 100);
    assert.equal(new TextDecoder().decode(bytes.subarray(6)), 'é'.repeat(50));
  });

  it('takes a fresh key from the entropy for every frame', () => {
    let calls = 0;
    const entropy = seededEntropy(5);
    const writer = new FrameWriter((target) => {
      calls++;
      entropy(target);
    });
    for (let i = 0; i < 3000; i++) writer.writeFrame(Opcode.Binary, new Uint8Array(1), true);
    const bytes = output(writer);
    const keys: string[] = [];
    for (let at = 0; at < bytes.length; at += 7) {
      keys.push(Array.from(bytes.subarray(at + 2, at + 6)).join(','));
    }
    assert.equal(keys.length, 3000);
    assert.ok(calls >= 2, 'the entropy was asked again once its bytes ran out');
    for (let i = 1; i < keys.length; i++) assert.notEqual(keys[i], keys[i - 1]);
  });

  it('keeps raw bytes and frames in the order they were written', () => {
    const writer = new FrameWriter(fixedKey([0, 0, 0, 0]), { poolBytes: 64 });
    writer.writeFrame(Opcode.Text, Uint8Array.of(0x61), true);
    writer.writeRaw(Uint8Array.of(1, 2, 3));
    writer.writeFrame(Opcode.Binary, new Uint8Array(200), true);
    writer.writeFrame(Opcode.Ping, Uint8Array.of(0x70), true);
    const bytes = output(writer);
    assert.deepEqual(bytes.subarray(0, 10), Uint8Array.of(0x81, 0x81, 0, 0, 0, 0, 0x61, 1, 2, 3));
    assert.deepEqual(bytes.subarray(10, 14), Uint8Array.of(0x82, 0xfe, 0, 200));
    assert.deepEqual(bytes.subarray(-7), Uint8Array.of(0x89, 0x81, 0, 0, 0, 0, 0x70));
    assert.equal(bytes.length, 10 + 8 + 200 + 7);
  });

  it('does not overwrite bytes already handed out', () => {
    const writer = new FrameWriter(seededEntropy(9), { poolBytes: 128 });
    writer.writeFrame(Opcode.Binary, new Uint8Array(40).fill(1), true);
    const first = writer.takeOutput();
    const snapshot = concatBytes(first).slice();
    for (let i = 0; i < 20; i++) writer.writeFrame(Opcode.Binary, new Uint8Array(40).fill(2), true);
    writer.takeOutput();
    assert.deepEqual(concatBytes(first), snapshot);
  });
});

describe('FrameWriter memory between connections', () => {
  // Each test uses its own block size, so the shared spare blocks of other tests do not mix in.
  const frame = Uint8Array.of(1, 2, 3);

  it('holds no block until the first frame, and hands it on once everything was written', () => {
    const poolBytes = 1004;
    const a = new FrameWriter(seededEntropy(1), { poolBytes });
    a.writeFrame(Opcode.Binary, frame, true);
    const [chunk] = a.takeOutput();
    a.releaseOutput(a.outputEpoch);
    const b = new FrameWriter(seededEntropy(2), { poolBytes });
    b.writeFrame(Opcode.Binary, frame, true);
    const [reused] = b.takeOutput();
    assert.equal(reused!.buffer, chunk!.buffer, 'the idle writer gave its block back');
    // The writer that gave its block away still works, with another one.
    a.writeFrame(Opcode.Binary, frame, true);
    const [again] = a.takeOutput();
    assert.notEqual(again!.buffer, reused!.buffer);
    assert.equal(parseClientFrames(Buffer.from(again!)).frames[0]!.payload.length, 3);
  });

  it('keeps a block whose bytes are not all written', () => {
    const poolBytes = 1008;
    const a = new FrameWriter(seededEntropy(3), { poolBytes });
    a.writeFrame(Opcode.Binary, frame, true);
    const first = a.takeOutput();
    const firstEpoch = a.outputEpoch;
    a.writeFrame(Opcode.Binary, Uint8Array.of(9, 9, 9), true); // produced, not taken
    a.releaseOutput(firstEpoch);
    const b = new FrameWriter(seededEntropy(4), { poolBytes });
    b.writeFrame(Opcode.Binary, frame, true);
    assert.notEqual(b.takeOutput()[0]!.buffer, first[0]!.buffer);
    const [pending] = a.takeOutput();
    assert.deepEqual(
      parseClientFrames(Buffer.from(pending!)).frames[0]!.payload,
      Buffer.of(9, 9, 9),
    );
  });

  it('keeps a block until the last write that used it completed', () => {
    const poolBytes = 1012;
    const a = new FrameWriter(seededEntropy(5), { poolBytes });
    a.writeFrame(Opcode.Binary, frame, true);
    const [chunk] = a.takeOutput();
    const olderEpoch = a.outputEpoch;
    a.writeFrame(Opcode.Binary, frame, true);
    a.takeOutput();
    a.releaseOutput(olderEpoch);
    const b = new FrameWriter(seededEntropy(6), { poolBytes });
    b.writeFrame(Opcode.Binary, frame, true);
    assert.notEqual(b.takeOutput()[0]!.buffer, chunk!.buffer);
    a.releaseOutput(a.outputEpoch);
    const c = new FrameWriter(seededEntropy(7), { poolBytes });
    c.writeFrame(Opcode.Binary, frame, true);
    assert.equal(c.takeOutput()[0]!.buffer, chunk!.buffer);
  });

  it('draws mask keys for all writers of one entropy from one pool', () => {
    let calls = 0;
    const entropy = seededEntropy(8);
    const counted = (target: Uint8Array): void => {
      calls++;
      entropy(target);
    };
    const writers = Array.from({ length: 10 }, () => new FrameWriter(counted));
    const keys = new Set<string>();
    for (const writer of writers) {
      writer.writeFrame(Opcode.Binary, frame, true);
      keys.add(Array.from(writer.takeOutput()[0]!.subarray(2, 6)).join(','));
    }
    assert.equal(calls, 1, 'one draw of random bytes served every writer');
    assert.equal(keys.size, 10, 'every frame still has its own key');
  });
});

describe('RFC 6455 §5.2 opcodes', () => {
  it('knows 0-2 and 8-10 and treats the rest as reserved', () => {
    const known = [];
    const control = [];
    for (let opcode = 0; opcode < 16; opcode++) {
      if (isKnownOpcode(opcode)) known.push(opcode);
      if (isControlOpcode(opcode)) control.push(opcode);
    }
    assert.deepEqual(known, [0, 1, 2, 8, 9, 10]);
    assert.deepEqual(control, [8, 9, 10, 11, 12, 13, 14, 15]);
  });
});
