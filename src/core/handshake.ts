// The opening handshake, client side (RFC 6455 §4.1, §4.2.2): build the upgrade request and
// validate the server's response. Checks what the user passes (subprotocols, header names and
// values) and everything the server answers.

import { base64Encode, latin1Encode, utf8Encode } from './bytes.js';
import { WEBSOCKET_GUID } from './constants.js';
import { argumentError, ErrorCode, HandshakeError, NegotiationError } from './errors.js';
import { type HttpResponseHead, headerTokens, isToken } from './http-response.js';
import {
  type AgreedDeflate,
  parseDeflateResponse,
  type ResolvedDeflateOptions,
} from './permessage-deflate.js';
import type { Entropy, Sha1 } from './ports.js';
import type { WebSocketTarget } from './url.js';

/** Extra request headers as given by users. */
export type HeadersInit =
  | Iterable<readonly [string, string]>
  | Readonly<Record<string, string | readonly string[] | undefined>>;

/** Header names the handshake sets itself; users set them through options instead. */
export const OWNED_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'upgrade',
  'connection',
  'sec-websocket-key',
  'sec-websocket-version',
  'sec-websocket-protocol',
  'sec-websocket-extensions',
  'sec-websocket-accept',
]);

export interface HandshakeRequestOptions {
  target: WebSocketTarget;
  protocols: readonly string[];
  origin?: string | undefined;
  headers: readonly (readonly [string, string])[];
  /** Value of Sec-WebSocket-Extensions to offer, if any. */
  extensions?: string | undefined;
}

export interface HandshakeRequest {
  bytes: Uint8Array;
  /** The base64 Sec-WebSocket-Key that was sent. */
  key: string;
}

/** Checks subprotocol names: tokens (RFC 6455 §4.1 item 10), no duplicates. Throws. */
export function validateProtocols(protocols: unknown): string[] {
  if (protocols === undefined || protocols === null) return [];
  const list = typeof protocols === 'string' ? [protocols] : protocols;
  if (!Array.isArray(list)) {
    throw argumentError('protocols must be a string or an array of strings');
  }
  const seen = new Set<string>();
  for (const protocol of list) {
    if (typeof protocol !== 'string' || !isToken(protocol)) {
      throw argumentError(
        `invalid subprotocol ${JSON.stringify(protocol)}: a subprotocol is a non-empty HTTP token (letters, digits and !#$%&'*+-.^_\`|~)`,
      );
    }
    if (seen.has(protocol))
      throw argumentError(`subprotocol ${JSON.stringify(protocol)} is listed twice`);
    seen.add(protocol);
  }
  return [...list] as string[];
}

/**
 * Normalizes and checks extra headers: names must be tokens, values must not contain CR, LF
 * or NUL, and the handshake's own headers (and those set through options) are refused. A name
 * may repeat, as HTTP allows for list-valued fields. Throws.
 */
export function validateHeaders(
  headers: HeadersInit | undefined,
  reserved: readonly string[] = [],
): [string, string][] {
  if (headers === undefined || headers === null) return [];
  if (typeof headers !== 'object')
    throw argumentError('headers must be an object or a list of [name, value] pairs');
  const pairs: [string, string][] = [];
  const add = (name: unknown, value: unknown): void => {
    if (value === undefined) return;
    if (typeof name !== 'string' || !isToken(name)) {
      throw argumentError(`invalid header name ${JSON.stringify(name)}`);
    }
    if (Array.isArray(value)) {
      for (const item of value) add(name, item);
      return;
    }
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string')
      throw argumentError(`the value of header ${name} must be a string`);
    if (/[\r\n\0]/.test(text)) {
      throw argumentError(
        `the value of header ${name} contains CR, LF or NUL, which would break the request`,
      );
    }
    pairs.push([name, text.trim()]);
  };
  if (Symbol.iterator in headers) {
    for (const entry of headers as Iterable<readonly [string, string]>) {
      if (!Array.isArray(entry) || entry.length !== 2) {
        throw argumentError('each header must be a [name, value] pair');
      }
      add(entry[0], entry[1]);
    }
  } else {
    for (const [name, value] of Object.entries(headers)) add(name, value);
  }
  for (const [name] of pairs) {
    const lower = name.toLowerCase();
    if (OWNED_HEADERS.has(lower)) {
      throw argumentError(
        `header ${name} is set by the handshake itself; use the url, protocols or extensions options instead`,
      );
    }
    if (reserved.includes(lower)) {
      throw argumentError(
        `header ${name} is already set from the options or the URL; set it in one place`,
      );
    }
  }
  return pairs;
}

