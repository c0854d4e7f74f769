// The LuatOS dialect against real servers on 127.0.0.1: create and its nil result, the single
// callback and its events (conack, recv per frame, sent, error, disconnect), the send forms of
// decision L2, headers (L7), ready, close (L4), debug and WEBSOCKET_CONNACK on the bus (L3).
// Every client runs on a FakeClock; waiting means awaiting the next event, never sleeping.

import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import type { WebSocket as WsPeer } from 'ws';
import { ErrorCode, InvalidArgumentError, InvalidStateError } from '../../src/core/errors.js';
import {
  type LuatosClient,
  type LuatosEventName,
  type LuatosOptions,
  MessageBus,
  sys,
  websocket,
} from '../../src/dialects/luatos.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { peerServer } from '../helpers/hostile.js';
import { closedPortUrl, echoServer, serverFrame, startScriptedServer } from '../helpers/servers.js';

// ------------------------------------------------------------------ helpers

interface Seen {
  event: LuatosEventName;
  args: unknown[];
}

/** Records every event of one client and lets a test await the next ones. */
class Events {
  readonly list: Seen[] = [];
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(wsc: LuatosClient) {
    wsc.on((client, event, ...args) => {
      assert.equal(client, wsc, 'the callback gets the client first');
      this.list.push({ event, args });
      const waiting = this.#waiters;
      this.#waiters = [];
      for (const waiter of waiting) {
        if (waiter.check()) waiter.resolve();
        else this.#waiters.push(waiter);
      }
    });
  }

  names(): LuatosEventName[] {
    return this.list.map((seen) => seen.event);
  }

  count(event: LuatosEventName): number {
    return this.list.filter((seen) => seen.event === event).length;
  }

  of(event: LuatosEventName): unknown[][] {
    return this.list.filter((seen) => seen.event === event).map((seen) => seen.args);
  }

  /** Resolves once `n` events named `event` have arrived in total. */
  until(event: LuatosEventName, n = 1): Promise<void> {
    const check = (): boolean => this.count(event) >= n;
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }
}

interface Setup {
  wsc: LuatosClient;
  events: Events;
  clock: FakeClock;
  bus: MessageBus;
}

function client(t: TestContext, url: string, options: LuatosOptions = {}): Setup {
  const clock = new FakeClock();
  const bus = new MessageBus(clock);
  const wsc = websocket.create(undefined, url, undefined, undefined, { clock, bus, ...options });
  assert.ok(wsc !== undefined, `create accepts ${url}`);
  t.after(() => wsc.close());
  return { wsc, events: new Events(wsc), clock, bus };
}

