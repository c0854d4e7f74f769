// Close frame payloads (RFC 6455 §5.5.1, §7.4): parse what the server sends, serialize what
// we send, and decide which codes each side may use.

import { CloseCode, MAX_CLOSE_REASON_BYTES } from './constants.js';
import { ErrorCode, InvalidArgumentError, ProtocolError } from './errors.js';
import type { Utf8Check } from './ports.js';
import { isValidUtf8 } from './utf8.js';

export interface ClosePayload {
  code: number;
  reason: string;
}

// ignoreBOM: keep a leading U+FEFF in the reason instead of silently dropping it.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
const encoder = new TextEncoder();

/**
 * True for a code that may appear in a Close frame on the wire (§7.4.1, §7.4.2): the
 * registered 1000-1003 and 1007-1014, and 3000-4999 for libraries and applications.
 */
export function isValidWireCloseCode(code: number): boolean {
  return (
    (code >= 1000 && code <= 1014 && code !== 1004 && code !== 1005 && code !== 1006) ||
    (code >= 3000 && code <= 4999)
  );
}

/** Parses a received Close payload; an empty one means "no status" (1005). */
export function parseClosePayload(
  payload: Uint8Array,
  isUtf8?: Utf8Check,
): ClosePayload | ProtocolError {
  if (payload.length === 0) return { code: CloseCode.NoStatusReceived, reason: '' };
  if (payload.length === 1) {
    return new ProtocolError(
      ErrorCode.InvalidClosePayload,
      'the server sent a Close frame with a 1-byte payload (a status code takes 2 bytes)',
    );
  }
  const code = (payload[0]! << 8) | payload[1]!;
  if (!isValidWireCloseCode(code)) {
    return new ProtocolError(
      ErrorCode.InvalidCloseCode,
      `the server sent close code ${code}, which must not be sent on the wire`,
    );
  }
  const reasonBytes = payload.subarray(2);
  if (!isValidUtf8(reasonBytes, isUtf8)) {
    return new ProtocolError(
      ErrorCode.InvalidUtf8,
      'the server sent a close reason that is not valid UTF-8',
      CloseCode.InvalidPayload,
    );
  }
  return { code, reason: decoder.decode(reasonBytes) };
}

/** Close payload bytes for `code` and `reason` (no code: empty payload). */
export function serializeClosePayload(code: number | undefined, reason = ''): Uint8Array {
  if (code === undefined || code === CloseCode.NoStatusReceived) return new Uint8Array(0);
  const reasonBytes = encoder.encode(reason);
  const payload = new Uint8Array(2 + reasonBytes.length);
  payload[0] = code >> 8;
  payload[1] = code & 0xff;
  payload.set(reasonBytes, 2);
  return payload;
}

/**
 * Checks a close code and reason given by the application: 1000 or 3000-4999, and a reason
 * of at most 123 UTF-8 bytes. Returns the error to throw, if any.
 */
export function validateUserClose(
  code: number | undefined,
  reason: string | undefined,
): InvalidArgumentError | undefined {
  if (code !== undefined) {
    if (!Number.isInteger(code) || (code !== 1000 && (code < 3000 || code > 4999))) {
      return new InvalidArgumentError(
        ErrorCode.InvalidArgument,
        `close code ${String(code)} is not allowed; use 1000 or a code from 3000 to 4999`,
      );
    }
  }
  if (reason !== undefined) {
    if (typeof reason !== 'string') {
      return new InvalidArgumentError(
        ErrorCode.InvalidArgument,
        'the close reason must be a string',
      );
    }
    const length = encoder.encode(reason).length;
    if (length > MAX_CLOSE_REASON_BYTES) {
      return new InvalidArgumentError(
        ErrorCode.InvalidArgument,
        `the close reason is ${length} bytes of UTF-8; at most ${MAX_CLOSE_REASON_BYTES} fit in a Close frame`,
      );
    }
  }
  return undefined;
}
