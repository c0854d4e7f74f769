// Tests for src/client/liveness.ts: the keepalive starts only with a ping interval, Pongs
// become the latency, and ending stops the keepalive and fails waiting Pings.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Liveness } from '../../src/client/liveness.js';
import { FakeClock } from '../helpers/fake-clock.js';

const limits = { pingIntervalMs: 1000, pongTimeoutMs: 500, maxMissedPongs: 1 };

describe('Liveness', () => {
  it('starts no keepalive when pingIntervalMs is 0', () => {
    const clock = new FakeClock();
    const liveness = new Liveness(clock);
    liveness.startKeepalive(
      { ...limits, pingIntervalMs: 0 },
      {
        sendKeepalivePing: () => assert.fail('no ping'),
        onKeepaliveTimeout: () => assert.fail('not dead'),
      },
    );
    assert.equal(liveness.keepalive, undefined);
    assert.equal(clock.pending, 0);
  });

  it('pings after the interval of silence and declares the peer dead after the timeout', () => {
    const clock = new FakeClock();
    const liveness = new Liveness(clock);
    const seen: string[] = [];
    liveness.startKeepalive(limits, {
      sendKeepalivePing: () => seen.push(`ping at ${clock.now()}`),
      onKeepaliveTimeout: () => seen.push(`dead at ${clock.now()}`),
    });
    clock.advance(999);
    liveness.keepalive!.received();
    clock.advance(1000);
    clock.advance(500);
    assert.deepEqual(seen, ['ping at 1999', 'dead at 2499']);
  });

  it('a Pong answering our Ping becomes the latency; others leave it alone', async () => {
    const clock = new FakeClock();
    const liveness = new Liveness(clock);
    assert.equal(liveness.latencyMs, undefined);
    const payload = liveness.nextPayload();
    const rtt = liveness.track(payload);
    clock.advance(30);
    assert.equal(liveness.pongReceived(Uint8Array.of(9)), undefined);
    assert.equal(liveness.latencyMs, undefined);
    assert.equal(liveness.pongReceived(payload), 30);
    assert.equal(liveness.latencyMs, 30);
    assert.equal(await rtt, 30);
  });

  it('stop() stops the keepalive and fails the Pings still waiting', async () => {
    const clock = new FakeClock();
    const liveness = new Liveness(clock);
    liveness.startKeepalive(limits, {
      sendKeepalivePing: () => assert.fail('stopped'),
      onKeepaliveTimeout: () => assert.fail('stopped'),
    });
    const ping = liveness.track(liveness.nextPayload());
    const error = new Error('closed');
    liveness.stop(() => error);
    await assert.rejects(ping, error);
    clock.advance(10_000);
    assert.equal(clock.pending, 0);
  });
});
