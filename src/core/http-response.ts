// Bounded HTTP/1.1 response head parser for the opening handshake (RFC 6455 §4.1, RFC 9112
// §4-5). Accumulates bytes until the blank line, never past the configured header limit,
// and returns the bytes that followed the head (frames or body) untouched.

import { latin1Decode, latin1Encode } from './bytes.js';
import { ErrorCode, HandshakeError, type ResponseHeaders } from './errors.js';

export type { ResponseHeaders };

export interface HttpResponseHead {
  /** "1.1", or "1.0" (which cannot switch protocols). */
  httpVersion: string;
  status: number;
  statusText: string;
  headers: ResponseHeaders;
}

export interface ParsedHead {
  head: HttpResponseHead;
  /** Bytes received after the blank line. */
  rest: Uint8Array;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const EMPTY = new Uint8Array(0);
const STATUS_LINE = /^HTTP\/1\.([01]) ([1-9][0-9]{2})(?: (.*))?$/s;

/**
 * True when `text` has a control character other than HTAB: never valid in a status line
 * (RFC 9112 §4: the reason phrase is tabs, spaces, visible and obs-text characters) or in a
 * field value (RFC 9110 §5.5). NUL, CR and LF among them.
 */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** The status line's parts, or undefined when it is not a valid HTTP/1.x status line. */
function matchStatusLine(line: string): RegExpExecArray | undefined {
  const match = STATUS_LINE.exec(line);
  return match === null || hasControl(line) ? undefined : match;
}
/** What every response starts with: "HTTP/1." then the minor version and a space. */
const PREFIX = 'HTTP/1.';
/** Header values most 101 responses carry: one shared string instead of a copy per response. */
const COMMON_VALUES = new Map(
  ['websocket', 'WebSocket', 'Upgrade', 'upgrade'].map((value) => [value, value]),
);
/** V8 makes a slice of this many characters or more a view that keeps the whole text alive. */
const MIN_SLICE_LENGTH = 13;

export class HttpResponseParser {
  readonly #maxBytes: number;
  #buffer: Uint8Array;
  #length = 0;
  /** Where the search for CRLFCRLF resumes. */
  #scanFrom = 0;
  /** The status line was complete and valid. */
  #isFirstLineChecked = false;

  constructor(maxBytes: number) {
    this.#maxBytes = maxBytes;
    this.#buffer = new Uint8Array(Math.min(maxBytes, 1024));
  }

  /** Bytes received so far (0: the server has said nothing yet). */
  get bytesReceived(): number {
    return this.#length;
  }

  /** The bytes received start like a TLS record (a handshake or an alert), not like HTTP. */
  get looksLikeTls(): boolean {
    const first = this.#buffer[0] ?? 0;
    return this.#length >= 2 && first >= 0x15 && first <= 0x17 && this.#buffer[1] === 0x03;
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
    if (!this.#isFirstLineChecked) {
      // A server that does not speak HTTP (SSH, SMTP...) may send one line and wait: judge the
      // first bytes and the status line as they arrive, not at the blank line.
      const error = this.#checkFirstLine();
      if (error !== undefined) return error;
    }
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

  #checkFirstLine(): HandshakeError | undefined {
    const buffer = this.#buffer;
    const length = this.#length;
    const prefix = Math.min(length, PREFIX.length + 2);
    for (let i = 0; i < prefix; i++) {
      const byte = buffer[i]!;
      const ok =
        i < PREFIX.length
          ? byte === PREFIX.charCodeAt(i)
          : i === PREFIX.length
            ? byte === 0x30 || byte === 0x31
            : byte === 0x20;
      if (!ok) {
        const end = buffer.subarray(0, Math.min(length, 80)).indexOf(0x0a);
        const shown = latin1Decode(buffer, 0, end === -1 ? Math.min(length, 80) : end);
        return malformed(`it does not start with HTTP/1.1 but with ${JSON.stringify(shown)}`);
      }
    }
    const lineEnd = buffer.subarray(0, length).indexOf(0x0a);
    if (lineEnd === -1) return undefined;
    if (buffer[lineEnd - 1] !== 0x0d) return malformed('the status line ends in a bare LF');
    const statusLine = latin1Decode(buffer, 0, lineEnd - 1);
    if (matchStatusLine(statusLine) === undefined) return badStatusLine(statusLine);
    this.#isFirstLineChecked = true;
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

function badStatusLine(statusLine: string): HandshakeError {
  return malformed(`bad status line ${JSON.stringify(statusLine.slice(0, 80))}`);
}

/** Parses the status line and header lines (without the final CRLFCRLF). */
export function parseHead(text: string): HttpResponseHead | HandshakeError {
  const lines = text.split('\r\n');
  const statusLine = lines[0] ?? '';
  const match = matchStatusLine(statusLine);
  if (match === undefined) return badStatusLine(statusLine);
  // Null prototype, but made from a literal: Object.create(null) makes a dictionary-mode
  // object, about 130 bytes larger, and connections keep their 101's headers.
  const headers: Record<string, string> = {};
  Object.setPrototypeOf(headers, null);
  const cookies: string[] = [];
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    if (colon <= 0) return malformed(`bad header line ${JSON.stringify(line.slice(0, 80))}`);
    const name = line.slice(0, colon);
    if (!TOKEN.test(name)) return malformed(`bad header name ${JSON.stringify(name.slice(0, 80))}`);
    const value = line.slice(colon + 1).trim();
    if (hasControl(value)) return malformed(`a control character in header ${name}`);
    const key = name.toLowerCase();
    if (key === 'set-cookie') {
      cookies.push(value);
      continue;
    }
    const previous = headers[key];
    headers[key] = previous === undefined ? keptValue(value) : `${previous}, ${value}`;
  }
  if (cookies.length > 0) (headers as Record<string, unknown>)['set-cookie'] = cookies;
  return {
    httpVersion: `1.${match[1]}`,
    status: Number(match[2]),
    statusText: match[3] ?? '',
    headers,
  };
}

/**
 * A header value to keep: a shared string for the common ones, and never a slice of the
 * response text (a kept slice would keep all of it).
 */
function keptValue(value: string): string {
  const common = COMMON_VALUES.get(value);
  if (common !== undefined) return common;
  return value.length < MIN_SLICE_LENGTH ? value : latin1Decode(latin1Encode(value));
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
