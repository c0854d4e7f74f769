// The modern face over real sockets on 127.0.0.1: messages both ways, async iteration,
// batched writes, ping/pong, the closing handshake (RFC 6455 §5.5, §7) and what the
// handshake tells (subprotocol, headers, URL). Peers: the npm `ws` server and scripted
// raw servers. Failures, aborts and timeouts live in connect-errors.test.ts, flow control
// in backpressure.test.ts.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { WebSocket as WsSocket } from 'ws';
import {
  type ConnectOptions,
  connect,
  type Message,
  WebSocketClient,
} from '../../src/api/websocket-client.js';
import { ReadyState } from '../../src/core/constants.js';
import { InvalidArgumentError, InvalidStateError, ProtocolError } from '../../src/core/errors.js';
import { deferred, open } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import {
  acceptHandshake,
  closedPortUrl,
  collectClientFrames,
  type EchoServer,
  echoServer,
  scripted,
  serverFrame,
} from '../helpers/servers.js';

type ClientFrame = ReturnType<typeof collectClientFrames>['frames'][number];

/** Connects to an echo server and returns the client with the server side of the socket. */
async function openWithPeer(
  t: TestContext,
  server: EchoServer,
  options?: ConnectOptions,
): Promise<{ ws: WebSocketClient; peer: WsSocket }> {
  const connection = once(server.server, 'connection') as Promise<[WsSocket]>;
  const ws = await open(t, server.url, options);
  const [peer] = await connection;
  return { ws, peer };
}

/** Resolves with the client frames once `count` of them arrived, or the socket closed. */
function framesUntil(
  frames: readonly ClientFrame[],
  socket: Socket,
  done: (frames: readonly ClientFrame[]) => boolean,
): Promise<readonly ClientFrame[]> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (!done(frames)) return;
      socket.off('data', check);
      resolve(frames);
    };
    socket.on('data', check);
    socket.once('close', () => resolve(frames));
    check();
  });
}

const bytes = (...values: number[]): Uint8Array<ArrayBuffer> => Uint8Array.from(values);

/** Received bytes as a plain Uint8Array view (the engine may hand out Buffers, a subclass). */
function plain<T>(data: T): T | Uint8Array {
  return data instanceof Uint8Array
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : data;
}

const plainMessage = (message: Message): Message =>
  message.isBinary ? { data: plain(message.data), isBinary: true } : message;

