// The LuatOS-Air dialect over real sockets on 127.0.0.1 (decisions A2 to A5, A7, G3, G4, G6):
// connect() results and the open/error/close events, binary-by-default send with Lua
// truthiness, sendFrame fragments and opcode checks, ping/pong, recv() tuples and their
// failure reasons, close codes and reasons, state()/online(). Every delay runs on a
// FakeClock; tests wait for events, never for time.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { WebSocket as WsPeer } from 'ws';
import {
  InvalidArgumentError,
  InvalidStateError,
  ProtocolError,
  TimeoutError,
  TransportError,
  UnexpectedStatusError,
} from '../../src/core/errors.js';
import { RecvReason, websocket } from '../../src/dialects/luatos-air.js';
import {
  closedPortUrl,
  type EchoServer,
  readRequest,
  serverFrame,
  echoServer as startEchoServer,
  startScriptedServer,
} from '../helpers/servers.js';
import { client, peerServer, text } from './luatos-air-harness.js';

// ------------------------------------------------------------------ helpers

async function echoServer(t: TestContext): Promise<EchoServer & { peers: WsPeer[] }> {
  const server = await startEchoServer(t);
  const peers: WsPeer[] = [];
  server.server.on('connection', (socket: WsPeer) => peers.push(socket));
  return { ...server, peers };
}

/** A raw server whose script gets the socket right after the upgrade request. */
async function rawServer(t: TestContext, script: (socket: Socket, request: string[]) => void) {
  const server = await startScriptedServer(async (socket) => {
    const { requestLine, headers } = await readRequest(socket);
    script(socket, [requestLine, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)]);
  });
  t.after(() => server.close());
  return server;
}

// ------------------------------------------------------------------ connect

