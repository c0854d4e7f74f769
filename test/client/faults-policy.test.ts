// Fault injection, the retry policy over real sockets: an npm `ws` server behind the fault
// proxy refuses upgrades (401, 403, 503 with Retry-After) or closes open connections (1013,
// 1008), and ReconnectingWebSocket and connectForever must stop, or wait at least as long as
// the server asked, on the FakeClock. Attempts are counted by a URL provider, which the
// supervisor calls synchronously when an attempt starts, so "no attempt before the clock
// reaches the delay" is checked exactly.

import assert from 'node:assert/strict';
import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { connectForever } from '../../src/api/connect-forever.js';
import type {
  GiveUpEvent,
  ReconnectEvent,
  ReconnectingCloseEvent,
} from '../../src/api/reconnecting-events.js';
import {
  ReconnectingWebSocket,
  type ReconnectingWebSocketOptions,
} from '../../src/api/reconnecting-websocket.js';
import type { ReconnectingEvent } from '../../src/client/reconnect.js';
import { ErrorCode, UnexpectedStatusError } from '../../src/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';
import {
  Changes,
  startProxy,
  trackedHttpServer,
  reconnecting as watchReconnecting,
} from '../helpers/faults.js';

/** How the server answers one upgrade request, or treats one accepted connection. */
type Answer =
  | { refuse: number; headers?: Record<string, string> }
  | { closeWith: number; reason: string }
  | 'echo';

interface GatedServer {
  port: number;
  /** Answers for the next requests, in order; once used up, connections are accepted. */
  answers: Answer[];
  /** Upgrade requests seen. */
  requests: number;
}

