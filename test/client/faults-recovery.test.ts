// Fault injection, recovery: real sockets through the fault proxy (test/helpers/fault-proxy.ts)
// in front of an npm `ws` server, with connectForever() and ReconnectingWebSocket on the
// FakeClock. Cases: a server restart, an RST in the middle of a 16 MiB message, a black hole
// (half-open path) found by keepalive, a server that stops reading, a DNS failure and a TLS
// failure. Every backoff, keepalive and open timeout runs on the fake clock and is advanced
// explicitly; every wait is for an event or a counter, never for time.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it, type TestContext } from 'node:test';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { connectForever } from '../../src/api/connect-forever.js';
import type { ReconnectingCloseEvent } from '../../src/api/reconnecting-events.js';
import {
  ReconnectingWebSocket,
  type ReconnectingWebSocketOptions,
} from '../../src/api/reconnecting-websocket.js';
import type { Message, WebSocketClient } from '../../src/api/websocket-client.js';
import type { ReconnectingEvent } from '../../src/client/reconnect.js';
import { ReadyState } from '../../src/core/constants.js';
import { ErrorCode, TimeoutError } from '../../src/core/errors.js';
import { turn } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import {
  Changes,
  startProxy,
  trackedHttpServer,
  reconnecting as watchReconnecting,
} from '../helpers/faults.js';
import { startTlsWsPeer } from '../helpers/peers.js';

const MiB = 1024 * 1024;

// ------------------------------------------------------------------ helpers

interface BackendPeer {
  socket: WsSocket;
  /** Messages the server received, as text or bytes. */
  received: (string | Buffer)[];
}

interface Backend {
  port: number;
  peers: BackendPeer[];
  /** What the server does with each message; echoes by default. */
  onMessage: (peer: BackendPeer, data: Buffer, isBinary: boolean) => void;
  /** Closes every connection with `code` (or drops them), then stops listening. */
  close(code?: number, reason?: string): Promise<void>;
}

/** An npm `ws` server on 127.0.0.1 (`port` 0 for any), shut down after the test. */
async function startBackend(t: TestContext, changes: Changes, port = 0): Promise<Backend> {
  const server = trackedHttpServer();
  const { http } = server;
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, maxPayload: 64 * MiB });
  const backend: Backend = {
    port: 0,
    peers: [],
    onMessage: (peer, data, isBinary) => peer.socket.send(data, { binary: isBinary }),
    close: async (code, reason) => {
      const closed = backend.peers.map(
        (peer) => new Promise<void>((resolve) => peer.socket.once('close', () => resolve())),
      );
      for (const peer of backend.peers) {
        if (peer.socket.readyState === peer.socket.CLOSED) continue;
        if (code === undefined) peer.socket.terminate();
        else peer.socket.close(code, reason);
      }
      await Promise.all(
        backend.peers.map((peer, i) =>
          peer.socket.readyState === peer.socket.CLOSED ? undefined : closed[i],
        ),
      );
      await stop();
    },
  };
  wss.on('connection', (socket: WsSocket) => {
    const peer: BackendPeer = { socket, received: [] };
    backend.peers.push(peer);
    socket.on('error', () => {});
    socket.on('message', (data: Buffer, isBinary) => {
      peer.received.push(isBinary ? data : data.toString());
      changes.notify();
      backend.onMessage(peer, data, isBinary);
    });
    socket.on('close', () => changes.notify());
    changes.notify();
  });
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= server.close(wss);
    return stopping;
  };
  t.after(stop);
  backend.port = await server.listen(port);
  return backend;
}

/** Sends `text` and resolves with the next message the client receives. */
function echo(ws: WebSocketClient, text: string): Promise<string | Uint8Array> {
  const reply = new Promise<Message>((resolve) => ws.once('message', resolve));
  void ws.send(text);
  return reply.then((message) => message.data);
}

