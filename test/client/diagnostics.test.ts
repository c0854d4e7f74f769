// Observability: the machine-readable cause of every kind of close (kind and phase, with the
// HTTP status of a refused handshake), stats() after a known exchange (messages, wire bytes
// checked against the fault proxy's own counters, round trips and time connected on the
// FakeClock, reconnects and the offline queue), and the node:diagnostics_channel events
// wsx:open, wsx:close, wsx:error, wsx:reconnect and wsx:ping with their payloads.

import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import type { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { connectForever } from '../../src/api/connect-forever.js';
import {
  type CloseInfo,
  type ConnectOptions,
  connect,
  type Message,
  WebSocketClient,
} from '../../src/api/websocket-client.js';
import { ErrorCode } from '../../src/core/errors.js';
import { cleanClose } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Changes, reconnecting, startProxy, trackedHttpServer } from '../helpers/faults.js';
import { startTlsWsPeer } from '../helpers/peers.js';
import {
  acceptHandshake,
  readRequest,
  scripted,
  serverFrame,
  startScriptedServer,
} from '../helpers/servers.js';

// ------------------------------------------------------------------ helpers

interface Backend {
  port: number;
  peers: WsSocket[];
}

/**
 * An npm `ws` server: echoes, answers 401 to the path /private, and closes with 1000 when it
 * receives the text "close me".
 */
async function startBackend(t: TestContext, changes = new Changes()): Promise<Backend> {
  const server = trackedHttpServer();
  const { http } = server;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const backend: Backend = { port: 0, peers: [] };
  http.on('upgrade', (request, socket: Socket, head) => {
    if (request.url === '/private') {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(request, socket, head, (ws: WsSocket) => {
      backend.peers.push(ws);
      ws.on('error', () => {});
      ws.on('message', (data, isBinary) => {
        if (!isBinary && data.toString() === 'close me') ws.close(1000, 'as you wish');
        else ws.send(data, { binary: isBinary });
      });
      changes.notify();
    });
  });
  backend.port = await server.listen();
  t.after(() => server.close(wss, true));
  return backend;
}

/** Starts a client without awaiting the open; it is terminated after the test. */
function client(t: TestContext, url: string, options: ConnectOptions = {}): WebSocketClient {
  const ws = new WebSocketClient(url, { pingIntervalMs: 0, ...options });
  t.after(() => ws.terminate());
  return ws;
}

function echo(ws: WebSocketClient, data: string | Uint8Array): Promise<Message> {
  const reply = new Promise<Message>((resolve) => ws.once('message', resolve));
  void ws.send(data);
  return reply;
}

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));

/** Events of one diagnostics channel whose url starts with `prefix`, until the test ends. */
function subscribe(
  t: TestContext,
  name: string,
  prefix: string,
  log: { channel: string; message: Record<string, unknown> }[],
  changes: Changes,
): void {
  const listener = (message: unknown): void => {
    const record = message as Record<string, unknown>;
    if (typeof record.url !== 'string' || !record.url.startsWith(prefix)) return;
    log.push({ channel: name, message: record });
    changes.notify();
  };
  diagnosticsChannel.subscribe(name, listener);
  t.after(() => diagnosticsChannel.unsubscribe(name, listener));
}

// ------------------------------------------------------------------ close causes

