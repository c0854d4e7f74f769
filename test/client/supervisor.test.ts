// Tests for src/client/supervisor.ts, driven over in-memory transports on a manual clock:
// sends made before the open leave in order once open, a dropped connection is retried after
// the backoff with its queue intact, maxRetries gives up and rejects what waits, and stop()
// closes without another attempt.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloseInfo } from '../../src/client/connection.js';
import { Connection } from '../../src/client/connection.js';
import { Supervisor, type SupervisorHandler } from '../../src/client/reconnect.js';
import type { SupervisorOptions } from '../../src/client/supervisor-types.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { MemoryTransport } from '../helpers/memory-transport.js';
import { testPorts } from '../helpers/ports.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup(options: Partial<SupervisorOptions> = {}) {
  const clock = new FakeClock();
  const transports: MemoryTransport[] = [];
  const events: string[] = [];
  const closes: [CloseInfo, boolean][] = [];
  const handler: SupervisorHandler = {
    onOpen: () => events.push('open'),
    onClose: (info, willRetry) => {
      closes.push([info, willRetry]);
      events.push(`close ${info.code} retry=${willRetry}`);
    },
    onReconnecting: (event) => events.push(`reconnecting #${event.attempt} in ${event.delayMs}`),
    onGiveUp: (reason) => events.push(`give up: ${reason}`),
    onMessage: (data) => events.push(`message ${String(data)}`),
    onPing: () => {},
    onPong: () => {},
    onError: (error) => events.push(`error ${error.code}`),
  };
  const supervisor = new Supervisor(
    'ws://example.test/',
    {
      clock,
      ports: testPorts(5),
      pingIntervalMs: 0,
      openTimeoutMs: 0,
      closeTimeoutMs: 0,
      random: () => 0.5,
      proxy: false,
      ...options,
    },
    handler,
    undefined,
    (resolved, connectionHandler, stats) => {
      const transport = new MemoryTransport();
      transports.push(transport);
      const openTransport = () => Promise.resolve(transport);
      return new Connection({ ...resolved, openTransport }, connectionHandler, stats);
    },
  );
  return { clock, supervisor, transports, events, closes };
}

/** Lets the latest transport's connection open. */
async function accept(transports: MemoryTransport[]) {
  await settle();
  transports.at(-1)!.accept();
  await settle();
}

function sentTexts(transport: MemoryTransport): string[] {
  return transport
    .frames()
    .filter((f) => f.opcode === 1)
    .map((f) => f.payload.toString());
}

describe('Supervisor', () => {
  it('queues sends made before the open and sends them in order once open', async () => {
    const { supervisor, transports, events } = setup();
    const settled: (Error | undefined)[] = [];
    supervisor.start();
    supervisor.send('a', false, (error) => settled.push(error));
    supervisor.send('b', false, (error) => settled.push(error));
    assert.equal(supervisor.queuedMessages, 2);
    await accept(transports);
    await settle();
    assert.deepEqual(events, ['open']);
    assert.deepEqual(sentTexts(transports[0]!), ['a', 'b']);
    assert.deepEqual(settled, [undefined, undefined]);
    assert.equal(supervisor.queuedMessages, 0);
  });

  it('retries a dropped connection after the backoff; what was sent meanwhile waits for it', async () => {
    const { clock, supervisor, transports, events } = setup();
    supervisor.start();
    await accept(transports);
    transports[0]!.fail(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));
    await settle();
    assert.deepEqual(events.slice(1), [
      'error ERR_CONNECTION_RESET',
      'close 1006 retry=true',
      'reconnecting #1 in 250',
    ]);
    supervisor.send('while down', false, () => {});
    assert.equal(transports.length, 1, 'no attempt before the delay');
    clock.advance(250);
    await accept(transports);
    await settle();
    assert.equal(transports.length, 2);
    assert.equal(events.at(-1), 'open');
    assert.deepEqual(sentTexts(transports[1]!), ['while down']);
    assert.equal(supervisor.attempt, 1);
  });

  it('gives up after maxRetries and rejects what is queued', async () => {
    const { clock, supervisor, transports, events } = setup({ maxRetries: 1 });
    supervisor.start();
    await settle();
    transports[0]!.close();
    await settle();
    clock.advance(250);
    await settle();
    const rejected: (Error | undefined)[] = [];
    supervisor.send('never', false, (error) => rejected.push(error));
    transports[1]!.close();
    await settle();
    assert.equal(transports.length, 2);
    assert.match(events.at(-1)!, /^give up: gave up after 1 retries/);
    assert.equal(rejected.length, 1);
    assert.ok(rejected[0] instanceof Error);
  });

  it('stop() closes the connection and makes no further attempt', async () => {
    const { clock, supervisor, transports, closes } = setup();
    supervisor.start();
    await accept(transports);
    supervisor.stop(1000, 'bye');
    await settle();
    const close = transports[0]!.frames().at(-1)!;
    assert.equal(close.opcode, 8);
    transports[0]!.sendFrame(8, close.payload);
    transports[0]!.close();
    await settle();
    assert.equal(closes.length, 1);
    assert.equal(closes[0]![1], false, 'no retry');
    clock.advance(60_000);
    await settle();
    assert.equal(transports.length, 1);
    assert.equal(supervisor.isStopped, true);
  });
});
