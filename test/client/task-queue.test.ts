// Tests for src/client/task-queue.ts: tasks run in order, never inside the call that queued
// them, and in the same turn of the event loop (before a microtask queued after them).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TaskQueue } from '../../src/client/task-queue.js';

describe('TaskQueue', () => {
  it('runs tasks in order, after the caller returned', async () => {
    const order: string[] = [];
    const queue = new TaskQueue({ afterTasks: () => order.push('batch done') });
    queue.push(() => order.push('a'));
    queue.push(() => order.push('b'));
    assert.deepEqual(order, [], 'nothing runs inside push()');
    assert.equal(queue.hasPending, true);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ['a', 'b', 'batch done']);
    assert.equal(queue.hasPending, false);
  });

  it('runs in the same turn: before a microtask queued after the push', async () => {
    const order: string[] = [];
    const queue = new TaskQueue();
    queue.push(() => order.push('task'));
    const later = Promise.resolve().then(() => order.push('microtask'));
    await later;
    assert.deepEqual(order, ['task', 'microtask']);
  });

  it('runs tasks queued by a task after the ones already waiting', async () => {
    const order: string[] = [];
    const queue = new TaskQueue();
    queue.push(() => {
      order.push('first');
      queue.push(() => order.push('queued by first'));
    });
    queue.push(() => order.push('second'));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ['first', 'second', 'queued by first']);
  });
});
