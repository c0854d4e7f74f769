// What the faces pass to the engine as a message: text as a string, bytes as a Uint8Array.
// One conversion from what callers hand over (Buffers, views at any offset, ArrayBuffers) for
// the modern face and the firmware dialects, and one way to get the bytes of either form.

/** A message as the engine takes it: a string is sent as text, bytes as binary. */
export type Payload = string | Uint8Array;

/**
 * Text stays a string; a Uint8Array (a Node Buffer too) is kept as it is; any other view or an
 * ArrayBuffer becomes a Uint8Array over the same memory (no copy). Anything else: undefined,
 * for the caller to refuse in its own words.
 */
export function asPayload(data: unknown): Payload | undefined {
  if (typeof data === 'string' || data instanceof Uint8Array) return data;
  if (ArrayBuffer.isView(data))
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return undefined;
}

/** The bytes of a payload: a string as UTF-8, bytes as they are (the same view, no copy). */
export { toBytes as payloadBytes } from '../core/bytes.js';
