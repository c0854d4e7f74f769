// ReconnectingWebSocket, the reconnecting WHATWG face: reconnects after drops, full-jitter
// delays, the attempt counter and minUptimeMs, maxRetries and giveup, the retry policy table
// (HTTP statuses, Retry-After, close codes), shouldReconnect, providers evaluated per attempt,
// event order across a reconnect and a partysocket-style drop-in check. Every delay runs on
// the FakeClock; waiting means awaiting the next event, never sleeping.

import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import type { WebSocket as WsPeer } from 'ws';
import { ErrorEvent } from '../../src/api/dom-events.js';
import {
  type GiveUpEvent,
  ReconnectEvent,
  ReconnectingCloseEvent,
} from '../../src/api/reconnecting-events.js';
import {
  ReconnectingWebSocket,
  type ReconnectingWebSocketOptions,
} from '../../src/api/reconnecting-websocket.js';
import { ErrorCode, UnexpectedStatusError } from '../../src/core/errors.js';
import { reconnectingClient, turn } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { dropEverything, type EchoServer, echoServer, scripted } from '../helpers/servers.js';

// ------------------------------------------------------------------ helpers

interface Peer {
  socket: WsPeer;
  request: IncomingMessage;
  messages: string[];
}

/** Every server-side connection in order, with the messages it received. */
function watchPeers(server: EchoServer): Peer[] {
  const peers: Peer[] = [];
  server.server.on('connection', (socket: WsPeer, request: IncomingMessage) => {
    const peer: Peer = { socket, request, messages: [] };
    socket.on('message', (data) => peer.messages.push(String(data)));
    peers.push(peer);
  });
  return peers;
}

type Next = {
  (type: 'open'): Promise<Event>;
  (type: 'message'): Promise<MessageEvent>;
  (type: 'close'): Promise<ReconnectingCloseEvent>;
  (type: 'reconnecting'): Promise<ReconnectEvent>;
  (type: 'giveup'): Promise<GiveUpEvent>;
};

const TYPES = ['open', 'message', 'error', 'close', 'reconnecting', 'giveup'];

/**
 * Keeps every event, per type, until a test takes it: `next(type)` returns the oldest one not
 * yet taken, or waits for it. Events of one batch are never missed between two awaits.
 */
function recorder(ws: ReconnectingWebSocket): { log: string[]; next: Next } {
  const log: string[] = [];
  const kept = new Map<string, Event[]>(TYPES.map((type) => [type, []]));
  const waiting = new Map<string, ((event: Event) => void)[]>(TYPES.map((type) => [type, []]));
  for (const type of TYPES) {
    ws.addEventListener(type, (event) => {
      log.push(describeEvent(event));
      const waiter = waiting.get(type)!.shift();
      if (waiter !== undefined) waiter(event);
      else kept.get(type)!.push(event);
    });
  }
  const next = ((type: string) => {
    const event = kept.get(type)!.shift();
    if (event !== undefined) return Promise.resolve(event);
    return new Promise<Event>((resolve) => waiting.get(type)!.push(resolve));
  }) as Next;
  return { log, next };
}

function describeEvent(event: Event): string {
  if (event instanceof MessageEvent) return `message:${String(event.data)}`;
  if (event instanceof ErrorEvent) return `error:${(event.error as { code?: string }).code}`;
  if (event instanceof ReconnectingCloseEvent) return `close:${event.code}:${event.willRetry}`;
  if (event instanceof ReconnectEvent) return `reconnecting:${event.attempt}:${event.delayMs}`;
  return event.type;
}

/** A client on a FakeClock with fixed jitter (0.5) and keepalive off, closed after the test. */
function client(
  t: TestContext,
  url: ConstructorParameters<typeof ReconnectingWebSocket>[0],
  options: ReconnectingWebSocketOptions = {},
): { ws: ReconnectingWebSocket; clock: FakeClock; log: string[]; next: Next } {
  const { ws, clock } = reconnectingClient(t, url, options);
  return { ws, clock, ...recorder(ws) };
}

// ------------------------------------------------------------------ reconnecting

