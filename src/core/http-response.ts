// Bounded HTTP/1.1 response head parser for the opening handshake (RFC 6455 §4.1, RFC 9112
// §4-5). Accumulates bytes until the blank line, never past the configured header limit,
// and returns the bytes that followed the head (frames or body) untouched.

import { latin1Decode } from './bytes.js';
import { ErrorCode, HandshakeError } from './errors.js';

export interface HttpResponseHead {
  status: number;
  statusText: string;
  /** Header names in lower case; repeated headers joined with ", ". */
  headers: Record<string, string>;
}

export interface ParsedHead {
  head: HttpResponseHead;
  /** Bytes received after the blank line. */
  rest: Uint8Array;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const EMPTY = new Uint8Array(0);
const STATUS_LINE = /^HTTP\/1\.[01] ([1-9][0-9]{2})(?: ([^\r\n]*))?$/;

export class HttpResponseParser {
  readonly #maxBytes: number;
  #buffer: Uint8Array;
  #length = 0;
  /** Where the search for CRLFCRLF resumes. */
  #scanFrom = 0;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
    this.#buffer = new Uint8Array(Math.min(maxBytes, 1024));
  }

  /** Feeds bytes; returns the parsed head once complete, an error, or undefined for more. */
  push(chunk: Uint8Array): ParsedHead | HandshakeError | undefined {
    const needed = this.#length + chunk.length;
    if (needed > this.#buffer.length) {
      const grown = new Uint8Array(Math.max(needed, this.#buffer.length * 2));
      grown.set(this.#buffer.subarray(0, this.#length));
      this.#buffer = grown;
    }
    this.#buffer.set(chunk, this.#length);
    this.#length = needed;
    const buffer = this.#buffer;
    for (let i = Math.max(this.#scanFrom, 3); i < this.#length; i++) {
      if (
        buffer[i] === 0x0a &&
        buffer[i - 1] === 0x0d &&
        buffer[i - 2] === 0x0a &&
        buffer[i - 3] === 0x0d
      ) {
        if (i + 1 > this.#maxBytes) return this.#tooLarge();
        const head = parseHead(latin1Decode(buffer, 0, i - 3));
        if (head instanceof HandshakeError) return head;
        const rest = buffer.slice(i + 1, this.#length);
        // Done: the connection keeps this parser, not its buffer.
        this.#buffer = EMPTY;
        this.#length = 0;
        this.#scanFrom = 0;
        return { head, rest };
      }
    }
    this.#scanFrom = this.#length;
    if (this.#length >= this.#maxBytes) return this.#tooLarge();
    return undefined;
  }

  #tooLarge(): HandshakeError {
    return new HandshakeError(
      ErrorCode.HandshakeHeadersTooLarge,
      `the server's handshake response headers exceed ${this.#maxBytes} bytes (maxHandshakeBytes)`,
    );
  }
}

function malformed(detail: string): HandshakeError {
  return new HandshakeError(
    ErrorCode.InvalidHttpResponse,
    `the server's handshake response is not valid HTTP/1.1: ${detail}`,
  );
}

/** Parses the status line and header lines (without the final CRLFCRLF). */
export function parseHead(text: string): HttpResponseHead | HandshakeError {
  const lines = text.split('\r\n');
  const statusLine = lines[0] ?? '';
  const match = STATUS_LINE.exec(statusLine);
  if (match === null) {
    return malformed(`bad status line ${JSON.stringify(statusLine.slice(0, 80))}`);
  }
  const headers: Record<string, string> = Object.create(null);
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return malformed(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return malformed(`bad header name ${JSON.stringify(name.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    if (/[\0\r\n]/.test(value)) return malformed(`bad value for header ${name}`);
    const key = name.toLowerCase();
    const previous = headers[key];
    headers[key] = previous === undefined ? value : `${previous}, ${value}`;
  }
  return { status: Number(match[1]), statusText: match[2] ?? '', headers };
}

/** Splits a comma-separated header value into trimmed, non-empty items. */
export function headerTokens(value: string | undefined): string[] {
  if (value === undefined) return [];
  const out: string[] = [];
  for (const part of value.split(',')) {
    const token = part.trim();
    if (token !== '') out.push(token);
  }
  return out;
}

export function isToken(value: string): boolean {
  return TOKEN.test(value);
}
