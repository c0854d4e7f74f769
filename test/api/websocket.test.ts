// The WHATWG face (https://websockets.spec.whatwg.org/): argument checks with their
// DOMException names, ready states, event order and timing, binaryType, send() ordering with
// Blobs, bufferedAmount, close(), event handler attributes, subprotocols, failures, and a
// drop-in check that runs one scenario through undici's WebSocket and ours side by side.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { WebSocket as UndiciWebSocket } from 'undici';
import type { WebSocket as WsPeer } from 'ws';
import { CloseEvent, ErrorEvent, MessageEvent, WebSocket } from '../../src/api/websocket.js';
import { isWebSocketError } from '../../src/core/errors.js';
import { turn } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import {
  acceptHandshake,
  closedPort,
  type EchoServer,
  echoServer,
  parseClientFrames,
  readRequest,
  scripted,
  serverFrame,
} from '../helpers/servers.js';

/** What the undici and wsx sockets have in common, for the recorder. */
type AnySocket = EventTarget & { readonly readyState: number };

interface Seen {
  type: string;
  readyState: number;
  event: Event;
  data?: string;
}

function kindOf(data: unknown): string {
  if (typeof data === 'string') return `string:${data}`;
  if (data instanceof ArrayBuffer) return `ArrayBuffer:${data.byteLength}`;
  if (data instanceof Blob) return `Blob:${data.size}`;
  return `other:${Object.prototype.toString.call(data)}`;
}

/** Records every event with the readyState seen inside its listener. */
function record(ws: AnySocket): { seen: Seen[]; closed: Promise<CloseEvent> } {
  const seen: Seen[] = [];
  for (const type of ['open', 'message', 'error', 'close']) {
    ws.addEventListener(type, (event) => {
      const entry: Seen = { type, readyState: ws.readyState, event };
      if (type === 'message') entry.data = kindOf((event as MessageEvent).data);
      seen.push(entry);
    });
  }
  const closed = new Promise<CloseEvent>((resolve) =>
    ws.addEventListener('close', (event) => resolve(event as CloseEvent), { once: true }),
  );
  return { seen, closed };
}

function typesOf(seen: Seen[]): string {
  return seen.map((entry) => entry.type).join(' ');
}

/** Event types with the readyState seen in each listener. */
function statesOf(seen: Seen[]): string {
  return seen.map((entry) => `${entry.type}:${entry.readyState}`).join(' ');
}

function next(ws: AnySocket, type: string): Promise<Event> {
  return new Promise((resolve) => ws.addEventListener(type, resolve, { once: true }));
}

/** Remembers what each server-side peer received and how it saw the close. */
function watchPeers(server: EchoServer) {
  const peers: { messages: string[]; close: Promise<{ code: number; reason: string }> }[] = [];
  server.server.on('connection', (socket: WsPeer) => {
    const messages: string[] = [];
    socket.on('message', (data, isBinary) =>
      messages.push(isBinary ? `bin:${Buffer.from(data as Buffer).toString('hex')}` : String(data)),
    );
    const close = new Promise<{ code: number; reason: string }>((resolve) =>
      socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    peers.push({ messages, close });
  });
  return peers;
}

/** After the handshake, calls `onClose` once the client's Close frame arrived. */
function whenClientCloses(socket: Socket, rest: Buffer, onClose: (payload: Buffer) => void) {
  let buffered = rest;
  let done = false;
  const take = (): void => {
    const parsed = parseClientFrames(buffered);
    buffered = parsed.rest;
    const close = parsed.frames.find((frame) => frame.opcode === 0x8);
    if (close !== undefined && !done) {
      done = true;
      onClose(close.payload);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    take();
  });
  take();
}

function assertDOMException(fn: () => unknown, name: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof DOMException, `expected a DOMException, got ${String(error)}`);
    assert.equal(error.name, name);
    return true;
  });
}

