// Tests for the fault-injection proxy (test/helpers/fault-proxy.ts) with plain TCP: a `net`
// echo server behind the proxy and `net` clients in front of it. Every wait is on an event or
// on proxy.waitFor(), never on the clock.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { FaultProxy, type ProxiedConnection } from '../helpers/fault-proxy.js';
import { startProxy } from '../helpers/faults.js';

interface EchoServer {
  port: number;
  /** Server-side sockets, in accept order. */
  sockets: Socket[];
  nextSocket(): Promise<Socket>;
}

/** A TCP server that sends back what it reads (prefixed by `tag` per chunk when given). */
async function startEchoServer(t: TestContext, tag = ''): Promise<EchoServer> {
  const sockets: Socket[] = [];
  const server: Server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    if (tag === '') socket.pipe(socket);
    else socket.on('data', (chunk) => socket.write(Buffer.concat([Buffer.from(tag), chunk])));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return {
    port: (server.address() as { port: number }).port,
    sockets,
    nextSocket: async () => {
      const [socket] = (await once(server, 'connection')) as [Socket];
      return socket;
    },
  };
}

/** Collects everything a socket receives, and resolves waits on the running total. */
class Received {
  private chunks: Buffer[] = [];
  length = 0;
  private waiters: { bytes: number; resolve(): void; reject(error: Error): void }[] = [];

  constructor(socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.length += chunk.length;
      this.waiters = this.waiters.filter((waiter) => {
        if (this.length < waiter.bytes) return true;
        waiter.resolve();
        return false;
      });
    });
    socket.on('close', () => {
      for (const waiter of this.waiters) waiter.reject(new Error('socket closed'));
      this.waiters = [];
    });
  }

  /** Resolves once at least `bytes` bytes have arrived in total. */
  until(bytes: number): Promise<void> {
    if (this.length >= bytes) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiters.push({ bytes, resolve, reject }));
  }

  text(): string {
    return Buffer.concat(this.chunks).toString();
  }
}

/** A client connected to `port`, cleaned up by the test. */
async function connectTo(t: TestContext, port: number): Promise<Socket> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  t.after(() => {
    socket.destroy();
  });
  await once(socket, 'connect');
  return socket;
}

/** A client connected through the proxy, with the proxy's record of that connection. */
async function connectThrough(
  t: TestContext,
  proxy: FaultProxy,
): Promise<{ socket: Socket; received: Received; connection: ProxiedConnection }> {
  const accepted = proxy.nextConnection();
  const socket = await connectTo(t, proxy.port);
  const received = new Received(socket);
  return { socket, received, connection: await accepted };
}

/** Writes `text` and waits for the echo. */
async function roundTrip(socket: Socket, received: Received, text: string): Promise<void> {
  const before = received.length;
  socket.write(text);
  await received.until(before + Buffer.byteLength(text));
}

/**
 * An echo server behind a proxy and one client connected through it, after a first round trip
 * of `first`; `server` is the echo server's side of that connection.
 */
async function echoThroughProxy(t: TestContext, first: string) {
  const echo = await startEchoServer(t);
  const proxy = await startProxy(t, echo.port);
  const serverSide = echo.nextSocket();
  const { socket, received } = await connectThrough(t, proxy);
  await roundTrip(socket, received, first);
  const server = await serverSide;
  return { echo, proxy, socket, received, server };
}

/** Records which of 'end', 'close' and 'error' a socket has seen. */
function watch(socket: Socket): { end: boolean; close: boolean; error: Error | undefined } {
  const seen = { end: false, close: false, error: undefined as Error | undefined };
  socket.on('end', () => (seen.end = true));
  socket.on('close', () => (seen.close = true));
  socket.on('error', (error) => (seen.error = error));
  return seen;
}

/** How a socket ends: its error code, or 'clean' when it closes without an error. */
function outcome(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let code = 'clean';
    socket.on('error', (error: NodeJS.ErrnoException) => (code = error.code ?? error.message));
    socket.once('close', () => resolve(code));
  });
}

