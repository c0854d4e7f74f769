// What both WHATWG faces (WebSocket and ReconnectingWebSocket) do the same way: read the
// constructor's arguments, check close() arguments, keep binaryType, and turn a received
// message or a closed connection into events. Each face keeps its own state and timing.

import { validateUserClose } from '../core/close.js';
import { argumentError } from '../core/errors.js';
import { parseWebSocketUrl, type WebSocketTarget } from '../core/url.js';
import { ErrorEvent } from './dom-events.js';
import { clampUnsignedShort, isDictionary, messageOf, toDOMString } from './webidl.js';

/** How binary messages are delivered: as a Blob (the default) or an ArrayBuffer. */
export type BinaryType = 'blob' | 'arraybuffer';

/** The options and the offered subprotocols, from the constructor's 2nd and 3rd arguments. */
export interface FaceArguments<Options> {
  settings: Options | undefined;
  offered: unknown;
}

/**
 * Reads `(url, protocols, options)` and undici's `(url, options)` form. Subprotocols may come
 * as the 2nd argument or as options.protocols, not both. Throws InvalidArgumentError.
 */
export function faceArguments<Options extends { protocols?: unknown }>(
  protocols: unknown,
  options: Options | undefined,
): FaceArguments<Options> {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw argumentError('the options argument must be an object');
  }
  if (isDictionary(protocols)) {
    if (options !== undefined) throw argumentError('options given as 2nd and 3rd argument');
    const settings = protocols as Options;
    return { settings, offered: settings.protocols };
  }
  if (options?.protocols !== undefined) {
    if (protocols !== undefined) {
      throw argumentError('give subprotocols as the 2nd argument or options.protocols, not both');
    }
    return { settings: options, offered: options.protocols };
  }
  return { settings: options, offered: protocols };
}

/** Parses the url argument; a bad URL is a SyntaxError DOMException, as the standard says. */
export function urlArgument(url: unknown): WebSocketTarget {
  try {
    return parseWebSocketUrl(toDOMString(url));
  } catch (error) {
    throw new DOMException(messageOf(error), 'SyntaxError');
  }
}

/**
 * close() arguments checked as WebSocket.close() does: the code clamped to an unsigned short
 * and 1000 or 3000-4999 (else InvalidAccessError), the reason at most 123 UTF-8 bytes (else
 * SyntaxError). What was not given stays undefined.
 */
export function closeArguments(
  code: unknown,
  reason: unknown,
): { code: number | undefined; reason: string | undefined } {
  const closeCode = code === undefined ? undefined : clampUnsignedShort(code);
  const closeReason = reason === undefined ? undefined : toDOMString(reason);
  if (closeCode !== undefined && validateUserClose(closeCode, undefined) !== undefined) {
    const message = `close code ${closeCode} is neither 1000 nor in 3000-4999`;
    throw new DOMException(message, 'InvalidAccessError');
  }
  const reasonError = validateUserClose(undefined, closeReason ?? '');
  if (reasonError !== undefined) throw new DOMException(reasonError.message, 'SyntaxError');
  return { code: closeCode, reason: closeReason };
}

/** The binaryType setter: an enumeration, so values outside it leave the current one. */
export function binaryTypeOf(value: unknown, current: BinaryType): BinaryType {
  const text = toDOMString(value);
  return text === 'blob' || text === 'arraybuffer' ? text : current;
}

/** A message event for received data: text as a string, binary as a Blob or ArrayBuffer. */
export function messageEvent(
  data: string | Uint8Array,
  isBinary: boolean,
  binaryType: BinaryType,
  origin: string,
): MessageEvent {
  let value: string | Blob | ArrayBuffer = data as string;
  if (isBinary && binaryType === 'blob') value = new Blob([data as Uint8Array]);
  else if (isBinary) {
    // An ArrayBuffer of exactly the message, never a view into a larger buffer.
    value = new ArrayBuffer((data as Uint8Array).byteLength);
    new Uint8Array(value).set(data as Uint8Array);
  }
  return new MessageEvent('message', { data: value, origin });
}

/** The `error` event for an error: its message, and the error itself as `error`. */
export function errorEvent(error: unknown): ErrorEvent {
  return new ErrorEvent('error', { message: messageOf(error), error });
}