describe('WebSocket interface shape', () => {
  it('has the ready-state constants on the class and on instances, read-only', () => {
    assert.deepEqual(
      [WebSocket.CONNECTING, WebSocket.OPEN, WebSocket.CLOSING, WebSocket.CLOSED],
      [0, 1, 2, 3],
    );
    for (const target of [WebSocket, WebSocket.prototype]) {
      for (const name of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) {
        const descriptor = Object.getOwnPropertyDescriptor(target, name);
        assert.equal(descriptor?.writable, false, name);
        assert.equal(descriptor?.configurable, false, name);
      }
    }
    assert.equal(Object.prototype.toString.call(WebSocket.prototype), '[object WebSocket]');
    assert.ok(WebSocket.prototype instanceof EventTarget);
  });

  it('builds CloseEvent and ErrorEvent with the standard defaults', () => {
    const close = new CloseEvent('close');
    assert.ok(close instanceof Event);
    assert.deepEqual(
      [close.type, close.code, close.reason, close.wasClean],
      ['close', 0, '', false],
    );
    const custom = new CloseEvent('close', { code: 4000, reason: 'bye', wasClean: true });
    assert.deepEqual([custom.code, custom.reason, custom.wasClean], [4000, 'bye', true]);
    const error = new ErrorEvent('error');
    assert.ok(error instanceof Event);
    assert.deepEqual([error.message, error.filename, error.lineno, error.colno], ['', '', 0, 0]);
    assert.equal(error.error, undefined);
    assert.equal(new ErrorEvent('error', { error: null }).error, null);
    // Dictionary members are read like WebIDL does, inherited ones included.
    const inherited = Object.create({ message: 'from the prototype', error: 'e' }) as object;
    const event = new ErrorEvent('error', inherited);
    assert.deepEqual([event.message, event.error], ['from the prototype', 'e']);
    const cause = new Error('x');
    assert.equal(new ErrorEvent('error', { error: cause, message: 'm' }).error, cause);
  });

  it('requires the type argument of CloseEvent and ErrorEvent (TypeError)', () => {
    assert.throws(() => Reflect.construct(CloseEvent, []), TypeError);
    assert.throws(() => Reflect.construct(ErrorEvent, []), TypeError);
    // An explicit undefined is a value: it becomes the type "undefined".
    assert.equal(new CloseEvent(undefined as unknown as string).type, 'undefined');
  });

  it('exports MessageEvent as undici does (Node global)', () => {
    assert.equal(MessageEvent, globalThis.MessageEvent);
    const event = new MessageEvent('message', { data: 'x' });
    assert.equal(event.data, 'x');
  });
});

describe('constructor argument checks', () => {
  it('requires the url argument (TypeError)', () => {
    assert.throws(() => Reflect.construct(WebSocket, []), TypeError);
  });

  for (const url of [
    'not a url',
    '/relative/path',
    'ftp://127.0.0.1/',
    'file:///tmp/x',
    'ws://127.0.0.1/#fragment',
    'ws://127.0.0.1/#',
    'ws://',
  ]) {
    it(`rejects ${JSON.stringify(url)} with a SyntaxError DOMException`, () => {
      assertDOMException(() => new WebSocket(url), 'SyntaxError');
    });
  }

  for (const protocols of [
    '',
    'has space',
    'comma,separated',
    ['chat', 'chat'],
    ['chat', 'CHAT'],
    ['ok', 'bad/slash'],
    ['ok', ''],
  ]) {
    it(`rejects subprotocols ${JSON.stringify(protocols)} with a SyntaxError DOMException`, () => {
      assertDOMException(() => new WebSocket('ws://127.0.0.1:1/', protocols), 'SyntaxError');
    });
  }

  it('checks the URL before the subprotocols', () => {
    assertDOMException(() => new WebSocket('ftp://x/', ['a', 'a']), 'SyntaxError');
    assertDOMException(() => new WebSocket('ws://127.0.0.1:1/', ['a', 'a']), 'SyntaxError');
  });

  it('refuses subprotocols given both as argument and as option', () => {
    assert.throws(
      () => new WebSocket('ws://127.0.0.1:1/', ['a'], { protocols: ['b'] }),
      (error: unknown) => isWebSocketError(error) && error.code === 'ERR_INVALID_ARGUMENT',
    );
  });

  it('reports bad Node options as wsx errors', () => {
    for (const options of [{ openTimeoutMs: -1 }, 5 as never]) {
      assert.throws(
        () => new WebSocket('ws://127.0.0.1:1/', undefined, options),
        (error: unknown) => isWebSocketError(error) && error.code === 'ERR_INVALID_ARGUMENT',
      );
    }
  });
});

