// Conversions of what users pass to send() into what the engine takes.

import { asPayload } from '../client/payload.js';
import { argumentError, describeValue } from '../core/errors.js';

/** What send() accepts: text, or bytes in any common shape. */
export type SendData = string | ArrayBuffer | ArrayBufferView;

/** Text stays a string, bytes become a Uint8Array view (no copy). Throws on anything else. */
export function toSendable(data: unknown): string | Uint8Array {
  const payload = asPayload(data);
  if (payload !== undefined) return payload;
  if (data instanceof SharedArrayBuffer) return new Uint8Array(data);
  if (data === undefined) {
    throw argumentError(
      'send() needs the message to send: a string, an ArrayBuffer or a typed array/DataView (it was called without one)',
    );
  }
  throw argumentError(
    `send() takes a string, an ArrayBuffer or a typed array/DataView, not ${describeValue(data)}`,
  );
}