describe('ReconnectingWebSocket: reconnects', { timeout: 15_000 }, () => {
  it('comes back after the server drops the connection', async (t) => {
    const server = await echoServer(t);
    const peers = watchPeers(server);
    const { ws, clock, log, next } = client(t, server.url);
    assert.equal(ws.readyState, ReconnectingWebSocket.CONNECTING);
    await next('open');
    assert.equal(ws.readyState, ReconnectingWebSocket.OPEN);
    assert.equal(ws.url, server.url);
    await ws.send('one');
    assert.equal((await next('message')).data, 'one');

    peers[0]!.socket.terminate();
    const close = await next('close');
    assert.equal(close.code, 1006);
    assert.equal(close.willRetry, true);
    assert.equal(close.cause?.kind, 'connection-lost');
    assert.equal(ws.readyState, ReconnectingWebSocket.CONNECTING, 'waiting reads as CONNECTING');
    const reconnecting = await next('reconnecting');
    assert.deepEqual(reconnecting.detail, {
      attempt: 1,
      delayMs: 250,
      reason: reconnecting.reason,
    });
    assert.equal(ws.retryCount, 1);

    clock.advance(250);
    await next('open');
    await ws.send('two');
    assert.equal((await next('message')).data, 'two');
    assert.equal(peers.length, 2);
    assert.deepEqual(log, [
      'open',
      'message:one',
      'error:ERR_CONNECTION_LOST',
      'close:1006:true',
      'reconnecting:1:250',
      'open',
      'message:two',
    ]);
    assert.equal(ws.stats().reconnects, 1);
  });

  it('delays are full jitter: random × 0.5 s × 2^n, the bound capped at 30 s', async (t) => {
    const server = await dropEverything(t);
    const draws = [0.5, 0.99, 0.1, 0, 0.75, 0.999, 0.5, 0.25, 0.9999, 0.5];
    let index = 0;
    const { ws, clock, next } = client(t, server.url, { random: () => draws[index++]! });
    for (let n = 0; n < draws.length; n++) {
      const event = await next('reconnecting');
      const bound = Math.min(30_000, 500 * 2 ** n);
      assert.equal(event.attempt, n + 1);
      assert.equal(event.delayMs, Math.floor(draws[n]! * bound), `attempt ${n + 1}`);
      assert.ok(event.delayMs >= 0 && event.delayMs < bound);
      clock.advance(event.delayMs);
    }
    assert.equal(ws.retryCount, draws.length);
  });

  it('honours initialDelayMs, backoffFactor and maxDelayMs', async (t) => {
    const server = await dropEverything(t);
    const { clock, next } = client(t, server.url, {
      random: () => 0.5,
      initialDelayMs: 100,
      backoffFactor: 3,
      maxDelayMs: 1000,
    });
    const delays: number[] = [];
    for (let n = 0; n < 4; n++) {
      const event = await next('reconnecting');
      delays.push(event.delayMs);
      clock.advance(event.delayMs);
    }
    assert.deepEqual(delays, [50, 150, 450, 500]);
  });

  it('resets the attempt counter only after minUptimeMs of a healthy connection', async (t) => {
    const server = await echoServer(t);
    const peers = watchPeers(server);
    const { clock, next } = client(t, server.url, { minUptimeMs: 5000 });
    await next('open');
    peers[0]!.socket.terminate();
    assert.equal((await next('reconnecting')).attempt, 1);
    clock.advance(250);
    await next('open');

    clock.advance(4999); // not long enough
    peers[1]!.socket.terminate();
    const second = await next('reconnecting');
    assert.deepEqual([second.attempt, second.delayMs], [2, 500]);
    clock.advance(500);
    await next('open');

    clock.advance(5000); // healthy: the next drop starts again at attempt 1
    peers[2]!.socket.terminate();
    const third = await next('reconnecting');
    assert.deepEqual([third.attempt, third.delayMs], [1, 250]);
  });

  it('gives up after maxRetries with a reason and the last error', async (t) => {
    const server = await dropEverything(t);
    const { ws, clock, log, next } = client(t, server.url, { maxRetries: 2 });
    for (let n = 0; n < 2; n++) clock.advance((await next('reconnecting')).delayMs);
    const giveup = await next('giveup');
    assert.match(giveup.reason, /gave up after 2 retries/);
    assert.equal(giveup.error?.code, ErrorCode.ConnectionLost);
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
    assert.deepEqual(
      log.filter((line) => !line.startsWith('error')),
      [
        'close:1006:true',
        'reconnecting:1:250',
        'close:1006:true',
        'reconnecting:2:500',
        'close:1006:false',
        'giveup',
      ],
    );
  });

  it('reconnect() closes the current connection and connects again at once, counter reset', async (t) => {
    const server = await echoServer(t);
    const peers = watchPeers(server);
    const { ws, clock, log, next } = client(t, server.url);
    await next('open');
    peers[0]!.socket.terminate();
    await next('close');
    clock.advance((await next('reconnecting')).delayMs);
    await next('open');
    assert.equal(ws.retryCount, 1);

    const closed = new Promise<number>((resolve) => peers[1]!.socket.on('close', resolve));
    ws.reconnect(4000, 'switching');
    assert.equal(ws.retryCount, 0);
    // As in partysocket: the open connection reads CLOSING until its close event.
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSING);
    const close = await next('close');
    assert.equal(close.willRetry, true);
    assert.equal(ws.readyState, ReconnectingWebSocket.CONNECTING);
    assert.equal(await closed, 4000, 'the server saw our close code');
    await next('open'); // no backoff wait: no clock advance needed
    assert.equal(peers.length, 3);
    // npm ws echoes the code it received.
    assert.deepEqual(log.slice(-2), ['close:4000:true', 'open']);
  });

  it('reconnect() revives a client that gave up or was closed', async (t) => {
    const server = await echoServer(t, { verifyClient: (_info, done) => done(false, 401) });
    const { ws, next } = client(t, server.url);
    assert.equal((await next('close')).willRetry, false);
    await next('giveup');
    server.server.options.verifyClient = undefined;
    ws.reconnect();
    await next('open');
    ws.close();
    await next('close');
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
    ws.reconnect();
    await next('open');
  });
});

