// Small byte helpers shared by the core: concatenation, ASCII and base64 conversions.
// Pure functions over Uint8Array; no Buffer.

import type { AllocateBytes } from './ports.js';

/**
 * Concatenates `chunks` into one array; returns the only chunk itself when there is one. With
 * `allocate`, the array comes from it (its contents need not be zero): the length is then
 * counted from the chunks, so that every byte of it is written.
 */
export function concatBytes(
  chunks: readonly Uint8Array[],
  totalLength?: number,
  allocate?: AllocateBytes,
): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  let length = allocate === undefined ? (totalLength ?? 0) : 0;
  if (totalLength === undefined || allocate !== undefined) {
    for (const chunk of chunks) length += chunk.length;
  }
  const out = allocate === undefined ? new Uint8Array(length) : allocate(length);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

/** Bytes to a string with one char per byte (ISO-8859-1), for HTTP header text. */
export function latin1Decode(bytes: Uint8Array, start = 0, end = bytes.length): string {
  let out = '';
  const step = 4096;
  for (let i = start; i < end; i += step) {
    out += String.fromCharCode.apply(
      null,
      bytes.subarray(i, Math.min(i + step, end)) as unknown as number[],
    );
  }
  return out;
}

/** A string whose chars are all below 256 to bytes, one byte per char. */
export function latin1Encode(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

export function base64Encode(bytes: Uint8Array): string {
  return btoa(latin1Decode(bytes));
}

const textEncoder = new TextEncoder();

/** UTF-8 bytes of `text`. */
export function utf8Encode(text: string): Uint8Array {
  return textEncoder.encode(text);
}

/** Bytes as they are, a string as its UTF-8 bytes. */
export function toBytes(data: string | Uint8Array): Uint8Array {
  return typeof data === 'string' ? textEncoder.encode(data) : data;
}

/** Number of UTF-8 bytes `text` encodes to, without encoding it. */
export function utf8Length(text: string): number {
  let length = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) length += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        length += 2; // 4 bytes for a surrogate pair of 2 chars
        i++;
      } else length += 2; // lone surrogate becomes U+FFFD (3 bytes)
    } else length += 2;
  }
  return length;
}