describe('url attribute', () => {
  it('serializes the URL, mapping http(s) to ws(s) and dropping default ports', async () => {
    const cases: [string | URL, string][] = [
      ['ws://127.0.0.1:1', 'ws://127.0.0.1:1/'],
      ['http://127.0.0.1:1/a/../b?x=1', 'ws://127.0.0.1:1/b?x=1'],
      ['HTTPS://LOCALHOST:1/p q', 'wss://localhost:1/p%20q'],
      ['ws://127.0.0.1:80/', 'ws://127.0.0.1/'],
      [new URL('wss://127.0.0.1:443/x'), 'wss://127.0.0.1/x'],
    ];
    for (const [input, expected] of cases) {
      const ws = new WebSocket(input);
      assert.equal(ws.url, expected);
      ws.close(); // fails the connection before any byte goes out
      await next(ws, 'close');
    }
  });
});

describe('events and ready states', () => {
  it('goes open, message*, close with readyState 1, 1, 3 and the origin', async (t) => {
    const server = await echoServer(t);
    const ws = new WebSocket(server.url);
    const { seen, closed } = record(ws);
    assert.equal(ws.readyState, WebSocket.CONNECTING);
    assert.equal(ws.binaryType, 'blob');
    assert.equal(ws.protocol, '');
    assert.equal(ws.extensions, '');
    ws.onopen = () => {
      ws.send('one');
      ws.send(new Uint8Array([1, 2, 3]));
    };
    ws.onmessage = (event) => {
      if (event.data instanceof Blob) ws.close(4000, 'done');
    };
    const event = await closed;
    assert.deepEqual(
      seen.map((entry) => [entry.type, entry.readyState, entry.data]),
      [
        ['open', 1, undefined],
        ['message', 1, 'string:one'],
        ['message', 1, 'Blob:3'],
        ['close', 3, undefined],
      ],
    );
    const message = seen[1]!.event as MessageEvent;
    assert.ok(message instanceof MessageEvent);
    assert.equal(message.origin, new URL(server.url).origin);
    assert.ok(event instanceof CloseEvent);
    assert.deepEqual([event.code, event.reason, event.wasClean], [4000, 'done', true]);
  });

  it('dispatches nothing synchronously: close() while connecting gives error then close', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${await closedPort()}/`);
    const { seen, closed } = record(ws);
    ws.close();
    assert.equal(ws.readyState, WebSocket.CLOSING);
    assert.equal(seen.length, 0);
    ws.close(); // idempotent
    const event = await closed;
    assert.equal(statesOf(seen), 'error:3 close:3');
    const error = seen[0]!.event;
    assert.ok(error instanceof ErrorEvent);
    assert.ok(isWebSocketError(error.error));
    assert.equal(error.message, (error.error as Error).message);
    assert.deepEqual([event.code, event.reason, event.wasClean], [1006, '', false]);
    await turn();
    assert.equal(seen.length, 2);
  });

  it('fails the connection when close() comes after the handshake but before open fired', async (t) => {
    const server = await echoServer(t);
    const peers = watchPeers(server);
    let ws: WebSocket | undefined;
    // The engine logs "= open" just before it reports the handshake; the open task is queued
    // after that, so closing here is closing while readyState is still CONNECTING.
    const logger = (line: string): void => {
      if (!line.startsWith('= open')) return;
      assert.equal(ws!.readyState, WebSocket.CONNECTING);
      ws!.close(1000);
    };
    ws = new WebSocket(server.url, undefined, { logger });
    const { seen, closed } = record(ws);
    const event = await closed;
    assert.equal(typesOf(seen), 'error close');
    assert.deepEqual([event.code, event.wasClean], [1006, false]);
    assert.equal((await peers[0]!.close).code, 1006); // the server saw TCP drop, no Close
  });

  it('drops messages that arrive after close() was called', async (t) => {
    const server = await echoServer(t);
    const peers = watchPeers(server);
    const ws = new WebSocket(server.url);
    const { seen, closed } = record(ws);
    ws.onopen = () => {
      ws.send('echo me');
      ws.close();
      assert.equal(ws.readyState, WebSocket.CLOSING);
    };
    const event = await closed;
    assert.equal(typesOf(seen), 'open close');
    assert.deepEqual(peers[0]!.messages, ['echo me']);
    // close() without arguments sends a Close frame without a body.
    assert.equal((await peers[0]!.close).code, 1005);
    assert.deepEqual([event.code, event.wasClean], [1005, true]);
  });

  it('reads CLOSING once the server started closing; then its code and reason', async (t) => {
    let ws: WebSocket | undefined;
    const seenByServer: number[] = [];
    const server = await scripted(t, async (socket) => {
      const rest = await acceptHandshake(socket);
      whenClientCloses(socket, rest, () => {
        seenByServer.push(ws!.readyState);
        ws!.send('dropped'); // CLOSING: no exception, but counted
        seenByServer.push(ws!.bufferedAmount);
        socket.end();
      });
      const payload = Buffer.concat([Buffer.from([0x0f, 0xa1]), Buffer.from('server says bye')]);
      socket.write(serverFrame(0x8, payload));
    });
    ws = new WebSocket(server.url);
    const { seen, closed } = record(ws);
    const event = await closed;
    assert.equal(typesOf(seen), 'open close');
    assert.deepEqual(seenByServer, [WebSocket.CLOSING, 7]);
    assert.deepEqual([event.code, event.reason, event.wasClean], [4001, 'server says bye', true]);
    assert.equal(ws.readyState, WebSocket.CLOSED);
  });
});

describe('failures: error, then close 1006', () => {
  it('on connection refused', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${await closedPort()}/`);
    const { seen, closed } = record(ws);
    const event = await closed;
    assert.equal(statesOf(seen), 'error:3 close:3');
    const error = (seen[0]!.event as ErrorEvent).error as { code: string };
    assert.equal(error.code, 'ERR_CONNECT');
    assert.deepEqual([event.code, event.wasClean], [1006, false]);
  });

  it('on a refused handshake (HTTP 403)', async (t) => {
    const server = await scripted(t, async (socket) => {
      await readRequest(socket);
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope');
    });
    const ws = new WebSocket(server.url);
    const { seen, closed } = record(ws);
    const event = await closed;
    assert.equal(typesOf(seen), 'error close');
    const error = (seen[0]!.event as ErrorEvent).error as { code: string; status: number };
    assert.deepEqual([error.code, error.status], ['ERR_HANDSHAKE_STATUS', 403]);
    assert.deepEqual([event.code, event.reason, event.wasClean], [1006, '', false]);
  });

  it('when the server drops TCP after the handshake', async (t) => {
    const server = await scripted(t, async (socket) => {
      await acceptHandshake(socket);
      socket.write(serverFrame(0x1, 'last words'));
      socket.end();
    });
    const ws = new WebSocket(server.url);
    const { seen, closed } = record(ws);
    const event = await closed;
    assert.deepEqual(
      seen.map((entry) => [entry.type, entry.data]),
      [
        ['open', undefined],
        ['message', 'string:last words'],
        ['error', undefined],
        ['close', undefined],
      ],
    );
    assert.deepEqual([event.code, event.wasClean], [1006, false]);
  });

  it('when the server breaks the protocol (the client sends Close 1002)', async (t) => {
    let clientClose: Buffer | undefined;
    const server = await scripted(t, async (socket) => {
      const rest = await acceptHandshake(socket);
      whenClientCloses(socket, rest, (payload) => {
        clientClose = payload;
        socket.end();
      });
      socket.write(serverFrame(0x1, 'masked', { mask: true }));
    });
    const ws = new WebSocket(server.url);
    const { seen, closed } = record(ws);
    const event = await closed;
    assert.equal(typesOf(seen), 'open error close');
    assert.equal(
      ((seen[1]!.event as ErrorEvent).error as { code: string }).code,
      'ERR_MASKED_FRAME',
    );
    assert.equal(clientClose?.readUInt16BE(0), 1002);
    assert.deepEqual([event.code, event.wasClean], [1006, false]);
  });

  it('when the closing handshake times out (fake clock)', async (t) => {
    const clock = new FakeClock();
    const server = await scripted(t, async (socket) => {
      const rest = await acceptHandshake(socket);
      // Never answers the client's Close: only the close timeout can end this.
      whenClientCloses(socket, rest, () => clock.advance(10_000));
    });
    const ws = new WebSocket(server.url, undefined, { clock });
    const { seen, closed } = record(ws);
    ws.onopen = () => ws.close(1000);
    const event = await closed;
    assert.equal(typesOf(seen), 'open error close');
    assert.equal(
      ((seen[1]!.event as ErrorEvent).error as { code: string }).code,
      'ERR_CLOSE_TIMEOUT',
    );
    assert.deepEqual([event.code, event.wasClean], [1006, false]);
  });
});

