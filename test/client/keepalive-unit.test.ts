// The Keepalive timer logic alone, on a fake clock: when it pings, when it gives up, and the
// NodeMCU variant (several unanswered pings before the peer is dead).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Keepalive, type KeepaliveOptions } from '../../src/client/keepalive.js';
import { FakeClock } from '../helpers/fake-clock.js';

function setup(options: KeepaliveOptions): {
  clock: FakeClock;
  keepalive: Keepalive;
  log: string[];
} {
  const clock = new FakeClock();
  const log: string[] = [];
  const keepalive = new Keepalive(clock, options, {
    sendKeepalivePing: () => log.push(`ping@${clock.now()}`),
    onKeepaliveTimeout: () => log.push(`dead@${clock.now()}`),
  });
  keepalive.start();
  return { clock, keepalive, log };
}

describe('Keepalive', () => {
  it('hold(true) stops the deadline of a Ping already out; hold(false) starts again from now', () => {
    const { clock, keepalive, log } = setup({ intervalMs: 1000, timeoutMs: 300 });
    clock.advance(1100); // ping@1000, deadline 1300
    keepalive.hold(true);
    clock.advance(100_000);
    assert.deepEqual(log, ['ping@1000'], 'no verdict while we chose not to read');
    keepalive.hold(false); // at 101100
    clock.advance(999);
    assert.deepEqual(log, ['ping@1000']);
    clock.advance(1);
    assert.deepEqual(log, ['ping@1000', 'ping@102100']);
    clock.advance(300);
    assert.deepEqual(log, ['ping@1000', 'ping@102100', 'dead@102400']);
  });

  it('hold(true) before any Ping sends none; repeated calls change nothing; stop() wins', () => {
    const { clock, keepalive, log } = setup({ intervalMs: 1000, timeoutMs: 300 });
    keepalive.hold(true);
    keepalive.hold(true);
    clock.advance(10_000);
    assert.deepEqual(log, []);
    keepalive.received();
    clock.advance(10_000);
    assert.deepEqual(log, [], 'a byte read while held schedules nothing');
    keepalive.stop();
    keepalive.hold(false);
    clock.advance(10_000);
    assert.deepEqual(log, []);
    assert.equal(clock.pending, 0);
  });

  it('pings after intervalMs of silence and declares the peer dead timeoutMs later', () => {
    const { clock, log } = setup({ intervalMs: 1000, timeoutMs: 300 });
    clock.advance(5000);
    assert.deepEqual(log, ['ping@1000', 'dead@1300']);
  });

  it('finds a dead peer within intervalMs + timeoutMs of the last byte received', () => {
    const { clock, keepalive, log } = setup({ intervalMs: 1000, timeoutMs: 300 });
    clock.advance(700);
    keepalive.received();
    clock.advance(5000);
    assert.deepEqual(log, ['ping@1700', 'dead@2000']);
  });

  it('any byte after a ping cancels the deadline and restarts the interval', () => {
    const { clock, keepalive, log } = setup({ intervalMs: 1000, timeoutMs: 300 });
    clock.advance(1100);
    keepalive.received();
    clock.advance(999);
    assert.deepEqual(log, ['ping@1000']);
    clock.advance(1);
    assert.deepEqual(log, ['ping@1000', 'ping@2100']);
  });

  it('maxMissedPongs 2: a second ping before giving up (NodeMCU: 30 s, 60 s, dead at 90 s)', () => {
    const { clock, log } = setup({ intervalMs: 30_000, timeoutMs: 30_000, maxMissedPongs: 2 });
    clock.advance(200_000);
    assert.deepEqual(log, ['ping@30000', 'ping@60000', 'dead@90000']);
  });

  it('stop() cancels everything', () => {
    const { clock, keepalive, log } = setup({ intervalMs: 1000, timeoutMs: 300 });
    keepalive.stop();
    clock.advance(10_000);
    assert.deepEqual(log, []);
    assert.equal(clock.pending, 0);
  });

  it('keepalives on one clock share one timer, and each still fires at its own time', () => {
    const clock = new FakeClock();
    const log: string[] = [];
    const make = (name: string, intervalMs: number, timeoutMs: number): Keepalive =>
      new Keepalive(
        clock,
        { intervalMs, timeoutMs },
        {
          sendKeepalivePing: () => log.push(`${name} ping@${clock.now()}`),
          onKeepaliveTimeout: () => log.push(`${name} dead@${clock.now()}`),
        },
      );
    const a = make('a', 1000, 300);
    const b = make('b', 400, 50);
    const c = make('c', 1000, 300);
    a.start();
    clock.advance(100);
    b.start(); // at 100: due at 500, before a
    c.start(); // at 100: due at 1100, after a
    assert.equal(clock.pending, 1, 'one timer for the three');
    clock.advance(350); // 450
    b.received(); // b's interval now runs from 450: ping at 850
    clock.advance(440); // 890
    assert.deepEqual(log, ['b ping@850']);
    c.stop();
    clock.advance(2000);
    assert.deepEqual(log, ['b ping@850', 'b dead@900', 'a ping@1000', 'a dead@1300']);
    assert.equal(clock.pending, 0, 'the shared timer stops with the last keepalive');
  });

  it('many keepalives with scattered times fire in order of their due times', () => {
    const clock = new FakeClock();
    const fired: number[] = [];
    const keepalives: Keepalive[] = [];
    for (let i = 0; i < 50; i++) {
      // Intervals 1000..1049 ms in a scrambled order.
      const intervalMs = 1000 + ((i * 37) % 50);
      const keepalive = new Keepalive(
        clock,
        { intervalMs, timeoutMs: 10_000 },
        { sendKeepalivePing: () => fired.push(clock.now()), onKeepaliveTimeout: () => {} },
      );
      keepalive.start();
      keepalives.push(keepalive);
    }
    for (const keepalive of keepalives.filter((_, i) => i % 3 === 0)) keepalive.stop();
    clock.advance(1100);
    assert.equal(fired.length, 33);
    assert.deepEqual(
      fired,
      [...fired].sort((x, y) => x - y),
    );
    assert.ok(
      fired.every((at, i) => i === 0 || at > fired[i - 1]!),
      'each at its own ms',
    );
    for (const keepalive of keepalives) keepalive.stop();
    assert.equal(clock.pending, 0);
  });
});