/** Lets callbacks already queued (setImmediate) run; used only to show that none follow. */
function drain(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function connected(t: TestContext, url: string, options?: LuatosOptions): Promise<Setup> {
  const setup = client(t, url, options);
  assert.equal(setup.wsc.connect(), true);
  await setup.events.until('conack');
  return setup;
}

// ------------------------------------------------------------------ tests

describe('luatos: websocket.create (L1)', () => {
  it('returns undefined for a URL that is not ws:// or wss://', () => {
    for (const url of [
      'http://127.0.0.1/',
      'WS://127.0.0.1/',
      'ftp://127.0.0.1/',
      '127.0.0.1:80/ws',
      'ws://',
      'ws://host/#fragment',
      '',
    ]) {
      assert.equal(websocket.create(undefined, url), undefined, url);
    }
  });

  it('accepts ws:// and wss:// without connecting, and ignores the adapter', () => {
    const plain = websocket.create(undefined, 'ws://air32.cn/abc');
    const secure = websocket.create(3, 'wss://air32.cn/abc', 30, true);
    assert.ok(plain !== undefined && secure !== undefined);
    assert.equal(plain.ready(), false);
    plain.close();
    secure.close();
  });

  it('throws on a non-integer adapter or a URL that is not a string (a Lua argument error)', () => {
    assert.throws(() => websocket.create(1.5, 'ws://127.0.0.1/'), InvalidArgumentError);
    assert.throws(() => websocket.create(null, 42 as unknown as string), {
      name: 'InvalidArgumentError',
      code: ErrorCode.InvalidArgument,
    });
  });

  it('checks the TypeScript-only options at once', () => {
    const url = 'ws://127.0.0.1/';
    for (const options of [
      { openTimeoutMs: -1 },
      { closeTimeoutMs: 1.5 },
      { logger: 'console' },
      { bus: {} },
      { clock: {} },
    ]) {
      assert.throws(
        () => websocket.create(undefined, url, undefined, undefined, options as LuatosOptions),
        { code: ErrorCode.InvalidArgument },
        JSON.stringify(options),
      );
    }
  });
});

describe('luatos: events and sending', { timeout: 20_000 }, () => {
  it('conack, then send/recv echo with one sent event per accepted send', async (t) => {
    const server = await echoServer(t);
    const { wsc, events } = client(t, server.url);
    assert.equal(wsc.ready(), false);
    assert.equal(wsc.send('too early'), false, 'not ready yet: refused, not queued');
    assert.equal(wsc.connect(), true);
    assert.equal(wsc.ready(), false, 'connect only starts the attempt');
    await events.until('conack');
    assert.equal(wsc.ready(), true);
    assert.deepEqual(events.of('conack'), [[]]);
    assert.equal(wsc.send('hello'), true);
    assert.equal(wsc.send(12345), true, 'numbers go out as their text');
    assert.equal(wsc.send('again', 0), true, 'a second argument other than 1 is text');
    await events.until('recv', 3);
    await events.until('sent', 3);
    assert.deepEqual(events.of('recv'), [
      ['hello', 1, 1],
      ['12345', 1, 1],
      ['again', 1, 1],
    ]);
    assert.deepEqual(events.of('sent'), [[], [], []]);
    assert.equal(events.count('sent'), 3, 'exactly one sent per accepted send');
  });

  it('send(data, 1) and send(data, true) are binary; bytes without the flag are text', async (t) => {
    const server = await echoServer(t);
    const { wsc, events } = await connected(t, server.url);
    assert.equal(wsc.send('bin', 1), true);
    assert.equal(wsc.send(new Uint8Array([0, 1, 255]), true), true);
    assert.equal(wsc.send(new TextEncoder().encode('as text')), true);
    await events.until('recv', 3);
    const [first, second, third] = events.of('recv');
    assert.deepEqual(first, [new Uint8Array([98, 105, 110]), 1, 2]);
    assert.deepEqual(second, [new Uint8Array([0, 1, 255]), 1, 2]);
    assert.deepEqual(third, ['as text', 1, 1]);
  });

  it('three arguments fragment one message: fin 0 continues, 1 ends; opt 1 is binary', async (t) => {
    const { url, peer: peerReady } = await peerServer(t);
    const { wsc, events } = await connected(t, url);
    const peer = await peerReady;
    assert.equal(wsc.send('123', 0, 0), true);
    assert.equal(wsc.send('456', 0, 0), true);
    assert.equal(wsc.send('789', 1, 0), true);
    assert.equal(wsc.send('ab', 0, 1), true);
    assert.equal(wsc.send('text in a binary message', 1, 0), false, 'the other type is refused');
    assert.equal(wsc.send('cd', 1, 1), true);
    assert.ok(await peer.waitFor(() => peer.messages.length === 2));
    assert.deepEqual(
      peer.frames.map((frame) => [frame.opcode, frame.fin]),
      [
        [1, false],
        [0, false],
        [0, true],
        [2, false],
        [0, true],
      ],
    );
    assert.deepEqual(
      peer.messages.map((message) => [message.opcode, message.payload.toString()]),
      [
        [1, '123456789'],
        [2, 'abcd'],
      ],
    );
    assert.deepEqual(peer.clientErrors, []);
    await events.until('sent', 5);
    assert.equal(events.count('sent'), 5);
  });

  it('the fragmented form arrives at an npm ws server as one message', async (t) => {
    const server = await echoServer(t);
    const { wsc, events } = await connected(t, server.url);
    wsc.send('123', 0, 0);
    wsc.send('456', 0, 0);
    wsc.send('789', 1, 0);
    await events.until('recv');
    assert.deepEqual(events.of('recv'), [['123456789', 1, 1]]);
  });

  it('recv is per frame with fin and opcode, text decoded across frames (L3)', async (t) => {
    const { url, peer: peerReady } = await peerServer(t);
    const { events } = await connected(t, url);
    const peer = await peerReady;
    await peer.write(
      Buffer.concat([
        serverFrame(0x1, 'Hel', { fin: false }),
        serverFrame(0x9, 'p'),
        serverFrame(0x0, 'lo ', { fin: false }),
        serverFrame(0x0, 'world'),
        serverFrame(0x2, new Uint8Array([1, 2]), { fin: false }),
        serverFrame(0x0, new Uint8Array([3])),
        serverFrame(0x1, new Uint8Array([0xc3]), { fin: false }),
        serverFrame(0x0, new Uint8Array([0xa9])),
      ]),
    );
    await events.until('recv', 7);
    assert.deepEqual(events.of('recv'), [
      ['Hel', 0, 1],
      ['lo ', 0, 0],
      ['world', 1, 0],
      [new Uint8Array([1, 2]), 0, 2],
      [new Uint8Array([3]), 1, 0],
      ['', 0, 1],
      ['é', 1, 0],
    ]);
    assert.ok(await peer.waitFor(() => peer.pongs.length === 1), 'the ping was answered');
    assert.equal(peer.pongs[0]?.toString(), 'p');
  });

  it('throws a clear error for data of another type', async (t) => {
    const server = await echoServer(t);
    const { wsc } = await connected(t, server.url);
    assert.throws(() => wsc.send({} as unknown as string), { code: ErrorCode.InvalidArgument });
  });
});

describe('luatos: drops and errors (L3)', { timeout: 20_000 }, () => {
  it('error("connect", 0) then disconnect when the connection is refused', async (t) => {
    const { wsc, events, clock } = client(t, await closedPortUrl());
    assert.equal(wsc.connect(), true);
    await events.until('disconnect');
    assert.deepEqual(events.list, [
      { event: 'error', args: ['connect', 0] },
      { event: 'disconnect', args: [] },
    ]);
    assert.equal(wsc.ready(), false);
    assert.equal(clock.pending, 0, 'autoreconn is off: no retry is scheduled');
  });

  it('disconnect when the server drops the connection', async (t) => {
    const server = await echoServer(t);
    const { wsc, events } = await connected(t, server.url);
    for (const peer of server.server.clients) peer.terminate();
    await events.until('disconnect');
    assert.deepEqual(events.names(), ['conack', 'error', 'disconnect']);
    assert.deepEqual(events.of('error'), [['connect', 0]]);
    assert.equal(wsc.ready(), false);
  });

  it('a Close frame from the server is error("rx", 0) then disconnect', async (t) => {
    const { url, peer: peerReady } = await peerServer(t);
    const { wsc, events } = await connected(t, url);
    const peer = await peerReady;
    await peer.write(serverFrame(0x8, new Uint8Array([0x03, 0xe8])));
    assert.ok(await peer.waitForClose());
    assert.equal(peer.close?.code, 1000, 'the client answers the Close (unlike the firmware)');
    peer.end();
    await events.until('disconnect');
    assert.deepEqual(events.names(), ['conack', 'error', 'disconnect']);
    assert.deepEqual(events.of('error'), [['rx', 0]]);
    assert.equal(wsc.ready(), false);
  });

  it('a refused handshake is error("rx", 0)', async (t) => {
    const server = await startScriptedServer((socket) => {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    });
    t.after(() => server.close());
    const { wsc, events } = client(t, server.url);
    wsc.connect();
    await events.until('disconnect');
    assert.deepEqual(events.of('error'), [['rx', 0]]);
  });
});

describe('luatos: close and ready (L4)', { timeout: 20_000 }, () => {
  it('close() sends Close 1000 and no disconnect follows', async (t) => {
    const server = await echoServer(t);
    const codes: number[] = [];
    const serverClosed = new Promise<void>((resolve) => {
      server.server.on('connection', (peer: WsPeer) => {
        peer.on('close', (code) => {
          codes.push(code);
          resolve();
        });
      });
    });
    const lines: string[] = [];
    let finished: () => void = () => {};
    const engineDone = new Promise<void>((resolve) => {
      finished = resolve;
    });
    const { wsc, events } = await connected(t, server.url, {
      logger: (line) => {
        lines.push(line);
        if (line.startsWith('= closed')) finished();
      },
    });
    wsc.debug(true);
    wsc.close();
    assert.equal(wsc.ready(), false);
    await serverClosed;
    await engineDone;
    await drain();
    assert.deepEqual(codes, [1000]);
    assert.deepEqual(events.names(), ['conack'], 'no disconnect for a close the user asked for');
  });

  it('a closed client is unusable except close() and ready()', () => {
    const wsc = websocket.create(undefined, 'ws://127.0.0.1:9/')!;
    wsc.close();
    wsc.close();
    assert.equal(wsc.ready(), false);
    const calls: [string, () => unknown][] = [
      ['on', () => wsc.on(() => {})],
      ['connect', () => wsc.connect()],
      ['autoreconn', () => wsc.autoreconn(true)],
      ['send', () => wsc.send('x')],
      ['headers', () => wsc.headers({ A: 'b' })],
      ['debug', () => wsc.debug(true)],
    ];
    for (const [name, call] of calls) {
      assert.throws(call, (error: unknown) => {
        assert.ok(error instanceof InvalidStateError, name);
        assert.equal(error.code, ErrorCode.InvalidState);
        return true;
      });
    }
  });

  it('ready() follows the connection: after conack, not after a drop', async (t) => {
    const server = await echoServer(t);
    const { wsc, events } = await connected(t, server.url);
    assert.equal(wsc.ready(), true);
    for (const peer of server.server.clients) peer.terminate();
    await events.until('disconnect');
    assert.equal(wsc.ready(), false);
    assert.equal(wsc.send('after the drop'), false);
  });

  it('connect() again replaces the connection without a disconnect', async (t) => {
    const server = await echoServer(t);
    const { wsc, events } = await connected(t, server.url);
    wsc.connect();
    await events.until('conack', 2);
    wsc.send('on the second connection');
    await events.until('recv');
    assert.deepEqual(events.names().slice(0, 2), ['conack', 'conack']);
    assert.deepEqual(events.of('recv'), [['on the second connection', 1, 1]]);
    assert.equal(events.count('disconnect'), 0);
    assert.equal(events.count('error'), 0);
  });
});

describe('luatos: headers (L7)', { timeout: 20_000 }, () => {
  it('table and string forms reach the server; each call replaces the set', async (t) => {
    const server = await echoServer(t);
    const seen: IncomingHttpHeaders[] = [];
    server.server.on('connection', (_peer: WsPeer, request: { headers: IncomingHttpHeaders }) => {
      seen.push(request.headers);
    });
    const { wsc, events } = client(t, server.url);
    assert.equal(wsc.headers({ Auth: 'Basic ABCDEFGG', 'X-Count': 42 }), true);
    wsc.connect();
    await events.until('conack');
    assert.equal(wsc.headers('Auth: Basic ABCDERG\r\nX-Other: a.b_c-d*e\r\n'), true);
    wsc.connect();
    await events.until('conack', 2);
    assert.equal(seen.length, 2);
    assert.equal(seen[0]?.auth, 'Basic ABCDEFGG', 'values are not percent-encoded');
    assert.equal(seen[0]?.['x-count'], '42');
    assert.equal(seen[1]?.auth, 'Basic ABCDERG');
    assert.equal(seen[1]?.['x-other'], 'a.b_c-d*e');
    assert.equal(seen[1]?.['x-count'], undefined, 'the string replaced the table');
  });

  it('refuses CR/LF, bad names, empty entries and the handshake headers with false', async (t) => {
    const server = await echoServer(t);
    const seen: IncomingHttpHeaders[] = [];
    server.server.on('connection', (_peer: WsPeer, request: { headers: IncomingHttpHeaders }) => {
      seen.push(request.headers);
    });
    const { wsc, events } = client(t, server.url);
    assert.equal(wsc.headers({ Token: 'kept' }), true);
    const refused: unknown[] = [
      { Bad: 'a\r\nInjected: 1' },
      { Bad: 'a\nb' },
      { 'Bad Name': 'x' },
      { Empty: '' },
      { Host: 'elsewhere' },
      { Nested: {} },
      'A: b\nC: d',
      'A: b\r\n\r\nC: d',
      'no colon here\r\n',
      'Upgrade: h2c\r\n',
      undefined,
      7,
    ];
    for (const headers of refused) {
      assert.equal(wsc.headers(headers as never), false, JSON.stringify(headers));
    }
    wsc.connect();
    await events.until('conack');
    assert.equal(seen[0]?.token, 'kept', 'a refused call keeps the previous set');
    assert.equal(seen[0]?.injected, undefined);
  });
});

describe('luatos: WEBSOCKET_CONNACK on the bus (L3)', { timeout: 20_000 }, () => {
  it('sys.waitUntil("WEBSOCKET_CONNACK") resolves with [true, wsc] after conack', async (t) => {
    const server = await echoServer(t);
    const clock = new FakeClock();
    const wsc = websocket.create(undefined, server.url, undefined, undefined, { clock })!;
    t.after(() => wsc.close());
    const order: string[] = [];
    wsc.on((_client, event) => order.push(event));
    const waiting = sys.waitUntil('WEBSOCKET_CONNACK', 15_000);
    wsc.connect();
    const result = await waiting;
    assert.equal(result[0], true);
    assert.equal(result[1], wsc);
    assert.deepEqual(order, ['conack'], 'the callback saw conack before the publication');
  });

  it('is published even without a callback, on the bus given in the options', async (t) => {
    const server = await echoServer(t);
    const clock = new FakeClock();
    const bus = new MessageBus(clock);
    const wsc = websocket.create(undefined, server.url, undefined, undefined, { clock, bus })!;
    t.after(() => wsc.close());
    const waiting = bus.waitUntil('WEBSOCKET_CONNACK', 15_000);
    wsc.connect();
    assert.deepEqual(await waiting, [true, wsc]);
  });
});

describe('luatos: debug', { timeout: 20_000 }, () => {
  it('debug(true) logs frames and state changes through the logger; debug(false) stops', async (t) => {
    const server = await echoServer(t);
    const lines: string[] = [];
    const { wsc, events } = client(t, server.url, { logger: (line) => lines.push(line) });
    wsc.debug(true);
    wsc.connect();
    await events.until('conack');
    wsc.send('hi');
    await events.until('recv');
    assert.ok(lines.some((line) => line.startsWith('= connecting to ws://127.0.0.1')));
    assert.ok(lines.includes('= conack'));
    assert.ok(lines.some((line) => line.startsWith('> text message')));
    assert.ok(lines.includes('< text frame, opcode 1, fin 1, 2 bytes'));
    wsc.debug(false);
    const before = lines.length;
    wsc.send('quiet');
    await events.until('recv', 2);
    assert.equal(lines.length, before);
  });

  it('stays silent by default', async (t) => {
    const server = await echoServer(t);
    const lines: string[] = [];
    const { wsc, events } = await connected(t, server.url, { logger: (line) => lines.push(line) });
    wsc.send('hi');
    await events.until('recv');
    assert.deepEqual(lines, []);
  });
});
