// Every status number the NodeMCU dialect can report, each produced for real (decision N2):
// user close (0), URL faults (-1 to -4), DNS (-5), server Close (-6), a bad accept key (-7),
// a stray continuation (-15), a refused upgrade (-17), the 10 s connect timeout (-18) and
// the health check (-19) on a fake clock, and the -99 to -999 numbers for resets, refused
// TCP, TLS failures, handshake and protocol errors. Servers bind 127.0.0.1 only.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { CloseInfo } from '../../src/client/connection.js';
import { ErrorCode, ProtocolError, WebSocketError } from '../../src/core/errors.js';
import {
  type NodeMcuClient,
  type NodeMcuClientOptions,
  NodeMcuStatus,
  statusOf,
  urlStatus,
  websocket,
} from '../../src/dialects/nodemcu.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Peer } from '../helpers/hostile.js';
import { startTlsWsPeer } from '../helpers/peers.js';
import {
  acceptFor,
  acceptHandshake,
  readRequest,
  serverFrame,
  startScriptedServer,
  startWsEchoServer,
} from '../helpers/servers.js';

interface Outcome {
  /** Callbacks in order: 'connection' or the close status. */
  events: (string | number)[];
  closed: Promise<number>;
  opened: Promise<void>;
}

/** Creates a client that records its callbacks; the test calls connect itself. */
function watch(
  t: TestContext,
  options?: NodeMcuClientOptions,
): { ws: NodeMcuClient; outcome: Outcome } {
  const ws = websocket.createClient(options);
  t.after(() => ws.close());
  const events: (string | number)[] = [];
  let opened!: () => void;
  let closed!: (status: number) => void;
  const outcome: Outcome = {
    events,
    opened: new Promise<void>((resolve) => (opened = resolve)),
    closed: new Promise<number>((resolve) => (closed = resolve)),
  };
  ws.on('connection', () => {
    events.push('connection');
    opened();
  });
  ws.on('close', (client, status) => {
    assert.equal(client, ws);
    events.push(status);
    closed(status);
  });
  return { ws, outcome };
}

/** Connects to `url` and resolves with the one close status. */
async function statusFor(t: TestContext, url: string, options?: NodeMcuClientOptions) {
  const { ws, outcome } = watch(t, options);
  ws.connect(url);
  const status = await outcome.closed;
  assert.equal(outcome.events.filter((event) => typeof event === 'number').length, 1);
  return { status, events: outcome.events };
}

/** A raw server: `script` gets each socket and the parsed upgrade request. */
async function rawServer(
  t: TestContext,
  script: (socket: Socket, request: Awaited<ReturnType<typeof readRequest>>) => void,
) {
  const server = await startScriptedServer(async (socket) =>
    script(socket, await readRequest(socket)),
  );
  t.after(() => server.close());
  return server;
}

/** A server that completes the handshake, then runs `script` with a Peer. */
async function peerServer(t: TestContext, script: (peer: Peer) => Promise<void> | void) {
  const peers: Peer[] = [];
  const server = await startScriptedServer(async (socket) => {
    const peer = new Peer(socket, await acceptHandshake(socket));
    peers.push(peer);
    await script(peer);
  });
  t.after(() => server.close());
  return { url: server.url, peers };
}

/** Sends `bytes` after the handshake, then behaves politely: waits for Close, ends TCP. */
function sendThenEnd(bytes: () => Buffer) {
  return async (peer: Peer): Promise<void> => {
    await peer.write(bytes());
    await peer.waitForClose();
    peer.end();
  };
}

