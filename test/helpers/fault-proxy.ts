// A TCP proxy for tests that injects network faults. It listens on 127.0.0.1 (port 0) and
// forwards every accepted connection to an upstream server; the test then breaks the path on
// demand: FIN or RST on every connection, a black hole, per-chunk latency, refused connects, a
// peer that stops reading, or a new upstream port. Every socket and timer it creates is tracked,
// and close() releases all of them.
//
// Forwarding is chunk by chunk in each direction, with backpressure: when the receiving socket's
// buffer is full, or too many bytes wait in the latency queue, the sending side is paused.

import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export type Direction = 'toUpstream' | 'toClient';

export interface FaultProxyOptions {
  /** Port of the real server that connections are forwarded to. */
  upstreamPort: number;
  /** Host of the real server; 127.0.0.1 unless given. */
  upstreamHost?: string;
  /** Bytes allowed to wait in one direction's latency queue before its source is paused. */
  maxQueuedBytes?: number;
}

export interface WaitOptions {
  signal?: AbortSignal;
}

/** One client connection and its upstream twin. */
export interface ProxiedConnection {
  /** 1 for the first accepted connection, then 2, ... */
  readonly id: number;
  /** The proxy's end of the client's connection. */
  readonly client: Socket;
  /** The proxy's connection to the upstream server. */
  readonly upstream: Socket;
  /** Resolves once both sockets have closed. */
  readonly closed: Promise<void>;
  /** Sends FIN on both sides and forwards nothing more. */
  drop(): void;
  /** Sends RST to the client and destroys the upstream socket. */
  reset(): void;
}

const DEFAULT_MAX_QUEUED_BYTES = 1024 * 1024;

/** What the pipes share with the proxy: switches, counters and the change notification. */
interface SharedState {
  blackholed: boolean;
  delayMs: number;
  maxQueuedBytes: number;
  forwarded: Record<Direction, number>;
  discarded: number;
  changed(): void;
}

interface QueuedChunk {
  chunk: Buffer;
  due: number;
}

/** One direction of a connection: reads `source`, writes `sink`. */
class Pipe {
  /** Set by pauseUpstreamReads: the source is not read at all. */
  held = false;
  /** Nothing is forwarded any more (dropped, reset, or the sink is gone); input is discarded. */
  private dead = false;
  private readonly queue: QueuedChunk[] = [];
  private queued = 0;
  private timer: NodeJS.Timeout | undefined;
  private sourceEnded = false;
  private sourceFailed = false;
  private finishSent = false;
  private sinkBlocked = false;
  private sourcePaused = false;
  private readonly shared: SharedState;
  private readonly direction: Direction;
  private readonly source: Socket;
  private readonly sink: Socket;
  /** Breaks the sink when the source failed (RST for a client, destroy for upstream). */
  private readonly abortSink: () => void;

  constructor(
    shared: SharedState,
    direction: Direction,
    source: Socket,
    sink: Socket,
    abortSink: () => void,
  ) {
    this.shared = shared;
    this.direction = direction;
    this.source = source;
    this.sink = sink;
    this.abortSink = abortSink;
    source.on('data', (chunk: Buffer) => this.onData(chunk));
    source.on('end', () => {
      this.sourceEnded = true;
      this.pump();
    });
    source.on('close', (hadError: boolean) => {
      if (hadError) this.sourceFailed = true;
      else this.sourceEnded = true;
      this.pump();
    });
    sink.on('drain', () => {
      this.sinkBlocked = false;
      this.updateFlow();
    });
    sink.on('close', () => this.stop());
  }

  get queuedBytes(): number {
    return this.queued;
  }

  /** Forwards nothing more: discards what waits and keeps the source flowing into the void. */
  stop(): void {
    this.dead = true;
    this.discardQueue();
    this.updateFlow();
  }

  /** Throws away whatever waits in the latency queue (a black hole loses packets in flight). */
  discardQueue(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    for (const item of this.queue) this.shared.discarded += item.chunk.length;
    this.queue.length = 0;
    this.queued = 0;
    this.shared.changed();
  }