/** connectForever on a fake clock with jitter 0, stopped (and its clients dropped) at the end. */
function forever(t: TestContext, url: string, options: Parameters<typeof connectForever>[1] = {}) {
  const clock = new FakeClock();
  const changes = new Changes();
  const reconnects: ReconnectingEvent[] = [];
  const controller = new AbortController();
  const clients: WebSocketClient[] = [];
  const iterator = connectForever(url, {
    clock,
    random: () => 0,
    pingIntervalMs: 0,
    signal: controller.signal,
    onReconnecting: (event) => {
      reconnects.push(event);
      changes.notify();
    },
    ...options,
  });
  const next = async (): Promise<WebSocketClient> => {
    const result = await iterator.next();
    assert.equal(result.done, false, 'connectForever ended');
    const ws = result.value as WebSocketClient;
    clients.push(ws);
    return ws;
  };
  t.after(async () => {
    for (const ws of clients) await ws.terminate();
    controller.abort();
    await iterator.return();
  });
  return { clock, changes, reconnects, next };
}

// ------------------------------------------------------------------ connectForever

describe('fault injection: recovery with connectForever', { timeout: 30_000 }, () => {
  it('server restart: 1012 from the server, a refused attempt, then the new server', async (t) => {
    const serverChanges = new Changes();
    const first = await startBackend(t, serverChanges);
    const proxy = await startProxy(t, first.port);
    const { clock, changes, reconnects, next } = forever(t, proxy.wsUrl());
    const ws = await next();
    assert.equal(await echo(ws, 'before'), 'before');
    const following = next();

    // The server restarts: it says 1012 (Service Restart) to everyone and stops listening.
    await first.close(1012, 'restarting');
    const info = await ws.closed;
    assert.equal(info.code, 1012);
    assert.equal(info.reason, 'restarting');
    assert.equal(info.wasClean, true);
    assert.deepEqual(info.cause, { kind: 'server', phase: 'closing' });
    await changes.until(() => reconnects.length === 1);
    assert.deepEqual(reconnects[0], {
      attempt: 1,
      delayMs: 0,
      reason: 'the server closed with 1012',
    });

    // Nothing listens behind the proxy yet: it resets the attempt right after accepting it.
    clock.advance(0);
    await changes.until(() => reconnects.length === 2);
    assert.equal(reconnects[1]!.attempt, 2);
    // The client usually sees the TCP connect complete first (ERR_CONNECTION_RESET), but may
    // see the reset as a failed connect when both land in one turn of the event loop.
    assert.match(reconnects[1]!.reason, /^ERR_(CONNECTION_RESET|CONNECTION_LOST|CONNECT):/);
    assert.equal(proxy.connections, 2);

    // The new server process listens on the same port.
    const second = await startBackend(t, serverChanges, first.port);
    clock.advance(reconnects[1]!.delayMs);
    const again = await following;
    assert.equal(await echo(again, 'after'), 'after');
    assert.equal(second.peers.length, 1);
    assert.deepEqual(second.peers[0]!.received, ['after']);
    assert.deepEqual(first.peers[0]!.received, ['before']);
  });

  it('RST in the middle of a 16 MiB message: nothing partial is delivered, then reconnects', async (t) => {
    const serverChanges = new Changes();
    const backend = await startBackend(t, serverChanges);
    const big = Buffer.alloc(16 * MiB, 0x5a);
    backend.onMessage = (peer, data, isBinary) => {
      if (!isBinary && data.toString() === 'big') peer.socket.send(big, { binary: true });
      else peer.socket.send(data, { binary: isBinary });
    };
    const proxy = await startProxy(t, backend.port);
    const { clock, changes, reconnects, next } = forever(t, proxy.wsUrl());
    const ws = await next();
    const delivered: Message[] = [];
    ws.on('message', (message) => delivered.push(message));
    const following = next();

    const before = proxy.bytesToClient;
    await ws.send('big');
    await proxy.waitFor(() => proxy.bytesToClient - before >= 8 * MiB);
    assert.ok(proxy.bytesToClient - before < 16 * MiB, 'the reset comes before the end');
    proxy.resetAll();
    const info = await ws.closed;
    // Loopback reports the RST as ECONNRESET: 'peer-reset'. (A FIN instead of the RST would
    // read as 'connection-lost'.)
    assert.deepEqual(info.cause, { kind: 'peer-reset', phase: 'open' });
    assert.equal(info.error?.code, ErrorCode.ConnectionReset);
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.equal(delivered.length, 0, 'no partial message');
    const stats = ws.stats();
    assert.equal(stats.messagesIn, 0);
    assert.ok(stats.bytesIn < 16 * MiB);

    await changes.until(() => reconnects.length === 1);
    assert.match(reconnects[0]!.reason, /^ERR_CONNECTION_RESET/);
    clock.advance(reconnects[0]!.delayMs);
    const again = await following;
    assert.equal(await echo(again, 'small'), 'small');
    assert.equal(delivered.length, 0);
    assert.equal(backend.peers.length, 2);
  });

  it('black hole: no-pong exactly at pingIntervalMs + pongTimeoutMs, reconnects once lifted', async (t) => {
    const serverChanges = new Changes();
    const backend = await startBackend(t, serverChanges);
    const proxy = await startProxy(t, backend.port);
    const { clock, changes, reconnects, next } = forever(t, proxy.wsUrl(), {
      pingIntervalMs: 1000,
      pongTimeoutMs: 1000,
      openTimeoutMs: 3000,
    });
    const ws = await next();
    assert.equal(clock.now(), 0);
    assert.equal(await echo(ws, 'alive'), 'alive');
    const failures: { at: number; code: string }[] = [];
    ws.on('error', (error) => failures.push({ at: clock.now(), code: error.code }));
    const following = next();

    // Both directions now vanish without a FIN or RST: the TCP connection stays "open".
    proxy.blackhole(true);
    const discarded = proxy.bytesDiscarded;
    clock.advance(1000);
    await proxy.waitFor(() => proxy.bytesDiscarded > discarded); // the Ping fell in the hole
    clock.advance(999);
    assert.deepEqual(failures, []);
    assert.equal(ws.readyState, ReadyState.OPEN);
    clock.advance(1);
    assert.deepEqual(failures, [{ at: 2000, code: ErrorCode.PongTimeout }]);
    const info = await ws.closed;
    assert.deepEqual(info.cause, { kind: 'no-pong', phase: 'open' });
    assert.ok(info.error instanceof TimeoutError);
    assert.equal(info.error.phase, 'pong');
    assert.equal(info.code, 1006);

    // The next attempt connects to the proxy, but its handshake falls in the hole too: the
    // open timeout ends it.
    await changes.until(() => reconnects.length === 1);
    assert.match(reconnects[0]!.reason, /^ERR_PONG_TIMEOUT/);
    const attempt = proxy.nextConnection();
    clock.advance(reconnects[0]!.delayMs);
    await attempt;
    const openStarted = clock.now();
    clock.advance(2999);
    assert.equal(reconnects.length, 1);
    clock.advance(1);
    await changes.until(() => reconnects.length === 2);
    assert.match(reconnects[1]!.reason, /^ERR_OPEN_TIMEOUT/);
    assert.equal(clock.now() - openStarted, 3000);

    proxy.blackhole(false);
    clock.advance(reconnects[1]!.delayMs);
    const again = await following;
    assert.equal(await echo(again, 'back'), 'back');
    assert.equal(proxy.connections, 3);
    // The server only ever saw the first and the last connection's messages.
    assert.deepEqual(
      backend.peers.map((peer) => peer.received),
      [['alive'], ['back']],
    );
  });
});

