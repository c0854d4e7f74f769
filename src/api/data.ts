// Conversions of what users pass to send() into what the engine takes.

import { ErrorCode, InvalidArgumentError } from '../core/errors.js';
import { describe } from '../core/url.js';

/** What send() accepts: text, or bytes in any common shape. */
export type SendData = string | ArrayBuffer | ArrayBufferView;

/** Text stays a string, bytes become a Uint8Array view (no copy). Throws on anything else. */
export function toSendable(data: unknown): string | Uint8Array {
  if (typeof data === 'string') return data;
  if (data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer || data instanceof SharedArrayBuffer) return new Uint8Array(data);
  if (data === undefined) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidArgument,
      'send() needs the message to send: a string, an ArrayBuffer or a typed array/DataView (it was called without one)',
    );
  }
  throw new InvalidArgumentError(
    ErrorCode.InvalidArgument,
    `send() takes a string, an ArrayBuffer or a typed array/DataView, not ${describe(data)}`,
  );
}
