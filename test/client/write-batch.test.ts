// Tests for src/client/write-batch.ts, the write tracking of one connection: what the
// protocol produced in one turn goes to the transport as one batch, send callbacks run once
// their batch was written (or with the error that lost it), bufferedAmount counts payload
// bytes not yet handed over, and a newer Pong waits while one is still unsent.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatsRecorder } from '../../src/client/stats.js';
import { WriteBatch } from '../../src/client/write-batch.js';
import { latin1Decode } from '../../src/core/bytes.js';
import { ConnectionClosedError, type WebSocketError } from '../../src/core/errors.js';
import { ClientProtocol } from '../../src/core/protocol.js';
import { parseWebSocketUrl } from '../../src/core/url.js';
import { MemoryTransport } from '../helpers/memory-transport.js';
import { testPorts } from '../helpers/ports.js';
import { acceptFor, serverFrame } from '../helpers/servers.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

/** An open protocol (its request answered) and a write batch over a memory transport. */
function setup() {
  const protocol = new ClientProtocol({
    target: parseWebSocketUrl('ws://example.test/'),
    ports: testPorts(3),
  });
  const request = latin1Decode(protocol.dataToSend()[0]!);
  const key = /sec-websocket-key: (\S+)/i.exec(request)![1]!;
  protocol.receiveData(
    Buffer.from(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n\r\n`,
      'latin1',
    ),
  );
  protocol.eventsReceived();
  const stats = new StatsRecorder();
  const lost = (cause: Error): WebSocketError =>
    new ConnectionClosedError('lost', { wasClean: false }, cause);
  let written = 0;
  const writes = new WriteBatch(protocol, stats, {
    lostWrite: lost,
    onBatchWritten: () => written++,
  });
  const transport = new MemoryTransport();
  writes.transport = transport;
  return { protocol, writes, transport, stats, written: () => written };
}

describe('WriteBatch', () => {
  it('sends everything queued in one turn as one batch and calls back after it was written', async () => {
    const { protocol, writes, transport, stats } = setup();
    const order: string[] = [];
    writes.trackFrames(protocol.sendText('one'), () => order.push('one'));
    writes.trackFrames(protocol.sendText('two'), (error) => order.push(`two ${error}`));
    assert.equal(writes.bufferedAmount, 6);
    assert.equal(transport.batches.length, 0, 'nothing before the turn ends');
    await settle();
    assert.equal(transport.batches.length, 1);
    assert.deepEqual(order, ['one', 'two undefined']);
    assert.equal(writes.bufferedAmount, 0);
    assert.equal(stats.bytesOut, transport.written.length);
  });

  it('gives every send of one batch the same promise', async () => {
    const { protocol, writes, transport } = setup();
    protocol.sendText('a');
    const first = writes.sharedPromise();
    protocol.sendText('b');
    const second = writes.sharedPromise();
    assert.equal(first, second);
    writes.trackFrames(2, undefined);
    await first;
    writes.trackFrames(protocol.sendText('c'), undefined);
    assert.notEqual(writes.sharedPromise(), first, 'a new batch, a new promise');
    await settle();
    assert.equal(transport.batches.length, 2);
  });

  it('a transport that takes no more writes fails the batch with the lost-write error', async () => {
    const { protocol, writes, transport } = setup();
    transport.isEnded = true;
    const errors: (Error | undefined)[] = [];
    writes.trackFrames(protocol.sendText('late'), (error) => errors.push(error));
    await settle();
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof ConnectionClosedError);
    assert.equal(transport.batches.length, 0);
  });

  it('failPending() fails what was never flushed and forgets its bytes', () => {
    const { protocol, writes } = setup();
    writes.transport = undefined;
    const errors: (Error | undefined)[] = [];
    writes.trackFrames(protocol.sendText('x'), (error) => errors.push(error));
    const error = new ConnectionClosedError('closed', { wasClean: false });
    writes.failPending(() => error);
    assert.deepEqual(errors, [error]);
    assert.equal(writes.bufferedAmount, 0);
  });

  it('failPending() makes no error when no send waits (a clean close pays for no stack)', async () => {
    const { protocol, writes } = setup();
    writes.trackFrames(protocol.sendText('x'), () => {});
    await settle();
    assert.equal(writes.hasCallbacks, false);
    let made = 0;
    writes.failPending(() => {
      made++;
      return new ConnectionClosedError('closed', { wasClean: false });
    });
    assert.equal(made, 0);
  });

  it('holds a newer Pong while one is still unsent, then sends the latest', async () => {
    const { protocol, writes, transport } = setup();
    // The first Ping's Pong goes out; the transport has not finished writing it yet.
    protocol.receiveData(serverFrame(9, 'p1'));
    writes.flush();
    assert.equal(writes.isPongInFlight, true);
    protocol.holdPongs = writes.isPongInFlight;
    protocol.receiveData(serverFrame(9, 'p2'));
    protocol.receiveData(serverFrame(9, 'p3'));
    writes.flush();
    assert.equal(transport.batches.length, 1, 'the newer Pong waits');
    await settle();
    const pongs = transport.frames().filter((frame) => frame.opcode === 10);
    assert.deepEqual(
      pongs.map((frame) => frame.payload.toString()),
      ['p1', 'p3'],
    );
    assert.equal(writes.isPongInFlight, false);
  });
});
