// The NodeMCU dialect's API over real sockets on 127.0.0.1 (decisions N1, N4, N5, G3, G4):
// the connection/receive/close callbacks and their arguments, whole-message delivery with
// the opcode, text and binary echo, the request headers config() sets and the firmware's
// defaults, send/connect/on misuse, and connecting again from inside the close callback.

import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { InvalidArgumentError, InvalidStateError } from '../../src/core/errors.js';
import { type NodeMcuClient, NodeMcuStatus, websocket } from '../../src/dialects/nodemcu.js';
import { Peer } from '../helpers/hostile.js';
import {
  acceptHandshake,
  type EchoServer,
  serverFrame,
  startScriptedServer,
  startWsEchoServer,
} from '../helpers/servers.js';

type Event =
  | readonly ['connection']
  | readonly ['receive', string | Uint8Array, number]
  | readonly ['close', number];

/**
 * Records every callback of one client in order and lets a test wait for some of them. The
 * `then*` hooks run after an event was recorded, for tests that act inside a callback.
 */
class Recorder {
  readonly events: Event[] = [];
  thenConnection: ((ws: NodeMcuClient) => void) | undefined;
  thenReceive: ((ws: NodeMcuClient, message: string | Uint8Array) => void) | undefined;
  thenClose: ((ws: NodeMcuClient, status: number) => void) | undefined;
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  readonly ws: NodeMcuClient;

  constructor(ws: NodeMcuClient) {
    this.ws = ws;
    ws.on('connection', (client) => {
      assert.equal(client, ws);
      this.#push(['connection']);
      this.thenConnection?.(client);
    });
    ws.on('receive', (client, message, opcode) => {
      assert.equal(client, ws);
      this.#push(['receive', message, opcode]);
      this.thenReceive?.(client, message);
    });
    ws.on('close', (client, status) => {
      assert.equal(client, ws);
      this.#push(['close', status]);
      this.thenClose?.(client, status);
    });
  }

  #push(event: Event): void {
    this.events.push(event);
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (waiter.check()) waiter.resolve();
      else this.#waiters.push(waiter);
    }
  }

  count(name: Event[0]): number {
    return this.events.filter((event) => event[0] === name).length;
  }

  /** Resolves once `count` events named `name` were recorded. */
  waitFor(name: Event[0], count = 1): Promise<void> {
    const check = (): boolean => this.count(name) >= count;
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }

  /** The status of the `count`-th close callback. */
  async closeStatus(count = 1): Promise<number> {
    await this.waitFor('close', count);
    const closes = this.events.filter((event) => event[0] === 'close');
    return closes[count - 1]![1] as number;
  }
}

async function echoServer(t: TestContext): Promise<EchoServer & { requests: IncomingMessage[] }> {
  const server = await startWsEchoServer();
  const requests: IncomingMessage[] = [];
  server.server.on('connection', (_socket, request) => requests.push(request));
  t.after(() => server.close());
  return { ...server, requests };
}

function client(t: TestContext): Recorder {
  const ws = websocket.createClient();
  t.after(() => ws.close());
  return new Recorder(ws);
}

/** A scripted server that completes the handshake and hands each connection to `script`. */
async function peerServer(t: TestContext, script: (peer: Peer) => Promise<void> | void) {
  const server = await startScriptedServer(async (socket) => {
    const rest = await acceptHandshake(socket);
    const peer = new Peer(socket, rest);
    await script(peer);
  });
  t.after(() => server.close());
  return server;
}