describe('close causes: kind and phase for every way a connection ends', {
  timeout: 20_000,
}, () => {
  it('user: the application closed it', async (t) => {
    const backend = await startBackend(t);
    const ws = client(t, `ws://127.0.0.1:${backend.port}/`);
    await ws.opened;
    const info = await ws.close(1000, 'done');
    assert.deepEqual(pick(info), cleanClose(1000, 'done', 'user'));
  });

  it('server: the server closed it', async (t) => {
    const backend = await startBackend(t);
    const ws = client(t, `ws://127.0.0.1:${backend.port}/`);
    await ws.opened;
    void ws.send('close me');
    const info = await ws.closed;
    assert.deepEqual(pick(info), cleanClose(1000, 'as you wish'));
  });

  it('dns: the host does not resolve', async (t) => {
    const info = await client(t, 'ws://wsx-diagnostics.invalid/').closed;
    assert.deepEqual(info.cause, { kind: 'dns', phase: 'connecting' });
    assert.equal(info.error?.code, ErrorCode.DnsFailed);
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
  });

  it('connect: nothing listens on the port', async (t) => {
    const server = await startScriptedServer(() => {});
    await server.close();
    const info = await client(t, server.url).closed;
    assert.deepEqual(info.cause, { kind: 'connect', phase: 'connecting' });
    assert.equal(info.error?.code, ErrorCode.ConnectFailed);
  });

  it('tls: the server certificate is not trusted', async (t) => {
    const server = await startTlsWsPeer({
      key: fixture('server.key'),
      cert: fixture('server.crt'),
    });
    t.after(() => server.close());
    const info = await client(t, server.url).closed;
    assert.deepEqual(info.cause, { kind: 'tls', phase: 'connecting' });
    assert.equal(info.error?.code, ErrorCode.TlsFailed);
  });

  it('handshake-refused: the HTTP status is part of the cause', async (t) => {
    const backend = await startBackend(t);
    const info = await client(t, `ws://127.0.0.1:${backend.port}/private`).closed;
    assert.deepEqual(info.cause, { kind: 'handshake-refused', phase: 'connecting', status: 401 });
    assert.equal(info.error?.code, ErrorCode.UnexpectedStatus);
  });

  it('handshake: a 101 with the wrong Sec-WebSocket-Accept', async (t) => {
    const server = await scripted(t, async (socket) => {
      await readRequest(socket);
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
          'Sec-WebSocket-Accept: bm90IHRoZSByaWdodCBrZXk=\r\n\r\n',
      );
    });
    const info = await client(t, server.url).closed;
    assert.deepEqual(info.cause, { kind: 'handshake', phase: 'connecting' });
    assert.equal(info.error?.code, ErrorCode.InvalidAccept);
  });

  it('open-timeout: the server never answers the upgrade request', async (t) => {
    let requestSeen!: () => void;
    const seen = new Promise<void>((resolve) => {
      requestSeen = resolve;
    });
    const server = await scripted(t, (socket) => {
      socket.once('data', () => requestSeen());
    });
    const clock = new FakeClock();
    const ws = client(t, server.url, { clock, openTimeoutMs: 1500 });
    await seen;
    clock.advance(1499);
    assert.equal(ws.readyState, 0);
    clock.advance(1);
    const info = await ws.closed;
    assert.deepEqual(info.cause, { kind: 'open-timeout', phase: 'connecting' });
    assert.equal(info.error?.code, ErrorCode.OpenTimeout);
  });

  it('close-timeout: the server never answers our Close', async (t) => {
    const server = await scripted(t, (socket) => void acceptHandshake(socket));
    const clock = new FakeClock();
    const ws = client(t, server.url, { clock, closeTimeoutMs: 2000 });
    await ws.opened;
    const closing = ws.close(1000);
    clock.advance(2000);
    const info = await closing;
    assert.deepEqual(info.cause, { kind: 'close-timeout', phase: 'closing' });
    assert.equal(info.error?.code, ErrorCode.CloseTimeout);
    assert.equal(info.code, 1006);
  });

  it('no-pong: nothing arrives after a keepalive Ping', async (t) => {
    const server = await scripted(t, (socket) => void acceptHandshake(socket));
    const clock = new FakeClock();
    const ws = client(t, server.url, { clock, pingIntervalMs: 1000, pongTimeoutMs: 500 });
    await ws.opened;
    clock.advance(1500);
    const info = await ws.closed;
    assert.deepEqual(info.cause, { kind: 'no-pong', phase: 'open' });
    assert.equal(info.error?.code, ErrorCode.PongTimeout);
  });

  it('protocol: the server sets a reserved bit', async (t) => {
    const server = await scripted(t, async (socket) => {
      await acceptHandshake(socket);
      socket.write(serverFrame(0x1, 'bad', { rsv: 4 }));
    });
    const info = await client(t, server.url).closed;
    assert.deepEqual(info.cause, { kind: 'protocol', phase: 'open' });
    assert.equal(info.error?.code, ErrorCode.ReservedBits);
  });

  it('peer-reset and connection-lost: RST and FIN from the network while open', async (t) => {
    const backend = await startBackend(t);
    const proxy = await startProxy(t, backend.port);
    const reset = client(t, proxy.wsUrl());
    await reset.opened;
    proxy.resetAll();
    const resetInfo = await reset.closed;
    assert.deepEqual(resetInfo.cause, { kind: 'peer-reset', phase: 'open' });
    assert.equal(resetInfo.error?.code, ErrorCode.ConnectionReset);
    const dropped = client(t, proxy.wsUrl());
    await dropped.opened;
    proxy.dropAll();
    const dropInfo = await dropped.closed;
    assert.deepEqual(dropInfo.cause, { kind: 'connection-lost', phase: 'open' });
    assert.equal(dropInfo.error?.code, ErrorCode.ConnectionLost);
  });

  it('aborted: a signal while connecting, or terminate() while open', async (t) => {
    const server = await scripted(t, () => {});
    const controller = new AbortController();
    const pending = client(t, server.url, { signal: controller.signal });
    controller.abort();
    const abortInfo = await pending.closed;
    assert.deepEqual(abortInfo.cause, { kind: 'aborted', phase: 'connecting' });
    assert.equal(abortInfo.error?.code, ErrorCode.Aborted);
    const backend = await startBackend(t);
    const open = client(t, `ws://127.0.0.1:${backend.port}/`);
    await open.opened;
    const info = await open.terminate();
    assert.deepEqual(info.cause, { kind: 'aborted', phase: 'open' });
  });
});

