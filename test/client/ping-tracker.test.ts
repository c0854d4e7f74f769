// Tests for src/client/ping-tracker.ts: each Ping's round trip on a manual clock, a Pong
// answering every earlier Ping (RFC 6455 §5.5.3), and Pings failing when the connection ends.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PingTracker } from '../../src/client/ping-tracker.js';
import { FakeClock } from '../helpers/fake-clock.js';

describe('PingTracker', () => {
  it('gives every Ping a payload of its own', () => {
    const tracker = new PingTracker(new FakeClock());
    const payloads = Array.from({ length: 5 }, () =>
      Buffer.from(tracker.nextPayload()).toString('hex'),
    );
    assert.equal(new Set(payloads).size, 5);
    assert.equal(payloads[0], '00000001');
  });

  it('resolves a Ping with its round trip when its Pong arrives', async () => {
    const clock = new FakeClock();
    const tracker = new PingTracker(clock);
    const rtt = tracker.track(Uint8Array.of(1));
    clock.advance(42);
    assert.equal(tracker.received(Uint8Array.of(1)), 42);
    assert.equal(await rtt, 42);
  });

  it('a Pong also answers every earlier Ping; later ones wait', async () => {
    const clock = new FakeClock();
    const tracker = new PingTracker(clock);
    const first = tracker.track(Uint8Array.of(1));
    clock.advance(10);
    const second = tracker.track(Uint8Array.of(2));
    clock.advance(10);
    const third = tracker.track(Uint8Array.of(3));
    clock.advance(5);
    assert.equal(tracker.received(Uint8Array.of(2)), 15, 'the newest answered round trip');
    assert.deepEqual(await Promise.all([first, second]), [25, 15]);
    clock.advance(1);
    assert.equal(tracker.received(Uint8Array.of(3)), 6);
    assert.equal(await third, 6);
  });

  it('ignores a Pong that answers none of its Pings (an unsolicited heartbeat)', () => {
    const tracker = new PingTracker(new FakeClock());
    void tracker.track(Uint8Array.of(1, 2));
    assert.equal(tracker.received(Uint8Array.of(1)), undefined);
    assert.equal(tracker.received(Uint8Array.of(1, 2, 3)), undefined);
  });

  it('copies the payload: a Buffer reused after ping() does not change what matches', () => {
    const clock = new FakeClock();
    const tracker = new PingTracker(clock);
    const payload = Buffer.from([7, 7]);
    void tracker.track(payload);
    payload.fill(0);
    assert.equal(tracker.received(Buffer.from([0, 0])), undefined);
    assert.equal(tracker.received(Buffer.from([7, 7])), 0);
  });

  it('rejectAll() fails every Ping still waiting', async () => {
    const tracker = new PingTracker(new FakeClock());
    const pings = [tracker.track(Uint8Array.of(1)), tracker.track(Uint8Array.of(2))];
    const error = new Error('closed');
    tracker.rejectAll(() => error);
    for (const ping of pings) await assert.rejects(ping, error);
    assert.equal(tracker.received(Uint8Array.of(1)), undefined);
    let made = 0;
    tracker.rejectAll(() => {
      made++;
      return error;
    });
    assert.equal(made, 0, 'no Ping waits: no error is made');
  });
});