describe('messages (RFC 6455 §5.6)', () => {
  it('sends and receives text as strings and binary as bytes through the echo server', async (t) => {
    const server = await echoServer(t);
    const ws = await open(t, server.url);
    assert.equal(ws.readyState, ReadyState.OPEN);
    const seen: Message[] = [];
    ws.on('message', (message) => seen.push(message));
    const messages = ws[Symbol.asyncIterator]();
    await ws.send('héllo ✓');
    await ws.send(bytes(0, 1, 2, 255));
    await ws.send('');
    await ws.send(new Uint8Array(0));
    const received: Message[] = [];
    for (let i = 0; i < 4; i++) {
      const result = await messages.next();
      assert.equal(result.done, false);
      received.push(result.value as Message);
    }
    assert.deepEqual(received.map(plainMessage), [
      { data: 'héllo ✓', isBinary: false },
      { data: bytes(0, 1, 2, 255), isBinary: true },
      { data: '', isBinary: false },
      { data: new Uint8Array(0), isBinary: true },
    ]);
    assert.ok(received[1]!.data instanceof Uint8Array);
    assert.deepEqual(seen, received, "the 'message' event sees the same messages");
  });

  it('sends strings as text frames and every byte shape as binary with its exact bytes', async (t) => {
    const received = deferred<readonly ClientFrame[]>();
    const server = await scripted(t, async (socket) => {
      const rest = await acceptHandshake(socket);
      const { frames } = collectClientFrames(socket, rest);
      received.resolve(await framesUntil(frames, socket, (list) => list.length >= 7));
    });
    const ws = await open(t, server.url);
    const backing = bytes(9, 9, 7, 8, 9, 9);
    const wide = new Uint16Array([0x0102, 0x0304]);
    await Promise.all([
      ws.send('text ✓'),
      ws.send(bytes(1, 2, 3)),
      ws.send(bytes(4, 5, 6).buffer),
      ws.send(new DataView(backing.buffer, 2, 2)),
      ws.send(Buffer.from('buffer')),
      ws.send(backing.subarray(1, 4)),
      ws.send(wide),
    ]);
    const frames = await received.promise;
    const expected: [number, Uint8Array][] = [
      [1, new TextEncoder().encode('text ✓')],
      [2, bytes(1, 2, 3)],
      [2, bytes(4, 5, 6)],
      [2, bytes(7, 8)],
      [2, new TextEncoder().encode('buffer')],
      [2, bytes(9, 7, 8)],
      [2, new Uint8Array(wide.buffer)],
    ];
    assert.equal(frames.length, expected.length);
    for (const [i, [opcode, payload]] of expected.entries()) {
      assert.equal(frames[i]!.opcode, opcode, `frame ${i} opcode`);
      assert.equal(frames[i]!.fin, true);
      assert.equal(frames[i]!.rsv, 0);
      assert.deepEqual(new Uint8Array(frames[i]!.payload), payload, `frame ${i} payload`);
    }
  });

  it("never mutates the caller's buffer when masking (§5.3), small or large", async (t) => {
    const server = await echoServer(t);
    const ws = await open(t, server.url);
    const messages = ws[Symbol.asyncIterator]();
    const small = Uint8Array.from({ length: 100 }, (_, i) => i);
    const large = Uint8Array.from({ length: 100_000 }, (_, i) => (i * 7) & 0xff);
    const buffer = Buffer.from('a Buffer that must stay as it is');
    const backing = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
    const view = new DataView(backing.buffer, 5, 40);
    const inputs = [small, large, buffer, backing];
    const copies = inputs.map((input) => Uint8Array.from(input));
    await ws.send(small);
    await ws.send(large);
    await ws.send(buffer);
    await ws.send(view);
    for (const [i, input] of inputs.entries()) {
      assert.deepEqual(new Uint8Array(input), copies[i], `input ${i} unchanged after send`);
    }
    const echoed = [];
    for (let i = 0; i < 4; i++) echoed.push((await messages.next()).value as Message);
    assert.deepEqual(plain(echoed[0]!.data), copies[0]);
    assert.deepEqual(plain(echoed[1]!.data), copies[1]);
    assert.deepEqual(plain(echoed[2]!.data), copies[2]);
    assert.deepEqual(plain(echoed[3]!.data), copies[3]!.subarray(5, 45));
  });

  it('buffers messages that arrive before iteration starts, in order', async (t) => {
    const server = await echoServer(t);
    server.server.on('connection', (peer) => {
      for (const text of ['first', 'second', 'third']) peer.send(text);
    });
    const ws = await open(t, server.url);
    const received: string[] = [];
    for await (const message of ws) {
      received.push(message.data as string);
      if (received.length === 3) break;
    }
    assert.deepEqual(received, ['first', 'second', 'third']);
  });
});