describe('send()', () => {
  it('throws InvalidStateError while connecting and TypeError without an argument', async (t) => {
    const server = await echoServer(t);
    const ws = new WebSocket(server.url);
    assertDOMException(() => ws.send('too early'), 'InvalidStateError');
    assert.throws(() => Reflect.apply(ws.send, ws, []), TypeError);
    assert.equal(ws.bufferedAmount, 0);
    ws.close();
    await next(ws, 'close');
  });

  it('refuses shared memory with a TypeError, in every state (not a BufferSource)', async (t) => {
    const server = await echoServer(t);
    const ws = new WebSocket(server.url);
    const shared = new SharedArrayBuffer(4);
    const refuse = (): void => {
      assert.throws(() => ws.send(shared), TypeError);
      assert.throws(() => ws.send(new Uint8Array(shared, 1, 2)), TypeError);
      assert.throws(() => ws.send(new DataView(shared)), TypeError);
    };
    refuse(); // checked before the state, as WebIDL converts arguments first
    await next(ws, 'open');
    refuse();
    assert.equal(ws.bufferedAmount, 0);
    ws.close();
    await next(ws, 'close');
    refuse();
  });

  it('keeps the order of strings, buffers and Blobs (Blobs are read asynchronously)', async (t) => {
    const server = await echoServer(t);
    const ws = new WebSocket(server.url);
    ws.binaryType = 'arraybuffer';
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    class SlowBlob extends Blob {
      override arrayBuffer(): Promise<ArrayBuffer> {
        return gate.then(() => super.arrayBuffer());
      }
    }
    const received: string[] = [];
    ws.onmessage = (event) => {
      const data = event.data as string | ArrayBuffer;
      received.push(typeof data === 'string' ? data : Buffer.from(data).toString('hex'));
      if (received.length === 6) ws.close();
    };
    await next(ws, 'open');
    const bytes = new Uint8Array([9, 9, 0xaa, 0xbb, 9]);
    ws.send(new SlowBlob([new Uint8Array([1, 2])]));
    ws.send('after slow blob');
    ws.send(bytes.subarray(2, 4));
    ws.send(new Blob(['blob text']));
    ws.send(new Uint16Array([0x0102]).buffer);
    ws.send('last');
    bytes.fill(0); // queued bytes were copied when send() was called
    assert.equal(ws.bufferedAmount, 2 + 15 + 2 + 9 + 2 + 4);
    for (let i = 0; i < 5; i++) await turn(); // a direct write would be on the wire by now
    release();
    await next(ws, 'close');
    assert.deepEqual(received, [
      '0102',
      'after slow blob',
      'aabb',
      Buffer.from('blob text').toString('hex'),
      Buffer.from(new Uint16Array([0x0102]).buffer).toString('hex'),
      'last',
    ]);
  });

  it('sends what was queued behind a Blob before the Close frame', async (t) => {
    const server = await echoServer(t);
    const peers = watchPeers(server);
    const ws = new WebSocket(server.url);
    await next(ws, 'open');
    ws.send(new Blob([new Uint8Array([7])]));
    ws.send('then text');
    ws.close(4002, 'after the queue');
    assert.equal(ws.readyState, WebSocket.CLOSING);
    const event = (await next(ws, 'close')) as CloseEvent;
    assert.deepEqual(peers[0]!.messages, ['bin:07', 'then text']);
    assert.deepEqual(await peers[0]!.close, { code: 4002, reason: 'after the queue' });
    assert.equal(event.code, 4002);
  });

  it('fails the connection when a Blob cannot be read', async (t) => {
    const server = await echoServer(t);
    class BrokenBlob extends Blob {
      override arrayBuffer(): Promise<ArrayBuffer> {
        return Promise.reject(new Error('the file went away'));
      }
    }
    const ws = new WebSocket(server.url);
    const { seen, closed } = record(ws);
    await next(ws, 'open');
    ws.send(new BrokenBlob(['abc']));
    const event = await closed;
    assert.equal(typesOf(seen), 'open error close');
    const error = (seen[1]!.event as ErrorEvent).error as Error;
    assert.match(error.message, /the file went away/);
    assert.equal(event.code, 1006);
  });

  it('converts other values to strings, as WebIDL does', async (t) => {
    const server = await echoServer(t);
    const ws = new WebSocket(server.url);
    const received: unknown[] = [];
    ws.onmessage = (event) => {
      received.push(event.data);
      if (received.length === 2) ws.close();
    };
    await next(ws, 'open');
    ws.send(42 as never);
    ws.send({ toString: () => 'custom' } as never);
    await next(ws, 'close');
    assert.deepEqual(received, ['42', 'custom']);
  });
});

