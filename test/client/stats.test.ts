// Tests for src/client/stats.ts: counters, round-trip percentiles over the last 256 Pings,
// and the time spent open, summed over connections.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { StatsRecorder } from '../../src/client/stats.js';

describe('StatsRecorder', () => {
  it('reports no round trip before the first, then the last, median and 99th percentile', () => {
    const stats = new StatsRecorder();
    assert.equal(stats.snapshot(0).rttP50Ms, undefined);
    for (let ms = 1; ms <= 100; ms++) stats.recordRtt(ms);
    const snapshot = stats.snapshot(0);
    assert.equal(snapshot.rttLastMs, 100);
    assert.equal(snapshot.rttP50Ms, 50);
    assert.equal(snapshot.rttP99Ms, 99);
  });

  it('keeps only the last 256 samples', () => {
    const stats = new StatsRecorder();
    for (let i = 0; i < 256; i++) stats.recordRtt(1000);
    for (let i = 0; i < 256; i++) stats.recordRtt(1);
    assert.equal(stats.snapshot(0).rttP99Ms, 1);
  });

  it('sums the time spent open over connections, the current one up to now', () => {
    const stats = new StatsRecorder();
    stats.opened(100);
    stats.closed(250);
    stats.closed(900); // a close without an open adds nothing
    stats.opened(1000);
    assert.equal(stats.snapshot(1040).connectedMs, 190);
    stats.closed(1100);
    assert.equal(stats.snapshot(5000).connectedMs, 250);
  });

  it('passes counters and queue figures through', () => {
    const stats = new StatsRecorder();
    stats.messagesIn = 3;
    stats.bytesOut = 70;
    const snapshot = stats.snapshot(0, 2, 10);
    assert.equal(snapshot.messagesIn, 3);
    assert.equal(snapshot.bytesOut, 70);
    assert.equal(snapshot.queuedMessages, 2);
    assert.equal(snapshot.queuedBytes, 10);
  });
});