describe('NodeMCU dialect: events', { timeout: 20_000 }, () => {
  it('connection(ws), receive(ws, msg, opcode) and close(ws, 0) for a text echo', async (t) => {
    const server = await echoServer(t);
    const rec = client(t);
    rec.thenConnection = (ws) => ws.send('hello!');
    rec.thenReceive = (ws) => ws.close();
    rec.ws.connect(server.url);
    assert.deepEqual(rec.events, [], 'nothing is delivered inside connect()');
    assert.equal(await rec.closeStatus(), NodeMcuStatus.Closed);
    assert.deepEqual(rec.events, [['connection'], ['receive', 'hello!', 1], ['close', 0]]);
  });

  it('delivers the events in order: connection, then each message, then close', async (t) => {
    const server = await echoServer(t);
    const rec = client(t);
    rec.ws.connect(server.url);
    await rec.waitFor('connection');
    rec.ws.send('one');
    rec.ws.send(new Uint8Array([0, 1, 2, 255]), 2);
    rec.ws.send('three', 1);
    await rec.waitFor('receive', 3);
    rec.ws.close();
    assert.equal(await rec.closeStatus(), NodeMcuStatus.Closed);
    assert.deepEqual(rec.events, [
      ['connection'],
      ['receive', 'one', 1],
      ['receive', new Uint8Array([0, 1, 2, 255]), 2],
      ['receive', 'three', 1],
      ['close', 0],
    ]);
  });

  it('binary messages arrive as Uint8Array with opcode 2; strings sent as binary too', async (t) => {
    const server = await echoServer(t);
    const rec = client(t);
    rec.ws.connect(server.url);
    await rec.waitFor('connection');
    rec.ws.send('bytes from text', 2);
    rec.ws.send(new Uint16Array([0x0201]).buffer, 2);
    rec.ws.send(new DataView(new Uint8Array([7, 8, 9]).buffer, 1, 2), 2);
    rec.ws.send(new TextEncoder().encode('utf-8 bytes as text'), 1);
    await rec.waitFor('receive', 4);
    const received = rec.events.filter((event) => event[0] === 'receive');
    assert.deepEqual(received, [
      ['receive', new TextEncoder().encode('bytes from text'), 2],
      ['receive', new Uint8Array([1, 2]), 2],
      ['receive', new Uint8Array([8, 9]), 2],
      ['receive', 'utf-8 bytes as text', 1],
    ]);
    for (const event of received) {
      if (event[2] === 2) assert.ok(event[1] instanceof Uint8Array);
    }
  });

  it('calls receive once per whole message, fragments joined, with the first opcode', async (t) => {
    const server = await peerServer(t, async (peer) => {
      await peer.write(
        Buffer.concat([
          serverFrame(1, 'first ', { fin: false }),
          serverFrame(0, 'second ', { fin: false }),
          serverFrame(9, 'ping in between'),
          serverFrame(0, 'third'),
          serverFrame(2, Buffer.from([1, 2]), { fin: false }),
          serverFrame(0, Buffer.from([3, 4])),
          serverFrame(1, 'single'),
        ]),
      );
      await peer.waitForClose();
      peer.end();
    });
    const rec = client(t);
    rec.ws.connect(server.url);
    await rec.waitFor('receive', 3);
    rec.ws.close();
    assert.equal(await rec.closeStatus(), 0);
    assert.deepEqual(rec.events, [
      ['connection'],
      ['receive', 'first second third', 1],
      ['receive', new Uint8Array([1, 2, 3, 4]), 2],
      ['receive', 'single', 1],
      ['close', 0],
    ]);
  });

  it('sends pings (opcode 9) and pongs (opcode 10) with their payloads', async (t) => {
    let seen: Peer | undefined;
    const server = await peerServer(t, async (peer) => {
      seen = peer;
      await peer.waitForClose();
      peer.end();
    });
    const rec = client(t);
    rec.ws.connect(server.url);
    await rec.waitFor('connection');
    rec.ws.send('are you there', 9);
    rec.ws.send(new Uint8Array([1, 2, 3]), 10);
    rec.ws.send('data', 1);
    const peer = seen!;
    assert.ok(await peer.waitFor(() => peer.messages.length === 1));
    assert.deepEqual(
      peer.frames.map((frame) => [frame.opcode, frame.payload.toString('latin1')]),
      [
        [9, 'are you there'],
        [10, '\x01\x02\x03'],
        [1, 'data'],
      ],
    );
    assert.deepEqual(peer.clientErrors, []);
    rec.ws.close();
    assert.equal(await rec.closeStatus(), 0);
    assert.deepEqual(peer.close?.payload, Buffer.alloc(0), 'close() sends an empty Close frame');
  });

  it('a handler set to undefined or null is removed; the last one set wins', async (t) => {
    const server = await echoServer(t);
    const ws = websocket.createClient();
    t.after(() => ws.close());
    const seen: string[] = [];
    let closed!: (status: number) => void;
    const status = new Promise<number>((resolve) => (closed = resolve));
    ws.on('connection', () => seen.push('removed connection handler'));
    ws.on('connection', null);
    ws.on('receive', (_ws, message) => seen.push(`replaced ${String(message)}`));
    ws.on('receive', (client, message) => {
      seen.push(String(message));
      client.on('receive', undefined);
      client.close();
    });
    ws.on('close', (_ws, value) => closed(value));
    ws.connect(server.url);
    // No connection handler: a message is sent as soon as the server reports the client.
    server.server.once('connection', (socket) => socket.send('from the server'));
    assert.equal(await status, 0);
    assert.deepEqual(seen, ['from the server']);
  });
});

