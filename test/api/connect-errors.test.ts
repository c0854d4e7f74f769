// How connect() and an open client fail, over real sockets on 127.0.0.1: AbortSignal, the
// open and close timeouts on an injected fake clock, DNS/TCP failures, refused handshakes
// (RFC 6455 §4.1: any status but 101), bad URLs (§3) and bad options. Every failure is a
// typed WebSocketError with a stable code, delivered as a rejection, never thrown.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { WebSocket as WsSocket } from 'ws';
import { connect, WebSocketClient } from '../../src/api/websocket-client.js';
import { ReadyState } from '../../src/core/constants.js';
import {
  AbortError,
  HandshakeError,
  isWebSocketError,
  TimeoutError,
  TransportError,
  UnexpectedStatusError,
} from '../../src/core/errors.js';
import { deferred } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import {
  acceptHandshake,
  closedPortUrl,
  collectClientFrames,
  echoServer,
  readRequest,
  type ScriptedServer,
  scripted,
  startWsEchoServer,
} from '../helpers/servers.js';

/**
 * A server that accepts TCP and reads the upgrade request but never answers. `requested`
 * resolves with the server side of the socket once the whole request arrived.
 */
async function silentServer(
  t: TestContext,
): Promise<{ server: ScriptedServer; requested: Promise<Socket>; connections: () => number }> {
  const requested = deferred<Socket>();
  let connections = 0;
  const server = await scripted(t, async (socket) => {
    connections++;
    await readRequest(socket);
    requested.resolve(socket);
  });
  return { server, requested: requested.promise, connections: () => connections };
}

describe('AbortSignal', () => {
  it('rejects with AbortError when the signal is already aborted, without connecting', async (t) => {
    const { server, connections } = await silentServer(t);
    const reason = new Error('user left');
    await assert.rejects(connect(server.url, { signal: AbortSignal.abort(reason) }), (error) => {
      assert.ok(error instanceof AbortError);
      assert.equal(error.code, 'ERR_ABORTED');
      assert.equal(error.cause, reason);
      assert.match(error.message, /user left/);
      return true;
    });
    assert.equal(connections(), 0);
  });

  it('rejects with AbortError when aborted while the handshake is pending', async (t) => {
    const { server, requested } = await silentServer(t);
    const controller = new AbortController();
    const connecting = connect(server.url, { signal: controller.signal });
    const socket = await requested;
    const serverSideClosed = once(socket, 'close');
    controller.abort();
    await assert.rejects(connecting, { name: 'AbortError', code: 'ERR_ABORTED' });
    await serverSideClosed;
  });

  it('closes an open connection with 1000 when aborted', async (t) => {
    const server = await echoServer(t);
    const connection = once(server.server, 'connection') as Promise<[WsSocket]>;
    const controller = new AbortController();
    const ws = await connect(server.url, { signal: controller.signal });
    t.after(() => ws.terminate());
    const [peer] = await connection;
    const peerClosed = once(peer, 'close') as Promise<[number]>;
    controller.abort();
    assert.equal(ws.readyState, ReadyState.CLOSING);
    const info = await ws.closed;
    assert.deepEqual(info, {
      code: 1000,
      reason: '',
      wasClean: true,
      error: undefined,
      cause: { kind: 'user', phase: 'closing' },
    });
    assert.equal((await peerClosed)[0], 1000);
  });

  it('close() while connecting aborts the connection attempt', async (t) => {
    const { server, requested } = await silentServer(t);
    const ws = new WebSocketClient(server.url);
    const socket = await requested;
    const serverSideClosed = once(socket, 'close');
    const info = await ws.close();
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.ok(info.error instanceof AbortError);
    assert.equal(info.error.code, 'ERR_ABORTED');
    await assert.rejects(ws.opened, { code: 'ERR_ABORTED' });
    assert.equal(ws.readyState, ReadyState.CLOSED);
    await serverSideClosed;
  });

  it('close() right after construction aborts before the TCP connection', async (t) => {
    const { server } = await silentServer(t);
    const ws = new WebSocketClient(server.url);
    const info = await ws.close();
    assert.equal(info.error?.code, 'ERR_ABORTED');
    await assert.rejects(ws.opened, { name: 'AbortError' });
  });
});

