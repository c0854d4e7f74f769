// Deterministic core ports for tests: entropy from a seeded generator, SHA-1 from node:crypto.

import { createHash } from 'node:crypto';
import type { CorePorts } from '../../src/core/ports.js';

/** Entropy that fills with a simple xorshift sequence from `seed` (0: all zeros). */
export function seededEntropy(seed: number): (target: Uint8Array) => void {
  let state = seed >>> 0;
  return (target) => {
    for (let i = 0; i < target.length; i++) {
      if (state === 0) {
        target[i] = 0;
        continue;
      }
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      state >>>= 0;
      target[i] = state & 0xff;
    }
  };
}

export function testPorts(seed = 1): CorePorts {
  return {
    entropy: seededEntropy(seed),
    sha1: (data) => createHash('sha1').update(data).digest(),
  };
}
