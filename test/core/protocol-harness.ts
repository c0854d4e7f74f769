// Shared by the ClientProtocol tests (not a test file itself): builds a protocol with
// deterministic ports, answers its handshake, frames server bytes and decodes what the
// client queued.

import assert from 'node:assert/strict';
import { concatBytes } from '../../src/core/bytes.js';
import type { WebSocketError } from '../../src/core/errors.js';
import {
  ClientProtocol,
  type ClientProtocolOptions,
  type ProtocolEvent,
} from '../../src/core/protocol.js';
import { parseWebSocketUrl } from '../../src/core/url.js';
import { testPorts } from '../helpers/ports.js';
import { acceptFor, parseClientFrames, serverFrame } from '../helpers/servers.js';

export type ClientFrame = ReturnType<typeof parseClientFrames>['frames'][number];

export const TEST_URL = 'ws://example.com/chat';

const latin1 = new TextDecoder('latin1');

/** A protocol that has sent its request (drained); `key` is its Sec-WebSocket-Key. */
export function newProtocol(options: Partial<ClientProtocolOptions> = {}): {
  protocol: ClientProtocol;
  key: string;
  request: string;
} {
  const protocol = new ClientProtocol({
    target: parseWebSocketUrl(TEST_URL),
    ports: testPorts(7),
    ...options,
  });
  const request = latin1.decode(concatBytes(protocol.dataToSend()));
  const key = /\r\nSec-WebSocket-Key: ([^\r]+)\r\n/.exec(request)?.[1];
  assert.ok(key !== undefined, 'the request carries a key');
  return { protocol, key, request };
}

/** A valid 101 answer to `key`, with extra header lines. */
export function switchingResponse(key: string, extraLines: readonly string[] = []): Uint8Array {
  return ascii(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${acceptFor(key)}`,
      ...extraLines,
      '',
      '',
    ].join('\r\n'),
  );
}

/** An OPEN protocol: handshake answered, the open event and the request drained. */
export function openProtocol(options: Partial<ClientProtocolOptions> = {}): ClientProtocol {
  const { protocol, key } = newProtocol(options);
  protocol.receiveData(switchingResponse(key));
  const events = protocol.eventsReceived();
  assert.equal(events.length, 1);
  assert.equal(events[0]?.type, 'open');
  return protocol;
}

/** Feeds `chunks` to a fresh open protocol and returns it with the events it produced. */
export function feedOpen(
  chunks: readonly Uint8Array[],
  options: Partial<ClientProtocolOptions> = {},
): { protocol: ClientProtocol; events: ProtocolEvent[] } {
  const protocol = openProtocol(options);
  for (const chunk of chunks) protocol.receiveData(chunk);
  return { protocol, events: protocol.eventsReceived() };
}

/** An unmasked server frame as a plain Uint8Array. */
export function frame(
  opcode: number,
  payload: Uint8Array | string = new Uint8Array(0),
  options: { fin?: boolean; rsv?: number; mask?: boolean } = {},
): Uint8Array {
  return new Uint8Array(serverFrame(opcode, payload, options));
}

/** The frames the client queued since the last drain, unmasked. */
export function sentFrames(protocol: ClientProtocol): ClientFrame[] {
  const { frames, rest } = parseClientFrames(Buffer.from(concatBytes(protocol.dataToSend())));
  assert.equal(rest.length, 0, 'the client queued only whole frames');
  return frames;
}

/** A Close payload: the 2-byte code, then the reason (UTF-8 when given as a string). */
export function closePayload(code: number, reason: Uint8Array | string = ''): Uint8Array {
  const reasonBytes = typeof reason === 'string' ? new TextEncoder().encode(reason) : reason;
  return Uint8Array.of(code >> 8, code & 0xff, ...reasonBytes);
}

/** Status code of a Close frame payload, or undefined for an empty one. */
export function closeCodeOf(payload: Uint8Array): number | undefined {
  return payload.length >= 2 ? (payload[0]! << 8) | payload[1]! : undefined;
}

/** Asserts that `events` ends in one error event with `code`, and returns that error. */
export function expectError(events: readonly ProtocolEvent[], code: string): WebSocketError {
  const errors = events.filter((event) => event.type === 'error');
  assert.equal(errors.length, 1, `one error event expected, got ${JSON.stringify(events)}`);
  const last = events.at(-1);
  assert.ok(last?.type === 'error', 'the error is the last event');
  assert.equal(last.error.code, code);
  return last.error;
}

/**
 * Asserts that the last frame the client queued is a Close with `code`, after `before` other
 * frames (Pongs, say), and returns the frames before it.
 */
export function expectCloseSent(protocol: ClientProtocol, code: number, before = 0): ClientFrame[] {
  const frames = sentFrames(protocol);
  assert.equal(frames.length, before + 1, `${before + 1} frames queued`);
  const close = frames.at(-1)!;
  assert.equal(close.opcode, 0x8, 'the last queued frame is a Close');
  assert.equal(closeCodeOf(close.payload), code);
  assert.equal(protocol.closeSent?.code, code);
  return frames.slice(0, -1);
}

export function ascii(text: string): Uint8Array {
  return Uint8Array.from(text, (char) => char.charCodeAt(0));
}

export function text(bytes: Uint8Array): string {
  return new TextDecoder().decode(bytes);
}