describe('connect(timeout) and the open, error and close events (A2, A3)', {
  timeout: 30_000,
}, () => {
  it('resolves true after the open event; state OPEN and online', async (t) => {
    const server = await echoServer(t);
    const { ws, events } = client(t, server.url);
    assert.equal(ws.state(), 'CONNECTING');
    assert.equal(ws.online(), false);
    const connected = ws.connect(5);
    assert.equal(ws.state(), 'CONNECTING');
    assert.equal(await connected, true);
    events.push(['resolved']);
    assert.deepEqual(events.names(), ['open', 'resolved']);
    assert.equal(ws.state(), 'OPEN');
    assert.equal(ws.online(), true);
  });

  it('sends the firmware request: GET path, Origin http://<host>, no subprotocol', async (t) => {
    let request: string[] = [];
    const server = await rawServer(t, (socket, lines) => {
      request = lines;
      socket.destroy();
    });
    const { ws } = client(t, `${server.url}chat?room=1`);
    assert.equal(await ws.connect(5), false);
    assert.equal(request[0], 'GET /chat?room=1 HTTP/1.1');
    assert.ok(request.includes('origin: http://127.0.0.1'), request.join('\n'));
    assert.ok(!request.some((line) => line.startsWith('sec-websocket-protocol')));
  });

  it('a refused port: false, then error ERR_CONNECT and close 1006, state CLOSED', async (t) => {
    const { ws, events } = client(t, await closedPortUrl());
    assert.equal(await ws.connect(5), false);
    events.push(['resolved']);
    assert.deepEqual(events.names(), ['error', 'close', 'resolved']);
    const error = events.error();
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, 'ERR_CONNECT');
    assert.deepEqual(events.args('close'), [[1006]]);
    assert.equal(ws.state(), 'CLOSED');
    assert.equal(ws.online(), false);
  });

  it('times out after `timeout` seconds on the clock (TCP, TLS and handshake together)', async (t) => {
    let requested!: () => void;
    const gotRequest = new Promise<void>((resolve) => (requested = resolve));
    const server = await rawServer(t, () => requested());
    const { ws, clock, events } = client(t, server.url);
    const connected = ws.connect(7);
    await gotRequest;
    clock.advance(7000);
    assert.equal(await connected, false);
    const error = events.error();
    assert.ok(error instanceof TimeoutError);
    assert.equal(error.code, 'ERR_OPEN_TIMEOUT');
    assert.equal(error.timeoutMs, 7000);
    assert.deepEqual(events.args('close'), [[1006]]);
  });

  it('without a timeout the firmware default of 20 s applies', async (t) => {
    let requested!: () => void;
    const gotRequest = new Promise<void>((resolve) => (requested = resolve));
    const server = await rawServer(t, () => requested());
    const { ws, clock, events } = client(t, server.url);
    const connected = ws.connect();
    await gotRequest;
    clock.advance(20_000);
    assert.equal(await connected, false);
    assert.equal((events.error() as TimeoutError).timeoutMs, 20_000);
  });

  it('a refused handshake: false with error UnexpectedStatusError', async (t) => {
    const server = await rawServer(t, (socket) => {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 2\r\n\r\nno');
    });
    const { ws, events } = client(t, server.url);
    assert.equal(await ws.connect(5), false);
    const error = events.error();
    assert.ok(error instanceof UnexpectedStatusError);
    assert.equal(error.status, 403);
    assert.deepEqual(events.args('close'), [[1006]]);
  });

  it('a malformed URL: false with error ERR_INVALID_URL and no close event', async (t) => {
    const { ws, events } = client(t, 'ftp://127.0.0.1/');
    assert.equal(await ws.connect(5), false);
    events.push(['resolved']);
    assert.deepEqual(events.names(), ['error', 'resolved']);
    assert.equal((events.error() as InvalidArgumentError).code, 'ERR_INVALID_URL');
    assert.deepEqual(await ws.recv(), [false, RecvReason.ReadError]);
  });

  it('misuse throws or rejects with a stable code (G6)', async (t) => {
    const server = await echoServer(t);
    assert.throws(() => websocket.new(42 as unknown as string), InvalidArgumentError);
    assert.throws(
      () => websocket.new(server.url, 'ca.crt' as unknown as object),
      InvalidArgumentError,
    );
    const { ws } = client(t, server.url);
    assert.throws(() => ws.on('open', 'nope' as unknown as () => void), InvalidArgumentError);
    await assert.rejects(ws.connect(-1), InvalidArgumentError);
    await assert.rejects(ws.connect('5' as unknown as number), InvalidArgumentError);
    await assert.rejects(ws.recv(), (error: InvalidStateError) => {
      assert.ok(error instanceof InvalidStateError);
      assert.equal(error.code, 'ERR_INVALID_STATE');
      return true;
    });
    assert.equal(await ws.connect(5), true);
    await assert.rejects(ws.connect(5), { code: 'ERR_INVALID_STATE' });
  });

  it('connect() right after close() waits for the old connection, then opens again', async (t) => {
    const server = await echoServer(t);
    const { ws, events } = client(t, server.url);
    assert.equal(await ws.connect(5), true);
    ws.close();
    assert.equal(ws.state(), 'CLOSING');
    assert.equal(await ws.connect(5), true);
    assert.deepEqual(events.names(), ['open', 'close', 'open']);
    assert.equal(server.peers.length, 2);
  });
});

// ------------------------------------------------------------------ sending