// ------------------------------------------------------------------ the policy table

/** A ws server that closes every connection with `code` once it is open. */
async function closingServer(t: TestContext, code: number): Promise<EchoServer> {
  const server = await echoServer(t);
  server.server.on('connection', (socket: WsPeer) => socket.close(code, 'policy test'));
  return server;
}

describe('ReconnectingWebSocket: retry policy', { timeout: 15_000 }, () => {
  for (const status of [401, 403, 404]) {
    it(`HTTP ${status}: no retry, giveup with the status error`, async (t) => {
      const server = await echoServer(t, { verifyClient: (_info, done) => done(false, status) });
      const { log, next } = client(t, server.url);
      const giveup = await next('giveup');
      assert.ok(giveup.error instanceof UnexpectedStatusError);
      assert.equal(giveup.error.status, status);
      assert.match(giveup.reason, new RegExp(`HTTP ${status}`));
      assert.deepEqual(log, ['error:ERR_HANDSHAKE_STATUS', 'close:1006:false', 'giveup']);
    });
  }

  it('HTTP 503 with Retry-After: 7 waits at least 7000 ms', async (t) => {
    const server = await echoServer(t, {
      verifyClient: (_info, done) => done(false, 503, 'Busy', { 'Retry-After': '7' }),
    });
    let attempts = 0;
    const { clock, next } = client(t, () => {
      attempts++;
      return server.url;
    });
    const event = await next('reconnecting');
    assert.equal(event.delayMs, 7000);
    assert.match(event.reason, /HTTP 503 \(Retry-After 7000 ms\)/);
    clock.advance(6999);
    assert.equal(attempts, 1, 'no attempt before Retry-After');
    clock.advance(1);
    assert.equal(attempts, 2);
  });

  it('HTTP 429 with Retry-After as an HTTP date waits until that date (within maxDelayMs)', async (t) => {
    const date = new Date(Date.now() + 60_000).toUTCString();
    const server = await scripted(t, (socket) => {
      socket.end(
        `HTTP/1.1 429 Too Many Requests\r\nRetry-After: ${date}\r\nContent-Length: 0\r\n\r\n`,
      );
    });
    const { next } = client(t, server.url, { maxDelayMs: 120_000 });
    const event = await next('reconnecting');
    // The date has whole seconds: the wait is within the last second before it.
    assert.ok(event.delayMs > 58_000 && event.delayMs <= 60_000, `waited ${event.delayMs} ms`);
  });

  it('HTTP 500, 502 and 408 are retried', async (t) => {
    for (const status of [500, 502, 408]) {
      const server = await echoServer(t, { verifyClient: (_info, done) => done(false, status) });
      const { ws, next } = client(t, server.url);
      const event = await next('reconnecting');
      assert.match(event.reason, new RegExp(`HTTP ${status}`));
      ws.close();
    }
  });

  it('close 1013 waits at least tryAgainLaterDelayMs', async (t) => {
    const server = await closingServer(t, 1013);
    let attempts = 0;
    const { clock, next } = client(
      t,
      () => {
        attempts++;
        return server.url;
      },
      { tryAgainLaterDelayMs: 12_345 },
    );
    const close = await next('close');
    assert.equal(close.code, 1013);
    const event = await next('reconnecting');
    assert.equal(event.delayMs, 12_345);
    clock.advance(12_344);
    assert.equal(attempts, 1);
    clock.advance(1);
    assert.equal(attempts, 2);
  });

  for (const code of [1001, 1011, 1012, 1014]) {
    it(`close ${code} is retried`, async (t) => {
      const server = await closingServer(t, code);
      const { log, next } = client(t, server.url);
      const event = await next('reconnecting');
      assert.match(event.reason, new RegExp(`${code}`));
      assert.deepEqual(log, ['open', `close:${code}:true`, 'reconnecting:1:250']);
    });
  }

  for (const code of [1002, 1003, 1007, 1008]) {
    it(`close ${code} from the server: no retry`, async (t) => {
      const server = await closingServer(t, code);
      const { log, next } = client(t, server.url);
      const giveup = await next('giveup');
      assert.match(giveup.reason, new RegExp(`${code}`));
      assert.deepEqual(log, ['open', `close:${code}:false`, 'giveup']);
    });
  }

  it('a user close() is final: no reconnecting, no giveup', async (t) => {
    const server = await echoServer(t);
    const { ws, log, next } = client(t, server.url);
    await next('open');
    ws.close(1000, 'bye');
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSING);
    const close = await next('close');
    assert.deepEqual([close.code, close.wasClean, close.willRetry], [1000, true, false]);
    assert.equal(close.cause?.kind, 'user');
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
    await turn();
    assert.deepEqual(log, ['open', 'close:1000:false']);
  });

  it('close() while waiting for the next attempt stops without another close event', async (t) => {
    const server = await dropEverything(t);
    const { ws, clock, log, next } = client(t, server.url);
    await next('reconnecting');
    ws.close();
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
    clock.advance(60_000);
    await turn();
    assert.deepEqual(log, ['error:ERR_CONNECTION_LOST', 'close:1006:true', 'reconnecting:1:250']);
  });

  it('shouldReconnect overrides the policy both ways', async (t) => {
    const fatal = await closingServer(t, 1008);
    const seen: unknown[] = [];
    const retried = client(t, fatal.url, {
      shouldReconnect: ({ attempt, info, decision }) => {
        seen.push([attempt, info.code, decision.retry]);
        return true;
      },
    });
    assert.equal((await retried.next('reconnecting')).attempt, 1);
    assert.deepEqual(seen, [[0, 1008, false]]);

    const transient = await closingServer(t, 1012);
    const stopped = client(t, transient.url, { shouldReconnect: () => false });
    await stopped.next('giveup');
    assert.deepEqual(stopped.log, ['open', 'close:1012:false', 'giveup']);
  });
});

