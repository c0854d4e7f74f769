// Tests for src/client/connection-base.ts: what a face may ask of a connection at any time
// (state, what the 101 accepted, sending, Pings and Pongs, receive backpressure), driven
// through a Connection over an in-memory transport with a manual clock. The connection's
// course (opening, closing, failures) is tested in connection.test.ts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CloseInfo, Connection } from '../../src/client/connection.js';
import { resolveOptions } from '../../src/client/options.js';
import {
  ConnectionClosedError,
  ErrorCode,
  InvalidStateError,
  type WebSocketError,
} from '../../src/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { MemoryTransport } from '../helpers/memory-transport.js';
import { testPorts } from '../helpers/ports.js';

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function setup(options: Parameters<typeof resolveOptions>[1] = {}) {
  const transport = new MemoryTransport();
  const clock = new FakeClock();
  const record = {
    messages: [] as { data: string | Uint8Array; isBinary: boolean }[],
    errors: [] as WebSocketError[],
    closes: [] as CloseInfo[],
  };
  const connection = new Connection(
    {
      ...resolveOptions('ws://example.test/base', {
        clock,
        ports: testPorts(11),
        pingIntervalMs: 0,
        ...options,
      }),
      openTransport: () => Promise.resolve(transport),
    },
    {
      onOpen: () => {},
      onMessage: (data, isBinary) => record.messages.push({ data, isBinary }),
      onPing: () => {},
      onPong: () => {},
      onError: (error) => record.errors.push(error),
      onClose: (info) => record.closes.push(info),
    },
  );
  return { connection, transport, clock, record };
}

async function opened(options: Parameters<typeof resolveOptions>[1] = {}, headers = '') {
  const parts = setup(options);
  parts.connection.start();
  await settle();
  parts.transport.accept(headers);
  await settle();
  assert.equal(parts.connection.readyState, 1);
  return parts;
}

function assertNotOpen(action: () => unknown, message: string): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof InvalidStateError);
    assert.equal(error.code, ErrorCode.InvalidState);
    assert.equal(error.message, message);
    return true;
  });
}

const NOT_YET = 'the connection is not open yet; wait for it to open before sending';
const CLOSING = 'the connection is closing or closed; nothing more can be sent';

describe('ConnectionBase state', () => {
  it('before the 101: CONNECTING, nothing accepted, nothing buffered', () => {
    const { connection } = setup();
    assert.equal(connection.readyState, 0);
    assert.equal(connection.protocol, '');
    assert.equal(connection.extensions, '');
    assert.deepEqual(connection.responseHeaders, {});
    assert.equal(connection.bufferedAmount, 0);
    assert.equal(connection.undeliveredBytes, 0);
    assert.equal(connection.latencyMs, undefined);
    assert.equal(connection.options.target.resource, '/base');
  });

  it('after the 101: the subprotocol and headers it accepted', async () => {
    const { connection } = await opened(
      { protocols: ['one', 'chat'] },
      'Sec-WebSocket-Protocol: chat\r\nX-Extra: yes\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2\r\n',
    );
    assert.equal(connection.protocol, 'chat');
    assert.equal(connection.extensions, '');
    assert.equal(connection.responseHeaders['x-extra'], 'yes');
    assert.deepEqual(connection.responseHeaders['set-cookie'], ['a=1', 'b=2']);
  });
});

