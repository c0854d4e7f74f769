// Tests for src/client/events.ts: the small typed emitter behind Connection and friends.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TypedEmitter } from '../../src/client/events.js';

interface Events {
  message: [text: string];
  error: [error: Error];
  pair: [a: number, b: number];
}

class Emitter extends TypedEmitter<Events> {
  fire<K extends keyof Events>(event: K, ...args: Events[K]): void {
    this.emit(event, ...args);
  }
}

describe('TypedEmitter', () => {
  it('calls listeners in the order they were added, with every argument', () => {
    const emitter = new Emitter();
    const seen: string[] = [];
    emitter.on('pair', (a, b) => seen.push(`first ${a} ${b}`));
    emitter.on('pair', (a, b) => seen.push(`second ${a + b}`));
    emitter.fire('pair', 1, 2);
    assert.deepEqual(seen, ['first 1 2', 'second 3']);
  });

  it('on, once and off return the emitter for chaining', () => {
    const emitter = new Emitter();
    const listener = () => {};
    assert.equal(emitter.on('message', listener), emitter);
    assert.equal(emitter.once('message', listener), emitter);
    assert.equal(emitter.off('message', listener), emitter);
  });

  it("an 'error' without listeners is not thrown", () => {
    const emitter = new Emitter();
    assert.doesNotThrow(() => emitter.fire('error', new Error('nobody listens')));
    assert.equal(emitter.listenerCount('error'), 0);
  });

  it('refuses a listener that is not a function with a TypeError', () => {
    const emitter = new Emitter();
    for (const bad of [undefined, null, 'listener', {}]) {
      assert.throws(() => emitter.on('message', bad as never), {
        name: 'TypeError',
        message: 'the listener must be a function',
      });
    }
    assert.equal(emitter.listenerCount('message'), 0);
  });

  it('once runs a listener a single time and removes it first', () => {
    const emitter = new Emitter();
    const seen: string[] = [];
    emitter.once('message', (text) => {
      seen.push(text);
      assert.equal(emitter.listenerCount('message'), 0);
      emitter.fire('message', 're-entered');
    });
    emitter.fire('message', 'a');
    emitter.fire('message', 'b');
    assert.deepEqual(seen, ['a']);
  });

  it('off removes one registration of the listener; unknown listeners are ignored', () => {
    const emitter = new Emitter();
    const seen: string[] = [];
    const listener = (text: string) => seen.push(text);
    emitter.on('message', listener).on('message', listener);
    emitter.off('message', () => {});
    emitter.off('pair', () => {});
    assert.equal(emitter.listenerCount('message'), 2);
    emitter.off('message', listener);
    assert.equal(emitter.listenerCount('message'), 1);
    emitter.fire('message', 'x');
    assert.deepEqual(seen, ['x']);
  });

  it('a listener removed during an emit still runs for that emit; one added does not', () => {
    const emitter = new Emitter();
    const seen: string[] = [];
    const late = () => seen.push('late');
    const second = () => seen.push('second');
    emitter.on('message', () => {
      seen.push('first');
      emitter.off('message', second);
      emitter.on('message', late);
    });
    emitter.on('message', second);
    emitter.fire('message', 'm');
    assert.deepEqual(seen, ['first', 'second']);
    seen.length = 0;
    emitter.fire('message', 'm');
    assert.deepEqual(seen, ['first', 'late']);
  });

  it('a lone once listener that re-registers itself runs again only on the next emit', () => {
    const emitter = new Emitter();
    let calls = 0;
    const listener = () => {
      calls++;
      if (calls < 3) emitter.once('message', listener);
    };
    emitter.once('message', listener);
    emitter.fire('message', 'a');
    assert.equal(calls, 1);
    emitter.fire('message', 'b');
    emitter.fire('message', 'c');
    emitter.fire('message', 'd');
    assert.equal(calls, 3);
  });

  it('listenerCount counts per event', () => {
    const emitter = new Emitter();
    emitter
      .on('message', () => {})
      .on('error', () => {})
      .once('error', () => {});
    assert.equal(emitter.listenerCount('message'), 1);
    assert.equal(emitter.listenerCount('error'), 2);
    assert.equal(emitter.listenerCount('pair'), 0);
  });

  it('a throwing listener propagates to the emitter of the event', () => {
    const emitter = new Emitter();
    emitter.on('message', () => {
      throw new Error('listener failed');
    });
    assert.throws(() => emitter.fire('message', 'x'), /listener failed/);
  });
});
