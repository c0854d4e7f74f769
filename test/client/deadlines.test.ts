// Deadlines (src/client/deadlines.ts): the open and close deadlines on a manual clock, and the
// timeout errors they report.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  closeTimeoutError,
  Deadlines,
  openTimeoutError,
  pongTimeoutError,
} from '../../src/client/deadlines.js';
import { ErrorCode, TimeoutError } from '../../src/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';

function setup(openTimeoutMs: number, closeTimeoutMs: number) {
  const clock = new FakeClock();
  const host = { options: { openTimeoutMs, closeTimeoutMs, clock } };
  return { clock, host, deadlines: new Deadlines(host) };
}

describe('Deadlines', () => {
  it('the open deadline fires once after openTimeoutMs, then counts as expired', () => {
    const { clock, deadlines } = setup(1000, 0);
    let fired = 0;
    deadlines.startOpen(() => fired++);
    assert.equal(deadlines.hasOpenExpired, false);
    clock.advance(999);
    assert.equal(fired, 0);
    clock.advance(1);
    assert.equal(fired, 1);
    assert.equal(deadlines.hasOpenExpired, true);
    clock.advance(10_000);
    assert.equal(fired, 1);
  });

  it('stopOpen() cancels the open deadline', () => {
    const { clock, deadlines } = setup(1000, 0);
    let fired = 0;
    deadlines.startOpen(() => fired++);
    deadlines.stopOpen();
    clock.advance(5000);
    assert.equal(fired, 0);
    assert.equal(clock.pending, 0);
  });

  it('0 switches a deadline off (and an open deadline of 0 never counts as expired)', () => {
    const { clock, deadlines } = setup(0, 0);
    deadlines.startOpen(() => assert.fail('open'));
    deadlines.startClose(() => assert.fail('close'));
    assert.equal(clock.pending, 0);
    assert.equal(deadlines.hasOpenExpired, false);
  });

  it('the close deadline is armed once and passes its length', () => {
    const { clock, deadlines } = setup(0, 3000);
    const fired: number[] = [];
    deadlines.startClose((ms) => fired.push(ms));
    clock.advance(2000);
    deadlines.startClose((ms) => fired.push(-ms));
    assert.equal(clock.pending, 1);
    clock.advance(1000);
    assert.deepEqual(fired, [3000]);
  });

  it('reads the limits when a deadline is armed (a redirect may change them)', () => {
    const { clock, host, deadlines } = setup(1000, 0);
    host.options = { ...host.options, openTimeoutMs: 50 };
    let fired = 0;
    deadlines.startOpen(() => fired++);
    clock.advance(50);
    assert.equal(fired, 1);
  });

  it('stop() cancels both deadlines and arms no more', () => {
    const { clock, deadlines } = setup(1000, 1000);
    deadlines.startOpen(() => assert.fail('open'));
    deadlines.startClose(() => assert.fail('close'));
    deadlines.stop();
    deadlines.startOpen(() => assert.fail('open again'));
    deadlines.startClose(() => assert.fail('close again'));
    assert.equal(clock.pending, 0);
    clock.advance(5000);
  });

  it('builds the timeout errors with their codes, phases and lengths', () => {
    const connecting = openTimeoutError(2000, false);
    assert.ok(connecting instanceof TimeoutError);
    assert.equal(connecting.code, ErrorCode.OpenTimeout);
    assert.match(connecting.message, /within 2000 ms \(openTimeoutMs\) while connecting/);
    assert.match(openTimeoutError(5, true).message, /while waiting for the handshake response/);
    const close = closeTimeoutError(300);
    assert.equal(close.code, ErrorCode.CloseTimeout);
    assert.match(close.message, /within 300 ms \(closeTimeoutMs\)/);
    const pong = pongTimeoutError(10_000, 4000);
    assert.equal(pong.code, ErrorCode.PongTimeout);
    assert.match(pong.message, /within 4000 ms of a keepalive ping \(after 10000 ms of silence\)/);
  });
});