describe('bufferedAmount', () => {
  it('counts UTF-8 and view bytes, drains to 0, and keeps growing after close', async (t) => {
    const server = await echoServer(t);
    const ws = new WebSocket(server.url);
    await next(ws, 'open');
    ws.send('héllo'); // 6 bytes of UTF-8
    ws.send(new Uint8Array(10).subarray(2, 5)); // the view's 3 bytes
    ws.send('\ud800'); // a lone surrogate goes out as U+FFFD: 3 bytes
    assert.equal(ws.bufferedAmount, 12);
    let count = 0;
    ws.onmessage = () => {
      if (++count === 3) {
        assert.equal(ws.bufferedAmount, 0);
        ws.close();
        ws.send('abc'); // CLOSING: dropped, but counted
        assert.equal(ws.bufferedAmount, 3);
      }
    };
    await next(ws, 'close');
    assert.equal(ws.readyState, WebSocket.CLOSED);
    ws.send(new ArrayBuffer(4));
    ws.send(new Blob(['12345']));
    ws.send('€');
    assert.equal(ws.bufferedAmount, 3 + 4 + 5 + 3);
  });
});

describe('binaryType', () => {
  it('ignores values outside the enumeration', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${await closedPort()}/`);
    ws.binaryType = 'arraybuffer';
    ws.binaryType = 'nonsense' as never;
    assert.equal(ws.binaryType, 'arraybuffer');
    ws.binaryType = 'blob';
    assert.equal(ws.binaryType, 'blob');
    ws.close();
    await next(ws, 'close');
  });

  it('delivers a Blob or an exact ArrayBuffer, chosen when the event is dispatched', async (t) => {
    const payloads = [Buffer.from([1, 2, 3]), Buffer.from([4, 5]), Buffer.alloc(0)];
    const server = await scripted(t, async (socket) => {
      const rest = await acceptHandshake(socket);
      socket.write(Buffer.concat(payloads.map((payload) => serverFrame(0x2, payload))));
      whenClientCloses(socket, rest, () => {
        socket.write(serverFrame(0x8, Buffer.from([0x03, 0xe8])));
        socket.end();
      });
    });
    const ws = new WebSocket(server.url);
    const data: unknown[] = [];
    ws.onmessage = (event) => {
      data.push(event.data);
      ws.binaryType = 'arraybuffer'; // applies to the messages not yet dispatched
      if (data.length === 3) ws.close();
    };
    await next(ws, 'close');
    assert.ok(data[0] instanceof Blob);
    assert.deepEqual(Buffer.from(await (data[0] as Blob).arrayBuffer()), payloads[0]);
    for (const [index, value] of [data[1], data[2]].entries()) {
      assert.ok(value instanceof ArrayBuffer);
      assert.deepEqual(Buffer.from(value), payloads[index + 1]);
      assert.equal(value.byteLength, payloads[index + 1]!.length);
    }
  });
});

describe('close() argument checks', () => {
  it('throws InvalidAccessError for codes other than 1000 and 3000-4999 ([Clamp] applied)', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${await closedPort()}/`);
    for (const code of [0, 999, 1001, 1005, 1006, 2999, 5000, 65535, -5, 70000, Number.NaN]) {
      assertDOMException(() => ws.close(code), 'InvalidAccessError');
    }
    assert.equal(ws.readyState, WebSocket.CONNECTING);
    assertDOMException(() => ws.close(1000, 'x'.repeat(124)), 'SyntaxError');
    assertDOMException(() => ws.close(undefined, 'é'.repeat(62)), 'SyntaxError'); // 124 bytes
    assertDOMException(() => ws.close(4000.4, 'x'.repeat(124)), 'SyntaxError');
    assert.equal(ws.readyState, WebSocket.CONNECTING);
    ws.close(2999.5 + 0.1, `${'é'.repeat(61)}a`); // clamps to 3000; 123 bytes is fine
    assert.equal(ws.readyState, WebSocket.CLOSING);
    await next(ws, 'close');
    assertDOMException(() => ws.close(1001), 'InvalidAccessError'); // checked even when closed
  });

  it('sends the code and reason; a reason alone goes with 1000', async (t) => {
    const server = await echoServer(t);
    const peers = watchPeers(server);
    const calls: [number | undefined, string | undefined][] = [
      [3000.5, undefined], // rounds half to even: 3000
      [undefined, 'only a reason'],
      [4999, 'ünïcödé'],
    ];
    const expected = [
      { code: 3000, reason: '' },
      { code: 1000, reason: 'only a reason' },
      { code: 4999, reason: 'ünïcödé' },
    ];
    for (const [index, [code, reason]] of calls.entries()) {
      const ws = new WebSocket(server.url);
      await next(ws, 'open');
      ws.close(code, reason);
      const event = (await next(ws, 'close')) as CloseEvent;
      assert.deepEqual(await peers[index]!.close, expected[index]);
      assert.deepEqual(
        [event.code, event.reason, event.wasClean],
        [expected[index]!.code, expected[index]!.reason, true],
      );
    }
  });
});

