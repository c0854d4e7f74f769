// Tests for src/core/utf8.ts: incremental UTF-8 validation (RFC 6455 §8.1, RFC 3629 §4),
// checked against the WHATWG decoder in Node (`TextDecoder` with fatal: true), which rejects
// a byte sequence at the same first byte that can never become valid UTF-8.

import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isValidUtf8, Utf8Validator } from '../../src/core/utf8.js';
import { chunksAt, cutsArbitrary, feedAllSplits, textArbitrary } from '../helpers/splits.js';

const property = { seed: 0x0f8, numRuns: 400 };

/** Node's fast whole-buffer check, as the transport layer passes it in; counts its calls. */
let nodeCheckCalls = 0;
const nodeCheck = (bytes: Uint8Array): boolean => {
  nodeCheckCalls++;
  return isUtf8(bytes);
};

/** True when `bytes` is complete, valid UTF-8 according to the WHATWG decoder. */
function decoderAccepts(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** True when `bytes` can still be the start of valid UTF-8 (no definite error yet). */
function decoderAcceptsPrefix(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/** Feeds `chunks`; returns whether every feed succeeded and the validator. */
function feedChunks(
  chunks: readonly Uint8Array[],
  fastCheck?: (bytes: Uint8Array) => boolean,
): { ok: boolean; validator: Utf8Validator } {
  const validator = new Utf8Validator(fastCheck);
  for (const chunk of chunks) if (!validator.feed(chunk)) return { ok: false, validator };
  return { ok: true, validator };
}

/** Byte arrays that are mostly UTF-8 with random damage: inserted, replaced or cut bytes. */
const nearUtf8 = fc
  .tuple(
    textArbitrary(80),
    fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
    fc.nat(),
  )
  .map(([text, damage, cut]) => {
    const bytes = Array.from(new TextEncoder().encode(text));
    for (const [at, value] of damage) bytes[at % (bytes.length + 1)] = value;
    return Uint8Array.from(bytes.slice(0, bytes.length - (cut % 3)));
  });

const anyBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200, size: 'medium' }),
  nearUtf8,
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((tail) => {
    // 64+ bytes of ASCII then a random tail, to take the fast path with a tricky ending.
    const bytes = new Uint8Array(70 + tail.length).fill(0x61);
    bytes.set(tail, 70);
    return bytes;
  }),
);

describe('RFC 6455 §8.1 UTF-8 validation: agreement with the WHATWG decoder', () => {
  for (const [label, fast] of [
    ['own validator', undefined],
    ['with the native fast check', nodeCheck],
  ] as const) {
    it(`accepts exactly what TextDecoder accepts, fed in random splits (${label})`, () => {
      nodeCheckCalls = 0;
      fc.assert(
        fc.property(anyBytes, cutsArbitrary(300, 10), (bytes, cuts) => {
          const { ok, validator } = feedChunks(chunksAt(bytes, cuts), fast);
          assert.equal(ok && validator.isComplete, decoderAccepts(bytes));
          assert.equal(isValidUtf8(bytes, fast), decoderAccepts(bytes));
        }),
        property,
      );
      if (fast !== undefined) assert.ok(nodeCheckCalls > 100, 'the fast path was exercised');
    });

    it(`accepts every string encoded by TextEncoder, in random splits (${label})`, () => {
      fc.assert(
        fc.property(textArbitrary(300), cutsArbitrary(1200, 10), (text, cuts) => {
          const bytes = new TextEncoder().encode(text);
          const { ok, validator } = feedChunks(chunksAt(bytes, cuts), fast);
          assert.ok(ok);
          assert.ok(validator.isComplete);
        }),
        property,
      );
    });

    it(`fails at the first invalid byte, not before (${label})`, () => {
      fc.assert(
        fc.property(anyBytes, cutsArbitrary(300, 6), (bytes, cuts) => {
          // The first position where the decoder sees a definite error, if any.
          let bad = -1;
          for (let end = 1; end <= bytes.length && bad === -1; end++) {
            if (!decoderAcceptsPrefix(bytes.subarray(0, end))) bad = end - 1;
          }
          if (bad === -1) {
            assert.ok(feedChunks(chunksAt(bytes, cuts), fast).ok);
            return;
          }
          const before = bytes.subarray(0, bad);
          assert.ok(feedChunks(chunksAt(before, cuts), fast).ok, 'the prefix is still fine');
          const through = bytes.subarray(0, bad + 1);
          assert.equal(feedChunks(chunksAt(through, cuts), fast).ok, false, 'fails on it');
        }),
        property,
      );
    });
  }

  it('agrees with the decoder on every 1- and 2-byte sequence, as prefix and whole', () => {
    const validator = new Utf8Validator();
    const pair = new Uint8Array(2);
    for (let first = 0; first < 256; first++) {
      for (let second = 0; second < 256; second++) {
        pair[0] = first;
        pair[1] = second;
        validator.reset();
        const ok = validator.feed(pair.subarray(0, 1)) && validator.feed(pair.subarray(1));
        assert.equal(ok, decoderAcceptsPrefix(pair), `prefix ${first} ${second}`);
        assert.equal(ok && validator.isComplete, decoderAccepts(pair), `whole ${first} ${second}`);
      }
    }
  });
});