  /** Delivers every chunk that is due, then a pending FIN or abort; re-arms the timer. */
  pump(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.dead) return;
    if (this.shared.blackholed) {
      // Nothing crosses a black hole, not even FIN or RST; they go through once it is lifted.
      this.discardQueue();
      return;
    }
    const now = performance.now();
    while (this.queue.length > 0) {
      const next = this.queue[0]!;
      if (next.due > now) {
        this.timer = setTimeout(() => this.pump(), Math.max(1, Math.ceil(next.due - now)));
        break;
      }
      this.queue.shift();
      this.queued -= next.chunk.length;
      if (this.sink.destroyed || this.sink.writableEnded) {
        this.shared.discarded += next.chunk.length;
        continue;
      }
      if (!this.sink.write(next.chunk)) this.sinkBlocked = true;
      this.shared.forwarded[this.direction] += next.chunk.length;
    }
    if (this.queue.length === 0) {
      if (this.sourceFailed) {
        this.dead = true;
        this.abortSink();
      } else if (this.sourceEnded && !this.finishSent) {
        this.finishSent = true;
        if (!this.sink.destroyed && !this.sink.writableEnded) this.sink.end();
      }
    }
    this.updateFlow();
    this.shared.changed();
  }

  /** Pauses or resumes the source to match the hold flag, the sink and the queue. */
  updateFlow(): void {
    const pause =
      !this.dead && (this.held || this.sinkBlocked || this.queued >= this.shared.maxQueuedBytes);
    if (pause && !this.sourcePaused) {
      this.sourcePaused = true;
      this.source.pause();
    } else if (!pause && this.sourcePaused) {
      this.sourcePaused = false;
      this.source.resume();
    }
  }

  private onData(chunk: Buffer): void {
    if (this.dead || this.shared.blackholed) {
      this.shared.discarded += chunk.length;
      this.shared.changed();
      return;
    }
    // The queue is first in, first out: a chunk never leaves before the one ahead of it, even
    // when the delay was lowered in between and it is due earlier.
    this.queue.push({ chunk, due: performance.now() + this.shared.delayMs });
    this.queued += chunk.length;
    this.pump();
  }
}

class Link implements ProxiedConnection {
  readonly toUpstream: Pipe;
  readonly toClient: Pipe;
  readonly closed: Promise<void>;
  readonly id: number;
  readonly client: Socket;
  readonly upstream: Socket;

  /** `onClosed` runs synchronously from the second socket's 'close'. */
  constructor(
    shared: SharedState,
    id: number,
    client: Socket,
    upstream: Socket,
    onClosed: () => void,
  ) {
    this.id = id;
    this.client = client;
    this.upstream = upstream;
    this.toUpstream = new Pipe(shared, 'toUpstream', client, upstream, () => upstream.destroy());
    this.toClient = new Pipe(shared, 'toClient', upstream, client, () => resetSocket(client));
    this.closed = new Promise((resolve) => {
      let open = 2;
      const onClose = (): void => {
        if (--open > 0) return;
        onClosed();
        resolve();
      };
      client.once('close', onClose);
      upstream.once('close', onClose);
    });
  }

  drop(): void {
    this.toUpstream.stop();
    this.toClient.stop();
    if (!this.client.destroyed) this.client.end();
    if (!this.upstream.destroyed) this.upstream.end();
  }

  reset(): void {
    this.toUpstream.stop();
    this.toClient.stop();
    resetSocket(this.client);
    this.upstream.destroy();
  }
}

/** RST rather than FIN: SO_LINGER 0, then close. */
function resetSocket(socket: Socket): void {
  if (socket.destroyed) return;
  // resetAndDestroy waits for 'connect' on a socket still connecting; a plain destroy is enough.
  if (socket.connecting) socket.destroy();
  else socket.resetAndDestroy();
}

interface Waiter {
  check(): boolean;
  reject(error: Error): void;
}

export class FaultProxy {
  /** Client connections accepted and forwarded (refused ones are not counted). */
  connections = 0;
  /** Connections reset on accept while refuse() was on. */
  refused = 0;

