// Tests for src/client/read-gate.ts: when a connection reads from its transport. Reading
// stops for the face's pause, for undelivered messages above receiveHighWaterBytes (resuming
// at half), and for unsent bytes above writeHighWaterBytes; never while our Close waits.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReadGate } from '../../src/client/read-gate.js';
import { MemoryTransport } from '../helpers/memory-transport.js';

function setup(limits = { receiveHighWaterBytes: 1000, writeHighWaterBytes: 1000 }) {
  const host = {
    isClosing: false,
    pendingBytes: 0,
    heldReceivedBytes: 0,
    keepaliveHeld: [] as boolean[],
  };
  const gate = new ReadGate(
    {
      isClosing: () => host.isClosing,
      pendingBytes: () => host.pendingBytes,
      heldReceivedBytes: () => host.heldReceivedBytes,
      keepalive: () => ({ hold: (isHeld: boolean) => host.keepaliveHeld.push(isHeld) }) as never,
    },
    limits,
  );
  const transport = new MemoryTransport();
  transport.isPaused = true; // as a tunnel's socket comes
  gate.transport = transport;
  return { host, gate, transport };
}

describe('ReadGate', () => {
  it('starts reading a transport that came paused', () => {
    const { transport } = setup();
    assert.equal(transport.isPaused, false);
  });

  it("pauses for the face's backpressure, and holds the keepalive meanwhile", () => {
    const { host, gate, transport } = setup();
    gate.setFacePaused(true);
    assert.equal(transport.isPaused, true);
    assert.equal(host.keepaliveHeld.at(-1), true);
    gate.setFacePaused(false);
    assert.equal(transport.isPaused, false);
    assert.equal(host.keepaliveHeld.at(-1), false);
  });

  it('pauses above receiveHighWaterBytes undelivered and resumes at half of it', () => {
    const { gate, transport } = setup();
    const releases = [gate.hold(600), gate.hold(501)];
    assert.equal(gate.undeliveredBytes, 1101);
    assert.equal(transport.isPaused, true);
    const third = gate.hold(0);
    releases[0]!();
    assert.equal(transport.isPaused, true, '501 left: above half of 1000');
    releases[1]!();
    third();
    assert.equal(transport.isPaused, false);
    assert.equal(gate.undeliveredBytes, 0);
  });

  it('pauses while more than writeHighWaterBytes are unsent, resumes at half', () => {
    const { host, gate, transport } = setup();
    transport.unsentBytes = 900;
    host.pendingBytes = 200;
    gate.checkWriteBuffer();
    assert.equal(transport.isPaused, true);
    transport.unsentBytes = 400;
    gate.checkWriteBuffer();
    assert.equal(transport.isPaused, true, '600 unsent: above half');
    host.pendingBytes = 0;
    gate.checkWriteBuffer();
    assert.equal(transport.isPaused, false);
  });

  it('writeHighWaterBytes 0 never pauses for unsent bytes', () => {
    const { gate, transport } = setup({ receiveHighWaterBytes: 1000, writeHighWaterBytes: 0 });
    transport.unsentBytes = 10 ** 9;
    gate.checkWriteBuffer();
    assert.equal(transport.isPaused, false);
  });

  it('keeps reading once our Close is out, whatever the backpressure (§7.1.2)', () => {
    const { host, gate, transport } = setup();
    gate.setFacePaused(true);
    gate.hold(5000);
    assert.equal(transport.isPaused, true);
    host.isClosing = true;
    gate.update();
    assert.equal(transport.isPaused, false);
  });

  it('pauses while more than receiveHighWaterBytes wait behind an inflation, even when closing', () => {
    const { host, gate, transport } = setup();
    host.isClosing = true;
    host.heldReceivedBytes = 1000;
    gate.checkHeldInput();
    assert.equal(transport.isPaused, false, 'at the mark: still reading');
    host.heldReceivedBytes = 1001;
    gate.checkHeldInput();
    assert.equal(transport.isPaused, true);
    assert.equal(host.keepaliveHeld.at(-1), true, 'the keepalive waits while we do not read');
    host.heldReceivedBytes = 501;
    gate.checkHeldInput();
    assert.equal(transport.isPaused, true, 'above half of the mark');
    host.heldReceivedBytes = 0;
    gate.checkHeldInput();
    assert.equal(transport.isPaused, false);
    assert.equal(host.keepaliveHeld.at(-1), false);
  });
});