describe('async iteration', () => {
  it('ends the loop after a clean close by the server', async (t) => {
    const server = await echoServer(t);
    const { ws, peer } = await openWithPeer(t, server);
    peer.on('message', (data) => {
      if (String(data) === 'close-me') peer.close(4000, 'done');
    });
    await ws.send('one');
    await ws.send('close-me');
    const received: unknown[] = [];
    for await (const message of ws) received.push(message.data);
    assert.deepEqual(received, ['one', 'close-me']);
    assert.deepEqual(await ws.closed, {
      code: 4000,
      reason: 'done',
      wasClean: true,
      error: undefined,
      cause: { kind: 'server', phase: 'closing' },
    });
    const after = await ws[Symbol.asyncIterator]().next();
    assert.equal(after.done, true, 'a new iterator on a closed client ends at once');
  });

  it('ends after a failure, once the messages before it were delivered; closed says why', async (t) => {
    const clientFrames = deferred<readonly ClientFrame[]>();
    const server = await scripted(t, async (socket) => {
      const rest = await acceptHandshake(socket);
      const { frames, ended } = collectClientFrames(socket, rest);
      // §5.1: a server must not mask its frames; the client fails the connection.
      socket.write(Buffer.concat([serverFrame(1, 'hi'), serverFrame(1, 'bad', { mask: true })]));
      await ended;
      clientFrames.resolve(frames);
    });
    const ws = await open(t, server.url);
    const received: unknown[] = [];
    for await (const message of ws) received.push(message.data);
    assert.deepEqual(received, ['hi']);
    const info = await ws.closed;
    assert.ok(info.error instanceof ProtocolError);
    assert.equal(info.error.code, 'ERR_MASKED_FRAME');
    assert.equal(info.wasClean, false);
    const frames = await clientFrames.promise;
    assert.equal(frames.at(-1)?.opcode, 8, 'the client sent a Close');
    assert.equal(frames.at(-1)?.payload.readUInt16BE(0), 1002);
  });

  it('closes the connection with 1000 when the loop is left early', async (t) => {
    const server = await echoServer(t);
    const { ws, peer } = await openWithPeer(t, server);
    const peerClosed = once(peer, 'close');
    await ws.send('a');
    await ws.send('b');
    for await (const message of ws) {
      assert.equal(message.data, 'a');
      break;
    }
    assert.equal(ws.readyState, ReadyState.CLOSED, 'leaving the loop waits for the close');
    const info = await ws.closed;
    assert.equal(info.code, 1000);
    assert.equal(info.wasClean, true);
    const [code] = await peerClosed;
    assert.equal(code, 1000);
  });

  it('completes the closing handshake when the loop is left while reading is paused', {
    timeout: 10_000,
  }, async (t) => {
    // The fake clock never advances: only the server's Close can end this connection.
    const clock = new FakeClock();
    const server = await echoServer(t);
    const { ws, peer } = await openWithPeer(t, server, { receiveHighWaterMark: 2, clock });
    const payload = Buffer.alloc(8192, 1);
    peer.on('message', () => {
      for (let i = 0; i < 200; i++) peer.send(payload);
    });
    await ws.send('go');
    let count = 0;
    for await (const message of ws) {
      // The echo of 'go', then the first binary messages of the blast.
      if (++count === 3) {
        assert.equal(message.isBinary, true);
        break;
      }
    }
    const info = await ws.closed;
    assert.equal(info.error, undefined);
    assert.equal(info.wasClean, true);
    assert.equal(info.code, 1000);
  });
});