  private readonly shared: SharedState;
  private readonly links = new Set<Link>();
  private readonly sockets = new Set<Socket>();
  private readonly waiters = new Set<Waiter>();
  private readonly connectionWaiters = new Set<{
    resolve(connection: ProxiedConnection): void;
    reject(error: Error): void;
  }>();
  private upstreamHost: string;
  private upstreamPort: number;
  private refusing = false;
  private upstreamReadsHeld = false;
  private closing: Promise<void> | undefined;
  private isClosed = false;
  private readonly server: Server;

  private constructor(server: Server, options: FaultProxyOptions) {
    this.server = server;
    this.upstreamHost = options.upstreamHost ?? '127.0.0.1';
    this.upstreamPort = options.upstreamPort;
    this.shared = {
      blackholed: false,
      delayMs: 0,
      maxQueuedBytes: options.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
      forwarded: { toUpstream: 0, toClient: 0 },
      discarded: 0,
      changed: () => this.notify(),
    };
    server.on('connection', (socket: Socket) => this.accept(socket));
  }

  /** Starts a proxy on 127.0.0.1, port 0, forwarding to the given upstream. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const server = createServer({ allowHalfOpen: true });
    const proxy = new FaultProxy(server, options);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    return proxy;
  }

  /** The port the proxy listens on (host 127.0.0.1). */
  get port(): number {
    return (this.server.address() as { port: number }).port;
  }

  get host(): string {
    return '127.0.0.1';
  }

  /** A ws:// URL pointing at the proxy. */
  wsUrl(path = '/'): string {
    return `ws://127.0.0.1:${this.port}${path}`;
  }

  /** Forwarded connections whose sockets are not both closed yet. */
  get active(): number {
    return this.links.size;
  }

  /** Bytes written to upstream sockets. */
  get bytesToUpstream(): number {
    return this.shared.forwarded.toUpstream;
  }

  /** Bytes written to client sockets. */
  get bytesToClient(): number {
    return this.shared.forwarded.toClient;
  }

  /** Bytes thrown away: by the black hole, or after drop/reset, or for a sink already gone. */
  get bytesDiscarded(): number {
    return this.shared.discarded;
  }

  /** Bytes waiting in latency queues, both directions. */
  get queuedBytes(): number {
    let total = 0;
    for (const link of this.links) total += link.toUpstream.queuedBytes + link.toClient.queuedBytes;
    return total;
  }

  /** Open connections, oldest first. */
  get openConnections(): ProxiedConnection[] {
    return [...this.links];
  }

  /** FIN on both sides of every current connection; nothing more is forwarded on them. */
  dropAll(): void {
    for (const link of this.links) link.drop();
  }

  /** RST to every current client, and the upstream sockets destroyed. */
  resetAll(): void {
    for (const link of this.links) link.reset();
  }

  /**
   * On: bytes in both directions, and those waiting in latency queues, are discarded; FIN and
   * RST are held back; no socket is closed. Off: new bytes flow again and a held FIN or RST
   * goes through.
   */
  blackhole(on: boolean): void {
    this.shared.blackholed = on;
    for (const link of this.links) {
      link.toUpstream.pump();
      link.toClient.pump();
    }
  }

  /** Latency added to every chunk from now on, in each direction; order is always kept. */
  delay(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError(`bad delay ${ms}`);
    this.shared.delayMs = ms;
  }

  /**
   * On: new connections are accepted and reset at once (the client sees 'connect' then
   * ECONNRESET), the port stays the same, and current connections go on working.
   */
  refuse(on: boolean): void {
    this.refusing = on;
  }

  /** Stops reading from clients (current and new ones), so their writes back up. */
  pauseUpstreamReads(): void {
    this.upstreamReadsHeld = true;
    for (const link of this.links) this.hold(link, true);
  }

  resumeUpstreamReads(): void {
    this.upstreamReadsHeld = false;
    for (const link of this.links) this.hold(link, false);
  }