describe('RFC 3629 §4 sequences the validator must refuse', () => {
  const cases: [string, number[], number][] = [
    // [what, bytes, index of the first byte that must fail]
    ['a lone continuation byte', [0x41, 0x80], 1],
    ['an overlong 2-byte form (C0 80)', [0xc0, 0x80], 0],
    ['an overlong 2-byte form (C1 BF)', [0xc1, 0xbf], 0],
    ['an overlong 3-byte form (E0 80 80)', [0xe0, 0x80, 0x80], 1],
    ['an encoded surrogate (ED A0 80)', [0xed, 0xa0, 0x80], 1],
    ['an overlong 4-byte form (F0 80 80 80)', [0xf0, 0x80, 0x80, 0x80], 1],
    ['a code point above U+10FFFF (F4 90 80 80)', [0xf4, 0x90, 0x80, 0x80], 1],
    ['a lead byte F5', [0xf5, 0x80, 0x80, 0x80], 0],
    ['the byte FF', [0x61, 0xff], 1],
    ['a sequence cut by an ASCII byte', [0xe2, 0x82, 0x41], 2],
  ];
  for (const [what, list, badIndex] of cases) {
    it(`refuses ${what} at byte ${badIndex}, in every split`, () => {
      const bytes = Uint8Array.from(list);
      feedAllSplits(bytes, (chunks) => {
        assert.equal(feedChunks(chunks).ok, false);
      });
      assert.ok(feedChunks([bytes.subarray(0, badIndex)]).ok, 'the bytes before it are fine');
      assert.equal(feedChunks([bytes.subarray(0, badIndex + 1)]).ok, false);
    });
  }

  const edges: [string, number[]][] = [
    ['U+0080', [0xc2, 0x80]],
    ['U+07FF', [0xdf, 0xbf]],
    ['U+0800', [0xe0, 0xa0, 0x80]],
    ['U+D7FF', [0xed, 0x9f, 0xbf]],
    ['U+E000', [0xee, 0x80, 0x80]],
    ['U+FFFF', [0xef, 0xbf, 0xbf]],
    ['U+10000', [0xf0, 0x90, 0x80, 0x80]],
    ['U+10FFFF', [0xf4, 0x8f, 0xbf, 0xbf]],
  ];
  for (const [name, list] of edges) {
    it(`accepts the boundary code point ${name}, in every split`, () => {
      feedAllSplits(Uint8Array.from(list), (chunks) => {
        const { ok, validator } = feedChunks(chunks);
        assert.ok(ok);
        assert.ok(validator.isComplete);
      });
    });
  }
});

describe('RFC 6455 §8.1 validator state across pieces', () => {
  it('is incomplete inside a sequence and complete after it', () => {
    const validator = new Utf8Validator();
    assert.ok(validator.isComplete);
    assert.ok(validator.feed(Uint8Array.of(0xf0, 0x9f)));
    assert.equal(validator.isComplete, false);
    assert.ok(validator.feed(Uint8Array.of(0x98)));
    assert.equal(validator.isComplete, false);
    assert.ok(validator.feed(Uint8Array.of(0x80)));
    assert.ok(validator.isComplete);
  });

  it('forgets an open sequence on reset', () => {
    const validator = new Utf8Validator();
    assert.ok(validator.feed(Uint8Array.of(0xe0)));
    validator.reset();
    assert.ok(validator.isComplete);
    // After E0 the next byte would have to be A0..BF; after reset 0x41 is plain ASCII.
    assert.ok(validator.feed(Uint8Array.of(0x41)));
    assert.ok(validator.isComplete);
  });

  it('keeps the narrowed range of E0/ED/F0/F4 across chunk boundaries', () => {
    for (const [lead, bad] of [
      [0xe0, 0x9f],
      [0xed, 0xa0],
      [0xf0, 0x8f],
      [0xf4, 0x90],
    ] as const) {
      const validator = new Utf8Validator();
      assert.ok(validator.feed(Uint8Array.of(lead)));
      assert.equal(validator.feed(Uint8Array.of(bad)), false, `${lead} then ${bad}`);
    }
  });

  it('falls back to its own check when the fast check refuses a long chunk', () => {
    let calls = 0;
    const refuseAll = (): boolean => {
      calls++;
      return false;
    };
    const bytes = new TextEncoder().encode('é'.repeat(40));
    const { ok, validator } = feedChunks([bytes], refuseAll);
    assert.equal(calls, 1, 'the fast check was consulted');
    assert.ok(ok, 'the own check decides');
    assert.ok(validator.isComplete);
  });

  it('goes back to the fast check after finishing a sequence left open by the last piece', () => {
    const bytes = new TextEncoder().encode('€'.repeat(100));
    for (const cut of [1, 2, 150, 151]) {
      const seen: number[] = [];
      const counting = (piece: Uint8Array): boolean => {
        seen.push(piece.length);
        return isUtf8(piece);
      };
      const { ok, validator } = feedChunks([bytes.subarray(0, cut), bytes.subarray(cut)], counting);
      assert.ok(ok && validator.isComplete, `cut at ${cut}`);
      assert.ok(seen.length >= 1, `the fast check ran after the cut at ${cut}`);
      // The open sequence is finished by hand; the rest goes through the fast check.
      const damaged = bytes.slice();
      damaged[cut + 40] = 0xff;
      assert.equal(
        feedChunks([damaged.subarray(0, cut), damaged.subarray(cut)], counting).ok,
        false,
      );
    }
  });

  it('uses only the whole-buffer check in isValidUtf8 when one is given', () => {
    assert.equal(
      isValidUtf8(Uint8Array.of(0xff), () => true),
      true,
    );
    assert.equal(
      isValidUtf8(Uint8Array.of(0x41), () => false),
      false,
    );
    assert.equal(isValidUtf8(Uint8Array.of(0xe2, 0x82)), false, 'incomplete at the end');
  });
});
