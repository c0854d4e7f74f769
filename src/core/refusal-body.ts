// The body of a refused upgrade (RFC 6455 §4.1: any status but 101), kept for the error so
// users can read the server's reason. Bounded by a byte limit; delimited by Content-Length,
// chunked coding, or the end of the connection (RFC 9112 §6.3, §7.1).

import { concatBytes } from './bytes.js';
import { UnexpectedStatusError } from './errors.js';
import type { HttpResponseHead } from './http-response.js';

export class RefusalBodyReader {
  readonly #head: HttpResponseHead;
  readonly #chunks: Uint8Array[] = [];
  #length = 0;
  /** Bytes to keep: Content-Length (bytes past it are not part of the body) or the limit. */
  readonly #cap: number;
  readonly #isChunked: boolean;

  constructor(head: HttpResponseHead, maxBytes: number) {
    this.#head = head;
    const lengthHeader = head.headers['content-length'];
    const contentLength =
      lengthHeader !== undefined && /^\d+$/.test(lengthHeader) ? Number(lengthHeader) : undefined;
    this.#isChunked = /\bchunked\b/i.test(head.headers['transfer-encoding'] ?? '');
    this.#cap =
      contentLength === undefined || this.#isChunked ? maxBytes : Math.min(contentLength, maxBytes);
  }

  /** Takes body bytes; returns true once the body is complete or the limit is reached. */
  push(data: Uint8Array): boolean {
    const room = this.#cap - this.#length;
    if (data.length > 0 && room > 0) {
      const piece = data.length > room ? data.subarray(0, room) : data;
      this.#chunks.push(piece);
      this.#length += piece.length;
    }
    return this.#length >= this.#cap || (this.#isChunked && this.#endsWithLastChunk());
  }

  /** The error carrying the status, headers and the body read so far. */
  finish(): UnexpectedStatusError {
    let body = concatBytes(this.#chunks, this.#length);
    if (this.#isChunked) body = decodeChunked(body);
    const { status, statusText, headers } = this.#head;
    return new UnexpectedStatusError(status, statusText, headers, body);
  }

  #endsWithLastChunk(): boolean {
    // The closing "0\r\n\r\n" may be spread over many small reads: gather the last 7 bytes.
    const parts: Uint8Array[] = [];
    for (let i = this.#chunks.length - 1, have = 0; i >= 0 && have < 7; i--) {
      parts.unshift(this.#chunks[i]!);
      have += this.#chunks[i]!.length;
    }
    const tail = concatBytes(parts);
    const text = String.fromCharCode(...tail.subarray(Math.max(0, tail.length - 7)));
    return /(^|\r\n)0\r\n\r\n$/.test(text);
  }
}

/** Decodes a chunked body (RFC 9112 §7.1) as far as it is complete; extensions ignored. */
export function decodeChunked(body: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  let position = 0;
  for (let guard = 0; guard < body.length + 1; guard++) {
    let lineEnd = position;
    while (lineEnd + 1 < body.length && !(body[lineEnd] === 0x0d && body[lineEnd + 1] === 0x0a)) {
      lineEnd++;
    }
    if (lineEnd + 1 >= body.length) break;
    const sizeText = String.fromCharCode(...body.subarray(position, lineEnd))
      .split(';')[0]!
      .trim();
    const size = Number.parseInt(sizeText, 16);
    if (!Number.isFinite(size) || size <= 0) break;
    const start = lineEnd + 2;
    out.push(body.subarray(start, Math.min(start + size, body.length)));
    position = start + size + 2;
    if (position >= body.length) break;
  }
  return concatBytes(out);
}