function response(lines: string[]): string {
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** A valid 101 for `request` that accepts the extensions `extensions`. */
function switching(request: Awaited<ReturnType<typeof readRequest>>, extensions: string): string {
  return response([
    'HTTP/1.1 101 Switching Protocols',
    'Upgrade: websocket',
    'Connection: Upgrade',
    `Sec-WebSocket-Extensions: ${extensions}`,
    `Sec-WebSocket-Accept: ${acceptFor(request.headers['sec-websocket-key'] ?? '')}`,
  ]);
}

describe('status 0: the application closed', { timeout: 20_000 }, () => {
  it('close() on an open connection, the server answering the Close', async (t) => {
    const server = await startWsEchoServer();
    t.after(() => server.close());
    const { ws, outcome } = watch(t);
    ws.connect(server.url);
    await outcome.opened;
    ws.close();
    assert.equal(await outcome.closed, NodeMcuStatus.Closed);
    assert.deepEqual(outcome.events, ['connection', 0]);
  });

  it('close() while the handshake is pending', async (t) => {
    let requested!: () => void;
    const arrived = new Promise<void>((resolve) => (requested = resolve));
    const server = await rawServer(t, () => requested());
    const { ws, outcome } = watch(t);
    ws.connect(server.url);
    await arrived;
    ws.close();
    assert.equal(await outcome.closed, 0);
    assert.deepEqual(outcome.events, [0]);
  });

  it('close() when the server never answers: dropped after 5 s on the clock, still 0', async (t) => {
    const clock = new FakeClock();
    const { url, peers } = await peerServer(t, () => {});
    const { ws, outcome } = watch(t, { clock });
    ws.connect(url);
    await outcome.opened;
    ws.close();
    const peer = peers[0]!;
    assert.ok(await peer.waitForClose());
    assert.equal(peer.close?.payload.length, 0, 'an empty Close frame, as the firmware sends');
    clock.advance(4_999);
    assert.equal(peer.isEnded, false);
    clock.advance(1);
    assert.equal(await outcome.closed, 0);
    await peer.ended;
  });
});

describe('status -1 to -4: URL faults, reported through the close callback', () => {
  const cases: [string, number][] = [
    ['http://127.0.0.1/', -1],
    ['127.0.0.1:80/', -1],
    ['ws:/127.0.0.1/', -1],
    ['ftp://host/', -1],
    ['', -1],
    ['ws://127.0.0.1/#fragment', -1],
    [`ws://${'a'.repeat(256)}/`, -2],
    [`wss://${'b'.repeat(300)}:443/path`, -2],
    ['ws://127.0.0.1:0/', -3],
    ['ws://127.0.0.1:65536/', -3],
    ['ws://127.0.0.1:http/', -3],
    ['ws://127.0.0.1:/', -3],
    ['ws://127.0.0.1:80:81/', -3],
    ['ws:///path', -4],
    ['ws://:8080/', -4],
    ['ws://user@/', -4],
    ['ws://bad host/', -4],
    ['ws://[::1/', -4],
  ];
  for (const [url, expected] of cases) {
    it(`${JSON.stringify(url.length > 40 ? `${url.slice(0, 37)}...` : url)} gives ${expected}`, async (t) => {
      const { ws, outcome } = watch(t);
      ws.connect(url);
      assert.deepEqual(outcome.events, [], 'not inside connect()');
      assert.equal(await outcome.closed, expected);
      assert.deepEqual(outcome.events, [expected]);
    });
  }

  it('accepts what the firmware accepts: any letter case, default ports, long paths', () => {
    for (const url of [
      'WS://127.0.0.1/',
      'Wss://example.com',
      'ws://example.com?x=1',
      `ws://${'c'.repeat(255)}/`,
      'ws://127.0.0.1:1/',
      'ws://127.0.0.1:65535/a/b?c',
    ]) {
      assert.equal(urlStatus(url), undefined, url);
    }
    assert.equal(urlStatus('ws://[::1]:8080/'), undefined, 'IPv6 literals are an addition');
    assert.equal(urlStatus('ws://user:secret@host/'), undefined, 'userinfo is an addition');
  });
});

describe('statuses from the network', { timeout: 20_000 }, () => {
  it('-5: a host name that does not resolve (.invalid never does, RFC 6761)', async (t) => {
    const { status, events } = await statusFor(t, 'ws://nodemcu-test.invalid/');
    assert.equal(status, NodeMcuStatus.DnsFailed);
    assert.deepEqual(events, [-5]);
  });

  it('-111: nothing listens on the port (connection refused)', async (t) => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const { status } = await statusFor(t, `ws://127.0.0.1:${port}/`);
    assert.equal(status, NodeMcuStatus.ConnectFailed);
  });

  it('-128: the TLS handshake fails (a certificate we do not trust)', async (t) => {
    const fixture = (name: string) =>
      readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
    const server = await startTlsWsPeer({
      key: fixture('server.key'),
      cert: fixture('server.crt'),
    });
    t.after(() => server.close());
    const { status } = await statusFor(t, server.url);
    assert.equal(status, NodeMcuStatus.TlsFailed);
  });

  it('-99: the server ends TCP without a Close frame', async (t) => {
    const { url } = await peerServer(t, (peer) => peer.end());
    const { status, events } = await statusFor(t, url);
    assert.equal(status, NodeMcuStatus.ConnectionLost);
    assert.deepEqual(events, ['connection', -99]);
  });

  it('-99: the server ends TCP before answering the handshake', async (t) => {
    const server = await rawServer(t, (socket) => socket.end());
    const { status } = await statusFor(t, server.url);
    assert.equal(status, NodeMcuStatus.ConnectionLost);
  });

  it('-109: the server resets the connection', async (t) => {
    const { url, peers } = await peerServer(t, () => {});
    const { ws, outcome } = watch(t);
    ws.connect(url);
    await outcome.opened;
    peers[0]!.socket.resetAndDestroy();
    assert.equal(await outcome.closed, NodeMcuStatus.ConnectionReset);
    assert.deepEqual(outcome.events, ['connection', -109]);
  });
});

