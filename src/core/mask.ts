// Masking of client frames (RFC 6455 §5.3) and their headers (§5.2): the payload XORed with
// a 4-byte key, a 32-bit word at a time where it can, written straight into an output block.
// Pure functions over bytes; the frame writer (frame.ts) owns the blocks and the keys.

const keyBytes = new Uint8Array(4);
const keyWord = new Uint32Array(keyBytes.buffer);
/** Below this size a byte loop beats creating a typed-array view. */
const WORD_MASK_THRESHOLD = 16;
const NO_WORDS = new Uint32Array(0);

/**
 * XORs `data` in place with the 4-byte key at `key[keyOffset..keyOffset+3]` (RFC 6455 §5.3).
 * Works a 32-bit word at a time on the aligned middle part; applying it twice restores `data`.
 */
export function applyMask(data: Uint8Array, key: Uint8Array, keyOffset = 0): void {
  const words =
    data.length >= WORD_MASK_THRESHOLD
      ? new Uint32Array(data.buffer, 0, data.buffer.byteLength >>> 2)
      : NO_WORDS;
  maskRange(data, words, 0, data.length, key, keyOffset);
}

/**
 * XORs bytes[start..end) in place with the key at key[keyOffset..], using `words`, a
 * Uint32Array over the whole buffer of `bytes` (from byte 0), for the aligned middle, so no
 * typed-array view is created per call.
 */
export function maskRange(
  bytes: Uint8Array,
  words: Uint32Array,
  start: number,
  end: number,
  key: Uint8Array,
  keyOffset: number,
): void {
  let i = start;
  if (end - start >= WORD_MASK_THRESHOLD) {
    const lead = (4 - ((bytes.byteOffset + start) & 3)) & 3;
    for (let j = 0; j < lead; j++, i++) bytes[i] = bytes[i]! ^ key[keyOffset + (j & 3)]!;
    keyBytes[0] = key[keyOffset + (lead & 3)]!;
    keyBytes[1] = key[keyOffset + ((lead + 1) & 3)]!;
    keyBytes[2] = key[keyOffset + ((lead + 2) & 3)]!;
    keyBytes[3] = key[keyOffset + ((lead + 3) & 3)]!;
    const word = keyWord[0]!;
    let w = (bytes.byteOffset + i) >>> 2;
    const wordEnd = w + ((end - i) >>> 2);
    const unrolledEnd = w + ((wordEnd - w) & ~7);
    for (; w < unrolledEnd; w += 8) {
      words[w] = words[w]! ^ word;
      words[w + 1] = words[w + 1]! ^ word;
      words[w + 2] = words[w + 2]! ^ word;
      words[w + 3] = words[w + 3]! ^ word;
      words[w + 4] = words[w + 4]! ^ word;
      words[w + 5] = words[w + 5]! ^ word;
      words[w + 6] = words[w + 6]! ^ word;
      words[w + 7] = words[w + 7]! ^ word;
    }
    for (; w < wordEnd; w++) words[w] = words[w]! ^ word;
    i = (wordEnd << 2) - bytes.byteOffset;
  }
  // The tail (or a short payload): key position relative to `start`.
  for (; i < end; i++) bytes[i] = bytes[i]! ^ key[keyOffset + ((i - start) & 3)]!;
}

/**
 * Writes `source` XOR the key at key[keyOffset..] into out[outStart..] (RFC 6455 §5.3) in one
 * pass: `source` is only read, never written. `outWords` is a Uint32Array over the whole
 * buffer of `out` from byte 0. When `source` and the destination share their alignment
 * modulo 4, the middle goes a 32-bit word at a time; otherwise the bytes are copied, then
 * masked in place.
 */
export function maskInto(
  out: Uint8Array,
  outWords: Uint32Array,
  outStart: number,
  source: Uint8Array,
  key: Uint8Array,
  keyOffset: number,
): void {
  const length = source.length;
  const outByte = out.byteOffset + outStart;
  if (length < WORD_MASK_THRESHOLD || ((source.byteOffset - outByte) & 3) !== 0) {
    out.set(source, outStart);
    maskRange(out, outWords, outStart, outStart + length, key, keyOffset);
    return;
  }
  const lead = (4 - (outByte & 3)) & 3;
  let i = 0;
  for (; i < lead; i++) out[outStart + i] = source[i]! ^ key[keyOffset + (i & 3)]!;
  keyBytes[0] = key[keyOffset + (lead & 3)]!;
  keyBytes[1] = key[keyOffset + ((lead + 1) & 3)]!;
  keyBytes[2] = key[keyOffset + ((lead + 2) & 3)]!;
  keyBytes[3] = key[keyOffset + ((lead + 3) & 3)]!;
  const word = keyWord[0]!;
  const count = (length - lead) >>> 2;
  const from = new Uint32Array(source.buffer, source.byteOffset + lead, count);
  const w = (outByte + lead) >>> 2;
  let k = 0;
  const unrolledEnd = count & ~7;
  for (; k < unrolledEnd; k += 8) {
    outWords[w + k] = from[k]! ^ word;
    outWords[w + k + 1] = from[k + 1]! ^ word;
    outWords[w + k + 2] = from[k + 2]! ^ word;
    outWords[w + k + 3] = from[k + 3]! ^ word;
    outWords[w + k + 4] = from[k + 4]! ^ word;
    outWords[w + k + 5] = from[k + 5]! ^ word;
    outWords[w + k + 6] = from[k + 6]! ^ word;
    outWords[w + k + 7] = from[k + 7]! ^ word;
  }
  for (; k < count; k++) outWords[w + k] = from[k]! ^ word;
  // The tail: key position relative to the payload's first byte.
  for (i = lead + (count << 2); i < length; i++) {
    out[outStart + i] = source[i]! ^ key[keyOffset + (i & 3)]!;
  }
}

/** Header length of a masked client frame carrying `payloadLength` bytes. */
export function maskedHeaderLength(payloadLength: number): number {
  return payloadLength < 126 ? 6 : payloadLength < 65536 ? 8 : 14;
}

/**
 * Writes a masked frame header into `out` at `offset` and returns its length. The 4 mask
 * bytes are the last 4 bytes of the header.
 */
export function writeMaskedHeader(
  out: Uint8Array,
  offset: number,
  opcode: number,
  fin: boolean,
  rsv1: boolean,
  payloadLength: number,
  mask: Uint8Array,
  maskOffset: number,
): number {
  out[offset] = (fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | opcode;
  let p = offset + 2;
  if (payloadLength < 126) {
    out[offset + 1] = 0x80 | payloadLength;
  } else if (payloadLength < 65536) {
    out[offset + 1] = 0x80 | 126;
    out[p++] = payloadLength >>> 8;
    out[p++] = payloadLength & 0xff;
  } else {
    out[offset + 1] = 0x80 | 127;
    const high = Math.floor(payloadLength / 0x100000000);
    const low = payloadLength >>> 0;
    out[p++] = (high >>> 24) & 0xff;
    out[p++] = (high >>> 16) & 0xff;
    out[p++] = (high >>> 8) & 0xff;
    out[p++] = high & 0xff;
    out[p++] = low >>> 24;
    out[p++] = (low >>> 16) & 0xff;
    out[p++] = (low >>> 8) & 0xff;
    out[p++] = low & 0xff;
  }
  out[p++] = mask[maskOffset]!;
  out[p++] = mask[maskOffset + 1]!;
  out[p++] = mask[maskOffset + 2]!;
  out[p++] = mask[maskOffset + 3]!;
  return p - offset;
}