describe('batched writes', () => {
  it('writes every frame queued in one tick with one socket write, in order', async (t) => {
    const firstRead = deferred<{ chunks: number; frames: readonly ClientFrame[] }>();
    const server = await scripted(t, async (socket) => {
      const rest = await acceptHandshake(socket);
      assert.equal(rest.length, 0);
      let chunks = 0;
      const { frames } = collectClientFrames(socket);
      socket.on('data', () => {
        chunks++;
        if (frames.length >= 20) firstRead.resolve({ chunks, frames });
      });
    });
    const ws = await open(t, server.url);
    const port = server.port;
    const writes = t.mock.method(Socket.prototype, 'write');
    const isClientWrite = (call: { this: unknown }): boolean =>
      (call.this as Socket).remotePort === port;
    const sends: Promise<void>[] = [];
    const resolvedOrder: number[] = [];
    for (let i = 0; i < 20; i++) {
      const send = i % 2 === 0 ? ws.send(`m${i}`) : ws.send(bytes(i));
      sends.push(send.then(() => void resolvedOrder.push(i)));
    }
    assert.equal(writes.mock.calls.filter(isClientWrite).length, 0, 'nothing written yet');
    await Promise.all(sends);
    assert.equal(writes.mock.calls.filter(isClientWrite).length, 1, 'one socket write');
    writes.mock.restore();
    assert.deepEqual(
      resolvedOrder,
      Array.from({ length: 20 }, (_, i) => i),
    );
    const { chunks, frames } = await firstRead.promise;
    assert.equal(chunks, 1, 'all frames arrived in a single TCP read');
    for (const [i, frame] of frames.entries()) {
      assert.equal(frame.opcode, i % 2 === 0 ? 1 : 2);
      assert.deepEqual(
        new Uint8Array(frame.payload),
        i % 2 === 0 ? new TextEncoder().encode(`m${i}`) : bytes(i),
      );
    }
  });

  it('keeps the order of mixed small and large messages across ticks', async (t) => {
    const server = await echoServer(t);
    const ws = await open(t, server.url);
    const messages = ws[Symbol.asyncIterator]();
    const sent: (string | Uint8Array)[] = [];
    const sends: Promise<void>[] = [];
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 6; i++) {
        const n = round * 6 + i;
        const data =
          i % 3 === 0 ? new Uint8Array(70_000 + n).fill(n) : i % 3 === 1 ? `text ${n}` : bytes(n);
        sent.push(data);
        sends.push(ws.send(data));
      }
      await sends.at(-1);
    }
    await Promise.all(sends);
    assert.equal(ws.bufferedAmount, 0);
    for (const data of sent) {
      const { value } = await messages.next();
      assert.deepEqual(plain((value as Message).data), data);
    }
  });
});

describe('ping and pong (RFC 6455 §5.5.2, §5.5.3)', () => {
  it('ping() resolves with the round-trip time measured on the injected clock', async (t) => {
    const clock = new FakeClock();
    const server = await echoServer(t);
    const { ws, peer } = await openWithPeer(t, server, { clock });
    const pongs: Uint8Array[] = [];
    ws.on('pong', (data) => pongs.push(data));
    // ws answers the Ping before emitting 'ping'; the client reads the Pong on a later turn.
    peer.on('ping', () => clock.advance(25));
    const rtt = await ws.ping('probe');
    assert.equal(rtt, 25);
    const plain = await ws.ping();
    assert.equal(typeof plain, 'number');
    assert.equal(plain, 25);
    assert.deepEqual(pongs[0], new TextEncoder().encode('probe'));
    assert.equal(pongs.length, 2);
  });

  it('ping() with the real clock resolves with a finite number', async (t) => {
    const server = await echoServer(t);
    const ws = await open(t, server.url);
    const rtt = await ws.ping(bytes(1, 2, 3));
    assert.equal(typeof rtt, 'number');
    assert.ok(Number.isFinite(rtt) && rtt >= 0);
  });

  it("answers a server ping with a pong carrying its payload and emits 'ping'", async (t) => {
    const server = await echoServer(t);
    const { ws, peer } = await openWithPeer(t, server);
    const pinged = new Promise<Uint8Array>((resolve) => ws.once('ping', resolve));
    const ponged = once(peer, 'pong') as Promise<[Buffer]>;
    peer.ping(Buffer.from([1, 2, 3, 250]));
    assert.deepEqual(await pinged, bytes(1, 2, 3, 250));
    const [payload] = await ponged;
    assert.deepEqual(new Uint8Array(payload), bytes(1, 2, 3, 250));
  });

  it("emits 'pong' for an unsolicited pong and sends one with pong()", async (t) => {
    const server = await echoServer(t);
    const { ws, peer } = await openWithPeer(t, server);
    const ponged = new Promise<Uint8Array>((resolve) => ws.once('pong', resolve));
    peer.pong('heartbeat');
    assert.deepEqual(await ponged, new TextEncoder().encode('heartbeat'));
    const serverPonged = once(peer, 'pong') as Promise<[Buffer]>;
    ws.pong('beat');
    assert.equal(String((await serverPonged)[0]), 'beat');
  });

  it('rejects a ping payload over 125 bytes', async (t) => {
    const server = await echoServer(t);
    const ws = await open(t, server.url);
    await assert.rejects(ws.ping(new Uint8Array(126)), {
      name: 'InvalidArgumentError',
      code: 'ERR_INVALID_ARGUMENT',
    });
    assert.equal(typeof (await ws.ping(new Uint8Array(125))), 'number');
  });
});

