// Tests for src/core/mask.ts: masking of client frames (RFC 6455 §5.3) and their headers
// (§5.2), against a byte-by-byte XOR at every alignment.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { Opcode } from '../../src/core/constants.js';
import { applyMask, maskInto, writeMaskedHeader } from '../../src/core/mask.js';

const property = { seed: 0x6455, numRuns: 150 };

function naiveMask(data: Uint8Array, key: Uint8Array, keyOffset: number): Uint8Array {
  const out = new Uint8Array(data.length);
  for (let i = 0; i < data.length; i++) out[i] = data[i]! ^ key[keyOffset + (i % 4)]!;
  return out;
}

describe('RFC 6455 §5.2 masked headers: writeMaskedHeader', () => {
  it('writes 64-bit lengths above 2^32 in network byte order', () => {
    const out = new Uint8Array(14);
    const mask = Uint8Array.of(9, 8, 7, 6);
    const written = writeMaskedHeader(out, 0, Opcode.Binary, true, false, 2 ** 32 + 5, mask, 0);
    assert.equal(written, 14);
    assert.deepEqual(out, Uint8Array.of(0x82, 0xff, 0, 0, 0, 1, 0, 0, 0, 5, 9, 8, 7, 6));
  });

  it('sets FIN, RSV1 and the opcode in the first byte, at an offset', () => {
    const out = new Uint8Array(12).fill(0xee);
    const mask = Uint8Array.of(0, 0, 1, 2, 3, 4);
    const written = writeMaskedHeader(out, 3, Opcode.Continuation, false, true, 300, mask, 2);
    assert.equal(written, 8);
    assert.deepEqual(out.subarray(3, 11), Uint8Array.of(0x40, 0xfe, 0x01, 0x2c, 1, 2, 3, 4));
    assert.equal(out[2], 0xee, 'bytes before the offset untouched');
    assert.equal(out[11], 0xee, 'bytes after the header untouched');
  });
});

describe('RFC 6455 §5.3 client-to-server masking: applyMask', () => {
  it('masks the §5.7 example payload with key 37 fa 21 3d', () => {
    const data = new TextEncoder().encode('Hello');
    applyMask(data, Uint8Array.of(0x37, 0xfa, 0x21, 0x3d));
    assert.deepEqual(data, Uint8Array.of(0x7f, 0x9f, 0x4d, 0x51, 0x58));
  });

  it('equals a byte-by-byte XOR and undoes itself, on unaligned views, key at any offset', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300 }),
        fc.integer({ min: 0, max: 7 }),
        fc.uint8Array({ minLength: 12, maxLength: 12 }),
        fc.integer({ min: 0, max: 8 }),
        (original, byteOffset, key, keyOffset) => {
          // Guard bytes on both sides catch a word loop that writes outside the view.
          const backing = new Uint8Array(byteOffset + original.length + 8).fill(0xa5);
          const view = backing.subarray(byteOffset, byteOffset + original.length);
          view.set(original);
          applyMask(view, key, keyOffset);
          assert.deepEqual(view, naiveMask(original, key, keyOffset));
          assert.ok(backing.subarray(0, byteOffset).every((byte) => byte === 0xa5));
          assert.ok(backing.subarray(byteOffset + original.length).every((b) => b === 0xa5));
          applyMask(view, key, keyOffset);
          assert.deepEqual(view, original);
        },
      ),
      property,
    );
  });

  it('handles every length and alignment around the word-loop threshold', () => {
    const key = Uint8Array.of(1, 0x80, 0x7f, 0xff);
    for (let length = 0; length <= 80; length++) {
      for (let offset = 0; offset < 4; offset++) {
        const original = Uint8Array.from({ length }, (_, i) => (i * 37 + offset) & 0xff);
        const view = new Uint8Array(length + offset).subarray(offset);
        view.set(original);
        applyMask(view, key);
        assert.deepEqual(view, naiveMask(original, key, 0), `length ${length}, offset ${offset}`);
      }
    }
  });
});

describe('RFC 6455 §5.3 client-to-server masking: maskInto (copy and mask in one pass)', () => {
  it('equals a byte-by-byte XOR for every source and target alignment, and reads only', () => {
    const key = Uint8Array.of(0x37, 0xfa, 0x21, 0x3d, 0x01, 0x02, 0x03, 0x04);
    for (const length of [0, 1, 3, 4, 15, 16, 17, 31, 32, 33, 35, 64, 100, 1027]) {
      for (let from = 0; from < 5; from++) {
        for (let to = 0; to < 5; to++) {
          for (const keyOffset of [0, 4]) {
            const backing = Buffer.alloc(length + 10, 0xee);
            const source = backing.subarray(from, from + length);
            for (let i = 0; i < length; i++) source[i] = (i * 53 + from) & 0xff;
            const before = Buffer.from(backing);
            const out = new Uint8Array(length + 12).fill(0xaa);
            const words = new Uint32Array(out.buffer, 0, out.length >>> 2);
            maskInto(out, words, to, source, key, keyOffset);
            const what = `length ${length}, source +${from}, target +${to}, key +${keyOffset}`;
            assert.ok(backing.equals(before), `${what}: the source and its neighbours are intact`);
            assert.deepEqual(
              out.subarray(to, to + length),
              naiveMask(source, key, keyOffset),
              `${what}: masked`,
            );
            assert.ok(
              out.subarray(0, to).every((b) => b === 0xaa) &&
                out.subarray(to + length).every((b) => b === 0xaa),
              `${what}: nothing written outside the target range`,
            );
          }
        }
      }
    }
  });
});
