// A manual clock: time moves only when a test calls advance().

import type { Clock, TimerHandle } from '../../src/client/clock.js';

interface Timer {
  at: number;
  callback: () => void;
  handle: TimerHandle;
}

export class FakeClock implements Clock {
  #now = 0;
  #timers: Timer[] = [];
  /** Every delay a timer was armed with, in order (tests check the library's bounds). */
  readonly armedDelays: number[] = [];

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const handle: TimerHandle = { id: Symbol('timer') };
    this.armedDelays.push(delayMs);
    this.#timers.push({ at: this.#now + delayMs, callback, handle });
    return handle;
  }

  clearTimeout(handle: TimerHandle): void {
    this.#timers = this.#timers.filter((timer) => timer.handle !== handle);
  }

  /** Number of timers waiting. */
  get pending(): number {
    return this.#timers.length;
  }

  /** Moves time forward, running each timer that comes due, in order. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (let guard = 0; guard < 10_000; guard++) {
      this.#timers.sort((a, b) => a.at - b.at);
      const next = this.#timers[0];
      if (next === undefined || next.at > end) break;
      this.#timers.shift();
      this.#now = next.at;
      next.callback();
    }
    this.#now = end;
  }
}