// ------------------------------------------------------------------ providers

describe('ReconnectingWebSocket: url, headers and protocols per attempt', {
  timeout: 15_000,
}, () => {
  it('evaluates sync and async providers again on every attempt', async (t) => {
    const server = await echoServer(t);
    const peers = watchPeers(server);
    let token = 0;
    const { ws, clock, next } = client(t, () => `${server.url}?token=${++token}`, {
      headers: async () => ({ authorization: `Bearer t${token}` }),
      protocols: async () => [`v${token}`, 'fallback'],
    });
    await next('open');
    assert.equal(ws.protocol, 'v1');
    assert.equal(ws.url, `${server.url}?token=1`);
    peers[0]!.socket.terminate();
    clock.advance((await next('reconnecting')).delayMs);
    await next('open');
    assert.equal(ws.protocol, 'v2');
    assert.equal(ws.url, `${server.url}?token=2`);
    const seen = peers.map((peer) => [
      peer.request.url,
      peer.request.headers.authorization,
      peer.request.headers['sec-websocket-protocol'],
    ]);
    assert.deepEqual(seen, [
      ['/?token=1', 'Bearer t1', 'v1, fallback'],
      ['/?token=2', 'Bearer t2', 'v2, fallback'],
    ]);
  });

  it('accepts protocols as the 2nd argument, as a value or a sync function', async (t) => {
    const server = await echoServer(t);
    const clock = new FakeClock();
    const fixed = new ReconnectingWebSocket(server.url, 'chat', { clock, pingIntervalMs: 0 });
    t.after(() => fixed.close());
    await recorder(fixed).next('open');
    assert.equal(fixed.protocol, 'chat');
    const computed = new ReconnectingWebSocket(server.url, () => ['a', 'b'], { clock });
    t.after(() => computed.close());
    await recorder(computed).next('open');
    assert.equal(computed.protocol, 'a');
  });

  it('a url provider that throws gives an error event and is retried', async (t) => {
    const server = await echoServer(t);
    let calls = 0;
    const { ws, clock, log, next } = client(t, () => {
      calls++;
      if (calls === 1) throw new TypeError('no token');
      return server.url;
    });
    const retry = await next('reconnecting');
    assert.match(retry.reason, /provider failed: no token/);
    assert.equal(ws.readyState, ReconnectingWebSocket.CONNECTING);
    clock.advance(retry.delayMs);
    await next('open');
    assert.deepEqual(log, ['error:undefined', 'reconnecting:1:250', 'open']);
  });

  it('a url provider that keeps throwing gives up after maxRetries', async (t) => {
    const { ws, log, next } = client(
      t,
      () => {
        throw new TypeError('no token');
      },
      { maxRetries: 0 },
    );
    const giveup = await next('giveup');
    assert.match(giveup.reason, /gave up after 0 retries .*no token/);
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
    assert.deepEqual(log, ['error:undefined', 'giveup']);
  });

  it('a url provider that returns a bad URL gives an error event and gives up', async (t) => {
    const { ws, log, next } = client(t, () => 'ftp://127.0.0.1/');
    const giveup = await next('giveup');
    assert.match(giveup.reason, /invalid/);
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
    assert.deepEqual(log, [`error:${ErrorCode.InvalidUrl}`, 'giveup']);
  });

  it('checks values given directly at construction, like WebSocket', () => {
    assert.throws(
      () => new ReconnectingWebSocket('ftp://example.com/'),
      (error: unknown) => error instanceof DOMException && error.name === 'SyntaxError',
    );
    assert.throws(
      () => new ReconnectingWebSocket('ws://127.0.0.1:1/', ['a', 'a']),
      (error: unknown) => error instanceof DOMException && error.name === 'SyntaxError',
    );
    assert.throws(
      () => new ReconnectingWebSocket('ws://127.0.0.1:1/', { openTimeoutMs: -1 }),
      /openTimeoutMs/,
    );
    assert.throws(() => new (ReconnectingWebSocket as unknown as new () => unknown)(), TypeError);
  });
});