/** The documented fields of a CloseInfo, for deepEqual. */
function pick(info: CloseInfo): CloseInfo {
  const { code, reason, wasClean, error, cause } = info;
  return { code, reason, wasClean, error, cause };
}

// ------------------------------------------------------------------ stats()

describe('stats()', { timeout: 20_000 }, () => {
  it('counts messages, wire bytes, round trips and time connected of one connection', async (t) => {
    const backend = await startBackend(t);
    const proxy = await startProxy(t, backend.port);
    const clock = new FakeClock();
    const ws = await connect(proxy.wsUrl(), { clock, pingIntervalMs: 0 });
    t.after(() => ws.terminate());
    const opened = ws.stats();
    assert.deepEqual(
      { ...opened, bytesIn: 0, bytesOut: 0 },
      {
        messagesIn: 0,
        bytesIn: 0,
        messagesOut: 0,
        bytesOut: 0,
        reconnects: 0,
        queuedMessages: 0,
        queuedBytes: 0,
        rttLastMs: undefined,
        rttP50Ms: undefined,
        rttP99Ms: undefined,
        connectedMs: 0,
      },
    );
    // The handshake is counted: the request went out, the 101 response came in.
    assert.equal(opened.bytesIn, proxy.bytesToClient);
    await proxy.waitFor(() => proxy.bytesToUpstream === opened.bytesOut);

    assert.equal((await echo(ws, 'hello')).data, 'hello');
    assert.deepEqual((await echo(ws, new Uint8Array(10))).data, new Uint8Array(10));
    const after = ws.stats();
    assert.equal(after.messagesOut, 2);
    assert.equal(after.messagesIn, 2);
    // Client frames: 2 header bytes + 4 mask bytes + payload; server frames: 2 + payload.
    assert.equal(after.bytesOut - opened.bytesOut, 6 + 5 + (6 + 10));
    assert.equal(after.bytesIn - opened.bytesIn, 2 + 5 + (2 + 10));

    // 100 pings whose round trips are 1..100 ms on the fake clock, in a scrambled order.
    let last = 0;
    for (let k = 0; k < 100; k++) {
      const rtt = ((k * 37) % 100) + 1;
      const pong = ws.ping();
      clock.advance(rtt);
      assert.equal(await pong, rtt);
      last = rtt;
    }
    const measured = ws.stats();
    assert.equal(measured.rttLastMs, last);
    assert.equal(ws.latencyMs, last);
    assert.equal(measured.rttP50Ms, 50);
    assert.equal(measured.rttP99Ms, 99);
    assert.equal(measured.connectedMs, 5050, 'the sum of 1..100 ms passed while open');
    assert.equal(measured.messagesIn, 2, 'pings and pongs are not messages');
    // Every byte on the wire, both ways, as the proxy counted it.
    assert.equal(measured.bytesIn, proxy.bytesToClient);
    assert.equal(measured.bytesOut, proxy.bytesToUpstream);
    assert.equal(measured.bytesOut - after.bytesOut, 100 * (6 + 4));

    clock.advance(950);
    assert.equal(ws.stats().connectedMs, 6000);
    await ws.close();
    clock.advance(10_000);
    assert.equal(ws.stats().connectedMs, 6000, 'time stops counting at the close');
  });

  it('a reconnecting client counts over its connections: reconnects and the offline queue', async (t) => {
    const backend = await startBackend(t);
    const proxy = await startProxy(t, backend.port);
    const { ws, clock, changes, count } = reconnecting(t, proxy.wsUrl());
    await changes.until(() => count('open') === 1);
    await ws.send('a');
    await ws.send('bb');
    await changes.until(() => count('message') === 2);
    clock.advance(1000);
    proxy.dropAll();
    await changes.until(() => count('reconnecting') === 1);
    const sent = [ws.send('héllo'), ws.send(new Uint8Array(10))];
    const waiting = ws.stats();
    assert.equal(waiting.queuedMessages, 2);
    assert.equal(waiting.queuedBytes, 6 + 10, 'strings count as UTF-8');
    assert.equal(ws.bufferedAmount, 16);
    assert.equal(waiting.reconnects, 0);
    assert.equal(waiting.connectedMs, 1000);
    assert.equal(waiting.messagesOut, 2);

    clock.advance(0);
    await changes.until(() => count('open') === 2);
    await Promise.all(sent);
    await changes.until(() => count('message') === 4);
    clock.advance(500);
    const stats = ws.stats();
    assert.equal(stats.reconnects, 1);
    assert.equal(stats.queuedMessages, 0);
    assert.equal(stats.queuedBytes, 0);
    assert.equal(stats.messagesOut, 4);
    assert.equal(stats.messagesIn, 4);
    assert.equal(stats.connectedMs, 1500);
    assert.equal(stats.bytesIn, proxy.bytesToClient);
    assert.equal(stats.bytesOut, proxy.bytesToUpstream);
  });
});

