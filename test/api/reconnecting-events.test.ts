// Tests for src/api/reconnecting-events.ts: the events ReconnectingWebSocket adds, its send()
// promise, and the socket view the onOpen hook gets.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CloseEvent } from '../../src/api/dom-events.js';
import {
  GiveUpEvent,
  hookSocket,
  ReconnectEvent,
  ReconnectingCloseEvent,
  sendPromise,
} from '../../src/api/reconnecting-events.js';
import { ConnectionClosedError, InvalidArgumentError } from '../../src/core/errors.js';

describe('event classes', () => {
  it('ReconnectingCloseEvent is a CloseEvent with cause, willRetry and error', () => {
    const cause = { kind: 'server', phase: 'open' } as const;
    const event = new ReconnectingCloseEvent('close', { code: 1001, cause, willRetry: 1 as never });
    assert.ok(event instanceof CloseEvent);
    assert.equal(event.code, 1001);
    assert.equal(event.cause, cause);
    assert.equal(event.willRetry, true);
    assert.equal(new ReconnectingCloseEvent('close').willRetry, false);
  });

  it('ReconnectEvent carries a copy of its detail, also as attempt, delayMs and reason', () => {
    const detail = { attempt: 2, delayMs: 1500, reason: 'server closed (1001)' };
    const event = new ReconnectEvent('reconnecting', { detail });
    detail.attempt = 9;
    assert.deepEqual(event.detail, { attempt: 2, delayMs: 1500, reason: 'server closed (1001)' });
    assert.deepEqual(
      [event.attempt, event.delayMs, event.reason],
      [2, 1500, 'server closed (1001)'],
    );
  });

  it('GiveUpEvent carries the reason and error', () => {
    const error = new ConnectionClosedError('gone', { wasClean: false });
    const event = new GiveUpEvent('giveup', { reason: 'maxRetries', error });
    assert.deepEqual([event.type, event.reason, event.error], ['giveup', 'maxRetries', error]);
  });
});

describe('sendPromise', () => {
  it('resolves or rejects by settle, and a rejection nobody awaits is not unhandled', async () => {
    await sendPromise((settle) => settle(undefined));
    let unhandled = 0;
    const onUnhandled = () => unhandled++;
    process.on('unhandledRejection', onUnhandled);
    try {
      sendPromise((settle) => settle(new Error('refused')));
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.equal(unhandled, 0);
      await assert.rejects(
        sendPromise((settle) => settle(new Error('x'))),
        /x/,
      );
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('hookSocket', () => {
  function fakeConnection() {
    const sent: [unknown, boolean][] = [];
    const closed: unknown[][] = [];
    const connection = {
      options: { target: { url: new URL('ws://h.example/p') } },
      protocol: 'chat',
      extensions: '',
      send: (data: unknown, isBinary: boolean, settle: (error?: Error) => void) => {
        sent.push([data, isBinary]);
        settle(undefined);
      },
      close: (...args: unknown[]) => closed.push(args),
    };
    return { sent, closed, socket: hookSocket(connection as never) };
  }

  it('shows the connection and sends text and bytes on it', async () => {
    const { sent, closed, socket } = fakeConnection();
    assert.deepEqual(
      [socket.url, socket.protocol, socket.extensions],
      ['ws://h.example/p', 'chat', ''],
    );
    await socket.send('auth');
    await socket.send(new Uint8Array([1]));
    socket.close(4000, 'bye');
    assert.deepEqual(sent, [
      ['auth', false],
      [new Uint8Array([1]), true],
    ]);
    assert.deepEqual(closed, [[4000, 'bye']]);
  });

  it('refuses a Blob with ERR_INVALID_ARGUMENT', async () => {
    const { sent, socket } = fakeConnection();
    await assert.rejects(socket.send(new Blob(['x']) as never), InvalidArgumentError);
    assert.deepEqual(sent, []);
  });
});