describe('close() and the closing handshake (RFC 6455 §7)', () => {
  for (const code of [1000, 3000, 4999]) {
    it(`accepts code ${code}`, async (t) => {
      const server = await echoServer(t);
      const { ws, peer } = await openWithPeer(t, server);
      const peerClosed = once(peer, 'close') as Promise<[number, Buffer]>;
      const info = await ws.close(code, 'bye');
      assert.deepEqual(info, {
        code,
        reason: 'bye',
        wasClean: true,
        error: undefined,
        cause: { kind: 'user', phase: 'closing' },
      });
      const [serverCode, serverReason] = await peerClosed;
      assert.equal(serverCode, code);
      assert.equal(String(serverReason), 'bye');
    });
  }

  it('rejects other codes with InvalidArgumentError and stays open', async (t) => {
    const server = await echoServer(t);
    const ws = await open(t, server.url);
    for (const code of [0, 999, 1001, 1002, 1004, 1005, 1006, 1015, 2999, 5000, 1000.5, NaN, -1]) {
      await assert.rejects(ws.close(code), (error: unknown) => {
        assert.ok(error instanceof InvalidArgumentError, `code ${code}`);
        assert.equal(error.code, 'ERR_INVALID_ARGUMENT');
        return true;
      });
    }
    assert.equal(ws.readyState, ReadyState.OPEN);
    const messages = ws[Symbol.asyncIterator]();
    await ws.send('still open');
    assert.equal(((await messages.next()).value as Message).data, 'still open');
  });

  it('rejects a reason over 123 bytes of UTF-8 and accepts 123', async (t) => {
    const server = await echoServer(t);
    const { ws, peer } = await openWithPeer(t, server);
    for (const reason of ['a'.repeat(124), 'é'.repeat(62)]) {
      await assert.rejects(ws.close(1000, reason), {
        name: 'InvalidArgumentError',
        code: 'ERR_INVALID_ARGUMENT',
      });
    }
    await assert.rejects(ws.close(1000, 42 as never), { code: 'ERR_INVALID_ARGUMENT' });
    assert.equal(ws.readyState, ReadyState.OPEN);
    const peerClosed = once(peer, 'close') as Promise<[number, Buffer]>;
    const reason = `${'é'.repeat(61)}a`;
    const info = await ws.close(3001, reason);
    assert.equal(info.reason, reason);
    assert.equal(String((await peerClosed)[1]), reason);
  });

  it('reports the code and reason of a server-initiated close', async (t) => {
    const server = await echoServer(t);
    const { ws, peer } = await openWithPeer(t, server);
    const closeEvent = new Promise((resolve) => ws.once('close', resolve));
    peer.close(4321, 'server says bye');
    const expected = {
      code: 4321,
      reason: 'server says bye',
      wasClean: true,
      error: undefined,
      cause: { kind: 'server', phase: 'closing' },
    };
    assert.deepEqual(await ws.closed, expected);
    assert.deepEqual(await closeEvent, expected);
    assert.equal(ws.readyState, ReadyState.CLOSED);
    assert.deepEqual(await ws.close(), expected, 'close() after the end resolves the same way');
  });

  it('reports 1005 for a server Close without a status code', async (t) => {
    const server = await echoServer(t);
    const { ws, peer } = await openWithPeer(t, server);
    peer.close();
    const info = await ws.closed;
    assert.equal(info.code, 1005);
    assert.equal(info.reason, '');
    assert.equal(info.wasClean, true);
  });

  it('moves readyState from CONNECTING to OPEN, CLOSING and CLOSED', async (t) => {
    const server = await echoServer(t);
    const ws = new WebSocketClient(server.url);
    t.after(() => ws.terminate());
    assert.equal(ws.readyState, ReadyState.CONNECTING);
    await ws.opened;
    assert.equal(ws.readyState, ReadyState.OPEN);
    const closing = ws.close();
    assert.equal(ws.readyState, ReadyState.CLOSING);
    await closing;
    assert.equal(ws.readyState, ReadyState.CLOSED);
  });

  it('rejects send() with InvalidStateError while connecting, closing and closed', async (t) => {
    const server = await echoServer(t);
    const ws = new WebSocketClient(server.url);
    t.after(() => ws.terminate());
    const isStateError = (error: unknown): boolean => {
      assert.ok(error instanceof InvalidStateError);
      assert.equal(error.code, 'ERR_INVALID_STATE');
      return true;
    };
    await assert.rejects(ws.send('too early'), isStateError);
    await ws.opened;
    const closing = ws.close();
    await assert.rejects(ws.send('while closing'), isStateError);
    await assert.rejects(ws.ping(), isStateError);
    await closing;
    await assert.rejects(ws.send('after close'), isStateError);
    await assert.rejects(ws.send(bytes(1)), isStateError);
  });

  it('rejects send() of a wrong type with ERR_INVALID_ARGUMENT, without throwing', async (t) => {
    const server = await echoServer(t);
    const ws = await open(t, server.url);
    for (const value of [42, {}, null, undefined, true, [1, 2], new Date(0)]) {
      let promise: Promise<void> | undefined;
      assert.doesNotThrow(() => {
        promise = ws.send(value as never);
      });
      await assert.rejects(promise!, {
        name: 'InvalidArgumentError',
        code: 'ERR_INVALID_ARGUMENT',
      });
    }
    assert.equal(ws.readyState, ReadyState.OPEN);
  });

  it('terminate() drops the connection without a closing handshake', async (t) => {
    const server = await echoServer(t);
    const { ws, peer } = await openWithPeer(t, server);
    const peerClosed = once(peer, 'close') as Promise<[number]>;
    const info = await ws.terminate();
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.equal(ws.readyState, ReadyState.CLOSED);
    assert.equal((await peerClosed)[0], 1006);
  });
});

