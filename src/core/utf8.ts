// Incremental UTF-8 validation for text that arrives in pieces (RFC 6455 §8.1, RFC 3629 §4).
// Reports the first invalid byte as soon as it is seen, even mid-frame. No decoding here.

import type { Utf8Check } from './ports.js';

/** Validates a stream of UTF-8 bytes fed in any split. */
export class Utf8Validator {
  /** Continuation bytes still expected by the current sequence. */
  #needed = 0;
  /** Allowed range of the next continuation byte (narrowed after E0, ED, F0, F4). */
  #low = 0x80;
  #high = 0xbf;
  readonly #fastCheck: Utf8Check | undefined;

  constructor(fastCheck?: Utf8Check) {
    this.#fastCheck = fastCheck;
  }

  /** True when no multi-byte sequence is left open. */
  get isComplete(): boolean {
    return this.#needed === 0;
  }

  reset(): void {
    this.#needed = 0;
    this.#low = 0x80;
    this.#high = 0xbf;
  }

  /**
   * Feeds `bytes`. Returns true while everything seen so far can still be valid UTF-8, false at
   * the first byte that can never be part of valid UTF-8.
   */
  feed(bytes: Uint8Array): boolean {
    let start = 0;
    if (this.#needed !== 0) {
      // Finish the sequence left open by the previous piece, then go fast again.
      start = Math.min(this.#needed, bytes.length);
      if (!this.#feedSlow(bytes, 0, start)) return false;
      if (start === bytes.length) return true;
    }
    const fast = this.#fastCheck;
    if (fast !== undefined && this.#needed === 0 && bytes.length - start >= 64) {
      // Check everything up to a possibly unfinished trailing sequence in one native call.
      let cut = bytes.length;
      let j = cut - 1;
      for (let steps = 0; steps < 3 && j > start && (bytes[j]! & 0xc0) === 0x80; steps++) j--;
      if (bytes[j]! >= 0xc0) cut = j;
      if (fast(start === 0 && cut === bytes.length ? bytes : bytes.subarray(start, cut))) {
        return this.#feedSlow(bytes, cut, bytes.length);
      }
    }
    return this.#feedSlow(bytes, start, bytes.length);
  }

  #feedSlow(bytes: Uint8Array, start: number, end: number): boolean {
    let needed = this.#needed;
    let low = this.#low;
    let high = this.#high;
    for (let i = start; i < end; i++) {
      const byte = bytes[i]!;
      if (needed === 0) {
        if (byte < 0x80) continue;
        if (byte >= 0xc2 && byte <= 0xdf) {
          needed = 1;
          low = 0x80;
          high = 0xbf;
        } else if (byte >= 0xe0 && byte <= 0xef) {
          needed = 2;
          low = byte === 0xe0 ? 0xa0 : 0x80;
          high = byte === 0xed ? 0x9f : 0xbf;
        } else if (byte >= 0xf0 && byte <= 0xf4) {
          needed = 3;
          low = byte === 0xf0 ? 0x90 : 0x80;
          high = byte === 0xf4 ? 0x8f : 0xbf;
        } else {
          this.#needed = needed;
          return false;
        }
      } else {
        if (byte < low || byte > high) {
          this.#needed = needed;
          return false;
        }
        needed--;
        low = 0x80;
        high = 0xbf;
      }
    }
    this.#needed = needed;
    this.#low = low;
    this.#high = high;
    return true;
  }
}

/** True when `bytes` is complete, valid UTF-8. */
export function isValidUtf8(bytes: Uint8Array, fastCheck?: Utf8Check): boolean {
  if (fastCheck !== undefined) return fastCheck(bytes);
  const validator = new Utf8Validator();
  return validator.feed(bytes) && validator.isComplete;
}