describe('statuses from the server', { timeout: 20_000 }, () => {
  it('-6: the server sends Close; the client answers it', async (t) => {
    const { url, peers } = await peerServer(
      t,
      sendThenEnd(() => serverFrame(8, Buffer.from([0x0f, 0xa0, 0x62, 0x79, 0x65]))),
    );
    const { status, events } = await statusFor(t, url);
    assert.equal(status, NodeMcuStatus.ServerClosed);
    assert.deepEqual(events, ['connection', -6]);
    assert.equal(peers[0]!.close?.code, 4000, 'the Close is echoed');
  });

  it('-6: the embedded echo server closes on request', async (t) => {
    const { startEchoServer } = await import('../../src/cli/serve.js');
    const server = await startEchoServer();
    t.after(() => server.close());
    const { ws, outcome } = watch(t);
    ws.on('connection', (client) => {
      outcome.events.push('connection');
      client.send('close');
    });
    ws.connect(server.url);
    assert.equal(await outcome.closed, -6);
  });

  it('-7: the 101 response carries a wrong Sec-WebSocket-Accept', async (t) => {
    const server = await rawServer(t, (socket, request) => {
      const accept = acceptFor(`${request.headers['sec-websocket-key']}x`);
      socket.write(
        response([
          'HTTP/1.1 101 Switching Protocols',
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Accept: ${accept}`,
        ]),
      );
    });
    const { status, events } = await statusFor(t, server.url);
    assert.equal(status, NodeMcuStatus.BadAcceptKey);
    assert.deepEqual(events, [-7]);
  });

  it('-15: a continuation frame with no message to continue', async (t) => {
    const { url, peers } = await peerServer(
      t,
      sendThenEnd(() => serverFrame(0, 'stray')),
    );
    const { status } = await statusFor(t, url);
    assert.equal(status, NodeMcuStatus.UnexpectedContinuation);
    assert.equal(peers[0]!.close?.code, 1002);
  });

  it('-17: the server answers the upgrade with 404', async (t) => {
    const server = await rawServer(t, (socket) => {
      socket.end(response(['HTTP/1.1 404 Not Found', 'Content-Length: 0']));
    });
    assert.equal((await statusFor(t, server.url)).status, NodeMcuStatus.NotSwitchingProtocols);
  });

  it('-17: the server does not speak HTTP at all', async (t) => {
    const server = await rawServer(t, (socket) => socket.end('SSH-2.0-OpenSSH\r\n\r\n'));
    assert.equal((await statusFor(t, server.url)).status, -17);
  });

  const handshakeCases: [string, string[], number][] = [
    ['-201: no Upgrade header', ['Connection: Upgrade'], NodeMcuStatus.MissingUpgrade],
    ['-202: no Connection header', ['Upgrade: websocket'], NodeMcuStatus.MissingConnection],
    [
      '-204: a subprotocol we did not offer',
      ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Protocol: mqtt'],
      NodeMcuStatus.UnexpectedSubprotocol,
    ],
    [
      '-205: an extension we did not offer',
      ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Extensions: x-zip'],
      NodeMcuStatus.UnexpectedExtension,
    ],
  ];
  for (const [name, headers, expected] of handshakeCases) {
    it(name, async (t) => {
      const server = await rawServer(t, (socket, request) => {
        const accept = acceptFor(request.headers['sec-websocket-key'] ?? '');
        socket.write(
          response([
            'HTTP/1.1 101 Switching Protocols',
            ...headers,
            `Sec-WebSocket-Accept: ${accept}`,
          ]),
        );
      });
      assert.equal((await statusFor(t, server.url)).status, expected);
    });
  }

  it('-206: permessage-deflate parameters that break RFC 7692 (compression turned on)', async (t) => {
    const server = await rawServer(t, (socket, request) => {
      socket.write(switching(request, 'permessage-deflate; server_max_window_bits=7'));
    });
    const { status } = await statusFor(t, server.url, { perMessageDeflate: true });
    assert.equal(status, NodeMcuStatus.InvalidExtensionParams);
  });

  it('-313: a compressed message that does not inflate (compression turned on)', async (t) => {
    const server = await rawServer(t, (socket, request) => {
      socket.write(switching(request, 'permessage-deflate'));
      socket.write(serverFrame(2, Buffer.from([0xff, 0xff, 0xff]), { rsv: 4 }));
    });
    const { status } = await statusFor(t, server.url, { perMessageDeflate: true });
    assert.equal(status, NodeMcuStatus.InvalidCompressedData);
  });

  it('-203: a handshake response head larger than the engine accepts', async (t) => {
    const server = await rawServer(t, (socket) => {
      socket.write(`HTTP/1.1 101 Switching Protocols\r\nX-Padding: ${'p'.repeat(20_000)}\r\n`);
    });
    assert.equal((await statusFor(t, server.url)).status, NodeMcuStatus.HandshakeTooLarge);
  });

  const protocolCases: [string, () => Buffer, number][] = [
    ['-301: RSV bits set', () => serverFrame(1, 'x', { rsv: 4 }), NodeMcuStatus.ReservedBits],
    ['-302: a reserved opcode', () => serverFrame(3, 'x'), NodeMcuStatus.ReservedOpcode],
    [
      '-303: a fragmented Ping',
      () => serverFrame(9, 'x', { fin: false }),
      NodeMcuStatus.FragmentedControl,
    ],
    [
      '-304: a Ping of 126 bytes',
      () => serverFrame(9, 'x'.repeat(126)),
      NodeMcuStatus.ControlFrameTooLong,
    ],
    ['-305: a masked frame', () => serverFrame(1, 'x', { mask: true }), NodeMcuStatus.MaskedFrame],
    [
      '-306: a 64-bit length with its top bit set',
      () => Buffer.from([0x82, 127, 0x80, 0, 0, 0, 0, 0, 0, 1]),
      NodeMcuStatus.InvalidFrameLength,
    ],
    [
      '-307: a new message inside a fragmented one',
      () => Buffer.concat([serverFrame(1, 'a', { fin: false }), serverFrame(1, 'b')]),
      NodeMcuStatus.ExpectedContinuation,
    ],
    [
      '-308: text that is not UTF-8',
      () => serverFrame(1, Buffer.from([0xc3, 0x28])),
      NodeMcuStatus.InvalidUtf8,
    ],
    [
      '-309: a Close frame with a one-byte payload',
      () => serverFrame(8, Buffer.from([3])),
      NodeMcuStatus.InvalidClosePayload,
    ],
    [
      '-310: a Close frame with code 1005',
      () => serverFrame(8, Buffer.from([0x03, 0xed])),
      NodeMcuStatus.InvalidCloseCode,
    ],
    [
      '-312: a message in more fragments than the engine accepts (131 072)',
      () =>
        Buffer.concat([
          serverFrame(2, Buffer.alloc(0), { fin: false }),
          Buffer.alloc(131_072 * 2, Buffer.from([0x00, 0x00])),
        ]),
      NodeMcuStatus.TooManyFragments,
    ],
  ];
  for (const [name, bytes, expected] of protocolCases) {
    it(name, async (t) => {
      const { url, peers } = await peerServer(t, sendThenEnd(bytes));
      const { status, events } = await statusFor(t, url);
      assert.equal(status, expected);
      assert.deepEqual(events, ['connection', expected]);
      assert.ok(peers[0]!.close !== undefined, 'the client said why with a Close frame');
    });
  }
});

describe('statuses from the clock', { timeout: 20_000 }, () => {
  it('-18: no handshake response within 10 s', async (t) => {
    const clock = new FakeClock();
    let requested!: (socket: Socket) => void;
    const arrived = new Promise<Socket>((resolve) => (requested = resolve));
    const server = await rawServer(t, (socket) => requested(socket));
    const { ws, outcome } = watch(t, { clock });
    ws.connect(server.url);
    const socket = await arrived;
    clock.advance(9_999);
    assert.equal(socket.destroyed, false);
    assert.deepEqual(outcome.events, []);
    clock.advance(1);
    assert.equal(await outcome.closed, NodeMcuStatus.ConnectTimeout);
    assert.deepEqual(outcome.events, [-18]);
  });

  it('-19: pings at 30 s and 60 s of silence, the end at 90 s', async (t) => {
    const clock = new FakeClock();
    const { url, peers } = await peerServer(t, () => {});
    const { ws, outcome } = watch(t, { clock });
    ws.connect(url);
    await outcome.opened;
    const peer = peers[0]!;
    const pings = () => peer.frames.filter((frame) => frame.opcode === 9).length;
    clock.advance(29_999);
    clock.advance(1);
    assert.ok(await peer.waitFor(() => pings() === 1), 'a ping after 30 s');
    clock.advance(30_000);
    assert.ok(await peer.waitFor(() => pings() === 2), 'a second ping after 60 s');
    assert.deepEqual(outcome.events, ['connection']);
    clock.advance(30_000);
    assert.equal(await outcome.closed, NodeMcuStatus.HealthCheckFailed);
    assert.deepEqual(outcome.events, ['connection', -19]);
    await peer.ended;
    assert.equal(pings(), 2);
  });

  it('anything received restarts the health check', async (t) => {
    const clock = new FakeClock();
    const { url, peers } = await peerServer(t, () => {});
    const { ws, outcome } = watch(t, { clock });
    let delivered!: (message: string) => void;
    const received = new Promise<string>((resolve) => (delivered = resolve));
    ws.on('receive', (_ws, message) => delivered(String(message)));
    ws.connect(url);
    await outcome.opened;
    const peer = peers[0]!;
    const pings = () => peer.frames.filter((frame) => frame.opcode === 9).length;
    clock.advance(30_000);
    assert.ok(await peer.waitFor(() => pings() === 1));
    clock.advance(30_000);
    assert.ok(await peer.waitFor(() => pings() === 2));
    // A data message after the second ping: the client is alive again.
    await peer.write(serverFrame(1, 'still here'));
    assert.equal(await received, 'still here');
    clock.advance(30_000);
    assert.deepEqual(outcome.events, ['connection'], 'no end at 90 s');
    assert.ok(await peer.waitFor(() => pings() === 3), 'the next ping, 30 s after the message');
    ws.close();
    assert.ok(await peer.waitForClose());
    peer.end();
    assert.equal(await outcome.closed, 0);
  });
});

describe('statusOf: one mapping for every engine outcome', () => {
  const info = (
    error: WebSocketError | undefined,
    kind: CloseInfo['cause']['kind'],
  ): CloseInfo => ({
    code: 1006,
    reason: '',
    wasClean: false,
    error,
    cause: { kind, phase: 'open' },
  });

  it('a user close wins over whatever followed it', () => {
    const lost = new WebSocketError(ErrorCode.ConnectionLost, 'gone');
    assert.equal(statusOf(info(lost, 'connection-lost'), true), 0);
    assert.equal(statusOf(info(undefined, 'server'), true), 0);
  });

  it('maps clean ends, known codes and unknown failures', () => {
    assert.equal(statusOf(info(undefined, 'server'), false), -6);
    assert.equal(statusOf(info(undefined, 'user'), false), 0);
    const timeout = new WebSocketError(ErrorCode.CloseTimeout, 'slow');
    assert.equal(statusOf(info(timeout, 'close-timeout'), false), NodeMcuStatus.CloseTimeout);
    const tooBig = new ProtocolError(ErrorCode.MessageTooBig, 'big', 1009);
    assert.equal(statusOf(info(tooBig, 'protocol'), false), NodeMcuStatus.MessageTooBig);
    // A code outside the ProtocolError ones (only plain JavaScript can make this).
    const odd = new ProtocolError(ErrorCode.InvalidArgument as never, 'odd');
    assert.equal(statusOf(info(odd, 'protocol'), false), NodeMcuStatus.ProtocolError);
    const handshake = new WebSocketError(ErrorCode.InvalidState, 'odd');
    assert.equal(statusOf(info(handshake, 'handshake'), false), NodeMcuStatus.HandshakeFailed);
    assert.equal(statusOf(info(handshake, 'aborted'), false), NodeMcuStatus.Unknown);
  });

  it('every status number is unique and in the documented ranges', () => {
    const values = Object.values(NodeMcuStatus);
    assert.equal(new Set(values).size, values.length);
    for (const value of values) {
      assert.ok(
        value === 0 || (value <= -1 && value >= -19) || (value <= -99 && value >= -999),
        `${value} is outside 0, -1..-19 and -99..-999`,
      );
      assert.ok(value > -8 || value < -16 || value === -15, `${value} is a memory code`);
    }
  });
});