describe('ConnectionBase sending', () => {
  it('refuses every kind of send before the connection opens', () => {
    const { connection } = setup();
    assertNotOpen(() => connection.send('x', false), NOT_YET);
    assertNotOpen(() => connection.sendWithBatchPromise('x', false), NOT_YET);
    assertNotOpen(() => connection.sendFrame(1, 'x', true), NOT_YET);
    assertNotOpen(() => connection.ping(), NOT_YET);
    assertNotOpen(() => connection.pong(), NOT_YET);
  });

  it('refuses every kind of send once close() started, with nothing written', async () => {
    const { connection, transport } = await opened({ closeTimeoutMs: 0 });
    connection.close(1000, '');
    await settle();
    const written = transport.frames().length;
    assertNotOpen(() => connection.send('x', false), CLOSING);
    assertNotOpen(() => connection.sendWithBatchPromise('x', false), CLOSING);
    assertNotOpen(() => connection.sendFrame(2, new Uint8Array(1), true), CLOSING);
    assertNotOpen(() => connection.ping(), CLOSING);
    assertNotOpen(() => connection.pong(), CLOSING);
    await settle();
    assert.equal(transport.frames().length, written);
    assert.equal(connection.stats.messagesOut, 0);
  });

  it('refuses sends once the server sent its Close, even before the state changes', async () => {
    const { connection, transport } = await opened({ closeTimeoutMs: 0 });
    transport.sendFrame(8, new Uint8Array([0x03, 0xe8]));
    await settle();
    assertNotOpen(() => connection.send('late', false), CLOSING);
  });

  it('send() returns payload bytes, counts messages, and picks the frame type', async () => {
    const { connection, transport } = await opened();
    assert.equal(connection.send('héllo', false), 6);
    assert.equal(connection.send('as binary', true), 9);
    const backing = Buffer.from([9, 1, 2, 3, 9]);
    assert.equal(connection.send(backing.subarray(1, 4), false), 3);
    assert.equal(connection.bufferedAmount, 18);
    await settle();
    assert.equal(connection.bufferedAmount, 0);
    assert.equal(connection.stats.messagesOut, 3);
    assert.deepEqual(
      transport
        .frames()
        .map((frame) => [frame.opcode, frame.fin, frame.payload.toString('latin1')]),
      [
        [1, true, Buffer.from('héllo').toString('latin1')],
        [2, true, 'as binary'],
        [2, true, '\x01\x02\x03'],
      ],
    );
  });

  it('an empty message is still one frame', async () => {
    const { connection, transport } = await opened();
    assert.equal(connection.send('', false), 0);
    assert.equal(connection.send(new Uint8Array(0), true), 0);
    await settle();
    assert.deepEqual(
      transport.frames().map((frame) => [frame.opcode, frame.payload.length]),
      [
        [1, 0],
        [2, 0],
      ],
    );
  });

  it('sendWithBatchPromise: one shared promise per turn, resolved once written', async () => {
    const { connection, transport } = await opened();
    const first = connection.sendWithBatchPromise('a', false);
    const second = connection.sendWithBatchPromise(new Uint8Array([1]), true);
    assert.equal(first, second);
    await first;
    assert.equal(transport.frames().length, 2);
    const next = connection.sendWithBatchPromise('b', false);
    assert.notEqual(next, first);
    await next;
    assert.equal(connection.stats.messagesOut, 3);
  });

  it('sendFrame() fragments a message by hand; the peer sees one message', async () => {
    const { connection, transport } = await opened();
    const done: (Error | undefined)[] = [];
    assert.equal(connection.sendFrame(1, 'frag', false), 4);
    assert.equal(connection.sendFrame(0, 'men', false), 3);
    assert.equal(
      connection.sendFrame(0, 'ts', true, (error) => done.push(error)),
      2,
    );
    await settle();
    assert.deepEqual(done, [undefined]);
    assert.deepEqual(
      transport.frames().map((frame) => [frame.opcode, frame.fin, frame.payload.toString()]),
      [
        [1, false, 'frag'],
        [0, false, 'men'],
        [0, true, 'ts'],
      ],
    );
  });

  it('ping() measures the round trip on the clock and sets latencyMs', async () => {
    const { connection, transport, clock } = await opened();
    const rtt = connection.ping();
    await settle();
    const ping = transport.frames().at(-1)!;
    assert.equal(ping.opcode, 9);
    assert.ok(ping.payload.length > 0, 'a generated payload identifies the Ping');
    clock.advance(40);
    transport.sendFrame(10, ping.payload);
    assert.equal(await rtt, 40);
    assert.equal(connection.latencyMs, 40);
  });

  it('pong() sends an unsolicited Pong, with or without a payload', async () => {
    const { connection, transport } = await opened();
    connection.pong();
    connection.pong(new Uint8Array([4, 5]));
    await settle();
    assert.deepEqual(
      transport.frames().map((frame) => [frame.opcode, [...frame.payload]]),
      [
        [10, []],
        [10, [4, 5]],
      ],
    );
  });

  it('a message whose bytes were never written fails with the connection failure', async () => {
    const { connection, transport, record } = await opened();
    const result = new Promise<Error | undefined>((resolve) => {
      connection.send('lost', false, resolve);
    });
    transport.close();
    const error = await result;
    assert.ok(error instanceof Error);
    assert.equal(error, record.errors[0]);
    assert.equal(record.closes[0]!.wasClean, false);
  });

  it('without a failure, a lost write gets a ConnectionClosedError with the close frames', async () => {
    const { connection } = await opened();
    const lostWrite = (
      connection as unknown as { lostWrite(cause: Error): WebSocketError }
    ).lostWrite.bind(connection);
    const cause = new Error('socket gone');
    const error = lostWrite(cause);
    assert.ok(error instanceof ConnectionClosedError);
    assert.equal(error.code, ErrorCode.ConnectionClosed);
    assert.equal(error.wasClean, false);
    assert.equal(error.received, undefined);
    assert.equal(error.cause, cause);
  });
});

describe('ConnectionBase receive backpressure', () => {
  it('holdReceived counts undelivered bytes and pauses above receiveHighWaterBytes', async () => {
    const { connection, transport } = await opened({ receiveHighWaterBytes: 100 });
    const releaseA = connection.holdReceived(60);
    assert.equal(connection.undeliveredBytes, 60);
    assert.equal(transport.isPaused, false);
    const releaseB = connection.holdReceived(50);
    assert.equal(connection.undeliveredBytes, 110);
    assert.equal(transport.isPaused, true);
    releaseB();
    assert.equal(connection.undeliveredBytes, 60);
    assert.equal(transport.isPaused, true, 'resumes only at half the mark');
    releaseA();
    assert.equal(connection.undeliveredBytes, 0);
    assert.equal(transport.isPaused, false);
  });

  it('pause() holds incoming messages until resume()', async () => {
    const { connection, transport, record } = await opened();
    connection.pause();
    assert.equal(transport.isPaused, true);
    transport.sendFrame(2, new Uint8Array([1]));
    await settle();
    assert.equal(record.messages.length, 0);
    connection.resume();
    await settle();
    assert.equal(record.messages.length, 1);
    assert.equal(record.messages[0]!.isBinary, true);
  });
});