  /** New connections go to this upstream; current ones stay where they are. */
  setUpstream(port: number, host: string = this.upstreamHost): void {
    this.upstreamPort = port;
    this.upstreamHost = host;
  }

  /** Resolves with the next client connection to be accepted and forwarded. */
  nextConnection(options: WaitOptions = {}): Promise<ProxiedConnection> {
    if (this.closing !== undefined) return Promise.reject(new Error('fault proxy is closed'));
    return new Promise((resolve, reject) => {
      const { signal } = options;
      const onAbort = (): void => {
        this.connectionWaiters.delete(waiter);
        reject(signal?.reason ?? new Error('aborted'));
      };
      const waiter = {
        resolve: (connection: ProxiedConnection) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(connection);
        },
        reject: (error: Error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.connectionWaiters.add(waiter);
    });
  }

  /**
   * Resolves once `predicate` holds; it is checked now and after every change of the proxy's
   * state (bytes read, forwarded or discarded, a connection accepted, a socket closed), so tests
   * wait on events rather than on the clock. Rejects if the proxy closes first.
   */
  waitFor(predicate: () => boolean, options: WaitOptions = {}): Promise<void> {
    if (predicate()) return Promise.resolve();
    if (this.isClosed) return Promise.reject(new Error('fault proxy is closed'));
    return new Promise((resolve, reject) => {
      const { signal } = options;
      const finish = (error?: Error): void => {
        this.waiters.delete(waiter);
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) resolve();
        else reject(error);
      };
      const onAbort = (): void => finish(signal?.reason ?? new Error('aborted'));
      const waiter: Waiter = {
        check: () => {
          if (!predicate()) return false;
          finish();
          return true;
        },
        reject: (error) => finish(error),
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.add(waiter);
    });
  }

  /** Resolves once every socket the proxy holds (client, upstream, refused) has closed. */
  closed(options: WaitOptions = {}): Promise<void> {
    return this.waitFor(() => this.sockets.size === 0, options);
  }

  /** Destroys every socket, cancels timers and waiters, and closes the listener. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    const error = new Error('fault proxy is closed');
    for (const waiter of this.connectionWaiters) waiter.reject(error);
    this.connectionWaiters.clear();
    const listenerClosed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const link of this.links) {
      link.toUpstream.stop();
      link.toClient.stop();
    }
    for (const socket of this.sockets) socket.destroy();
    await Promise.all([listenerClosed, this.closed()]);
    this.isClosed = true;
    for (const waiter of [...this.waiters]) waiter.reject(error);
  }

  private hold(link: Link, on: boolean): void {
    link.toUpstream.held = on;
    link.toUpstream.updateFlow();
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    // Errors show up as 'close' with hadError; without a listener they would crash the test.
    socket.on('error', () => {});
    socket.once('close', () => {
      this.sockets.delete(socket);
      this.notify();
    });
  }

  private accept(client: Socket): void {
    if (this.closing !== undefined) {
      this.track(client);
      client.destroy();
      return;
    }
    if (this.refusing) {
      this.track(client);
      this.refused++;
      resetSocket(client);
      this.notify();
      return;
    }
    client.setNoDelay(true);
    const upstream = createConnection({
      host: this.upstreamHost,
      port: this.upstreamPort,
      allowHalfOpen: true,
    });
    upstream.setNoDelay(true);
    const link = new Link(this.shared, ++this.connections, client, upstream, () =>
      this.links.delete(link),
    );
    // Tracked after the Link's listeners, so a connection has left `links` by the time the
    // last socket's 'close' notifies the waiters.
    this.track(client);
    this.track(upstream);
    this.links.add(link);
    if (this.upstreamReadsHeld) this.hold(link, true);
    for (const waiter of this.connectionWaiters) waiter.resolve(link);
    this.connectionWaiters.clear();
    this.notify();
  }

  private notify(): void {
    for (const waiter of [...this.waiters]) waiter.check();
  }
}

/** Starts a proxy on 127.0.0.1, port 0, forwarding to the given upstream. */
export function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  return FaultProxy.start(options);
}
