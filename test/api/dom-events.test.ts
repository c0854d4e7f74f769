// Tests for src/api/dom-events.ts: CloseEvent, ErrorEvent, handler attributes and the
// WebSocket shape given to both WHATWG faces.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CloseEvent,
  defineWebSocketShape,
  ErrorEvent,
  HandlerAttributes,
} from '../../src/api/dom-events.js';

describe('CloseEvent', () => {
  it('has defaults, converts its members and requires a type', () => {
    const plain = new CloseEvent('close');
    assert.deepEqual([plain.wasClean, plain.code, plain.reason], [false, 0, '']);
    const event = new CloseEvent('close', {
      wasClean: 1 as never,
      code: 65536 + 1000,
      reason: 7 as never,
    });
    assert.deepEqual([event.wasClean, event.code, event.reason], [true, 1000, '7']);
    assert.ok(event instanceof Event);
    assert.throws(() => new (CloseEvent as unknown as new () => Event)(), TypeError);
  });
});

describe('ErrorEvent', () => {
  it('carries message and error; numbers are unsigned longs', () => {
    const error = new Error('x');
    const event = new ErrorEvent('error', { message: 'boom', error, lineno: -1, colno: 3.7 });
    assert.equal(event.message, 'boom');
    assert.equal(event.error, error);
    assert.equal(event.lineno, 4294967295);
    assert.equal(event.colno, 3);
    assert.equal(event.filename, '');
    const empty = new ErrorEvent('error');
    assert.deepEqual([empty.message, empty.error, empty.lineno], ['', undefined, 0]);
    assert.throws(() => new (ErrorEvent as unknown as new () => Event)(), TypeError);
  });

  it('reads inherited members, as WebIDL dictionaries do', () => {
    const init = Object.create({ message: 'inherited' }) as { message: string };
    assert.equal(new ErrorEvent('error', init).message, 'inherited');
  });
});

describe('HandlerAttributes', () => {
  it('a handler keeps the listener position of its first value; null removes it', () => {
    const target = new EventTarget();
    const handlers = new HandlerAttributes(target);
    const order: string[] = [];
    handlers.set('ping', () => order.push('first handler'));
    target.addEventListener('ping', () => order.push('listener'));
    handlers.set('ping', () => order.push('second handler'));
    target.dispatchEvent(new Event('ping'));
    assert.deepEqual(order, ['second handler', 'listener']);
    handlers.set('ping', null);
    assert.equal(handlers.get('ping'), null);
    target.dispatchEvent(new Event('ping'));
    assert.deepEqual(order, ['second handler', 'listener', 'listener']);
  });

  it('calls the handler with the target as this; a non-function is ignored', () => {
    const target = new EventTarget();
    const handlers = new HandlerAttributes(target);
    let self: unknown;
    handlers.set('x', function (this: unknown) {
      self = this;
    });
    handlers.set('y', 'not a function');
    assert.equal(handlers.get('y'), null);
    target.dispatchEvent(new Event('x'));
    assert.equal(self, target);
  });
});

describe('defineWebSocketShape', () => {
  it('adds the state constants, the on* attributes and the toStringTag', () => {
    class Socket extends EventTarget {
      readonly handlers = new HandlerAttributes(this);
    }
    defineWebSocketShape(Socket, 'Socket', (socket) => socket.handlers);
    const socket = new Socket() as Socket & Record<string, unknown>;
    for (const target of [Socket as unknown as Record<string, unknown>, socket]) {
      assert.deepEqual(
        [target.CONNECTING, target.OPEN, target.CLOSING, target.CLOSED],
        [0, 1, 2, 3],
      );
    }
    assert.equal(Object.prototype.toString.call(socket), '[object Socket]');
    let heard = 0;
    socket.onmessage = () => heard++;
    socket.dispatchEvent(new Event('message'));
    assert.equal(heard, 1);
    assert.equal(typeof socket.onmessage, 'function');
    assert.equal(socket.onclose, null);
  });
});
