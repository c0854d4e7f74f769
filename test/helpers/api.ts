// Small helpers for the promise API and WHATWG tests: a deferred promise, one event-loop
// turn, a connected client that is terminated after the test, and a ReconnectingWebSocket on
// a FakeClock that is closed after the test.

import type { TestContext } from 'node:test';
import {
  ReconnectingWebSocket,
  type ReconnectingWebSocketOptions,
} from '../../src/api/reconnecting-websocket.js';
import {
  type ConnectOptions,
  connect,
  type Message,
  type WebSocketClient,
} from '../../src/api/websocket-client.js';
import { FakeClock } from './fake-clock.js';

/** A promise with its resolve function. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

/** One turn of the event loop (setImmediate, not a timer): lets already queued tasks run. */
export function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Connects and makes sure the client is gone when the test ends. */
export async function open(
  t: TestContext,
  url: string | URL,
  options?: ConnectOptions,
): Promise<WebSocketClient> {
  const ws = await connect(url, options);
  t.after(() => ws.terminate());
  return ws;
}

/** A ReconnectingWebSocket on a FakeClock, fixed jitter (0.5), keepalive off; closed after. */
export function reconnectingClient(
  t: TestContext,
  url: ConstructorParameters<typeof ReconnectingWebSocket>[0],
  options: ReconnectingWebSocketOptions = {},
): { ws: ReconnectingWebSocket; clock: FakeClock } {
  const clock = new FakeClock();
  const ws = new ReconnectingWebSocket(url, {
    random: () => 0.5,
    pingIntervalMs: 0,
    ...options,
    clock,
  });
  t.after(() => ws.close());
  return { ws, clock };
}

/**
 * The close info (code, reason, wasClean, error, cause) of a clean close: the closing
 * handshake completed, started by the server unless `kind` says 'user'.
 */
export function cleanClose(code: number, reason: string, kind: 'server' | 'user' = 'server') {
  return { code, reason, wasClean: true, error: undefined, cause: { kind, phase: 'closing' } };
}

/** Reads messages one at a time through the async iterator (never breaks out of it). */
export function reader(client: WebSocketClient): () => Promise<Message> {
  const iterator = client[Symbol.asyncIterator]();
  return async () => {
    const result = await iterator.next();
    if (result.done) throw new Error('the connection closed while a message was expected');
    return result.value;
  };
}