describe('what the opening handshake tells (RFC 6455 §4.1, §4.2.2)', () => {
  it('exposes the headers of the 101 response with lower-case names', async (t) => {
    const server = await echoServer(t);
    server.server.on('headers', (headers) => headers.push('X-Wsx-Test: Yes Please'));
    const ws = await open(t, server.url);
    assert.equal(ws.responseHeaders['x-wsx-test'], 'Yes Please');
    assert.equal(ws.responseHeaders.upgrade?.toLowerCase(), 'websocket');
    assert.ok(ws.responseHeaders['sec-websocket-accept']);
    assert.equal(ws.extensions, '');
    assert.equal(ws.protocol, '');
  });

  it('negotiates a subprotocol (§1.9, §4.2.2 /Sec-WebSocket-Protocol/)', async (t) => {
    const server = await echoServer(t, {
      handleProtocols: (offered) => (offered.has('chat.v2') ? 'chat.v2' : false),
    });
    const offers: string[] = [];
    server.server.on('connection', (_peer, request) => {
      offers.push(request.headers['sec-websocket-protocol'] ?? '');
    });
    const ws = await open(t, server.url, { protocols: ['chat.v1', 'chat.v2'] });
    assert.equal(ws.protocol, 'chat.v2');
    const single = await open(t, server.url, { protocols: 'chat.v2' });
    assert.equal(single.protocol, 'chat.v2');
    const none = await open(t, server.url);
    assert.equal(none.protocol, '');
    const unsupported = await open(t, server.url, { protocols: ['chat.v1'] });
    assert.equal(unsupported.protocol, '', 'a server may pick none of the offers');
    assert.deepEqual(offers, ['chat.v1, chat.v2', 'chat.v2', '', 'chat.v1']);
  });

  it('fails the connection when the server picks a subprotocol it was not offered', async (t) => {
    const server = await scripted(t, async (socket) => {
      await acceptHandshake(socket, ['Sec-WebSocket-Protocol: other']);
    });
    await assert.rejects(connect(server.url, { protocols: ['chat'] }), {
      name: 'NegotiationError',
      code: 'ERR_HANDSHAKE_SUBPROTOCOL',
    });
  });

  it('normalizes the URL: http(s) to ws(s), default path, query kept', async (t) => {
    const server = await echoServer(t);
    const paths: string[] = [];
    server.server.on('connection', (_peer, request) => paths.push(request.url ?? ''));
    const { port } = server.server.address() as { port: number };
    const cases: [string | URL, string][] = [
      [`http://127.0.0.1:${port}/chat?room=1`, `ws://127.0.0.1:${port}/chat?room=1`],
      [`ws://127.0.0.1:${port}`, `ws://127.0.0.1:${port}/`],
      [`WS://127.0.0.1:${port}/Path`, `ws://127.0.0.1:${port}/Path`],
      [new URL(`ws://127.0.0.1:${port}/u?x=1&y=2`), `ws://127.0.0.1:${port}/u?x=1&y=2`],
    ];
    for (const [input, expected] of cases) {
      const ws = await open(t, input);
      assert.equal(ws.url, expected);
      await ws.close();
    }
    assert.deepEqual(paths, ['/chat?room=1', '/', '/Path', '/u?x=1&y=2']);
  });
});