// ------------------------------------------------------------------ diagnostics_channel

const CHANNELS = ['wsx:open', 'wsx:close', 'wsx:error', 'wsx:reconnect', 'wsx:ping'];

describe('diagnostics_channel', { timeout: 20_000 }, () => {
  it('publishes open, ping, error, close and reconnect for a reconnecting client', async (t) => {
    const changes = new Changes();
    const backend = await startBackend(t, changes);
    const proxy = await startProxy(t, backend.port);
    const url = proxy.wsUrl();
    const log: { channel: string; message: Record<string, unknown> }[] = [];
    for (const name of CHANNELS) subscribe(t, name, url, log, changes);
    const { clock, count } = reconnecting(t, url, { pingIntervalMs: 1000 }, changes);
    const seen = (channel: string): Record<string, unknown>[] =>
      log.filter((entry) => entry.channel === channel).map((entry) => entry.message);

    await changes.until(() => seen('wsx:open').length === 1);
    assert.deepEqual(seen('wsx:open')[0], { url, protocol: '' });

    // A keepalive Ping goes out after 1000 ms of silence; the server's Pong comes back.
    clock.advance(1000);
    await changes.until(() => seen('wsx:ping').length === 2);
    assert.deepEqual(seen('wsx:ping'), [
      { url, direction: 'sent', kind: 'ping' },
      { url, direction: 'received', kind: 'pong', rttMs: 0 },
    ]);
    // A Ping from the server.
    await changes.until(() => backend.peers.length === 1);
    backend.peers[0]!.ping('hi');
    await changes.until(() => seen('wsx:ping').length === 3);
    assert.deepEqual(seen('wsx:ping')[2], { url, direction: 'received', kind: 'ping' });

    proxy.resetAll();
    await changes.until(() => seen('wsx:reconnect').length === 1);
    const order = log.map((entry) => entry.channel).filter((name) => name !== 'wsx:ping');
    assert.deepEqual(order, ['wsx:open', 'wsx:error', 'wsx:close', 'wsx:reconnect']);
    const [failure] = seen('wsx:error');
    assert.equal(failure!.url, url);
    assert.equal((failure!.error as { code: string }).code, ErrorCode.ConnectionReset);
    const [close] = seen('wsx:close');
    assert.deepEqual(
      { ...close, error: undefined },
      {
        url,
        code: 1006,
        reason: '',
        wasClean: false,
        error: undefined,
        cause: { kind: 'peer-reset', phase: 'open' },
      },
    );
    assert.equal(close!.error, failure!.error);
    const [reconnect] = seen('wsx:reconnect');
    assert.deepEqual(Object.keys(reconnect!).sort(), ['attempt', 'delayMs', 'reason', 'url']);
    assert.equal(reconnect!.attempt, 1);
    assert.equal(reconnect!.delayMs, 0);
    assert.match(String(reconnect!.reason), /^ERR_CONNECTION_RESET/);

    clock.advance(0);
    await changes.until(() => seen('wsx:open').length === 2 && count('open') === 2);
  });

  it('connectForever publishes wsx:reconnect too', async (t) => {
    const changes = new Changes();
    const backend = await startBackend(t, changes);
    const proxy = await startProxy(t, backend.port);
    const url = proxy.wsUrl();
    const log: { channel: string; message: Record<string, unknown> }[] = [];
    subscribe(t, 'wsx:reconnect', url, log, changes);
    const clock = new FakeClock();
    const controller = new AbortController();
    const iterator = connectForever(url, {
      clock,
      random: () => 0,
      pingIntervalMs: 0,
      signal: controller.signal,
    });
    t.after(async () => {
      controller.abort();
      await iterator.return();
    });
    const first = await iterator.next();
    const following = iterator.next();
    proxy.dropAll();
    await first.value!.closed;
    await changes.until(() => log.length === 1);
    assert.deepEqual(log[0]!.message, {
      url,
      attempt: 1,
      delayMs: 0,
      reason: log[0]!.message.reason,
    });
    assert.match(String(log[0]!.message.reason), /^ERR_CONNECTION_LOST/);
    clock.advance(0);
    const second = await following;
    assert.equal(second.done, false);
    await second.value!.close();
  });
});