describe('send(data, text), sendFrame, ping and pong (A4)', { timeout: 30_000 }, () => {
  it('binary by default, text when the flag is truthy in Lua (0 and "" included)', async (t) => {
    const { url, peer } = await peerServer(t);
    const { ws, events } = client(t, url);
    assert.equal(await ws.connect(5), true);
    const server = await peer(0);
    ws.send('plain');
    ws.send('text', true);
    ws.send('zero', 0);
    ws.send('empty', '');
    ws.send('false', false);
    ws.send('nil', undefined);
    ws.send(new Uint8Array([0, 255]));
    ws.send(new TextEncoder().encode('bytes as text'), 1);
    await server.waitFor(() => server.messages.length === 8);
    assert.deepEqual(
      server.messages.map((message) => [message.opcode, message.payload.toString('latin1')]),
      [
        [2, 'plain'],
        [1, 'text'],
        [1, 'zero'],
        [1, 'empty'],
        [2, 'false'],
        [2, 'nil'],
        [2, '\u0000\u00ff'],
        [1, 'bytes as text'],
      ],
    );
    // One `sent` per send call: each call is its own message, nothing is coalesced.
    await events.untilEvent('sent', 8);
    assert.deepEqual(server.clientErrors, []);
  });

  it('text with bytes that are not UTF-8 is refused', async (t) => {
    const server = await echoServer(t);
    const { ws } = client(t, server.url);
    assert.equal(await ws.connect(5), true);
    assert.throws(() => ws.send(new Uint8Array([0xff]), true), InvalidArgumentError);
    assert.throws(() => ws.send(42 as unknown as string), InvalidArgumentError);
  });

  it('send while not connected sends nothing and reports ERR_INVALID_STATE', async (t) => {
    const server = await echoServer(t);
    const { ws, events } = client(t, server.url);
    ws.send('too early');
    await events.untilEvent('error');
    assert.equal((events.error() as InvalidStateError).code, 'ERR_INVALID_STATE');
    assert.deepEqual(events.args('sent'), []);
  });

  it('a send made while connect() is connecting leaves once the connection is open', async (t) => {
    const { url, peer } = await peerServer(t);
    const { ws, events } = client(t, url);
    const connected = ws.connect(5);
    ws.send('early', true);
    assert.equal(await connected, true);
    const server = await peer(0);
    await server.waitFor(() => server.messages.length === 1);
    assert.equal(text(server.messages[0]!.payload), 'early');
    await events.untilEvent('sent');
  });

  it('sendFrame fragments reach the server as one message (doc: www.openluat.com)', async (t) => {
    const { url, peer } = await peerServer(t);
    const { ws } = client(t, url);
    assert.equal(await ws.connect(5), true);
    const server = await peer(0);
    ws.sendFrame(false, 0x1, 'www.');
    ws.sendFrame(false, 0x0, 'openluat');
    ws.sendFrame(true, 0x0, '.com');
    ws.sendFrame(true, 0x1, 'www.openluat.com');
    ws.sendFrame(1, 0x2, new Uint8Array([1, 2, 3]));
    await server.waitFor(() => server.messages.length === 3);
    assert.deepEqual(
      server.frames.map((frame) => [frame.opcode, frame.fin]),
      [
        [1, false],
        [0, false],
        [0, true],
        [1, true],
        [2, true],
      ],
    );
    assert.deepEqual(
      server.messages.map((message) => [message.opcode, text(message.payload)]),
      [
        [1, 'www.openluat.com'],
        [1, 'www.openluat.com'],
        [2, '\u0001\u0002\u0003'],
      ],
    );
    assert.deepEqual(server.clientErrors, []);
  });

  it('sendFrame refuses opcodes RFC 6455 does not allow a client to send this way', async (t) => {
    const server = await echoServer(t);
    const { ws } = client(t, server.url);
    assert.equal(await ws.connect(5), true);
    for (const opcode of [3, 7, 8, 11, 15, 16, -1, 1.5, Number.NaN]) {
      assert.throws(
        () => ws.sendFrame(true, opcode, 'x'),
        InvalidArgumentError,
        `opcode ${opcode}`,
      );
    }
    assert.throws(() => ws.sendFrame(true, '1' as unknown as number, 'x'), InvalidArgumentError);
    assert.throws(() => ws.sendFrame(false, 9, 'x'), InvalidArgumentError);
    assert.throws(() => ws.sendFrame(true, 0, 'x'), InvalidStateError);
    // Nothing broke: the connection still echoes.
    ws.send('still fine', true);
    assert.deepEqual(await ws.recv(), [true, 'still fine']);
  });

  it('ping(data) is answered with a pong event carrying the payload', async (t) => {
    const server = await echoServer(t);
    const { ws, events } = client(t, server.url);
    assert.equal(await ws.connect(5), true);
    ws.ping('abc');
    ws.ping(new Uint8Array([0xff, 0x00]));
    ws.ping();
    await events.untilEvent('pong', 3);
    assert.deepEqual(events.args('pong'), [['abc'], [new Uint8Array([0xff, 0x00])], ['']]);
    assert.throws(() => ws.ping('x'.repeat(126)), InvalidArgumentError);
  });

  it('pong(data) sends an unsolicited Pong', async (t) => {
    const { url, peer } = await peerServer(t);
    const { ws } = client(t, url);
    assert.equal(await ws.connect(5), true);
    const server = await peer(0);
    ws.pong('beat');
    await server.waitFor(() => server.pongs.length === 1);
    assert.equal(text(server.pongs[0]!), 'beat');
  });

  it('sendFrame, ping and pong while not open send nothing and report an error', async (t) => {
    const server = await echoServer(t);
    const { ws, events } = client(t, server.url);
    ws.sendFrame(true, 1, 'x');
    ws.ping('x');
    ws.pong('x');
    await events.untilEvent('error', 3);
    assert.deepEqual(
      events.args('error').map(([error]) => (error as InvalidStateError).code),
      ['ERR_INVALID_STATE', 'ERR_INVALID_STATE', 'ERR_INVALID_STATE'],
    );
  });
});

