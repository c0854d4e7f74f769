// Tests for src/core/bytes.ts: concatenation, Latin-1 and base64 conversions, UTF-8 length.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  base64Encode,
  concatBytes,
  latin1Decode,
  latin1Encode,
  utf8Encode,
  utf8Length,
} from '../../src/core/bytes.js';
import { chunksAt, cutsArbitrary, textArbitrary } from '../helpers/splits.js';

const property = { seed: 0xb17e, numRuns: 300 };

describe('concatBytes', () => {
  it('joins chunks in order, whatever the cuts', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100, size: 'medium' }),
        cutsArbitrary(100),
        (bytes, cuts) => {
          const chunks = chunksAt(bytes, cuts);
          assert.deepEqual(concatBytes(chunks), bytes);
          assert.deepEqual(concatBytes(chunks, bytes.length), bytes);
        },
      ),
      property,
    );
  });

  it('returns a single chunk itself, without copying', () => {
    const only = Uint8Array.of(1, 2);
    assert.equal(concatBytes([only]), only);
  });

  it('returns an empty array for no chunks', () => {
    assert.deepEqual(concatBytes([]), new Uint8Array(0));
  });

  it('with an allocator, writes every byte of the array it gives, whatever it held', () => {
    const sizes: number[] = [];
    // Memory that was not zeroed: what an allocator without zero fill may hand out.
    const dirty = (length: number): Uint8Array => {
      sizes.push(length);
      return new Uint8Array(length).fill(0xee);
    };
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 2, maxLength: 100, size: 'medium' }),
        cutsArbitrary(100),
        (bytes, cuts) => {
          const chunks = chunksAt(bytes, cuts).filter((chunk) => chunk.length > 0);
          if (chunks.length < 2) return;
          sizes.length = 0;
          assert.deepEqual(concatBytes(chunks, bytes.length, dirty), bytes);
          // A wrong total does not leave bytes unwritten: the length comes from the chunks.
          assert.deepEqual(concatBytes(chunks, bytes.length + 5, dirty), bytes);
          assert.deepEqual(concatBytes(chunks, undefined, dirty), bytes);
          assert.deepEqual(sizes, [bytes.length, bytes.length, bytes.length]);
        },
      ),
      property,
    );
  });

  it('with an allocator, still returns a single chunk itself', () => {
    const only = Uint8Array.of(1, 2);
    assert.equal(
      concatBytes([only], 2, () => assert.fail('nothing to allocate')),
      only,
    );
  });
});

describe('Latin-1 conversions (HTTP header bytes)', () => {
  it('maps every byte to one char and back', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const text = latin1Decode(all);
    assert.equal(text.length, 256);
    for (let i = 0; i < 256; i++) assert.equal(text.charCodeAt(i), i);
    assert.deepEqual(latin1Encode(text), all);
  });

  it('decodes a range of a long buffer, across its internal steps', () => {
    const bytes = Uint8Array.from({ length: 10_000 }, (_, i) => 0x41 + (i % 26));
    const expected = Buffer.from(bytes.subarray(3, 9_999)).toString('latin1');
    assert.equal(latin1Decode(bytes, 3, 9_999), expected);
  });

  it('keeps only the low byte of wider chars', () => {
    assert.deepEqual(latin1Encode('\u0141A'), Uint8Array.of(0x41, 0x41));
  });
});

describe('base64Encode', () => {
  it('matches the standard alphabet with padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64, size: 'medium' }), (bytes) => {
        assert.equal(base64Encode(bytes), Buffer.from(bytes).toString('base64'));
      }),
      property,
    );
  });
});

describe('UTF-8 helpers', () => {
  it('utf8Length equals the encoded length, lone surrogates included', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          textArbitrary(60),
          // UTF-16 code units, so lone and reversed surrogates show up often.
          fc
            .array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 20 })
            .map((units) => String.fromCharCode(...units)),
        ),
        (text) => {
          assert.equal(utf8Length(text), new TextEncoder().encode(text).length);
          assert.deepEqual(utf8Encode(text), new TextEncoder().encode(text));
        },
      ),
      property,
    );
  });

  it('counts the edge cases by hand', () => {
    assert.equal(utf8Length(''), 0);
    assert.equal(utf8Length('a\u007f'), 2);
    assert.equal(utf8Length('\u0080\u07ff'), 4);
    assert.equal(utf8Length('\u0800\uffff'), 6);
    assert.equal(utf8Length('😀'), 4);
    assert.equal(utf8Length('\ud83d'), 3, 'a lone high surrogate at the end');
    assert.equal(utf8Length('\ud83dx'), 4, 'a high surrogate before a non-surrogate');
    assert.equal(utf8Length('\ude00'), 3, 'a lone low surrogate');
  });
});