describe('fault proxy', { timeout: 20_000 }, () => {
  it('forwards both ways and counts connections and bytes', async (t) => {
    const echo = await startEchoServer(t);
    const proxy = await startProxy(t, echo.port);
    assert.equal(proxy.host, '127.0.0.1');
    assert.equal(proxy.wsUrl('/x'), `ws://127.0.0.1:${proxy.port}/x`);

    const serverSide = echo.nextSocket();
    const { socket, received, connection } = await connectThrough(t, proxy);
    assert.equal(connection.id, 1);
    assert.equal(proxy.connections, 1);
    assert.equal(proxy.active, 1);

    await roundTrip(socket, received, 'hello');
    assert.equal(received.text(), 'hello');

    // Bytes the server sends on its own reach the client too.
    (await serverSide).write('from server');
    await received.until(5 + 11);
    assert.equal(received.text(), 'hellofrom server');
    assert.equal(proxy.bytesToUpstream, 5);
    assert.equal(proxy.bytesToClient, 16);
    assert.equal(proxy.bytesDiscarded, 0);

    const second = await connectThrough(t, proxy);
    assert.equal(second.connection.id, 2);
    assert.equal(proxy.connections, 2);
    assert.equal(proxy.active, 2);
    assert.equal(proxy.openConnections.length, 2);

    // A client FIN travels to the server, the server's FIN comes back, and all sockets close.
    socket.end();
    second.socket.end();
    await proxy.closed();
    assert.equal(proxy.active, 0);
    assert.equal(proxy.connections, 2);
    await connection.closed;
  });

  it('dropAll ends every connection with FIN on both sides', async (t) => {
    const { proxy, socket, server } = await echoThroughProxy(t, 'ping');
    const serverSeen = watch(server);
    const seen = watch(socket);

    proxy.dropAll();
    await Promise.all([once(socket, 'end'), once(server, 'end')]);
    await proxy.closed();
    assert.equal(seen.error, undefined);
    assert.equal(serverSeen.error, undefined);
    assert.equal(proxy.active, 0);
  });

  it('resetAll resets the client (ECONNRESET) and closes the upstream side', async (t) => {
    const { proxy, socket, server } = await echoThroughProxy(t, 'ping');

    const ended = outcome(socket);
    const serverClosed = once(server, 'close');
    proxy.resetAll();
    assert.equal(await ended, 'ECONNRESET');
    await serverClosed;
    await proxy.closed();
    assert.equal(proxy.active, 0);
  });

  it('blackhole discards bytes both ways without closing; lifting it forwards new bytes', async (t) => {
    const { proxy, socket, received, server } = await echoThroughProxy(t, 'before');
    const seen = watch(socket);
    const serverSeen = watch(server);
    const toUpstream = proxy.bytesToUpstream;
    const toClient = proxy.bytesToClient;

    proxy.blackhole(true);
    socket.write('lost-up');
    await proxy.waitFor(() => proxy.bytesDiscarded >= 7);
    server.write('lost-down');
    await proxy.waitFor(() => proxy.bytesDiscarded >= 7 + 9);
    assert.equal(proxy.bytesToUpstream, toUpstream);
    assert.equal(proxy.bytesToClient, toClient);
    assert.equal(received.text(), 'before');
    assert.deepEqual(seen, { end: false, close: false, error: undefined });
    assert.deepEqual(serverSeen, { end: false, close: false, error: undefined });
    assert.equal(proxy.active, 1);

    proxy.blackhole(false);
    await roundTrip(socket, received, 'after');
    assert.equal(received.text(), 'beforeafter');
    server.write('!');
    await received.until('beforeafter!'.length);
    assert.equal(received.text(), 'beforeafter!');
  });

  it('blackhole holds back FIN until it is lifted', async (t) => {
    const { echo, proxy, socket, server } = await echoThroughProxy(t, 'x');
    const serverSeen = watch(server);
    const direct = await connectTo(t, echo.port);
    const directReceived = new Received(direct);

    proxy.blackhole(true);
    socket.end();
    // The proxy reads the client's FIN (its client socket ends) but passes nothing on.
    const connection = proxy.openConnections[0]!;
    await proxy.waitFor(() => connection.client.readableEnded);
    for (let i = 0; i < 3; i++) await roundTrip(direct, directReceived, 'tick');
    assert.equal(serverSeen.end, false);
    assert.equal(connection.upstream.writableEnded, false);

    proxy.blackhole(false);
    await once(server, 'end');
    await proxy.closed();
  });

  it('delay keeps the order of chunks, also when the delay is lowered midway', async (t) => {
    const echo = await startEchoServer(t);
    const proxy = await startProxy(t, echo.port);
    const { socket, received, connection } = await connectThrough(t, proxy);

    proxy.delay(40);
    socket.write('first,');
    // 'first,' waits in the proxy's queue; the next chunk gets no delay of its own but must
    // still not overtake it.
    await proxy.waitFor(() => proxy.queuedBytes > 0 || connection.upstream.bytesWritten > 0);
    proxy.delay(0);
    socket.write('second,');

    proxy.delay(3);
    const parts = Array.from({ length: 20 }, (_, i) => `${i},`);
    for (const part of parts) {
      socket.write(part);
      await new Promise((resolve) => setImmediate(resolve));
    }
    // FIN waits behind the delayed chunks too: everything is echoed before the end.
    socket.end();
    await once(socket, 'end');
    assert.equal(received.text(), `first,second,${parts.join('')}`);
    assert.equal(proxy.queuedBytes, 0);
  });

  it('the delay queue is bounded: a fast sender is paused, and everything still arrives', async (t) => {
    const echo = await startEchoServer(t);
    const limit = 64 * 1024;
    const proxy = await FaultProxy.start({ upstreamPort: echo.port, maxQueuedBytes: limit });
    t.after(() => proxy.close());
    const { socket, received } = await connectThrough(t, proxy);
    // Watches queuedBytes at every change of the proxy's state, without ever resolving.
    let peak = 0;
    const watching = new AbortController();
    const watcher = proxy
      .waitFor(
        () => {
          peak = Math.max(peak, proxy.queuedBytes);
          return false;
        },
        { signal: watching.signal },
      )
      .catch(() => {});

    proxy.delay(2);
    const total = 4 * 1024 * 1024;
    socket.write(Buffer.alloc(total, 0x62));
    await received.until(total);
    watching.abort();
    await watcher;
    assert.equal(proxy.bytesToUpstream, total);
    assert.equal(proxy.bytesToClient, total);
    assert.ok(peak > 0, 'chunks were queued');
    // Each direction stops reading at the limit, plus at most one read (64 KiB) over it.
    assert.ok(peak <= 2 * (limit + 64 * 1024), `peak ${peak}`);
  });

  it('refuse resets new connections while the old one keeps working', async (t) => {
    const echo = await startEchoServer(t);
    const proxy = await startProxy(t, echo.port);
    const old = await connectThrough(t, proxy);
    await roundTrip(old.socket, old.received, 'one');

    proxy.refuse(true);
    const refused = connect({ host: '127.0.0.1', port: proxy.port });
    t.after(() => {
      refused.destroy();
    });
    const code = await outcome(refused);
    assert.ok(['ECONNRESET', 'EPIPE', 'ECONNREFUSED'].includes(code), `unexpected ${code}`);
    assert.equal(proxy.refused, 1);
    assert.equal(proxy.connections, 1);
    await roundTrip(old.socket, old.received, 'two');
    assert.equal(old.received.text(), 'onetwo');

    proxy.refuse(false);
    const fresh = await connectThrough(t, proxy);
    await roundTrip(fresh.socket, fresh.received, 'three');
    assert.equal(proxy.connections, 2);
  });

  it('pauseUpstreamReads backs up the client writes; resume drains them', async (t) => {
    const echo = await startEchoServer(t);
    const proxy = await startProxy(t, echo.port);
    const { socket, received } = await connectThrough(t, proxy);
    await roundTrip(socket, received, 'ready');
    const forwarded = proxy.bytesToUpstream;
    // A direct connection to the echo server, to let the event loop turn over real I/O.
    const direct = await connectTo(t, echo.port);
    const directReceived = new Received(direct);

    proxy.pauseUpstreamReads();
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const total = 16 * chunk.length;
    let written = 0;
    const allWritten = new Promise<void>((resolve) => {
      for (let i = 0; i < 16; i++) {
        socket.write(chunk, () => {
          written += chunk.length;
          if (written === total) resolve();
        });
      }
    });
    // Far more than loopback socket buffers hold (send buffer at most 4 MiB by default here,
    // and an unread receive buffer does not grow), so the writes must stay queued in Node.
    for (let i = 0; i < 3; i++) await roundTrip(direct, directReceived, 'tick');
    assert.ok(socket.writableLength > 0, 'client writes backed up');
    assert.ok(written < total, 'not every write completed');
    assert.equal(proxy.bytesToUpstream, forwarded, 'the proxy read nothing while paused');

    proxy.resumeUpstreamReads();
    await allWritten;
    assert.equal(socket.writableLength, 0);
    await received.until(5 + total);
    assert.equal(proxy.bytesToUpstream, forwarded + total);
  });

  it('pauseUpstreamReads also holds connections accepted while paused', async (t) => {
    const echo = await startEchoServer(t);
    const proxy = await startProxy(t, echo.port);
    proxy.pauseUpstreamReads();
    const { socket, received, connection } = await connectThrough(t, proxy);
    socket.write('held');
    const direct = await connectTo(t, echo.port);
    await roundTrip(direct, new Received(direct), 'tick');
    assert.equal(proxy.bytesToUpstream, 0);
    assert.equal(connection.client.isPaused(), true);
    proxy.resumeUpstreamReads();
    await received.until(4);
    assert.equal(received.text(), 'held');
  });

  it('setUpstream sends new connections to another server; old ones stay', async (t) => {
    const first = await startEchoServer(t, 'A:');
    const second = await startEchoServer(t, 'B:');
    const proxy = await startProxy(t, first.port);
    const old = await connectThrough(t, proxy);
    await roundTrip(old.socket, old.received, 'x');
    assert.equal(old.received.text(), 'A:x');

    proxy.setUpstream(second.port);
    const fresh = await connectThrough(t, proxy);
    await roundTrip(fresh.socket, fresh.received, 'y');
    assert.equal(fresh.received.text(), 'B:y');
    await roundTrip(old.socket, old.received, 'z');
    assert.equal(old.received.text(), 'A:xA:z');
  });

  it('an upstream that refuses the connection resets the client', async (t) => {
    // A port that was just listened on and closed: nothing accepts there.
    const gone = createServer();
    await new Promise<void>((resolve) => gone.listen(0, '127.0.0.1', resolve));
    const gonePort = (gone.address() as { port: number }).port;
    await new Promise<void>((resolve) => gone.close(() => resolve()));

    const proxy = await startProxy(t, gonePort);
    const accepted = proxy.nextConnection();
    const socket = connect({ host: '127.0.0.1', port: proxy.port });
    t.after(() => {
      socket.destroy();
    });
    assert.equal(await outcome(socket), 'ECONNRESET');
    await accepted;
    await proxy.closed();
    assert.equal(proxy.active, 0);
  });

  it('close destroys every socket, rejects waiters and stops listening', async (t) => {
    const echo = await startEchoServer(t);
    const proxy = await FaultProxy.start({ upstreamPort: echo.port });
    t.after(() => proxy.close());
    const { socket, received } = await connectThrough(t, proxy);
    await roundTrip(socket, received, 'hi');
    proxy.delay(1000);
    socket.write('queued');
    await proxy.waitFor(() => proxy.queuedBytes === 6);

    // Checked from the start, so the rejections are never unhandled.
    const next = assert.rejects(proxy.nextConnection(), /closed/);
    const never = assert.rejects(
      proxy.waitFor(() => false),
      /closed/,
    );
    const clientClosed = once(socket, 'close');
    await proxy.close();
    await clientClosed;
    await next;
    await never;
    await assert.rejects(proxy.nextConnection(), /closed/);
    assert.equal(proxy.active, 0);
    assert.equal(proxy.queuedBytes, 0);
    await proxy.closed();
    await proxy.close();
  });

  it('waitFor and nextConnection honour an abort signal', async (t) => {
    const echo = await startEchoServer(t);
    const proxy = await startProxy(t, echo.port);
    const controller = new AbortController();
    const waiting = proxy.waitFor(() => false, { signal: controller.signal });
    const next = proxy.nextConnection({ signal: controller.signal });
    controller.abort(new Error('gave up'));
    await assert.rejects(waiting, /gave up/);
    await assert.rejects(next, /gave up/);
  });
});
