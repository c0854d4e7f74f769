// The offline queue on its own: order and byte accounting across drops, expiry and the
// compaction of taken slots (past 1024 of them), UTF-8 sizes, copies of the caller's bytes.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OfflineQueue } from '../../src/client/offline-queue.js';
import { ErrorCode } from '../../src/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';

function record(): {
  settle: (label: string) => (error: Error | undefined) => void;
  log: string[];
} {
  const log: string[] = [];
  return {
    log,
    settle: (label) => (error) => {
      log.push(`${label}:${(error as { code?: string } | undefined)?.code ?? 'sent'}`);
    },
  };
}

describe('OfflineQueue', () => {
  it('drop-oldest keeps the newest in order across compaction, bytes exact', () => {
    const queue = new OfflineQueue(
      { maxQueuedMessages: 1500, queueFullPolicy: 'drop-oldest' },
      new FakeClock(),
    );
    const { settle, log } = record();
    for (let i = 0; i < 4000; i++) queue.add(`m${i}`, false, settle(`m${i}`));
    assert.equal(queue.length, 1500);
    assert.equal(log.length, 2500);
    assert.equal(log[0], `m0:${ErrorCode.QueueDropped}`);
    assert.equal(log[2499], `m2499:${ErrorCode.QueueDropped}`);
    const expectedBytes = Array.from({ length: 1500 }, (_, i) => `m${2500 + i}`.length).reduce(
      (a, b) => a + b,
    );
    assert.equal(queue.bytes, expectedBytes);
    const taken = queue.takeAll();
    assert.deepEqual(
      taken.map((message) => message.data),
      Array.from({ length: 1500 }, (_, i) => `m${2500 + i}`),
    );
    assert.equal(queue.length, 0);
    assert.equal(queue.bytes, 0);
  });

  it('reject-new refuses when full by count or bytes; a message larger than the queue', () => {
    const queue = new OfflineQueue({ maxQueuedMessages: 2, maxQueuedBytes: 10 }, new FakeClock());
    const { settle, log } = record();
    queue.add('12345', false, settle('a'));
    queue.add('123456', false, settle('b')); // 11 bytes > 10
    queue.add('é', false, settle('c')); // 2 UTF-8 bytes
    queue.add('x', false, settle('d')); // third message
    queue.add('x'.repeat(11), false, settle('e'));
    assert.deepEqual(log, [
      `b:${ErrorCode.QueueFull}`,
      `d:${ErrorCode.QueueFull}`,
      `e:${ErrorCode.QueueFull}`,
    ]);
    assert.equal(queue.bytes, 7);
  });

  it('expires the oldest after queueTtlMs, by timer and on the next add', () => {
    const clock = new FakeClock();
    const queue = new OfflineQueue({ queueTtlMs: 100, maxQueuedMessages: 5000 }, clock);
    const { settle, log } = record();
    for (let i = 0; i < 2000; i++) queue.add(`old${i}`, false, settle('old'));
    clock.advance(50);
    queue.add('young', false, settle('young'));
    clock.advance(50); // the first 2000 are 100 ms old now
    assert.equal(log.length, 2000);
    assert.ok(log.every((line) => line === `old:${ErrorCode.QueueExpired}`));
    assert.equal(queue.length, 1);
    queue.stopTimer();
    clock.advance(100); // no timer: expiry waits for the next add or takeAll
    assert.equal(queue.length, 1);
    assert.deepEqual(queue.takeAll(), []);
    assert.equal(log.at(-1), `young:${ErrorCode.QueueExpired}`);
  });

  it('copies the bytes it keeps', () => {
    const queue = new OfflineQueue({}, new FakeClock());
    const bytes = new Uint8Array([1, 2, 3, 4]);
    queue.add(bytes.subarray(1, 3), true, () => {});
    bytes.fill(0);
    assert.deepEqual(queue.takeAll()[0]!.data, new Uint8Array([2, 3]));
  });
});
