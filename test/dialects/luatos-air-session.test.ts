// Tests for src/dialects/luatos-air-session.ts: the engine side of a LuatOS-Air client
// (connect, send and recv, close, state, exit, start's reconnects) against a real `ws`
// server on 127.0.0.1.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../../src/client/clock.js';
import { InvalidStateError } from '../../src/core/errors.js';
import { RecvReason } from '../../src/dialects/luatos-air-reasons.js';
import { AirSession } from '../../src/dialects/luatos-air-session.js';
import { closedPortUrl, echoServer } from '../helpers/servers.js';

function session(url: string, id = 7) {
  const events: string[] = [];
  const s = new AirSession({
    id,
    url,
    cert: undefined,
    clock: systemClock,
    logger: undefined,
    tls: undefined,
    proxy: false,
  });
  for (const name of ['open', 'close', 'error', 'message', 'sent']) {
    s.on(name, ((...args: unknown[]) =>
      events.push(`${name} ${args.map(String).join(' ')}`.trim())) as never);
  }
  return { s, events };
}

describe('AirSession', () => {
  it('connects, echoes a message through recv(), and closes with the events in order', async (t) => {
    const server = await echoServer(t);
    const { s, events } = session(server.url);
    assert.equal(s.state(), 'CONNECTING');
    await assert.rejects(s.recv(), InvalidStateError);
    assert.equal(await s.connect(5000), true);
    assert.equal(s.state(), 'OPEN');
    assert.equal(s.online(), true);
    s.send('hello', false);
    assert.deepEqual(await s.recv(), [true, 'hello']);
    s.close(1000, 'bye');
    const closed = await s.recv();
    assert.equal(closed[0], false);
    assert.equal(s.state(), 'CLOSED');
    assert.deepEqual(events.slice(0, 3), ['open', 'sent', 'message hello']);
    assert.equal(events.at(-1), 'close 1000');
  });

  it('a connect to a closed port gives false and recv() then reports the read error', async () => {
    const { s, events } = session(await closedPortUrl());
    assert.equal(await s.connect(5000), false);
    assert.deepEqual(await s.recv(), [false, RecvReason.ReadError]);
    assert.ok(events.some((event) => event.startsWith('error')));
    assert.equal(s.state(), 'CLOSED');
  });

  it('send while not open reports an error event instead of throwing', async (t) => {
    const server = await echoServer(t);
    const { s, events } = session(server.url);
    s.send('x', false);
    await new Promise<void>((resolve) => setImmediate(resolve));
    assert.match(events.join('\n'), /error .*not open/);
  });

  it('exit() ends start(), and recv() gives EXIT_TASK<id>', async (t) => {
    const server = await echoServer(t);
    const { s } = session(server.url, 42);
    const received: unknown[] = [];
    let opened: () => void = () => {};
    const open = new Promise<void>((resolve) => (opened = resolve));
    s.on('open', (() => opened()) as never);
    const started = s.start(
      undefined,
      (message) => {
        received.push(message);
        s.exit();
      },
      50,
      5000,
    );
    await open;
    assert.throws(() => s.assertNotRunning('connect()'), InvalidStateError);
    s.send('one', false);
    await started;
    assert.deepEqual(received, ['one']);
    assert.deepEqual(await s.recv(), [false, 'EXIT_TASK42']);
  });
});