describe('NodeMCU dialect: reusing a client', { timeout: 20_000 }, () => {
  it('connects again from inside the close callback, keeping callbacks', async (t) => {
    const server = await echoServer(t);
    const rec = client(t);
    rec.thenClose = (ws) => {
      if (rec.count('close') === 1) ws.connect(server.url);
    };
    rec.thenConnection = (ws) => ws.send(`attempt ${rec.count('connection')}`);
    rec.thenReceive = (ws) => ws.close();
    rec.ws.connect(server.url);
    assert.equal(await rec.closeStatus(2), 0);
    assert.deepEqual(rec.events, [
      ['connection'],
      ['receive', 'attempt 1', 1],
      ['close', 0],
      ['connection'],
      ['receive', 'attempt 2', 1],
      ['close', 0],
    ]);
    assert.equal(server.requests.length, 2);
  });

  it('after a URL error, connect works again from the close callback', async (t) => {
    const server = await echoServer(t);
    const rec = client(t);
    rec.ws.connect('http://example.invalid/');
    assert.throws(() => rec.ws.connect(server.url), {
      name: 'InvalidStateError',
      message: 'Websocket already connecting or connected.',
    });
    assert.equal(await rec.closeStatus(), NodeMcuStatus.InvalidScheme);
    rec.ws.connect(server.url);
    await rec.waitFor('connection');
    rec.ws.close();
    assert.equal(await rec.closeStatus(2), 0);
    assert.deepEqual(rec.events, [['close', -1], ['connection'], ['close', 0]]);
  });

  it('connect while connecting or connected throws', async (t) => {
    const server = await echoServer(t);
    const rec = client(t);
    rec.ws.connect(server.url);
    assert.throws(() => rec.ws.connect(server.url), InvalidStateError);
    await rec.waitFor('connection');
    assert.throws(() => rec.ws.connect(server.url), {
      message: 'Websocket already connecting or connected.',
    });
    rec.ws.close();
    assert.throws(() => rec.ws.connect(server.url), InvalidStateError, 'still closing');
    assert.equal(await rec.closeStatus(), 0);
    assert.equal(rec.count('close'), 1);
  });

  it('close() is a no-op without a connection and may be called repeatedly', async (t) => {
    const server = await echoServer(t);
    const rec = client(t);
    rec.ws.close();
    rec.ws.close();
    rec.ws.connect(server.url);
    await rec.waitFor('connection');
    rec.ws.close();
    rec.ws.close();
    assert.equal(await rec.closeStatus(), 0);
    rec.ws.close();
    assert.equal(rec.count('close'), 1);
  });
});

describe('NodeMCU dialect: misuse', { timeout: 20_000 }, () => {
  it('send while not connected throws "Websocket isn\'t connected."', async (t) => {
    const server = await echoServer(t);
    const rec = client(t);
    const notConnected = { name: 'InvalidStateError', message: "Websocket isn't connected." };
    assert.throws(() => rec.ws.send('too early'), notConnected);
    rec.ws.connect(server.url);
    assert.throws(() => rec.ws.send('still connecting'), notConnected);
    await rec.waitFor('connection');
    rec.ws.close();
    assert.throws(() => rec.ws.send('closing'), notConnected);
    assert.equal(await rec.closeStatus(), 0);
    assert.throws(() => rec.ws.send('closed'), notConnected);
  });

  it('refuses opcodes other than 1, 2, 9 and 10, and payloads that are not data', async (t) => {
    const server = await echoServer(t);
    const rec = client(t);
    rec.ws.connect(server.url);
    await rec.waitFor('connection');
    for (const opcode of [0, 3, 8, 11, 15, 1.5, -1]) {
      assert.throws(
        () => rec.ws.send('x', opcode as 1),
        InvalidArgumentError,
        `opcode ${opcode} must be refused`,
      );
    }
    assert.throws(() => rec.ws.send(42 as unknown as string), InvalidArgumentError);
    assert.throws(() => rec.ws.send(new Uint8Array([0xff]), 1), /valid UTF-8/);
    assert.throws(() => rec.ws.send('x'.repeat(126), 9), /125 bytes/);
    rec.ws.close();
    assert.equal(await rec.closeStatus(), 0);
  });

  it('on() refuses unknown event names and handlers that are not functions', () => {
    const ws = websocket.createClient();
    assert.throws(() => ws.on('message' as 'close', () => {}), {
      name: 'InvalidArgumentError',
      message: /invalid event name "message"/,
    });
    assert.throws(() => ws.on('close', 'handler' as unknown as () => void), InvalidArgumentError);
  });

  it('connect() and config() refuse arguments of the wrong type', () => {
    const ws = websocket.createClient();
    assert.throws(() => ws.connect(undefined as unknown as string), InvalidArgumentError);
    assert.throws(() => ws.config('headers' as never), InvalidArgumentError);
    assert.throws(() => ws.config({ headers: { 'X-Flag': true as unknown as string } }), {
      name: 'InvalidArgumentError',
    });
    assert.throws(() => ws.config({ headers: { 'Bad Name': 'x' } }), InvalidArgumentError);
    assert.throws(() => ws.config({ headers: { 'X-Split': 'a\r\nInjected: 1' } }), /CR, LF/);
    assert.throws(
      () => ws.config({ headers: { 'Sec-WebSocket-Protocol': 'not a token' } }),
      InvalidArgumentError,
    );
    assert.throws(() => websocket.createClient({ clock: {} as never }), InvalidArgumentError);
  });
});

