// Tests for src/dialects/luatos-air-inbox.ts: received messages and waiting recv() calls.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CallbackQueue } from '../../src/dialects/lua-conventions.js';
import { AirInbox, INBOX_HIGH_WATER, RECV_WAIT_MS } from '../../src/dialects/luatos-air-inbox.js';
import { RecvReason } from '../../src/dialects/luatos-air-reasons.js';
import { FakeClock } from '../helpers/fake-clock.js';

function setup() {
  const clock = new FakeClock();
  const log: string[] = [];
  let held = 0;
  const inbox = new AirInbox({
    events: new CallbackQueue(),
    clock,
    emitMessage: (message) => log.push(`message ${String(message)}`),
    pause: () => log.push('pause'),
    resume: () => log.push('resume'),
    holdReceived: (bytes) => {
      held += bytes;
      return () => {
        held -= bytes;
      };
    },
  });
  return { clock, log, inbox, held: () => held };
}

describe('AirInbox', () => {
  it('a message goes to the oldest waiting recv(), with its event first', async () => {
    const { inbox, log, held } = setup();
    const first = inbox.wait();
    const second = inbox.wait();
    inbox.push('a');
    assert.equal(held(), 1);
    assert.deepEqual(await first, [true, 'a']);
    assert.equal(held(), 0);
    inbox.push('b');
    assert.deepEqual(await second, [true, 'b']);
    assert.deepEqual(log, ['message a', 'message b']);
    assert.equal(inbox.size, 0);
  });

  it('queues when nobody waits, pauses reading at the high mark and resumes below it', () => {
    const { inbox, log, held } = setup();
    for (let i = 0; i < INBOX_HIGH_WATER; i++) inbox.push(String.fromCharCode(65 + i).repeat(2));
    assert.deepEqual(log, ['pause']);
    assert.equal(inbox.size, INBOX_HIGH_WATER);
    assert.equal(held(), INBOX_HIGH_WATER * 2);
    assert.equal(inbox.take(), 'AA');
    assert.deepEqual(log, ['pause', 'resume']);
    assert.equal(held(), (INBOX_HIGH_WATER - 1) * 2);
  });

  it('a recv() with nothing arriving gives false, WEBSOCKET_OK after the wait', async () => {
    const { inbox, clock } = setup();
    const result = inbox.wait();
    clock.advance(RECV_WAIT_MS - 1);
    inbox.push('late'); // arrives in time
    assert.deepEqual(await result, [true, 'late']);
    const timed = inbox.wait();
    clock.advance(RECV_WAIT_MS);
    assert.deepEqual(await timed, [false, RecvReason.Ok]);
  });

  it('fail() answers every waiting recv() with the reason', async () => {
    const { inbox } = setup();
    const waiting = [inbox.wait(), inbox.wait()];
    inbox.fail('EXIT_TASK1');
    assert.deepEqual(await Promise.all(waiting), [
      [false, 'EXIT_TASK1'],
      [false, 'EXIT_TASK1'],
    ]);
  });

  it('changed() resolves at the next notify or queued message', async () => {
    const { inbox } = setup();
    const changed = inbox.changed();
    inbox.push('x');
    await changed;
    const again = inbox.changed();
    inbox.notify();
    await again;
  });
});
