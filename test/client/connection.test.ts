// Connection (src/client/connection.ts) driven over an in-memory transport: the opening
// handshake, echo both ways, the closing handshake, transport failures and backpressure,
// with no socket and a manual clock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CloseInfo, Connection } from '../../src/client/connection.js';
import { resolveOptions } from '../../src/client/options.js';
import { ErrorCode, type WebSocketError } from '../../src/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { MemoryTransport } from '../helpers/memory-transport.js';
import { testPorts } from '../helpers/ports.js';

/** Lets queued microtasks and one macrotask turn run. */
function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function setup(
  options: Parameters<typeof resolveOptions>[1] = {},
  open?: () => Promise<MemoryTransport>,
) {
  const transport = new MemoryTransport();
  const clock = new FakeClock();
  const record = {
    opened: 0,
    messages: [] as { data: string | Uint8Array; isBinary: boolean }[],
    pongs: [] as Uint8Array[],
    errors: [] as WebSocketError[],
    closes: [] as CloseInfo[],
    openCalls: 0,
  };
  const resolved = {
    ...resolveOptions('ws://example.test/chat', {
      clock,
      ports: testPorts(7),
      pingIntervalMs: 0,
      ...options,
    }),
    openTransport: () => {
      record.openCalls++;
      return open ? open() : Promise.resolve(transport);
    },
  };
  const connection = new Connection(resolved, {
    onOpen: () => record.opened++,
    onMessage: (data, isBinary) => record.messages.push({ data, isBinary }),
    onPing: () => {},
    onPong: (data) => record.pongs.push(data),
    onError: (error) => record.errors.push(error),
    onClose: (info) => record.closes.push(info),
  });
  return { connection, transport, clock, record };
}

async function opened(options: Parameters<typeof resolveOptions>[1] = {}) {
  const parts = setup(options);
  parts.connection.start();
  await settle();
  parts.transport.accept();
  await settle();
  assert.equal(parts.record.opened, 1);
  return parts;
}

