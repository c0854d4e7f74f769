// WebIDL argument conversions for the WHATWG WebSocket face: subprotocol lists, send()
// values, [Clamp] unsigned short. They throw what the standard says (TypeError, SyntaxError).

import { utf8Length } from '../core/bytes.js';
import { validateProtocols } from '../core/handshake.js';

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** WebIDL DOMString/USVString: ToString, which throws a TypeError for a Symbol. */
export function toDOMString(value: unknown): string {
  if (typeof value === 'symbol') throw new TypeError('cannot convert a Symbol to a string');
  return `${value as string}`;
}

export function isIterableObject(value: unknown): value is Iterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.iterator in value;
}

export function isDictionary(value: unknown): boolean {
  return typeof value === 'object' && value !== null && !isIterableObject(value);
}

/** `(DOMString or sequence<DOMString>)`; every name must be a token, no name twice. */
export function toProtocolList(value: unknown): string[] {
  if (value === undefined) return [];
  const list = isIterableObject(value) ? Array.from(value, toDOMString) : [toDOMString(value)];
  try {
    validateProtocols(list);
  } catch (error) {
    throw new DOMException(messageOf(error), 'SyntaxError');
  }
  // Browsers and undici treat names that differ only in case as the same name.
  if (new Set(list.map((name) => name.toLowerCase())).size !== list.length) {
    throw new DOMException('a subprotocol is listed twice (ignoring case)', 'SyntaxError');
  }
  return list;
}

const hasSharedMemory = typeof SharedArrayBuffer === 'function';

function isShared(buffer: unknown): boolean {
  return hasSharedMemory && buffer instanceof SharedArrayBuffer;
}

/**
 * `(BufferSource or Blob or USVString)`: anything else is converted to a string. A
 * BufferSource is never shared memory: a SharedArrayBuffer, or a view of one, throws a
 * TypeError, as WebIDL says (browsers and undici do the same).
 */
export function toSendValue(data: unknown): string | Uint8Array | Blob {
  if (typeof data === 'string' || data instanceof Blob) return data;
  if (ArrayBuffer.isView(data)) {
    if (isShared(data.buffer)) throw sharedMemoryError();
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (isShared(data)) throw sharedMemoryError();
  return toDOMString(data);
}

function sharedMemoryError(): TypeError {
  return new TypeError(
    'send() does not take a SharedArrayBuffer or a view of one; copy the bytes into an ArrayBuffer first',
  );
}

/** Payload bytes; a string counts as UTF-8 (lone surrogates as U+FFFD), without encoding it. */
export function sizeOf(value: string | Uint8Array | Blob): number {
  if (typeof value === 'string') return utf8Length(value);
  return value instanceof Blob ? value.size : value.byteLength;
}

/** WebIDL `[Clamp] unsigned short`: clamp to 0-65535, round half to even, NaN to 0. */
export function clampUnsignedShort(value: unknown): number {
  const number = Number(value);
  if (Number.isNaN(number)) return 0;
  const clamped = Math.min(Math.max(number, 0), 65535);
  const floor = Math.floor(clamped);
  const fraction = clamped - floor;
  return fraction > 0.5 || (fraction === 0.5 && floor % 2 === 1) ? floor + 1 : floor;
}