describe('logger option', () => {
  it('gets one line per event with the documented prefixes', async (t) => {
    const server = await echoServer(t);
    const lines: string[] = [];
    const { ws, peer } = await openWithPeer(t, server, { logger: (line) => lines.push(line) });
    const pinged = new Promise((resolve) => ws.once('ping', resolve));
    peer.ping('hi');
    await pinged;
    await ws.close(1000, 'bye');
    await assert.rejects(connect(await closedPortUrl(), { logger: (line) => lines.push(line) }), {
      code: 'ERR_CONNECT',
    });
    for (const line of lines)
      assert.match(line, /^[=<>!%x] \S/, `prefix of ${JSON.stringify(line)}`);
    const { port } = server.server.address() as { port: number };
    assert.ok(lines.includes(`= connecting to ws://127.0.0.1:${port}/`));
    assert.ok(lines.includes('= open'));
    assert.ok(lines.some((line) => line.startsWith('% ping received (2 bytes)')));
    assert.ok(lines.includes('x sending close 1000 "bye"'));
    assert.ok(lines.includes('x received close 1000 "bye"'));
    assert.ok(lines.includes('= closed 1000 (clean)'));
    assert.ok(lines.some((line) => line.startsWith('! ERR_CONNECT: ')));
    assert.ok(lines.includes('= closed 1006'));
  });

  it('formats nothing without a logger', async (t) => {
    const server = await echoServer(t);
    const run = async (options: ConnectOptions): Promise<number> => {
      const { ws, peer } = await openWithPeer(t, server, options);
      const stringify = t.mock.method(JSON, 'stringify');
      const pinged = new Promise((resolve) => ws.once('ping', resolve));
      peer.ping('hi');
      await pinged;
      await ws.close(1000, 'bye');
      const calls = stringify.mock.callCount();
      stringify.mock.restore();
      return calls;
    };
    assert.ok((await run({ logger: () => {} })) > 0, 'the close lines quote the reason');
    assert.equal(await run({}), 0);
  });
});