describe('timeouts on the injected clock', () => {
  it('rejects with ERR_OPEN_TIMEOUT when the server never answers the upgrade', async (t) => {
    const { server, requested } = await silentServer(t);
    const clock = new FakeClock();
    const ws = new WebSocketClient(server.url, { clock, openTimeoutMs: 5000 });
    t.after(() => ws.terminate());
    const socket = await requested;
    const serverSideClosed = once(socket, 'close');
    clock.advance(4999);
    assert.equal(ws.readyState, ReadyState.CONNECTING);
    clock.advance(1);
    await assert.rejects(ws.opened, (error) => {
      assert.ok(error instanceof TimeoutError);
      assert.equal(error.code, 'ERR_OPEN_TIMEOUT');
      assert.equal(error.phase, 'open');
      assert.equal(error.timeoutMs, 5000);
      return true;
    });
    assert.equal(ws.readyState, ReadyState.CLOSED);
    assert.equal(clock.pending, 0, 'no timer left behind');
    await serverSideClosed;
  });

  it('connect() rejects with the TimeoutError', async (t) => {
    const { server, requested } = await silentServer(t);
    const clock = new FakeClock();
    const connecting = connect(server.url, { clock, openTimeoutMs: 250 });
    await requested;
    clock.advance(250);
    await assert.rejects(connecting, { name: 'TimeoutError', code: 'ERR_OPEN_TIMEOUT' });
  });

  it('openTimeoutMs 0 sets no timer', async (t) => {
    const { server, requested } = await silentServer(t);
    const clock = new FakeClock();
    const ws = new WebSocketClient(server.url, { clock, openTimeoutMs: 0 });
    await requested;
    assert.equal(clock.pending, 0);
    clock.advance(1_000_000);
    assert.equal(ws.readyState, ReadyState.CONNECTING);
    await ws.close();
  });

  it('ends with ERR_CLOSE_TIMEOUT when the server never answers the Close', async (t) => {
    const closeReceived = deferred<Buffer>();
    const server = await scripted(t, async (socket) => {
      const rest = await acceptHandshake(socket);
      const { frames } = collectClientFrames(socket, rest);
      socket.on('data', () => {
        const close = frames.find((frame) => frame.opcode === 8);
        if (close !== undefined) closeReceived.resolve(close.payload);
      });
    });
    const clock = new FakeClock();
    const ws = await connect(server.url, { clock, closeTimeoutMs: 3000 });
    t.after(() => ws.terminate());
    const closing = ws.close(1000, 'bye');
    const payload = await closeReceived.promise;
    assert.equal(payload.readUInt16BE(0), 1000);
    assert.equal(String(payload.subarray(2)), 'bye');
    clock.advance(2999);
    assert.equal(ws.readyState, ReadyState.CLOSING);
    clock.advance(1);
    const info = await closing;
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.ok(info.error instanceof TimeoutError);
    assert.equal(info.error.code, 'ERR_CLOSE_TIMEOUT');
    assert.equal(info.error.phase, 'close');
    assert.equal(info.error.timeoutMs, 3000);
    assert.equal(clock.pending, 0);
  });
});

describe('network failures', () => {
  it('reports a refused connection as TransportError ERR_CONNECT in phase tcp', async () => {
    const url = await closedPortUrl();
    await assert.rejects(connect(url), (error) => {
      assert.ok(error instanceof TransportError);
      assert.equal(error.code, 'ERR_CONNECT');
      assert.equal(error.phase, 'tcp');
      assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
      return true;
    });
  });

  it('reports a name that does not resolve as ERR_DNS in phase dns', async () => {
    // RFC 6761 §6.4: .invalid names never resolve.
    await assert.rejects(connect('ws://wsx-test.invalid/'), (error) => {
      assert.ok(error instanceof TransportError);
      assert.equal(error.code, 'ERR_DNS');
      assert.equal(error.phase, 'dns');
      return true;
    });
  });

  it('reports a server that drops the connection during the handshake', async (t) => {
    const server = await scripted(t, async (socket) => {
      await readRequest(socket);
      socket.end();
    });
    await assert.rejects(connect(server.url), (error) => {
      assert.ok(error instanceof TransportError);
      assert.equal(error.code, 'ERR_CONNECTION_LOST');
      assert.equal(error.phase, 'handshake');
      return true;
    });
  });

  it('ends an open connection dropped without a Close with 1006 and an error', async (t) => {
    const server = await echoServer(t);
    const connection = once(server.server, 'connection') as Promise<[WsSocket]>;
    const ws = await connect(server.url);
    const [peer] = await connection;
    peer.terminate();
    const info = await ws.closed;
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.ok(info.error !== undefined && isWebSocketError(info.error));
    assert.deepEqual(await ws[Symbol.asyncIterator]().next(), { value: undefined, done: true });
  });
});