describe('passwords in the URL', { timeout: 20_000 }, () => {
  const SECRET = 's3cret-pw';

  it('are redacted in every channel payload and every log line', async (t) => {
    const changes = new Changes();
    const backend = await startBackend(t, changes);
    const proxy = await startProxy(t, backend.port);
    const url = proxy.wsUrl().replace('ws://', `ws://alice:${SECRET}@`);
    const shown = url.replace(SECRET, '***');
    const log: { channel: string; message: Record<string, unknown> }[] = [];
    for (const name of CHANNELS) subscribe(t, name, 'ws://alice:', log, changes);
    const lines: string[] = [];
    const logger = (line: string): void => {
      lines.push(line);
    };
    const { clock, count } = reconnecting(t, url, { pingIntervalMs: 1000, logger }, changes);
    await changes.until(() => count('open') === 1);
    clock.advance(1000);
    await changes.until(() => log.filter((entry) => entry.channel === 'wsx:ping').length === 2);
    proxy.resetAll();
    await changes.until(() => log.some((entry) => entry.channel === 'wsx:reconnect'));

    const channels = new Set(log.map((entry) => entry.channel));
    assert.deepEqual([...channels].sort(), [...CHANNELS].sort());
    for (const { channel, message } of log) {
      assert.equal(message.url, shown, channel);
      const error = message.error as Error | undefined;
      const text = JSON.stringify({ ...message, error: error?.message });
      assert.ok(!text.includes(SECRET), `${channel}: ${text}`);
    }
    assert.ok(lines.includes(`= connecting to ${shown}`), lines.join('\n'));
    for (const line of lines) assert.ok(!line.includes(SECRET), line);
  });

  it('are redacted in the messages of URL errors', async () => {
    for (const url of [
      `ws://alice:${SECRET}@127.0.0.1/#fragment`,
      `ftp://alice:${SECRET}@127.0.0.1/`,
      `ws://alice:${SECRET}@exa mple/`,
    ]) {
      await assert.rejects(connect(url), (error: Error) => {
        assert.equal((error as { code?: string }).code, 'ERR_INVALID_URL');
        assert.ok(!error.message.includes(SECRET), error.message);
        assert.match(error.message, /alice:\*\*\*@/);
        return true;
      });
    }
  });
});

// ------------------------------------------------------------------ the debug logger

describe('debug logger', { timeout: 20_000 }, () => {
  it('tells a dead peer story with direction prefixes', async (t) => {
    const server = await scripted(t, (socket) => void acceptHandshake(socket));
    const clock = new FakeClock();
    const lines: string[] = [];
    const ws = client(t, server.url, {
      clock,
      pingIntervalMs: 1000,
      pongTimeoutMs: 500,
      logger: (line) => lines.push(line),
    });
    await ws.opened;
    await ws.send('hi');
    clock.advance(1500);
    await ws.closed;
    assert.deepEqual(lines.slice(0, 4), [
      `= connecting to ${server.url}`,
      '= open',
      '> text message, 2 chars',
      '% keepalive ping',
    ]);
    assert.match(lines[4]!, /^! ERR_PONG_TIMEOUT: no pong and no data within 500 ms/);
    assert.equal(lines.at(-1), '= closed 1006');
    for (const line of lines) assert.match(line, /^[<>=%x!] /);
  });
});
