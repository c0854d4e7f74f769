// Tests for src/api/foreign-connection.ts: another WHATWG WebSocket class driven as one
// connection of ReconnectingWebSocket, here a scripted mock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ForeignConnection } from '../../src/api/foreign-connection.js';
import type { CloseInfo, ConnectionHandler } from '../../src/client/connection.js';
import { resolveOptions } from '../../src/client/options.js';
import {
  ErrorCode,
  InvalidStateError,
  TimeoutError,
  TransportError,
  type WebSocketError,
} from '../../src/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** A WebSocket-like mock whose events the test fires. */
class MockSocket extends EventTarget {
  static last: MockSocket | undefined;
  readyState = 0;
  bufferedAmount = 0;
  protocol = 'chat';
  extensions = '';
  binaryType = 'blob';
  readonly sent: unknown[] = [];
  readonly closes: unknown[][] = [];
  readonly args: unknown[];
  constructor(...args: unknown[]) {
    super();
    this.args = args;
    MockSocket.last = this;
  }
  send(data: unknown): void {
    this.sent.push(data);
  }
  close(...args: unknown[]): void {
    this.closes.push(args);
    this.readyState = 2;
  }
  fire(type: string, fields: Record<string, unknown> = {}): void {
    if (type === 'open') this.readyState = 1;
    if (type === 'close') this.readyState = 3;
    this.dispatchEvent(Object.assign(new Event(type), fields));
  }
}

function setup(options: { protocols?: string[]; openTimeoutMs?: number } = {}) {
  const clock = new FakeClock();
  const log: string[] = [];
  const closes: CloseInfo[] = [];
  const errors: WebSocketError[] = [];
  const handler: ConnectionHandler = {
    onOpen: () => log.push('open'),
    onMessage: (data, isBinary) =>
      log.push(
        `${isBinary ? 'binary' : 'text'} ${typeof data === 'string' ? data : [...data].join(',')}`,
      ),
    onPing: () => {},
    onPong: () => {},
    onError: (error) => errors.push(error),
    onClose: (info) => closes.push(info),
  };
  const resolved = resolveOptions('ws://127.0.0.1:9/', { clock, openTimeoutMs: 0, ...options });
  const connection = new ForeignConnection(resolved, handler, MockSocket as never);
  connection.start();
  const socket = MockSocket.last!;
  return { clock, log, closes, errors, connection, socket };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('ForeignConnection', () => {
  it('opens with the URL and subprotocols, and asks for ArrayBuffers', () => {
    const { socket, connection, log } = setup({ protocols: ['chat', 'v2'] });
    assert.deepEqual(socket.args, ['ws://127.0.0.1:9/', ['chat', 'v2']]);
    assert.equal(socket.binaryType, 'arraybuffer');
    assert.equal(connection.readyState, 0);
    socket.fire('open');
    assert.equal(connection.readyState, 1);
    assert.equal(connection.protocol, 'chat');
    assert.deepEqual(log, ['open']);
  });

  it('delivers text, ArrayBuffers, views and Blobs in arrival order', async () => {
    const { socket, log } = setup();
    socket.fire('open');
    socket.fire('message', { data: new Blob([new Uint8Array([1, 2])]) });
    socket.fire('message', { data: 'after the blob' });
    socket.fire('message', { data: new Uint8Array([0, 3, 4]).subarray(1) });
    socket.fire('message', { data: new Uint8Array([5]).buffer });
    await settle();
    assert.deepEqual(log, ['open', 'binary 1,2', 'text after the blob', 'binary 3,4', 'binary 5']);
  });

  it('sends only while open; a send counts as done once handed over', async () => {
    const { socket, connection } = setup();
    assert.throws(() => connection.send('early', false), InvalidStateError);
    socket.fire('open');
    let done = false;
    assert.equal(
      connection.send('héllo', false, () => (done = true)),
      5,
    );
    await settle();
    assert.equal(done, true);
    assert.deepEqual(socket.sent, ['héllo']);
    socket.readyState = 2; // the other class started closing on its own
    assert.throws(() => connection.send('late', false), /closing/);
  });

  it('close() closes the socket once and reports a clean close by the client', async () => {
    const { socket, connection, closes } = setup();
    socket.fire('open');
    connection.close(4000, 'bye');
    connection.close(4001, 'again');
    assert.deepEqual(socket.closes, [[4000, 'bye']]);
    socket.fire('close', { code: 4000, reason: 'bye', wasClean: true });
    await settle();
    assert.equal(closes.length, 1);
    assert.equal(closes[0]?.code, 4000);
    assert.equal(closes[0]?.wasClean, true);
    assert.equal(closes[0]?.cause.kind, 'user');
  });

  it('an error before open is a failed connect; after open, a lost connection', async () => {
    const before = setup();
    before.socket.fire('error', { message: 'refused' });
    before.socket.fire('close', { code: 1006 });
    await settle();
    assert.ok(before.errors[0] instanceof TransportError);
    assert.equal(before.errors[0]?.code, ErrorCode.ConnectFailed);
    assert.match(before.errors[0]?.message ?? '', /refused/);
    assert.equal(before.closes[0]?.wasClean, false);

    const after = setup();
    after.socket.fire('open');
    after.socket.fire('error', { error: new Error('reset') });
    after.socket.fire('close', { code: 1006, wasClean: true });
    await settle();
    assert.equal(after.errors[0]?.code, ErrorCode.ConnectionLost);
    assert.equal(after.closes[0]?.wasClean, false);
  });

  it('gives up opening after openTimeoutMs', async () => {
    const { socket, clock, errors, closes } = setup({ openTimeoutMs: 500 });
    clock.advance(499);
    assert.deepEqual(socket.closes, []);
    clock.advance(1);
    assert.deepEqual(socket.closes, [[]]);
    socket.fire('close', { code: 1006 });
    await settle();
    assert.ok(errors[0] instanceof TimeoutError);
    assert.equal(closes.length, 1);
  });

  it('a constructor that throws is a failed attempt, reported after the call', async () => {
    const clock = new FakeClock();
    const closes: CloseInfo[] = [];
    const errors: WebSocketError[] = [];
    const handler = {
      onOpen: () => {},
      onMessage: () => {},
      onPing: () => {},
      onPong: () => {},
      onError: (error: WebSocketError) => errors.push(error),
      onClose: (info: CloseInfo) => closes.push(info),
    };
    const Throwing = class {
      constructor() {
        throw new SyntaxError('bad url');
      }
    } as never;
    const connection = new ForeignConnection(
      resolveOptions('ws://h/', { clock }),
      handler,
      Throwing,
    );
    connection.start();
    assert.equal(closes.length, 0);
    await settle();
    assert.equal(errors[0]?.code, ErrorCode.ConnectFailed);
    assert.match(errors[0]?.message ?? '', /constructor threw: bad url/);
    assert.equal(closes[0]?.code, 1006);
  });
});