describe('refused handshakes (RFC 6455 §4.1: a status other than 101)', () => {
  it('rejects a 401 with UnexpectedStatusError carrying status, headers and body', async (t) => {
    const body = 'missing bearer token';
    const server = await scripted(t, async (socket) => {
      await readRequest(socket);
      socket.write(
        [
          'HTTP/1.1 401 Unauthorized',
          'WWW-Authenticate: Basic realm="wsx"',
          'Content-Type: text/plain',
          `Content-Length: ${body.length}`,
          '',
          body,
        ].join('\r\n'),
      );
    });
    await assert.rejects(connect(server.url), (error) => {
      assert.ok(error instanceof UnexpectedStatusError);
      assert.ok(error instanceof HandshakeError);
      assert.equal(error.code, 'ERR_HANDSHAKE_STATUS');
      assert.equal(error.status, 401);
      assert.equal(error.statusText, 'Unauthorized');
      assert.equal(error.headers['www-authenticate'], 'Basic realm="wsx"');
      assert.equal(error.headers['content-type'], 'text/plain');
      assert.ok(error.body instanceof Uint8Array);
      assert.equal(error.bodyText, body);
      // A short text body is quoted, and the message says where the whole body is.
      assert.equal(
        error.message,
        'the server refused the WebSocket upgrade with HTTP 401 Unauthorized: "missing bearer token"; ' +
          'check the URL, credentials and headers (the response body is error.bodyText)',
      );
      return true;
    });
  });

  it('quotes only a short text body: HTML is left out, a long text is cut', async (t) => {
    const html = '<html><body><h1>403 Forbidden</h1></body></html>';
    const long = `${'x'.repeat(300)} end`;
    const replies = [
      ['HTTP/1.1 403 Forbidden', 'Content-Type: text/html', '', html],
      ['HTTP/1.1 429 Too Many Requests', 'Content-Type: text/plain', '', long],
      ['HTTP/1.1 400 Bad Request', 'Content-Type: application/json', '', '{"error":"bad\ntoken"}'],
    ];
    let next = 0;
    const server = await scripted(t, async (socket) => {
      await readRequest(socket);
      socket.end(replies[next++]!.join('\r\n'));
    });
    await assert.rejects(connect(server.url), (error: Error) => {
      assert.ok(error instanceof UnexpectedStatusError);
      assert.match(error.message, /HTTP 403 Forbidden; check the URL/);
      assert.equal(error.bodyText, html);
      return true;
    });
    await assert.rejects(connect(server.url), (error: Error) => {
      assert.ok(error instanceof UnexpectedStatusError);
      assert.match(error.message, /HTTP 429 Too Many Requests: "x{199}\u2026"; check/);
      assert.equal(error.bodyText, long);
      return true;
    });
    await assert.rejects(connect(server.url), (error: Error) => {
      assert.ok(error instanceof UnexpectedStatusError);
      assert.match(error.message, /HTTP 400 Bad Request: "\{\\"error\\":\\"bad token\\"\}"; check/);
      return true;
    });
  });

  it('reads a 403 body that ends with the connection (no Content-Length)', async (t) => {
    const server = await scripted(t, async (socket) => {
      await readRequest(socket);
      socket.end('HTTP/1.1 403 Forbidden\r\nX-Reason: banned\r\n\r\nyou shall not pass');
    });
    await assert.rejects(connect(server.url), (error) => {
      assert.ok(error instanceof UnexpectedStatusError);
      assert.equal(error.status, 403);
      assert.equal(error.headers['x-reason'], 'banned');
      assert.equal(error.bodyText, 'you shall not pass');
      return true;
    });
  });

  it('reports the status and body of a refusal by the ws server', async (t) => {
    const server = await startWsEchoServer({
      verifyClient: (_info, done) => done(false, 403, 'Forbidden', { 'X-Why': 'closed club' }),
    });
    t.after(() => server.close());
    await assert.rejects(connect(server.url), (error) => {
      assert.ok(error instanceof UnexpectedStatusError);
      assert.equal(error.status, 403);
      assert.equal(error.headers['x-why'], 'closed club');
      assert.equal(error.bodyText, 'Forbidden');
      return true;
    });
  });
});