/** An npm `ws` server (noServer mode) that refuses or closes as scripted, then echoes. */
async function startGatedServer(t: TestContext): Promise<GatedServer> {
  const server = trackedHttpServer();
  const { http } = server;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const gated: GatedServer = { port: 0, answers: [], requests: 0 };
  http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    gated.requests++;
    const answer = gated.answers.shift() ?? 'echo';
    if (typeof answer === 'object' && 'refuse' in answer) {
      const body = `refused with ${answer.refuse}\n`;
      const headers = Object.entries(answer.headers ?? {}).map(
        ([name, value]) => `${name}: ${value}\r\n`,
      );
      socket.end(
        `HTTP/1.1 ${answer.refuse} ${STATUS_CODES[answer.refuse]}\r\n` +
          `Content-Type: text/plain\r\nContent-Length: ${body.length}\r\nConnection: close\r\n` +
          `${headers.join('')}\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws: WsSocket) => {
      ws.on('error', () => {});
      if (answer !== 'echo') ws.close(answer.closeWith, answer.reason);
      else ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  gated.port = await server.listen();
  t.after(() => server.close(wss, true));
  return gated;
}

/** The gated server behind the fault proxy; `url()` counts the attempts that ask for it. */
async function setUp(t: TestContext) {
  const server = await startGatedServer(t);
  const proxy = await startProxy(t, server.port);
  let attempts = 0;
  return {
    server,
    proxy,
    get attempts() {
      return attempts;
    },
    url: () => {
      attempts++;
      return proxy.wsUrl();
    },
  };
}

/** A ReconnectingWebSocket on a fake clock (jitter 0.5, keepalive off) with its events. */
function reconnecting(
  t: TestContext,
  url: () => string,
  options: ReconnectingWebSocketOptions = {},
) {
  return watchReconnecting(t, url, { random: () => 0.5, ...options });
}

describe('fault injection: the policy with ReconnectingWebSocket', { timeout: 20_000 }, () => {
  for (const status of [401, 403]) {
    it(`${status}: handshake-refused with the status, no retry, giveup`, async (t) => {
      const env = await setUp(t);
      env.server.answers.push({ refuse: status });
      const { ws, clock, changes, all } = reconnecting(t, env.url);
      await changes.until(() => all('giveup').length === 1);
      const [close] = all<ReconnectingCloseEvent>('close');
      assert.deepEqual(close!.cause, { kind: 'handshake-refused', phase: 'connecting', status });
      assert.equal(close!.willRetry, false);
      assert.equal(close!.code, 1006);
      assert.ok(close!.error instanceof UnexpectedStatusError);
      assert.equal(close!.error.status, status);
      assert.equal(close!.error.bodyText, `refused with ${status}\n`);
      const [giveup] = all<GiveUpEvent>('giveup');
      assert.match(giveup!.reason, new RegExp(`HTTP ${status}`));
      assert.equal(giveup!.error, close!.error);
      assert.equal(all('reconnecting').length, 0);
      assert.equal(clock.pending, 0, 'no retry is scheduled');
      assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
      assert.equal(env.attempts, 1);
      assert.equal(env.server.requests, 1);
      // Giving up keeps the queue, as partysocket does: a later send waits for reconnect()
      // and counts in bufferedAmount; close() rejects it.
      const late = ws.send('too late');
      assert.equal(ws.bufferedAmount, 8);
      ws.close();
      await assert.rejects(late, { code: ErrorCode.ConnectionClosed });
    });
  }

  it('503 with Retry-After: 3 waits 3000 ms, and no attempt starts before', async (t) => {
    const env = await setUp(t);
    env.server.answers.push({ refuse: 503, headers: { 'Retry-After': '3' } });
    const { ws, clock, changes, all } = reconnecting(t, env.url);
    await changes.until(() => all('reconnecting').length === 1);
    const [close] = all<ReconnectingCloseEvent>('close');
    assert.deepEqual(close!.cause, { kind: 'handshake-refused', phase: 'connecting', status: 503 });
    assert.equal(close!.willRetry, true);
    const [event] = all<ReconnectEvent>('reconnecting');
    // The jitter alone would be 0.5 × 500 = 250 ms; the server asked for more.
    assert.equal(event!.delayMs, 3000);
    assert.match(event!.reason, /HTTP 503 \(Retry-After 3000 ms\)/);
    // Messages sent meanwhile wait in the offline queue.
    const sent = ws.send('queued during Retry-After');
    assert.equal(ws.stats().queuedMessages, 1);
    clock.advance(2999);
    assert.equal(env.attempts, 1, 'no attempt before 3000 ms');
    clock.advance(1);
    assert.equal(env.attempts, 2, 'the attempt starts at 3000 ms');
    await changes.until(() => all('open').length === 1);
    await sent;
    await changes.until(() => all('message').length === 1);
    assert.equal(all<MessageEvent>('message')[0]!.data, 'queued during Retry-After');
    assert.equal(env.server.requests, 2);
  });

  it('close 1013 waits tryAgainLaterDelayMs (default 10 s) before the next attempt', async (t) => {
    const env = await setUp(t);
    env.server.answers.push({ closeWith: 1013, reason: 'overloaded' });
    const { clock, changes, all } = reconnecting(t, env.url);
    await changes.until(() => all('reconnecting').length === 1);
    const [close] = all<ReconnectingCloseEvent>('close');
    assert.equal(close!.code, 1013);
    assert.equal(close!.reason, 'overloaded');
    assert.equal(close!.wasClean, true);
    assert.deepEqual(close!.cause, { kind: 'server', phase: 'closing' });
    assert.equal(close!.willRetry, true);
    const [event] = all<ReconnectEvent>('reconnecting');
    assert.equal(event!.delayMs, 10_000);
    clock.advance(9999);
    assert.equal(env.attempts, 1);
    clock.advance(1);
    assert.equal(env.attempts, 2);
    await changes.until(() => all('open').length === 2);
  });

  it('close 1013 with tryAgainLaterDelayMs 2500: the larger of it and the jitter', async (t) => {
    const env = await setUp(t);
    env.server.answers.push({ closeWith: 1013, reason: '' }, { closeWith: 1013, reason: '' });
    const draws = [0.1, 0.9];
    const { clock, changes, all } = reconnecting(t, env.url, {
      tryAgainLaterDelayMs: 2500,
      initialDelayMs: 4000,
      random: () => draws.shift()!,
    });
    await changes.until(() => all('reconnecting').length === 1);
    assert.equal(all<ReconnectEvent>('reconnecting')[0]!.delayMs, 2500, 'max(2500, 0.1 × 4000)');
    clock.advance(2500);
    await changes.until(() => all('reconnecting').length === 2);
    assert.equal(all<ReconnectEvent>('reconnecting')[1]!.delayMs, 7200, 'max(2500, 0.9 × 8000)');
    clock.advance(7199);
    assert.equal(env.attempts, 2);
    clock.advance(1);
    await changes.until(() => all('open').length === 3);
  });

  it('close 1008 (policy violation): no retry, giveup', async (t) => {
    const env = await setUp(t);
    env.server.answers.push({ closeWith: 1008, reason: 'not allowed' });
    const { ws, clock, changes, all } = reconnecting(t, env.url);
    await changes.until(() => all('giveup').length === 1);
    const [close] = all<ReconnectingCloseEvent>('close');
    assert.equal(close!.code, 1008);
    assert.equal(close!.reason, 'not allowed');
    assert.deepEqual(close!.cause, { kind: 'server', phase: 'closing' });
    assert.equal(close!.willRetry, false);
    assert.equal(close!.error, undefined);
    assert.equal(all<GiveUpEvent>('giveup')[0]!.reason, 'the server closed with 1008');
    assert.equal(all('reconnecting').length, 0);
    assert.equal(clock.pending, 0);
    assert.equal(env.attempts, 1);
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
  });
});

describe('fault injection: the policy with connectForever', { timeout: 20_000 }, () => {
  /** Runs connectForever on a fake clock; the loop is stopped after the test. */
  function loop(t: TestContext, url: () => string) {
    const clock = new FakeClock();
    const changes = new Changes();
    const reconnects: ReconnectingEvent[] = [];
    const controller = new AbortController();
    const iterator = connectForever(url, {
      clock,
      random: () => 0.5,
      pingIntervalMs: 0,
      signal: controller.signal,
      onReconnecting: (event) => {
        reconnects.push(event);
        changes.notify();
      },
    });
    t.after(async () => {
      controller.abort();
      await iterator.return();
    });
    return { clock, changes, reconnects, iterator };
  }

  it('401 ends the iteration by throwing the UnexpectedStatusError', async (t) => {
    const env = await setUp(t);
    env.server.answers.push({ refuse: 401 });
    const { iterator, reconnects, clock } = loop(t, env.url);
    await assert.rejects(iterator.next(), (error: unknown) => {
      assert.ok(error instanceof UnexpectedStatusError);
      assert.equal(error.status, 401);
      return true;
    });
    assert.equal(reconnects.length, 0);
    assert.equal(clock.pending, 0);
    assert.equal(env.attempts, 1);
  });

  it('503 with Retry-After: 3 waits 3000 ms, then yields a connection', async (t) => {
    const env = await setUp(t);
    env.server.answers.push({ refuse: 503, headers: { 'Retry-After': '3' } });
    const { iterator, reconnects, clock, changes } = loop(t, env.url);
    const first = iterator.next();
    await changes.until(() => reconnects.length === 1);
    assert.equal(reconnects[0]!.delayMs, 3000);
    clock.advance(2999);
    assert.equal(clock.pending, 1, 'still waiting');
    assert.equal(env.attempts, 1);
    clock.advance(1);
    const result = await first;
    assert.equal(result.done, false);
    assert.equal(env.attempts, 2);
    await result.value!.close();
  });

  it('1008 from the server ends the iteration quietly', async (t) => {
    const env = await setUp(t);
    env.server.answers.push({ closeWith: 1008, reason: 'go away' });
    const { iterator, reconnects, clock } = loop(t, env.url);
    const first = await iterator.next();
    assert.equal(first.done, false);
    const info = await first.value!.closed;
    assert.equal(info.code, 1008);
    assert.deepEqual(await iterator.next(), { done: true, value: undefined });
    assert.equal(reconnects.length, 0);
    assert.equal(clock.pending, 0);
  });
});
