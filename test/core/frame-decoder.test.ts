// Tests for src/core/frame-decoder.ts: the resumable decoder of server frames (RFC 6455 §5.2)
// and the header rules it enforces before any payload byte is accepted (§5.1, §5.2, §5.5).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concatBytes } from '../../src/core/bytes.js';
import { ErrorCode, type ProtocolError } from '../../src/core/errors.js';
import { FrameDecoder, type FrameSink } from '../../src/core/frame-decoder.js';
import { fixtureBytes, listFixtures, loadFixture } from '../helpers/fixtures.js';
import { serverFrame } from '../helpers/servers.js';
import { chunksAt, cutsArbitrary, feedAllSplits, largeBytesArbitrary } from '../helpers/splits.js';

interface DecodedFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  length: number;
  payload: Uint8Array;
  ended: boolean;
}

/**
 * A sink that records frames, joining the payload pieces of each. It keeps the pieces as the
 * views it is given: they point into the test's own input, which nothing mutates.
 */
class RecordingSink implements FrameSink {
  frames: DecodedFrame[] = [];
  #pieces: Uint8Array[] = [];
  onFrameHeader(fin: boolean, rsv: number, opcode: number, length: number): void {
    const previous = this.frames.at(-1);
    assert.ok(previous === undefined || previous.ended, 'a header only after the previous end');
    this.frames.push({ fin, rsv, opcode, length, payload: new Uint8Array(0), ended: false });
    this.#pieces = [];
  }
  onFramePayload(bytes: Uint8Array): void {
    const current = this.frames.at(-1);
    assert.ok(current !== undefined && !current.ended, 'payload belongs to an open frame');
    assert.ok(bytes.length > 0, 'no empty payload pieces');
    this.#pieces.push(bytes);
  }
  onFrameEnd(): void {
    const current = this.frames.at(-1)!;
    current.payload = concatBytes(this.#pieces);
    current.ended = true;
    assert.equal(current.payload.length, current.length, 'the payload has the announced length');
  }
}

/** Decodes `chunks`; returns the frames and the first error returned by push. */
function decode(
  chunks: readonly Uint8Array[],
  allowedRsv = 0,
): { frames: DecodedFrame[]; error: ProtocolError | undefined; decoder: FrameDecoder } {
  const sink = new RecordingSink();
  const decoder = new FrameDecoder(sink);
  decoder.allowedRsv = allowedRsv;
  let error: ProtocolError | undefined;
  for (const chunk of chunks) {
    const result = decoder.push(chunk);
    if (result !== undefined) {
      assert.equal(error, undefined, 'push reports an error once');
      error = result;
    }
  }
  return { frames: sink.frames, error, decoder };
}

function frame(
  opcode: number,
  payload: Uint8Array | string = new Uint8Array(0),
  options: { fin?: boolean; rsv?: number; mask?: boolean } = {},
): Uint8Array {
  return new Uint8Array(serverFrame(opcode, payload, options));
}

const hello = new TextEncoder().encode('Hello');

describe('RFC 6455 §5.7 examples, decoded by FrameDecoder', () => {
  const expectations: Record<string, Partial<DecodedFrame>[]> = {
    'rfc6455-text-hello': [{ fin: true, opcode: 1, payload: hello }],
    'rfc6455-text-fragmented': [
      { fin: false, opcode: 1, payload: hello.subarray(0, 3) },
      { fin: true, opcode: 0, payload: hello.subarray(3) },
    ],
    'rfc6455-ping-hello': [{ fin: true, opcode: 9, payload: hello }],
    'rfc6455-binary-256': [
      { fin: true, opcode: 2, payload: Uint8Array.from({ length: 256 }, (_, i) => i) },
    ],
    'rfc6455-binary-64k': [
      { fin: true, opcode: 2, payload: Uint8Array.from({ length: 65536 }, (_, i) => i & 0xff) },
    ],
  };

  for (const [name, expected] of Object.entries(expectations)) {
    it(`${name}: ${loadFixture(name).comment}`, () => {
      const bytes = fixtureBytes(name);
      const runs = feedAllSplits(bytes, (chunks) => {
        const { frames, error } = decode(chunks);
        assert.equal(error, undefined);
        assert.equal(frames.length, expected.length);
        expected.forEach((want, i) => {
          const got = frames[i]!;
          assert.ok(got.ended);
          assert.equal(got.rsv, 0);
          assert.equal(got.fin, want.fin);
          assert.equal(got.opcode, want.opcode);
          assert.deepEqual(got.payload, want.payload);
        });
      });
      assert.equal(runs, bytes.length + 1);
    });
  }

  it('rejects the masked client examples: a server must not mask (§5.1)', () => {
    for (const name of ['rfc6455-text-hello-masked', 'rfc6455-pong-hello-masked']) {
      feedAllSplits(fixtureBytes(name), (chunks) => {
        const { frames, error } = decode(chunks);
        assert.equal(error?.code, ErrorCode.MaskedFrame);
        assert.equal(frames.length, 0);
      });
    }
  });

  it('every fixture file parses and starts with a comment', () => {
    const names = listFixtures();
    assert.ok(names.length >= 7);
    for (const name of names) {
      const fixture = loadFixture(name);
      assert.ok(fixture.comment.length > 10, `${name} has a meaningful comment`);
      assert.ok(fixture.bytes.length >= 2, `${name} holds at least a frame header`);
    }
  });
});

describe('RFC 6455 §5.2 base framing: decoding in any split', () => {
  const frameArbitrary = fc.record({
    opcode: fc.constantFrom(0, 1, 2, 8, 9, 10),
    fin: fc.boolean(),
    payload: fc.oneof(
      { weight: 6, arbitrary: fc.uint8Array({ maxLength: 125, size: 'medium' }) },
      { weight: 2, arbitrary: fc.uint8Array({ minLength: 126, maxLength: 2000, size: 'max' }) },
      { weight: 1, arbitrary: largeBytesArbitrary(65536, 66000) },
    ),
  });

  it('reports every frame with its header and payload, whatever the cuts', () => {
    fc.assert(
      fc.property(
        fc.array(frameArbitrary, { minLength: 1, maxLength: 8 }),
        cutsArbitrary(140_000, 12),
        (frames, cuts) => {
          // Control frames must be final and short; shape the random frames to the rules.
          const legal = frames.map((f) =>
            f.opcode >= 8 ? { ...f, fin: true, payload: f.payload.subarray(0, 125) } : f,
          );
          const bytes = concatBytes(legal.map((f) => frame(f.opcode, f.payload, { fin: f.fin })));
          const { frames: decoded, error } = decode(chunksAt(bytes, cuts));
          assert.equal(error, undefined);
          assert.equal(decoded.length, legal.length);
          legal.forEach((f, i) => {
            assert.equal(decoded[i]!.opcode, f.opcode);
            assert.equal(decoded[i]!.fin, f.fin);
            assert.deepEqual(decoded[i]!.payload, f.payload);
            assert.ok(decoded[i]!.ended);
          });
        },
      ),
      { seed: 0x5eed, numRuns: 150 },
    );
  });

  it('ends zero-length frames at once, with no payload call', () => {
    feedAllSplits(concatBytes([frame(1), frame(9), frame(2)]), (chunks) => {
      const { frames } = decode(chunks);
      assert.deepEqual(
        frames.map((f) => [f.opcode, f.length, f.ended]),
        [
          [1, 0, true],
          [9, 0, true],
          [2, 0, true],
        ],
      );
    });
  });

  it('passes payload as views of the input when a chunk holds it whole', () => {
    const bytes = frame(2, new Uint8Array(300).fill(7));
    let seen: Uint8Array | undefined;
    const decoder = new FrameDecoder({
      onFrameHeader() {},
      onFramePayload(piece) {
        seen = piece;
      },
      onFrameEnd() {},
    });
    decoder.push(bytes);
    assert.equal(seen?.buffer, bytes.buffer, 'no copy');
    assert.equal(seen?.length, 300);
  });

  it('announces a frame as soon as its header is complete', () => {
    const bytes = frame(2, new Uint8Array(1000));
    const { frames } = decode([bytes.subarray(0, 4)]);
    assert.equal(frames.length, 1);
    assert.equal(frames[0]!.length, 1000);
    assert.equal(frames[0]!.ended, false);
  });

  it('reads 16-bit and 64-bit lengths at their boundaries', () => {
    for (const length of [125, 126, 65535, 65536]) {
      const { frames, error } = decode([frame(2, new Uint8Array(length))]);
      assert.equal(error, undefined);
      assert.equal(frames[0]!.length, length);
    }
  });

  it('reads a 64-bit length above 2^32 from its header alone', () => {
    const header = Uint8Array.of(0x82, 0x7f, 0, 0, 0, 1, 0, 0, 0, 3);
    feedAllSplits(header, (chunks) => {
      const { frames, error } = decode(chunks);
      assert.equal(error, undefined);
      assert.equal(frames[0]!.length, 2 ** 32 + 3);
    });
  });
});

/** A header-rule case: the bytes, the error code, and what a rejection must precede. */
const headerRules: { name: string; bytes: Uint8Array; code: string; rejectAfter: number }[] = [
  {
    name: 'RSV1 without an extension',
    bytes: frame(1, 'x', { rsv: 4 }),
    code: ErrorCode.ReservedBits,
    rejectAfter: 2,
  },
  {
    name: 'RSV2 without an extension',
    bytes: frame(2, 'x', { rsv: 2 }),
    code: ErrorCode.ReservedBits,
    rejectAfter: 2,
  },
  {
    name: 'RSV3 without an extension',
    bytes: frame(9, '', { rsv: 1 }),
    code: ErrorCode.ReservedBits,
    rejectAfter: 2,
  },
  ...[3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((opcode) => ({
    name: `reserved opcode 0x${opcode.toString(16)}`,
    bytes: frame(opcode, 'abc'),
    code: ErrorCode.ReservedOpcode,
    rejectAfter: 2,
  })),
  ...[8, 9, 10].map((opcode) => ({
    name: `fragmented control frame 0x${opcode.toString(16)}`,
    bytes: frame(opcode, 'ab', { fin: false }),
    code: ErrorCode.FragmentedControl,
    rejectAfter: 2,
  })),
  ...[8, 9, 10].map((opcode) => ({
    name: `control frame 0x${opcode.toString(16)} of 126 bytes`,
    bytes: frame(opcode, new Uint8Array(126)),
    code: ErrorCode.ControlFrameTooLong,
    rejectAfter: 2,
  })),
  {
    name: 'masked text frame',
    bytes: frame(1, 'Hello', { mask: true }),
    code: ErrorCode.MaskedFrame,
    rejectAfter: 2,
  },
  {
    name: 'masked frame with a 64-bit length',
    bytes: frame(2, new Uint8Array(65536), { mask: true }),
    code: ErrorCode.MaskedFrame,
    rejectAfter: 2,
  },
  {
    name: '64-bit length with the most significant bit set',
    bytes: Uint8Array.of(0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 1, 0xaa, 0xbb),
    code: ErrorCode.InvalidFrameLength,
    rejectAfter: 10,
  },
];

describe('RFC 6455 §5.2, §5.5, §5.1 header rules', () => {
  for (const rule of headerRules) {
    it(`fails on ${rule.name} (1002), in every split`, () => {
      feedAllSplits(rule.bytes, (chunks) => {
        const { frames, error, decoder } = decode(chunks);
        assert.equal(error?.code, rule.code);
        assert.equal(error?.closeCode, 1002);
        assert.equal(frames.length, 0, 'the sink never saw the frame');
        assert.ok(decoder.isHalted);
      });
    });

    it(`fails on ${rule.name} from its first ${rule.rejectAfter} bytes`, () => {
      const { error, frames } = decode([rule.bytes.subarray(0, rule.rejectAfter)]);
      assert.equal(error?.code, rule.code);
      assert.equal(frames.length, 0);
      if (rule.rejectAfter > 2) {
        const early = decode([rule.bytes.subarray(0, rule.rejectAfter - 1)]);
        assert.equal(early.error, undefined, 'not before the whole length has arrived');
      }
    });
  }

  it('rejects a bad header that follows good frames, after reporting those', () => {
    const bytes = concatBytes([frame(1, 'ok'), frame(3, 'bad'), frame(1, 'never')]);
    feedAllSplits(bytes, (chunks) => {
      const { frames, error } = decode(chunks);
      assert.equal(error?.code, ErrorCode.ReservedOpcode);
      assert.equal(frames.length, 1);
      assert.equal(new TextDecoder().decode(frames[0]!.payload), 'ok');
    });
  });

  it('accepts the RSV bits a negotiated extension defines, and only those', () => {
    const rsv1 = frame(1, 'x', { rsv: 4 });
    feedAllSplits(rsv1, (chunks) => {
      const { frames, error } = decode(chunks, 4);
      assert.equal(error, undefined);
      assert.equal(frames[0]!.rsv, 4);
    });
    const rsv12 = frame(1, 'x', { rsv: 6 });
    assert.equal(decode([rsv12], 4).error?.code, ErrorCode.ReservedBits);
  });

  it('accepts a 125-byte control frame', () => {
    const { frames, error } = decode([frame(9, new Uint8Array(125))]);
    assert.equal(error, undefined);
    assert.equal(frames[0]!.length, 125);
  });
});

describe('RFC 6455 §7.1.7 no more decoding after a failure', () => {
  it('ignores everything once halted by its sink mid-payload', () => {
    let pieces = 0;
    let ends = 0;
    const decoder = new FrameDecoder({
      onFrameHeader() {},
      onFramePayload() {
        pieces++;
        decoder.halt();
      },
      onFrameEnd() {
        ends++;
      },
    });
    const bytes = concatBytes([frame(2, new Uint8Array(10)), frame(1, 'more')]);
    assert.equal(decoder.push(bytes.subarray(0, 5)), undefined);
    assert.ok(decoder.isHalted);
    assert.equal(decoder.push(bytes.subarray(5)), undefined);
    assert.equal(pieces, 1);
    assert.equal(ends, 0, 'a halted frame never ends');
  });

  it('stops when the sink halts on a header, even for an empty frame', () => {
    const seen: number[] = [];
    const decoder = new FrameDecoder({
      onFrameHeader(_fin, _rsv, opcode) {
        seen.push(opcode);
        decoder.halt();
      },
      onFramePayload() {
        assert.fail('no payload after halt');
      },
      onFrameEnd() {
        assert.fail('no end after halt');
      },
    });
    decoder.push(concatBytes([frame(9), frame(2, 'abc'), frame(1, 'x')]));
    assert.deepEqual(seen, [9]);
  });

  it('ignores input after a rejected header', () => {
    const sink = new RecordingSink();
    const decoder = new FrameDecoder(sink);
    assert.equal(decoder.push(frame(4))?.code, ErrorCode.ReservedOpcode);
    assert.equal(decoder.push(frame(1, 'hi')), undefined);
    assert.equal(sink.frames.length, 0);
  });
});
