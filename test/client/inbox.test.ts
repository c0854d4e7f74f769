// Tests for src/client/inbox.ts: the received-message queue with high and low water marks.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Inbox, type InboxMarks } from '../../src/client/inbox.js';

function recorder() {
  const calls: string[] = [];
  return {
    calls,
    reading: { pause: () => calls.push('pause'), resume: () => calls.push('resume') },
  };
}

const byCount: InboxMarks = {
  highWaterMark: 4,
  lowWaterMark: 1,
  highWaterBytes: Number.POSITIVE_INFINITY,
  lowWaterBytes: Number.POSITIVE_INFINITY,
};

describe('Inbox', () => {
  it('gives items back oldest first and undefined when empty', () => {
    const { reading } = recorder();
    const inbox = new Inbox<string>(reading, byCount, (item) => item.length);
    assert.equal(inbox.take(), undefined);
    for (const item of ['a', 'bb', 'ccc']) inbox.push(item);
    assert.equal(inbox.size, 3);
    assert.equal(inbox.bytes, 6);
    assert.deepEqual(
      [inbox.take(), inbox.take(), inbox.take(), inbox.take()],
      ['a', 'bb', 'ccc', undefined],
    );
    assert.equal(inbox.size, 0);
    assert.equal(inbox.bytes, 0);
  });

  it('pauses at the high mark of messages and resumes at the low mark', () => {
    const { calls, reading } = recorder();
    const inbox = new Inbox<number>(reading, byCount, () => 1);
    for (let i = 0; i < 3; i++) inbox.push(i);
    assert.deepEqual(calls, []);
    inbox.push(3);
    assert.deepEqual(calls, ['pause']);
    inbox.take(); // 3 left
    inbox.take(); // 2 left
    assert.deepEqual(calls, ['pause']);
    inbox.take(); // 1 left: at the low mark
    assert.deepEqual(calls, ['pause', 'resume']);
  });

  it('pauses above the high mark of bytes and resumes only when both marks allow', () => {
    const { calls, reading } = recorder();
    const marks = { highWaterMark: 100, lowWaterMark: 25, highWaterBytes: 10, lowWaterBytes: 2 };
    const inbox = new Inbox<Uint8Array>(reading, marks, (item) => item.byteLength);
    inbox.push(new Uint8Array(10));
    assert.deepEqual(calls, []); // 10 bytes is not above 10
    inbox.push(new Uint8Array(1));
    assert.deepEqual(calls, ['pause']);
    inbox.push(new Uint8Array(2));
    inbox.take(); // 3 bytes left: above the low byte mark
    assert.deepEqual(calls, ['pause', 'pause']);
    inbox.take(); // 2 bytes left
    assert.deepEqual(calls, ['pause', 'pause', 'resume']);
  });

  it('stays in order across many items (the taken slots are dropped now and then)', () => {
    const { reading } = recorder();
    const inbox = new Inbox<number>(reading, byCount, () => 0);
    let next = 0;
    for (let i = 0; i < 5000; i++) {
      inbox.push(i);
      if (i % 3 !== 0) assert.equal(inbox.take(), next++);
    }
    while (inbox.size > 0) assert.equal(inbox.take(), next++);
    assert.equal(next, 5000);
  });
});