// ------------------------------------------------------------------ the WHATWG surface

describe('ReconnectingWebSocket: WHATWG surface', { timeout: 15_000 }, () => {
  it('event order and readyState across a reconnect', async (t) => {
    const server = await echoServer(t);
    const peers = watchPeers(server);
    const { ws, clock, next } = client(t, server.url);
    const seen: string[] = [];
    for (const type of ['open', 'message', 'error', 'close', 'reconnecting']) {
      ws.addEventListener(type, () => seen.push(`${type}:${ws.readyState}`));
    }
    await next('open');
    void ws.send('a');
    await next('message');
    peers[0]!.socket.close(1012);
    clock.advance((await next('reconnecting')).delayMs);
    await next('open');
    void ws.send('b');
    await next('message');
    assert.deepEqual(seen, [
      'open:1',
      'message:1',
      'close:0',
      'reconnecting:0',
      'open:1',
      'message:1',
    ]);
  });

  it('events come on a later turn than the calls that caused them', async (t) => {
    const server = await echoServer(t);
    const { ws, next } = client(t, server.url);
    await next('open');
    let closed = false;
    ws.addEventListener('close', () => {
      closed = true;
    });
    ws.close();
    assert.equal(closed, false);
    await next('close');
  });

  it('constants, handler attributes and binaryType', async (t) => {
    const server = await echoServer(t);
    const { ws, next } = client(t, server.url);
    assert.deepEqual([ws.CONNECTING, ws.OPEN, ws.CLOSING, ws.CLOSED], [0, 1, 2, 3]);
    assert.equal(ReconnectingWebSocket.OPEN, 1);
    assert.equal(ws.onopen, null);
    assert.equal(ws.binaryType, 'blob');
    const opened = new Promise<void>((resolve) => {
      ws.onopen = () => resolve();
    });
    await opened;
    void ws.send(new Uint8Array([1, 2, 3]));
    const blob = (await next('message')).data;
    assert.ok(blob instanceof Blob);
    assert.deepEqual([...new Uint8Array(await blob.arrayBuffer())], [1, 2, 3]);
    ws.binaryType = 'arraybuffer';
    ws.binaryType = 'nodebuffer' as 'blob'; // ignored, like WebSocket
    assert.equal(ws.binaryType, 'arraybuffer');
    const received = new Promise<MessageEvent>((resolve) => {
      ws.onmessage = resolve;
    });
    void ws.send(new Uint16Array([0x0102]).buffer);
    const buffer = (await received).data;
    assert.ok(buffer instanceof ArrayBuffer);
    assert.equal(buffer.byteLength, 2);
    assert.equal(Object.prototype.toString.call(ws), '[object ReconnectingWebSocket]');
  });

  it('close() and reconnect() reject invalid codes like WebSocket', async (t) => {
    const server = await echoServer(t);
    const { ws, next } = client(t, server.url);
    const isError = (name: string) => (error: unknown) =>
      error instanceof DOMException && error.name === name;
    assert.throws(() => ws.close(1006), isError('InvalidAccessError'));
    assert.throws(() => ws.reconnect(2000), isError('InvalidAccessError'));
    assert.throws(() => ws.close(1000, 'x'.repeat(124)), isError('SyntaxError'));
    await next('open');
  });

  it('drop-in: partysocket-style code works unchanged', async (t) => {
    const server = await echoServer(t);
    const peers = watchPeers(server);
    const clock = new FakeClock();
    // What a partysocket user writes, plus the two options that make the test deterministic.
    const ws = new ReconnectingWebSocket(server.url, [], { clock, random: () => 0 });
    t.after(() => ws.close());
    const { next } = recorder(ws);
    const received: string[] = [];
    ws.addEventListener('message', (event) => received.push(event.data as string));
    ws.onopen = () => {
      ws.send('hello');
    };
    const echoed = (count: number) =>
      new Promise<void>((resolve) => {
        const check = (): void => {
          if (received.length < count) return;
          ws.removeEventListener('message', check);
          resolve();
        };
        ws.addEventListener('message', check);
      });
    await echoed(1);
    peers[0]!.socket.terminate();
    clock.advance((await next('reconnecting')).delayMs);
    await echoed(2);
    ws.reconnect();
    await echoed(3);
    assert.equal(ws.retryCount, 0);
    assert.deepEqual(received, ['hello', 'hello', 'hello']);
    assert.deepEqual(
      peers.map((peer) => peer.messages),
      [['hello'], ['hello'], ['hello']],
    );
  });
});