describe('Connection over an in-memory transport', () => {
  it('writes the upgrade request and opens on a valid 101', async () => {
    const { connection, transport, record } = setup();
    connection.start();
    await settle();
    const { requestLine, headers } = transport.request();
    assert.equal(requestLine, 'GET /chat HTTP/1.1');
    assert.equal(headers.host, 'example.test');
    assert.equal(headers.upgrade, 'websocket');
    assert.equal(record.opened, 0);
    assert.equal(connection.readyState, 0);
    transport.accept();
    await settle();
    assert.equal(record.opened, 1);
    assert.equal(connection.readyState, 1);
    assert.equal(connection.protocol, '');
    assert.deepEqual(record.errors, []);
  });

  it('echoes text and binary: masked frames out, messages in', async () => {
    const { connection, transport, record } = await opened();
    const written: number[] = [];
    connection.send('hello', false, (error) => {
      assert.equal(error, undefined);
      written.push(1);
    });
    connection.send(new Uint8Array([1, 2, 3]), true, () => written.push(2));
    await settle();
    assert.deepEqual(written, [1, 2]);
    assert.equal(connection.bufferedAmount, 0);
    const frames = transport.frames();
    assert.deepEqual(
      frames.map((frame) => [frame.opcode, frame.fin, [...frame.payload]]),
      [
        [1, true, [...Buffer.from('hello')]],
        [2, true, [1, 2, 3]],
      ],
    );
    for (const frame of frames) transport.sendFrame(frame.opcode, frame.payload);
    await settle();
    assert.equal(record.messages.length, 2);
    assert.deepEqual(record.messages[0], { data: 'hello', isBinary: false });
    assert.deepEqual([...(record.messages[1]!.data as Uint8Array)], [1, 2, 3]);
    assert.equal(record.messages[1]!.isBinary, true);
  });

  it('sends everything queued in one turn as one batch', async () => {
    const { connection, transport } = await opened();
    const before = transport.batches.length;
    connection.send('a', false);
    connection.send('b', false);
    connection.send('c', false);
    await settle();
    assert.equal(transport.batches.length, before + 1);
    const texts = transport.frames().map((frame) => frame.payload.toString());
    assert.deepEqual(texts, ['a', 'b', 'c']);
  });

  it('closes cleanly: Close out, Close back, the server closes TCP, one onClose', async () => {
    const { connection, transport, record } = await opened({ closeTimeoutMs: 0 });
    connection.close(1000, 'bye');
    assert.equal(connection.readyState, 2);
    await settle();
    const close = transport.frames().at(-1)!;
    assert.equal(close.opcode, 8);
    assert.equal(close.payload.readUInt16BE(0), 1000);
    assert.equal(close.payload.subarray(2).toString(), 'bye');
    transport.sendFrame(8, close.payload);
    await settle();
    assert.equal(record.closes.length, 0, 'waits for the server to close TCP (§7.1.1)');
    assert.equal(transport.isDestroyed, false);
    transport.sendEnd();
    transport.close();
    await settle();
    assert.equal(record.closes.length, 1);
    const info = record.closes[0]!;
    assert.equal(info.code, 1000);
    assert.equal(info.reason, 'bye');
    assert.equal(info.wasClean, true);
    assert.equal(info.error, undefined);
    assert.equal(connection.readyState, 3);
  });

  it('a transport error while open is a ConnectionReset, then a 1006 close', async () => {
    const { transport, record } = await opened();
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    transport.fail(reset);
    await settle();
    assert.equal(record.errors.length, 1);
    assert.equal(record.errors[0]!.code, ErrorCode.ConnectionReset);
    assert.equal(record.closes.length, 1);
    assert.equal(record.closes[0]!.code, 1006);
    assert.equal(record.closes[0]!.wasClean, false);
  });

  it('the end of stream before the 101 fails the handshake', async () => {
    const { connection, transport, record } = setup();
    connection.start();
    await settle();
    transport.sendEnd();
    transport.close();
    await settle();
    assert.equal(record.opened, 0);
    assert.equal(record.errors.length, 1);
    assert.equal(record.closes.length, 1);
    assert.equal(record.closes[0]!.cause.phase, 'connecting');
  });

  it('a transport that cannot be opened reports its error and closes', async () => {
    const failure = new Error('no route');
    const { connection, record } = setup({}, () =>
      Promise.reject(Object.assign(failure, { code: ErrorCode.ConnectFailed })),
    );
    connection.start();
    await settle();
    assert.equal(record.errors[0], failure);
    assert.equal(record.closes.length, 1);
  });

  it('the open timeout destroys the transport while the 101 is missing', async () => {
    const { connection, transport, clock, record } = setup({ openTimeoutMs: 5000 });
    connection.start();
    await settle();
    clock.advance(5000);
    await settle();
    assert.equal(transport.isDestroyed, true);
    assert.equal(record.errors[0]!.code, ErrorCode.OpenTimeout);
    assert.equal(record.closes.length, 1);
  });

  it('pause() stops reading the transport and resume() delivers what was held', async () => {
    const { connection, transport, record } = await opened();
    connection.pause();
    assert.equal(transport.isPaused, true);
    transport.sendFrame(1, 'later');
    await settle();
    assert.equal(record.messages.length, 0);
    connection.resume();
    assert.equal(transport.isPaused, false);
    await settle();
    assert.deepEqual(record.messages, [{ data: 'later', isBinary: false }]);
  });

  it('stops reading while the transport holds more than writeHighWaterBytes unsent', async () => {
    const { connection, transport } = await opened({ writeHighWaterBytes: 1000 });
    transport.unsentBytes = 5000;
    connection.send('x', false);
    await settle();
    assert.equal(transport.isPaused, true);
    transport.unsentBytes = 0;
    connection.send('y', false);
    await settle();
    assert.equal(transport.isPaused, false);
  });

  it('answers a Ping with a Pong and measures its own Ping round trip', async () => {
    const { connection, transport, clock } = await opened();
    transport.sendFrame(9, 'hi');
    await settle();
    const pong = transport.frames().at(-1)!;
    assert.equal(pong.opcode, 10);
    assert.equal(pong.payload.toString(), 'hi');
    const rtt = connection.ping(new Uint8Array([7]));
    await settle();
    clock.advance(25);
    transport.sendFrame(10, new Uint8Array([7]));
    assert.equal(await rtt, 25);
  });

  it('terminate() destroys the transport and reports one abnormal close', async () => {
    const { connection, transport, record } = await opened();
    const pending = new Promise<Error | undefined>((resolve) => {
      connection.send('never written', false, resolve);
      connection.terminate();
    });
    assert.equal(transport.isDestroyed, true);
    await settle();
    assert.equal(record.closes.length, 1);
    assert.equal(record.closes[0]!.wasClean, false);
    assert.equal(record.errors[0]!.code, ErrorCode.Aborted);
    assert.ok((await pending) instanceof Error);
  });
});