describe('event handler attributes and listeners', () => {
  it('calls on* handlers with this = the socket, in listener order, and removes them', async (t) => {
    const server = await echoServer(t);
    const ws = new WebSocket(server.url);
    const calls: string[] = [];
    const first = function (this: WebSocket) {
      calls.push(`first:${this === ws}`);
    };
    ws.onmessage = first;
    const listener = () => calls.push('listener');
    ws.addEventListener('message', listener);
    // Replacing the handler keeps its place before the listener.
    ws.onmessage = function (this: WebSocket) {
      calls.push(`second:${this === ws}`);
    };
    assert.notEqual(ws.onmessage, first);
    ws.onopen = () => ws.send('a');
    await next(ws, 'message');
    assert.deepEqual(calls, ['second:true', 'listener']);

    ws.removeEventListener('message', listener);
    ws.onmessage = null;
    assert.equal(ws.onmessage, null);
    ws.onerror = 'not a function' as never;
    assert.equal(ws.onerror, null);
    // Set again after null: it now runs after the listener added meanwhile.
    const order: string[] = [];
    ws.addEventListener('message', () => order.push('listener'));
    ws.onmessage = () => order.push('handler');
    ws.send('b');
    await next(ws, 'message');
    assert.deepEqual(order, ['listener', 'handler']);
    assert.equal(calls.length, 2);

    let closes = 0;
    ws.onclose = () => closes++;
    ws.close();
    await next(ws, 'close');
    assert.equal(closes, 1);
  });
});