// ------------------------------------------------------------------ receiving

describe('recv() tuples and failure reasons (A5)', { timeout: 30_000 }, () => {
  it('gives [true, message] after the message event: text as string, binary as bytes', async (t) => {
    const server = await echoServer(t);
    const { ws, events } = client(t, server.url);
    assert.equal(await ws.connect(5), true);
    ws.send('hello', true);
    ws.send('raw');
    const first = await ws.recv();
    events.push(['recv']);
    assert.deepEqual(first, [true, 'hello']);
    assert.deepEqual(await ws.recv(), [true, new Uint8Array([0x72, 0x61, 0x77])]);
    assert.deepEqual(
      events.events.filter(([name]) => name === 'message' || name === 'recv'),
      [['message', 'hello'], ['recv'], ['message', new Uint8Array([0x72, 0x61, 0x77])]],
    );
  });

  it('keeps messages that arrive before recv() and gives them in order', async (t) => {
    const { url } = await peerServer(t, async (peer) => {
      await peer.write(serverFrame(1, 'one'));
      await peer.write(serverFrame(2, 'two'));
      await peer.write(serverFrame(8, Buffer.from([0x0f, 0xa1, ...Buffer.from('bye')])));
      await peer.waitForClose();
      peer.end();
    });
    const { ws, events } = client(t, url);
    assert.equal(await ws.connect(5), true);
    await events.untilEvent('close');
    // No message event before recv(): the firmware raises it when recv() takes the message.
    assert.deepEqual(events.args('message'), []);
    assert.deepEqual(await ws.recv(), [true, 'one']);
    assert.deepEqual(await ws.recv(), [true, new TextEncoder().encode('two')]);
    assert.deepEqual(await ws.recv(), [false, 'bye']);
    assert.deepEqual(await ws.recv(), [false, 'bye']);
    assert.deepEqual(events.args('close'), [[4001]]);
  });

  it('a server Close without payload gives [false, undefined] (Lua nil) and close 1005', async (t) => {
    const { url } = await peerServer(t, async (peer) => {
      await peer.write(serverFrame(8));
      await peer.waitForClose();
      peer.end();
    });
    const { ws, events } = client(t, url);
    assert.equal(await ws.connect(5), true);
    assert.deepEqual(await ws.recv(), [false, undefined]);
    await events.untilEvent('close');
    assert.deepEqual(events.args('close'), [[1005]]);
    assert.equal(ws.state(), 'CLOSED');
  });

  it('a dropped TCP connection gives "Read byte error!", close 1006 and an error', async (t) => {
    const { url } = await peerServer(t, (peer) => {
      peer.socket.destroy();
    });
    const { ws, events } = client(t, url);
    assert.equal(await ws.connect(5), true);
    assert.deepEqual(await ws.recv(), [false, 'Read byte error!']);
    await events.untilEvent('close');
    assert.deepEqual(events.args('close'), [[1006]]);
    assert.equal((events.error() as TransportError).code, 'ERR_CONNECTION_LOST');
    assert.equal(ws.online(), false);
  });

  it('after our own close(): "Read byte error!"', async (t) => {
    const server = await echoServer(t);
    const { ws } = client(t, server.url);
    assert.equal(await ws.connect(5), true);
    const pending = ws.recv();
    ws.close();
    assert.deepEqual(await pending, [false, 'Read byte error!']);
    assert.deepEqual(await ws.recv(), [false, 'Read byte error!']);
  });

  it('gives [false, "WEBSOCKET_OK"] after 60 s without a message, then keeps working', async (t) => {
    const server = await echoServer(t);
    const { ws, clock } = client(t, server.url);
    assert.equal(await ws.connect(5), true);
    const waiting = ws.recv();
    clock.advance(60_000);
    assert.deepEqual(await waiting, [false, 'WEBSOCKET_OK']);
    ws.send('later', true);
    assert.deepEqual(await ws.recv(), [true, 'later']);
  });

  const protocolCases: [string, Buffer, string, string][] = [
    [
      'reserved bits',
      serverFrame(1, 'x', { rsv: 4 }),
      RecvReason.UndefinedExtension,
      'ERR_RESERVED_BITS',
    ],
    [
      'a masked frame',
      serverFrame(1, 'x', { mask: true }),
      RecvReason.MaskedFrame,
      'ERR_MASKED_FRAME',
    ],
    [
      'a fragmented ping',
      serverFrame(9, 'x', { fin: false }),
      RecvReason.ControlFrame,
      'ERR_FRAGMENTED_CONTROL_FRAME',
    ],
    ['a reserved opcode', serverFrame(3, 'x'), RecvReason.ReadError, 'ERR_RESERVED_OPCODE'],
  ];
  for (const [what, frame, reason, code] of protocolCases) {
    it(`${what}: error event ${code} and recv() reason ${JSON.stringify(reason)}`, async (t) => {
      const { url, peer } = await peerServer(t, async (server) => {
        await server.write(frame);
        await server.waitForClose();
        server.end();
      });
      const { ws, events } = client(t, url);
      assert.equal(await ws.connect(5), true);
      assert.deepEqual(await ws.recv(), [false, reason]);
      await events.untilEvent('close');
      const error = events.error();
      assert.ok(error instanceof ProtocolError);
      assert.equal((error as ProtocolError).code, code);
      // The engine failed the connection with Close 1002, as RFC 6455 §7.1.7 asks.
      assert.equal((await peer(0)).close?.code, 1002);
    });
  }
});

