// Shared setup for the fault-injection and diagnostics tests: waits on a predicate without
// sleeping, an HTTP server for npm `ws` that can be torn down hard, the fault proxy closed
// after the test, and a ReconnectingWebSocket on a FakeClock whose events are recorded.

import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import type { TestContext } from 'node:test';
import type { WebSocketServer } from 'ws';
import type {
  ReconnectingWebSocket,
  ReconnectingWebSocketOptions,
} from '../../src/api/reconnecting-websocket.js';
import { reconnectingClient } from './api.js';
import { FaultProxy } from './fault-proxy.js';

/** Resolves waits on a predicate, re-checked whenever something observable changed. */
export class Changes {
  #waiters = new Set<() => boolean>();
  notify(): void {
    for (const check of [...this.#waiters]) check();
  }
  until(predicate: () => boolean): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): boolean => {
        if (!predicate()) return false;
        this.#waiters.delete(check);
        resolve();
        return true;
      };
      this.#waiters.add(check);
    });
  }
}

/** An HTTP server that keeps track of its sockets, so shutting down can destroy them all. */
export function trackedHttpServer() {
  const http: Server = createServer();
  const sockets = new Set<Socket>();
  http.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  return {
    http,
    /** Listens on 127.0.0.1 (`port` 0 for any); resolves with the port. */
    listen: (port = 0): Promise<number> =>
      new Promise<number>((resolve) =>
        http.listen(port, '127.0.0.1', () => resolve((http.address() as { port: number }).port)),
      ),
    /** Closes `wss` (terminating its clients first when asked), every socket, then the server. */
    close: (wss: WebSocketServer, terminateClients = false): Promise<void> =>
      new Promise<void>((resolve) => {
        if (terminateClients) for (const client of wss.clients) client.terminate();
        wss.close();
        for (const socket of sockets) socket.destroy();
        http.close(() => resolve());
      }),
  };
}

/** A fault proxy in front of 127.0.0.1:`upstreamPort`, closed after the test. */
export async function startProxy(t: TestContext, upstreamPort: number): Promise<FaultProxy> {
  const proxy = await FaultProxy.start({ upstreamPort });
  t.after(() => proxy.close());
  return proxy;
}

/**
 * A ReconnectingWebSocket on a fake clock (jitter 0 unless `options.random` says otherwise,
 * keepalive off), closed after the test, with every open, message, close, reconnecting and
 * giveup event recorded.
 */
export function reconnecting(
  t: TestContext,
  url: ConstructorParameters<typeof ReconnectingWebSocket>[0],
  options: ReconnectingWebSocketOptions = {},
  changes = new Changes(),
) {
  const { ws, clock } = reconnectingClient(t, url, { random: () => 0, ...options });
  const events: Event[] = [];
  for (const type of ['open', 'message', 'close', 'reconnecting', 'giveup']) {
    ws.addEventListener(type, (event: Event) => {
      events.push(event);
      changes.notify();
    });
  }
  const all = <E extends Event>(type: string): E[] =>
    events.filter((event) => event.type === type) as E[];
  const count = (type: string): number => all(type).length;
  return { ws, clock, changes, events, all, count };
}