describe('subprotocols', () => {
  const chooseSecond = {
    handleProtocols: (offered: Set<string>) => [...offered][1] ?? false,
  };

  it('exposes the chosen subprotocol once open, from any of the three argument forms', async (t) => {
    const server = await echoServer(t, chooseSecond);
    const forms = [
      () => new WebSocket(server.url, ['chat.v1', 'chat.v2']),
      () => new WebSocket(server.url, undefined, { protocols: ['chat.v1', 'chat.v2'] }),
      () => new WebSocket(server.url, { protocols: ['chat.v1', 'chat.v2'] }),
    ];
    for (const make of forms) {
      const ws = make();
      assert.equal(ws.protocol, '');
      await next(ws, 'open');
      assert.equal(ws.protocol, 'chat.v2');
      ws.close();
      await next(ws, 'close');
    }
  });

  it('fails when subprotocols were offered and the server chose none', async (t) => {
    const server = await echoServer(t, { handleProtocols: () => false });
    const ws = new WebSocket(server.url, 'chat');
    const { seen, closed } = record(ws);
    const event = await closed;
    assert.equal(typesOf(seen), 'error close');
    const error = (seen[0]!.event as ErrorEvent).error as { code: string };
    assert.equal(error.code, 'ERR_HANDSHAKE_SUBPROTOCOL');
    assert.equal(event.code, 1006);
    assert.equal(ws.protocol, '');
  });
});