describe('NodeMCU dialect: request headers', { timeout: 20_000 }, () => {
  /** Connects once and returns the upgrade request the server saw. */
  async function requestOf(t: TestContext, configure: (ws: NodeMcuClient) => void) {
    const server = await echoServer(t);
    const rec = client(t);
    configure(rec.ws);
    rec.ws.connect(`${server.url}some/path?query=1`);
    await rec.waitFor('connection');
    rec.ws.close();
    await rec.closeStatus();
    const request = server.requests[0]!;
    return { request, rawHeaders: request.rawHeaders };
  }

  it('offers User-Agent ESP8266 and subprotocol chat by default', async (t) => {
    const { request } = await requestOf(t, () => {});
    assert.equal(request.headers['user-agent'], 'ESP8266');
    assert.equal(request.headers['sec-websocket-protocol'], 'chat');
    assert.equal(request.url, '/some/path?query=1');
    assert.equal(request.headers.origin, undefined);
  });

  it('config headers arrive at the server and replace the defaults', async (t) => {
    const { request } = await requestOf(t, (ws) =>
      ws.config({
        headers: {
          'User-Agent': 'NodeMCU',
          'X-Device-Id': 'esp-42',
          'X-Build': 7,
          'Sec-WebSocket-Protocol': 'mqtt, chat',
        },
      }),
    );
    assert.equal(request.headers['user-agent'], 'NodeMCU');
    assert.equal(request.headers['x-device-id'], 'esp-42');
    assert.equal(request.headers['x-build'], '7');
    assert.equal(request.headers['sec-websocket-protocol'], 'mqtt, chat');
  });

  it('an empty Sec-WebSocket-Protocol offers no subprotocol', async (t) => {
    const { request } = await requestOf(t, (ws) =>
      ws.config({ headers: { 'Sec-WebSocket-Protocol': '' } }),
    );
    assert.equal(request.headers['sec-websocket-protocol'], undefined);
    assert.equal(request.headers['user-agent'], 'ESP8266');
  });

  it('built-in headers cannot be overridden; the first spelling of a name wins', async (t) => {
    const { request, rawHeaders } = await requestOf(t, (ws) =>
      ws.config({
        headers: {
          Host: 'spoofed.example',
          Upgrade: 'h2c',
          'Sec-WebSocket-Version': '8',
          'x-twice': 'first',
          'X-Twice': 'second',
        },
      }),
    );
    const hosts = rawHeaders.filter((_value, i) => i % 2 === 0 && rawHeaders[i] === 'Host');
    assert.equal(hosts.length, 1);
    assert.match(request.headers.host ?? '', /^127\.0\.0\.1:\d+$/);
    assert.equal(request.headers.upgrade, 'websocket');
    assert.equal(request.headers['sec-websocket-version'], '13');
    assert.equal(request.headers['x-twice'], 'first');
  });

  it('a new headers table replaces the set, an empty one clears it, no table keeps it', async (t) => {
    const server = await echoServer(t);
    const rec = client(t);
    const steps: [() => void, string | undefined, string][] = [
      [() => rec.ws.config({ headers: { 'X-A': '1', 'User-Agent': 'first' } }), '1', 'first'],
      [() => rec.ws.config({}), '1', 'first'],
      [() => rec.ws.config({ headers: { 'X-B': '2' } }), undefined, 'ESP8266'],
      [() => rec.ws.config({ headers: {} }), undefined, 'ESP8266'],
    ];
    for (let i = 0; i < steps.length; i++) {
      const [configure, xa, agent] = steps[i]!;
      configure();
      rec.ws.connect(server.url);
      await rec.waitFor('connection', i + 1);
      rec.ws.close();
      await rec.closeStatus(i + 1);
      const headers = server.requests[i]!.headers;
      assert.equal(headers['x-a'], xa, `step ${i}`);
      assert.equal(headers['user-agent'], agent, `step ${i}`);
    }
    assert.equal(server.requests[2]!.headers['x-b'], '2');
    assert.equal(server.requests[3]!.headers['x-b'], undefined);
  });
});