// ------------------------------------------------------------------ ReconnectingWebSocket

/** A ReconnectingWebSocket on a fake clock with jitter 0 and keepalive off, closed after. */
function reconnecting(
  t: TestContext,
  url: ConstructorParameters<typeof ReconnectingWebSocket>[0],
  options: ReconnectingWebSocketOptions = {},
) {
  const watched = watchReconnecting(t, url, options);
  const closes = (): ReconnectingCloseEvent[] => watched.all<ReconnectingCloseEvent>('close');
  return { ...watched, closes };
}

describe('fault injection: recovery with ReconnectingWebSocket', { timeout: 30_000 }, () => {
  it('a server that stops reading: send promises wait, bufferedAmount grows, nothing is lost', async (t) => {
    const serverChanges = new Changes();
    const backend = await startBackend(t, serverChanges);
    backend.onMessage = () => {};
    const proxy = await startProxy(t, backend.port);
    const { ws, changes, count } = reconnecting(t, proxy.wsUrl());
    await changes.until(() => count('open') === 1);
    const peer = backend.peers[0]!;
    peer.socket.pause();

    // 256 KiB messages, one per turn, until 8 MiB wait above the kernel's buffers.
    const size = 256 * 1024;
    const sends: Promise<void>[] = [];
    let resolved = 0;
    for (let i = 0; i < 600 && ws.bufferedAmount < 8 * MiB; i++) {
      const payload = new Uint8Array(size).fill(i & 0xff);
      new DataView(payload.buffer).setUint32(0, i);
      sends.push(ws.send(payload).then(() => void resolved++));
      await turn();
    }
    assert.ok(ws.bufferedAmount >= 8 * MiB, `only ${ws.bufferedAmount} bytes backed up`);
    // bufferedAmount counts bytes not yet handed to the kernel: their promises are pending.
    assert.ok(sends.length - resolved >= (8 * MiB) / size, `${resolved}/${sends.length} resolved`);
    assert.equal(ws.readyState, ReconnectingWebSocket.OPEN);
    assert.ok(peer.received.length < sends.length);
    t.diagnostic(
      `${sends.length} messages of 256 KiB sent before 8 MiB backed up; ${resolved} were ` +
        `handed to the kernel, ${peer.received.length} read by the server`,
    );

    peer.socket.resume();
    await Promise.all(sends);
    await serverChanges.until(() => peer.received.length === sends.length);
    assert.equal(ws.bufferedAmount, 0);
    peer.received.forEach((data, i) => {
      assert.ok(Buffer.isBuffer(data) && data.length === size, `message ${i}`);
      assert.equal(data.readUInt32BE(0), i, 'in order');
      assert.equal(data[size - 1], i & 0xff);
    });
    assert.equal(count('close'), 0);
  });

  it('DNS failure (.invalid): cause dns, retried, and the next address works', async (t) => {
    const serverChanges = new Changes();
    const backend = await startBackend(t, serverChanges);
    const proxy = await startProxy(t, backend.port);
    const urls: string[] = [];
    const { ws, clock, changes, count, closes, events } = reconnecting(t, () => {
      const url = urls.length === 0 ? 'ws://wsx-fault-test.invalid/' : proxy.wsUrl();
      urls.push(url);
      return url;
    });
    await changes.until(() => count('reconnecting') === 1);
    const [close] = closes();
    assert.deepEqual(close!.cause, { kind: 'dns', phase: 'connecting' });
    assert.equal(close!.error?.code, ErrorCode.DnsFailed);
    assert.equal(close!.code, 1006);
    assert.equal(close!.willRetry, true);
    assert.equal(proxy.connections, 0);
    clock.advance(0);
    await changes.until(() => count('open') === 1);
    await ws.send('resolved');
    await changes.until(() => count('message') === 1);
    assert.equal((events.at(-1) as MessageEvent).data, 'resolved');
    assert.equal(urls.length, 2);
  });

  it('TLS failure: an untrusted certificate is cause tls, retried until the server is fixed', async (t) => {
    const fixture = (name: string): Buffer =>
      readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
    const good = await startTlsWsPeer({ key: fixture('server.key'), cert: fixture('server.crt') });
    t.after(() => good.close());
    // A server presenting a self-signed certificate that the client does not trust.
    const bad = await startTlsWsPeer({
      key: fixture('wrong-client.key'),
      cert: fixture('wrong-client.crt'),
    });
    t.after(() => bad.close());
    const proxy = await startProxy(t, bad.port);
    const { ws, clock, changes, count, closes } = reconnecting(
      t,
      `wss://127.0.0.1:${proxy.port}/`,
      {
        tls: { ca: fixture('ca.crt') },
      },
    );
    await changes.until(() => count('reconnecting') === 1);
    const [refused] = closes();
    assert.deepEqual(refused!.cause, { kind: 'tls', phase: 'connecting' });
    assert.equal(refused!.error?.code, ErrorCode.TlsFailed);
    assert.equal(refused!.willRetry, true);
    assert.equal(ws.readyState, ReconnectingWebSocket.CONNECTING);

    // The operator fixes the certificate; the next attempt gets through.
    proxy.setUpstream(good.port);
    clock.advance(0);
    await changes.until(() => count('open') === 1);
    assert.equal(good.requests.length, 1);

    // An RST on the TLS connection is a reset like any other and is retried too.
    proxy.resetAll();
    await changes.until(() => count('reconnecting') === 2);
    assert.deepEqual(closes()[1]!.cause, { kind: 'peer-reset', phase: 'open' });
    clock.advance(0);
    await changes.until(() => count('open') === 2);
    await ws.send('over TLS again');
    await changes.until(() => count('message') === 1);
    assert.equal(good.requests.length, 2);
  });
});