/** Builds the upgrade request with a fresh random key (RFC 6455 §4.1). */
export function buildHandshakeRequest(
  options: HandshakeRequestOptions,
  entropy: Entropy,
): HandshakeRequest {
  const nonce = new Uint8Array(16);
  entropy(nonce);
  const key = base64Encode(nonce);
  const { target } = options;
  const lines = [
    `GET ${target.resource} HTTP/1.1`,
    `Host: ${target.host}`,
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Key: ${key}`,
    'Sec-WebSocket-Version: 13',
  ];
  if (options.origin !== undefined) lines.push(`Origin: ${options.origin}`);
  if (options.protocols.length > 0)
    lines.push(`Sec-WebSocket-Protocol: ${options.protocols.join(', ')}`);
  if (options.extensions !== undefined)
    lines.push(`Sec-WebSocket-Extensions: ${options.extensions}`);
  if (target.username !== '' || target.password !== '') {
    const credentials = base64Encode(utf8Encode(`${target.username}:${target.password}`));
    lines.push(`Authorization: Basic ${credentials}`);
  }
  for (const [name, value] of options.headers) lines.push(`${name}: ${value}`);
  const text = `${lines.join('\r\n')}\r\n\r\n`;
  // Header values may hold non-ASCII text: send it as UTF-8 (obs-text on the wire).
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for ASCII on purpose
  const bytes = /^[\x00-\x7f]*$/.test(text) ? latin1Encode(text) : utf8Encode(text);
  return { bytes, key };
}

/** The Sec-WebSocket-Accept value the server must send for `key` (RFC 6455 §4.2.2). */
export function computeAccept(key: string, sha1: Sha1): string {
  return base64Encode(sha1(latin1Encode(key + WEBSOCKET_GUID)));
}

export interface HandshakeResult {
  protocol: string;
  /** The Sec-WebSocket-Extensions value as the server sent it ('' when none). */
  extensions: string;
  /** The permessage-deflate parameters agreed on; undefined when not offered or declined. */
  deflate: AgreedDeflate | undefined;
}

/**
 * Validates a 101 response (RFC 6455 §4.1, "the client MUST validate the server's response").
 * With `deflate` (the permessage-deflate offer that was sent), the extensions are checked
 * against it by parseDeflateResponse (RFC 7692 §7.1), and `offeredExtensions` is not used;
 * without it, any extension not named in `offeredExtensions` fails.
 */
export function validateHandshakeResponse(
  head: HttpResponseHead,
  key: string,
  offeredProtocols: readonly string[],
  offeredExtensions: readonly string[],
  sha1: Sha1,
  deflate?: ResolvedDeflateOptions | undefined,
): HandshakeResult | HandshakeError {
  const { headers } = head;
  // §4.1 asks for an HTTP/1.1 request and a 101 in answer; HTTP/1.0 has no protocol switch
  // (RFC 9110 §7.8: Upgrade is ignored in HTTP/1.0), so a 1.0 "101" is not a real one.
  if (head.httpVersion !== '1.1') {
    return new HandshakeError(
      ErrorCode.InvalidHttpResponse,
      `the server answered 101 with HTTP/${head.httpVersion}; switching protocols needs HTTP/1.1`,
    );
  }
  // §4.1 item 2: Upgrade must contain "websocket", case-insensitively.
  if (!headerTokens(headers.upgrade).some((token) => token.toLowerCase() === 'websocket')) {
    return new HandshakeError(
      ErrorCode.MissingUpgrade,
      `the server answered 101 without "Upgrade: websocket" (got ${JSON.stringify(headers.upgrade ?? null)}); is this a WebSocket endpoint?`,
    );
  }
  // §4.1 item 3: Connection must contain the token "Upgrade", case-insensitively.
  if (!headerTokens(headers.connection).some((token) => token.toLowerCase() === 'upgrade')) {
    return new HandshakeError(
      ErrorCode.MissingConnection,
      `the server answered 101 without "Connection: Upgrade" (got ${JSON.stringify(headers.connection ?? null)})`,
    );
  }
  // §4.1 item 4: the accept value must be exactly base64(SHA-1(key + GUID)).
  const expected = computeAccept(key, sha1);
  if (headers['sec-websocket-accept'] !== expected) {
    return new HandshakeError(
      ErrorCode.InvalidAccept,
      `the server's Sec-WebSocket-Accept ${JSON.stringify(headers['sec-websocket-accept'] ?? null)} does not match the key (expected ${expected}); a proxy or a non-WebSocket server answered`,
    );
  }
  // §4.1 item 5: only an extension we offered.
  const extensions = headers['sec-websocket-extensions'] ?? '';
  let agreed: AgreedDeflate | undefined;
  if (deflate !== undefined) {
    const answer = parseDeflateResponse(extensions, deflate);
    if (answer instanceof Error) return answer;
    agreed = answer;
  } else {
    const failure = checkOfferedExtensions(extensions, offeredExtensions);
    if (failure !== undefined) return failure;
  }
  // §4.1 item 6: only a subprotocol we offered, and only one.
  const protocol = headers['sec-websocket-protocol'] ?? '';
  if (protocol !== '' && (protocol.includes(',') || !offeredProtocols.includes(protocol))) {
    return new NegotiationError(
      ErrorCode.UnexpectedSubprotocol,
      offeredProtocols.length === 0
        ? `the server chose subprotocol ${JSON.stringify(protocol)} although the client offered none`
        : `the server chose subprotocol ${JSON.stringify(protocol)}, not one of ${offeredProtocols.map((p) => JSON.stringify(p)).join(', ')}`,
    );
  }
  return { protocol, extensions, deflate: agreed };
}

/** The error for an extension in `extensions` that is not named in `offered`, if any. */
function checkOfferedExtensions(
  extensions: string,
  offered: readonly string[],
): NegotiationError | undefined {
  for (const item of headerTokens(extensions)) {
    const name = (item.split(';')[0] ?? '').trim().toLowerCase();
    if (!offered.includes(name)) {
      return new NegotiationError(
        ErrorCode.UnexpectedExtension,
        `the server accepted extension ${JSON.stringify(name)}, which the client did not offer`,
      );
    }
  }
  return undefined;
}
