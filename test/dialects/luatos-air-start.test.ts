// Tests for src/dialects/luatos-air-start.ts: one start() run (message loop, heartbeat, end).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HEARTBEAT, type MessageLoopHost, StartRun } from '../../src/dialects/luatos-air-start.js';
import type { LuatosAirMessage } from '../../src/dialects/luatos-air-types.js';
import { FakeClock } from '../helpers/fake-clock.js';

/** A host over a plain array; changed() resolves at the next wake(). */
function host(log: string[]) {
  const queue: LuatosAirMessage[] = [];
  let wake: () => void = () => {};
  const loopHost: MessageLoopHost = {
    take: () => queue.shift(),
    changed: () => new Promise<void>((resolve) => (wake = resolve)),
    deliver: async (message) => {
      log.push(`event ${String(message)}`);
    },
    settled: async () => {
      log.push('settled');
    },
  };
  return {
    loopHost,
    push(message: LuatosAirMessage) {
      queue.push(message);
      wake();
    },
    wake: () => wake(),
  };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('StartRun', () => {
  it('the heartbeat payload is the bytes of "heart"', () => {
    assert.equal(new TextDecoder().decode(HEARTBEAT), 'heart');
  });

  it('hands each message to the event, then to proc, in order, until finished', async () => {
    const log: string[] = [];
    const run = new StartRun(new FakeClock());
    const h = host(log);
    h.push('a');
    h.push('b');
    const done = run.loop(h.loopHost, (message) => {
      log.push(`proc ${String(message)}`);
    });
    await turn();
    h.push('c');
    await turn();
    assert.deepEqual(log, ['event a', 'proc a', 'event b', 'proc b', 'event c', 'proc c']);
    assert.equal(run.finish(), true);
    assert.equal(run.finish(), false);
    h.wake();
    await done;
    assert.deepEqual(log.slice(-1), ['settled']);
    assert.equal(run.isExiting, true);
  });

  it('an exiting run takes no more messages; a throwing proc rejects the loop', async () => {
    const log: string[] = [];
    const run = new StartRun(new FakeClock());
    const h = host(log);
    run.isExiting = true;
    h.push('ignored');
    const done = run.loop(h.loopHost, undefined);
    run.finish();
    h.wake();
    await done;
    assert.deepEqual(log, ['settled']);

    const failing = new StartRun(new FakeClock());
    const h2 = host([]);
    h2.push('x');
    await assert.rejects(
      failing.loop(h2.loopHost, () => {
        throw new Error('proc failed');
      }),
      /proc failed/,
    );
  });

  it('pings every interval until stopped, and a throwing ping does not stop the beat', () => {
    const clock = new FakeClock();
    const run = new StartRun(clock);
    let pings = 0;
    run.startHeartbeat(1000, () => {
      pings++;
      if (pings === 2) throw new Error('closing');
    });
    clock.advance(999);
    assert.equal(pings, 0);
    clock.advance(1);
    assert.equal(pings, 1);
    clock.advance(2000);
    assert.equal(pings, 3);
    run.finish();
    clock.advance(5000);
    assert.equal(pings, 3);
  });

  it('stops beating once exit was asked for, even before the timer is cleared', () => {
    const clock = new FakeClock();
    const run = new StartRun(clock);
    let pings = 0;
    run.startHeartbeat(10, () => pings++);
    run.isExiting = true;
    clock.advance(100);
    assert.equal(pings, 0);
  });
});
