// Tests for src/transport/node-ports.ts: the core's ports on Node (random bytes, SHA-1, UTF-8
// validation and the engine's longest string).

import assert from 'node:assert/strict';
import { constants } from 'node:buffer';
import { describe, it } from 'node:test';
import { nodePorts } from '../../src/transport/node-ports.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const hex = (data: Uint8Array): string => Buffer.from(data).toString('hex');

describe('nodePorts', () => {
  it('entropy fills the whole target, also a view at an odd offset, and nothing around it', () => {
    const whole = new Uint8Array(64);
    const view = whole.subarray(3, 3 + 32);
    nodePorts.entropy(view);
    assert.ok(whole.subarray(0, 3).every((byte) => byte === 0));
    assert.ok(whole.subarray(35).every((byte) => byte === 0));
    // 32 random bytes are all zero with probability 2^-256.
    assert.ok(view.some((byte) => byte !== 0));
    const other = new Uint8Array(32);
    nodePorts.entropy(other);
    assert.notEqual(hex(other), hex(view));
    // 4 bytes (a mask key) filled across many draws take many values.
    const keys = new Set<string>();
    const touched = [false, false, false, false];
    for (let i = 0; i < 64; i++) {
      const key = new Uint8Array(4);
      nodePorts.entropy(key);
      keys.add(hex(key));
      key.forEach((byte, at) => {
        if (byte !== 0) touched[at] = true;
      });
    }
    assert.ok(keys.size > 60);
    // Every byte of the key is drawn (all 64 draws leaving one at 0: probability 2^-512).
    assert.deepEqual(touched, [true, true, true, true]);
  });

  it('allocate gives a plain Uint8Array of the length, over its own memory from 4 KiB', () => {
    const allocate = nodePorts.allocate!;
    for (const length of [0, 1, 4095, 4096, 4097, 1 << 20]) {
      const bytes = allocate(length);
      assert.equal(Object.getPrototypeOf(bytes), Uint8Array.prototype, `${length}`);
      assert.equal(bytes.length, length);
      assert.equal(bytes.byteOffset, 0);
      // Never a slice of Node's shared pool: the message's buffer is its own.
      assert.equal(bytes.buffer.byteLength, length);
    }
    // Small arrays are zero-filled ones (as fast as any without the fill).
    assert.ok(allocate(4095).every((byte) => byte === 0));
  });

  it('sha1 matches the FIPS 180 examples and hashes only a view', () => {
    const table: [string, string][] = [
      ['', 'da39a3ee5e6b4b0d3255bfef95601890afd80709'],
      ['abc', 'a9993e364706816aba3e25717850c26c9cd0d89d'],
      [
        'abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq',
        '84983e441c3bd26ebaae4aa1f95129e5e54670f1',
      ],
    ];
    for (const [input, digest] of table) {
      const result = nodePorts.sha1(bytes(input));
      assert.equal(result.length, 20);
      assert.equal(hex(result), digest, input);
    }
    assert.equal(hex(nodePorts.sha1(bytes('xxabcxx').subarray(2, 5))), table[1]![1]);
  });

  it('isUtf8 accepts valid UTF-8 and refuses overlong, surrogate and cut sequences', () => {
    const isUtf8 = nodePorts.isUtf8!;
    const valid = [[], [0x41], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80]];
    const invalid = [
      [0x80],
      [0xc0, 0xaf],
      [0xed, 0xa0, 0x80],
      [0xe2, 0x82],
      [0xf4, 0x90, 0x80, 0x80],
      [0xff],
    ];
    for (const sequence of valid)
      assert.equal(isUtf8(new Uint8Array(sequence)), true, `${sequence}`);
    for (const sequence of invalid) {
      assert.equal(isUtf8(new Uint8Array(sequence)), false, `${sequence}`);
    }
    // A valid view into a buffer whose other bytes are invalid.
    const whole = new Uint8Array([0xff, 0xc3, 0xa9, 0xff]);
    assert.equal(isUtf8(whole.subarray(1, 3)), true);
  });

  it('maxStringLength is Node buffer.constants.MAX_STRING_LENGTH', () => {
    assert.equal(nodePorts.maxStringLength, constants.MAX_STRING_LENGTH);
  });
});