describe('drop-in: the same scenario through undici and wsx', () => {
  type Constructor = new (
    url: string,
    protocols?: string | string[],
  ) => AnySocket & {
    binaryType: string;
    protocol: string;
    extensions: string;
    send(data: unknown): void;
    close(code?: number, reason?: string): void;
  };

  async function run(Ctor: Constructor, url: string, protocols?: string[]): Promise<string[]> {
    const log: string[] = [];
    const ws = new Ctor(url, protocols);
    log.push(`created ${ws.readyState} ${ws.binaryType} '${ws.protocol}'`);
    const { seen, closed } = record(ws);
    let messages = 0;
    ws.addEventListener('open', () => {
      log.push(`open: protocol '${ws.protocol}' extensions '${ws.extensions}'`);
      ws.send('text');
      ws.send(new Uint8Array([1, 2, 3]));
      ws.send(new Uint8Array([4]).buffer);
    });
    ws.addEventListener('message', () => {
      messages += 1;
      if (messages === 2) ws.binaryType = 'arraybuffer';
      if (messages === 3) {
        ws.close(1000, 'done');
        log.push(`after close() ${ws.readyState}`);
      }
    });
    const event = await closed;
    for (const entry of seen) {
      log.push(`${entry.type} ${entry.readyState}${entry.data ? ` ${entry.data}` : ''}`);
    }
    log.push(`close ${event.code} '${event.reason}' ${event.wasClean}`);
    return log;
  }

  it('matches on a normal exchange with subprotocol negotiation', async (t) => {
    const server = await echoServer(t, { handleProtocols: (offered) => [...offered][0] ?? false });
    const theirs = await run(UndiciWebSocket as unknown as Constructor, server.url, ['a', 'b']);
    const ours = await run(WebSocket as unknown as Constructor, server.url, ['a', 'b']);
    assert.deepEqual(ours, theirs);
    assert.ok(theirs.includes('message 1 Blob:3'), theirs.join('\n'));
  });

  it('matches on a refused handshake and on a refused connection', async (t) => {
    const server = await scripted(t, async (socket) => {
      await readRequest(socket);
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n');
    });
    for (const url of [server.url, `ws://127.0.0.1:${await closedPort()}/`]) {
      const theirs = await run(UndiciWebSocket as unknown as Constructor, url);
      const ours = await run(WebSocket as unknown as Constructor, url);
      assert.deepEqual(ours, theirs);
      assert.deepEqual(ours.slice(-3), ['error 3', 'close 3', "close 1006 '' false"]);
    }
  });
});