// ------------------------------------------------------------------ closing and state

describe('close(code, reason), state() and online() (A2, A7)', { timeout: 30_000 }, () => {
  it('close() sends an empty Close; the server echoes it: close event 1005', async (t) => {
    const { url, peer } = await peerServer(t, async (server) => {
      await server.waitForClose();
      await server.write(serverFrame(8));
      server.end();
    });
    const { ws, events } = client(t, url);
    assert.equal(await ws.connect(5), true);
    ws.close();
    assert.equal(ws.state(), 'CLOSING');
    assert.equal(ws.online(), false);
    await events.untilEvent('close');
    const server = await peer(0);
    assert.equal(server.close?.payload.length, 0);
    assert.deepEqual(events.args('close'), [[1005]]);
    assert.equal(ws.state(), 'CLOSED');
    assert.deepEqual(events.args('error'), []);
  });

  it('close(1002, reason) as in the document; close event with the code the server echoed', async (t) => {
    const server = await echoServer(t);
    const { ws, events } = client(t, server.url);
    const serverSaw = new Promise<[number, string]>((resolve) => {
      server.server.on('connection', (socket: WsPeer) =>
        socket.on('close', (code, reason) => resolve([code, reason.toString()])),
      );
    });
    assert.equal(await ws.connect(5), true);
    ws.close(1002, '协议错误');
    assert.deepEqual(await serverSaw, [1002, '协议错误']);
    await events.untilEvent('close');
    assert.deepEqual(events.args('close'), [[1002]]);
  });

  it('close(nil, reason) sends code 1000 with the reason', async (t) => {
    const { url, peer } = await peerServer(t, async (server) => {
      await server.waitForClose();
      server.end();
    });
    const { ws, events } = client(t, url);
    assert.equal(await ws.connect(5), true);
    ws.close(undefined, 'bye');
    await events.untilEvent('close');
    assert.deepEqual((await peer(0)).close, {
      code: 1000,
      reason: 'bye',
      payload: Buffer.from([0x03, 0xe8, ...Buffer.from('bye')]),
    });
    // The server sent no Close back before ending TCP.
    assert.deepEqual(events.args('close'), [[1006]]);
  });

  it('the server closes with its own code: the close event reports it, not 1001', async (t) => {
    const server = await echoServer(t);
    const { ws, events } = client(t, server.url);
    assert.equal(await ws.connect(5), true);
    server.peers[0]!.close(4321, 'server says');
    assert.deepEqual(await ws.recv(), [false, 'server says']);
    await events.untilEvent('close');
    assert.deepEqual(events.args('close'), [[4321]]);
  });

  it('refuses close codes that cannot be sent and over-long reasons', async (t) => {
    const server = await echoServer(t);
    const { ws } = client(t, server.url);
    assert.equal(await ws.connect(5), true);
    for (const code of [999, 1004, 1005, 1006, 1015, 2000, 5000]) {
      assert.throws(() => ws.close(code), InvalidArgumentError, `code ${code}`);
    }
    assert.throws(() => ws.close(1000, 'x'.repeat(124)), InvalidArgumentError);
    assert.equal(ws.state(), 'OPEN');
  });

  it('state(): CONNECTING, OPEN, CLOSING, CLOSED, and CLOSED again while reconnecting', async (t) => {
    const server = await echoServer(t);
    const { ws, events } = client(t, server.url);
    const seen: string[] = [ws.state()];
    ws.on('open', () => seen.push(`open:${ws.state()}`));
    const first = ws.connect(5);
    seen.push(ws.state());
    assert.equal(await first, true);
    seen.push(ws.state());
    ws.close(1000);
    seen.push(ws.state());
    await events.untilEvent('close');
    seen.push(ws.state());
    const second = ws.connect(5);
    seen.push(ws.state());
    assert.equal(await second, true);
    seen.push(ws.state());
    assert.deepEqual(seen, [
      'CONNECTING',
      'CONNECTING',
      'open:OPEN',
      'OPEN',
      'CLOSING',
      'CLOSED',
      'CLOSED',
      'open:OPEN',
      'OPEN',
    ]);
  });

  it('close() before any connect: state CLOSED, no event', async (t) => {
    const server = await echoServer(t);
    const { ws, events } = client(t, server.url);
    ws.close();
    assert.equal(ws.state(), 'CLOSED');
    ws.close(1000, 'again');
    assert.equal(await ws.connect(5), true);
    assert.deepEqual(events.names(), ['open']);
  });

  it('close() while connecting aborts: false, close 1006, no error event', async (t) => {
    let requested!: () => void;
    const gotRequest = new Promise<void>((resolve) => (requested = resolve));
    const server = await rawServer(t, () => requested());
    const { ws, events } = client(t, server.url);
    const connected = ws.connect(5);
    await gotRequest;
    ws.close();
    assert.equal(await connected, false);
    assert.deepEqual(events.names(), ['close']);
    assert.deepEqual(events.args('close'), [[1006]]);
  });

  it('callbacks never run inside the call that caused them (G4)', async (t) => {
    const server = await echoServer(t);
    const { ws, events } = client(t, server.url);
    assert.equal(await ws.connect(5), true);
    const before = events.events.length;
    ws.send('x');
    ws.ping('y');
    ws.close();
    ws.send('z');
    assert.equal(events.events.length, before);
    await events.untilEvent('close');
    assert.ok(events.names().includes('error'), 'the late send reports its error later');
  });
});
