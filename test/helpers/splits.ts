// Feeding bytes in pieces: every fixture goes in whole, one byte at a time, and cut in two at
// every position; fast-check tests add random cuts. The pieces are views of the input (so
// their byteOffsets vary) and must not be mutated by the code under test.

import fc from 'fast-check';

/** The input cut at the given positions (sorted or not; duplicates and ends are ignored). */
export function chunksAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = [...new Set(cuts)]
    .filter((cut) => cut > 0 && cut < bytes.length)
    .sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(start, point));
    start = point;
  }
  chunks.push(bytes.subarray(start));
  return chunks;
}

/** Every way feedAllSplits cuts `bytes`, with a label for failure messages. */
export function* allSplits(bytes: Uint8Array): Generator<{ label: string; chunks: Uint8Array[] }> {
  yield { label: 'whole', chunks: [bytes] };
  const single: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i++) single.push(bytes.subarray(i, i + 1));
  yield { label: 'byte by byte', chunks: single };
  for (let cut = 1; cut < bytes.length; cut++) {
    yield { label: `split at ${cut}`, chunks: [bytes.subarray(0, cut), bytes.subarray(cut)] };
  }
}

/**
 * Runs `check` with `bytes` whole, one byte at a time, and split in two at every point.
 * A failure is rethrown with the split that caused it in its message. Returns the number of
 * runs (2 + length - 1), so callers can assert that the loop really ran.
 */
export function feedAllSplits(
  bytes: Uint8Array,
  check: (chunks: Uint8Array[], label: string) => void,
): number {
  let runs = 0;
  for (const { label, chunks } of allSplits(bytes)) {
    try {
      check(chunks, label);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`${label} (of ${bytes.length} bytes): ${message}`, { cause: error });
    }
    runs++;
  }
  return runs;
}

/** Random cut positions for an input of up to `maxLength` bytes (filtered by chunksAt). */
export function cutsArbitrary(maxLength: number, maxCuts = 8): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: Math.max(1, maxLength) }), { maxLength: maxCuts });
}

/**
 * Byte arrays of `minLength..maxLength` filled from a random seed: much faster than
 * fc.uint8Array for payloads of tens of kilobytes, at the cost of byte-level shrinking.
 */
export function largeBytesArbitrary(
  minLength: number,
  maxLength: number,
): fc.Arbitrary<Uint8Array> {
  return fc
    .tuple(fc.integer({ min: minLength, max: maxLength }), fc.integer({ min: 1, max: 2 ** 31 - 1 }))
    .map(([length, seed]) => {
      const out = new Uint8Array(length);
      let state = seed;
      for (let i = 0; i < length; i++) {
        state ^= state << 13;
        state ^= state >>> 17;
        state ^= state << 5;
        out[i] = state & 0xff;
      }
      return out;
    });
}

/**
 * Strings to encode and cut: code points from every UTF-8 length class, lone surrogates
 * included (0xD800-0xDFFF fall in the 3-byte range). Faster than fc.string's 'binary' unit.
 */
export function textArbitrary(maxLength: number, minLength = 0): fc.Arbitrary<string> {
  const codePoint = fc.oneof(
    fc.integer({ min: 0, max: 0x7f }),
    fc.integer({ min: 0x80, max: 0x7ff }),
    fc.integer({ min: 0x800, max: 0xffff }),
    fc.integer({ min: 0x10000, max: 0x10ffff }),
    fc.constant(0xfeff),
  );
  return fc
    .array(codePoint, { minLength, maxLength, size: 'medium' })
    .map((points) => String.fromCodePoint(...points));
}