describe('bad arguments', () => {
  it('send() without an argument says what it needs', async (t) => {
    const server = await echoServer(t);
    const ws = await connect(server.url);
    t.after(() => ws.terminate());
    await assert.rejects((ws.send as () => Promise<void>)(), (error: Error) => {
      assert.ok(isWebSocketError(error));
      assert.equal(error.code, 'ERR_INVALID_ARGUMENT');
      assert.equal(
        error.message,
        'send() needs the message to send: a string, an ArrayBuffer or a typed array/DataView (it was called without one)',
      );
      return true;
    });
    await assert.rejects(ws.send(null as never), /DataView, not null$/);
    await assert.rejects(ws.send(5 as never), /DataView, not a number$/);
  });

  it('rejects bad URLs with ERR_INVALID_URL and never throws synchronously', async () => {
    const bad: unknown[] = [
      'not a url',
      '',
      'ftp://127.0.0.1/',
      'file:///tmp/socket',
      'ws://127.0.0.1/#fragment',
      'ws://127.0.0.1/#',
      'ws://',
      'ws://[::1/',
      42,
      null,
      undefined,
      {},
    ];
    for (const url of bad) {
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(
        () => {
          promise = connect(url as never);
        },
        `connect(${String(url)}) must not throw`,
      );
      await assert.rejects(promise!, (error) => {
        assert.ok(isWebSocketError(error), `${String(url)} gives a WebSocketError`);
        assert.equal(error.name, 'InvalidArgumentError');
        assert.equal(error.code, 'ERR_INVALID_URL', `code for ${String(url)}`);
        return true;
      });
    }
  });

  it('rejects bad options with ERR_INVALID_ARGUMENT and never throws synchronously', async (t) => {
    const { server, connections } = await silentServer(t);
    const bad: unknown[] = [
      5,
      null,
      'options',
      { openTimeoutMs: -1 },
      { openTimeoutMs: '10' },
      { openTimeoutMs: 1.5 },
      { openTimeoutMs: Number.NaN },
      { openTimeoutMs: Number.POSITIVE_INFINITY },
      { closeTimeoutMs: -5 },
      { maxMessageBytes: 'big' },
      { maxFragments: 0 },
      { maxHandshakeBytes: 10 },
      { receiveHighWaterMark: 0 },
      { receiveHighWaterMark: 2.5 },
      { protocols: 5 },
      { protocols: ['has space'] },
      { protocols: ['twice', 'twice'] },
      { protocols: [''] },
      { headers: 5 },
      { headers: { 'bad name': 'x' } },
      { headers: { 'X-Split': 'a\r\nb' } },
      { headers: { 'Sec-WebSocket-Key': 'mine' } },
      { origin: 5 },
      { origin: 'http://a\nb' },
      { signal: {} },
      { logger: 'console' },
      { tls: 5 },
      { clock: 5 },
      { clock: { now: () => 0 } },
      { ports: {} },
    ];
    for (const options of bad) {
      const label = JSON.stringify(options) ?? String(options);
      let promise: Promise<unknown> | undefined;
      assert.doesNotThrow(() => {
        promise = connect(server.url, options as never);
      }, `${label} must not throw`);
      await assert.rejects(promise!, (error) => {
        assert.ok(isWebSocketError(error), `${label} gives a WebSocketError, not ${error}`);
        assert.equal(error.name, 'InvalidArgumentError', label);
        assert.equal(error.code, 'ERR_INVALID_ARGUMENT', label);
        return true;
      });
    }
    assert.equal(connections(), 0, 'no connection was attempted');
  });
});
