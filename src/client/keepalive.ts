// Keepalive and dead-peer detection for one connection: after `intervalMs` without
// receiving anything, send a Ping; if nothing at all arrives within `timeoutMs` after it,
// declare the peer dead. Any received byte counts as a sign of life, so a busy connection
// never pings, and a dead one is found within intervalMs + timeoutMs of its last byte.
// Several pings may go unanswered before the peer is declared dead (the NodeMCU dialect's
// health check). Only received bytes count: what we send proves nothing about the peer.
// Uses the injected Clock only.
//
// Idle connections are many, so they share timers: every keepalive on one clock waits in one
// queue ordered by when it is due (a binary heap), under one timer armed for the earliest.
// Each still fires at its own time, as if it had a timer of its own.

import { armTimer, type Clock, type TimerHandle, timerDelayMs } from './clock.js';

/** The keepalives of one clock that wait for their time, and the one timer they share. */
interface Schedule {
  readonly clock: Clock;
  /** Binary heap by due time (ties: first scheduled first). */
  readonly heap: Keepalive[];
  timer: TimerHandle | undefined;
  /** When the timer fires (clock time). */
  timerDue: number;
  /** Order of scheduling, to break ties between equal due times. */
  sequence: number;
  /** Due keepalives are running: the timer is armed once they are done. */
  isFiring: boolean;
}

export interface KeepaliveHooks {
  /** Send a Ping now (the connection measures the round trip). */
  sendKeepalivePing(): void;
  /** Nothing arrived within the timeout after the last allowed Ping: the peer is dead. */
  onKeepaliveTimeout(): void;
}

export interface KeepaliveOptions {
  intervalMs: number;
  timeoutMs: number;
  /** Pings that may go unanswered in a row; the peer is dead when the last one times out. */
  maxMissedPongs?: number;
}

export class Keepalive {
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #maxMissed: number;
  readonly #hooks: KeepaliveHooks;
  readonly #schedule: Schedule;
  /** Clock time at which the next step is due, while waiting in the schedule. */
  #due = 0;
  #sequence = 0;
  /** Index in the schedule's heap, -1 while not waiting. */
  #slot = -1;
  /** Pings out without any sign of life since the first of them. */
  #missed = 0;
  #lastReceivedAt = 0;
  #stopped = false;
  /** Reading is paused on purpose: no deadline runs (hold()). */
  #isHeld = false;

  constructor(clock: Clock, options: KeepaliveOptions, hooks: KeepaliveHooks) {
    this.#intervalMs = options.intervalMs;
    this.#timeoutMs = options.timeoutMs;
    this.#maxMissed = Math.max(1, options.maxMissedPongs ?? 1);
    this.#hooks = hooks;
    this.#schedule = scheduleOf(clock);
  }

  start(): void {
    const now = this.#schedule.clock.now();
    this.#lastReceivedAt = now;
    this.#wait(this.#intervalMs);
  }

  /** Bytes arrived: the peer is alive. Called on the receive path, so it stays cheap. */
  received(): void {
    this.#lastReceivedAt = this.#schedule.clock.now();
    if (this.#missed !== 0) {
      this.#missed = 0;
      this.#wait(this.#intervalMs);
    }
  }

  /**
   * `true`: we stopped reading (a slow consumer), so the silence proves nothing; the deadline
   * and the ping interval wait. `false`: reading resumed; both start again from now.
   */
  hold(isHeld: boolean): void {
    if (isHeld === this.#isHeld || this.#stopped) return;
    this.#isHeld = isHeld;
    if (isHeld) {
      Keepalive.#remove(this);
      return;
    }
    this.#missed = 0;
    this.start();
  }

  stop(): void {
    this.#stopped = true;
    Keepalive.#remove(this);
  }

  /** Waits `delayMs` (in the clock's timer terms), then runs #tick. */
  #wait(delayMs: number): void {
    if (this.#stopped || this.#isHeld) return;
    Keepalive.#remove(this);
    const schedule = this.#schedule;
    this.#due = schedule.clock.now() + timerDelayMs(delayMs);
    this.#sequence = schedule.sequence++;
    const heap = schedule.heap;
    this.#slot = heap.length;
    heap.push(this);
    Keepalive.#siftUp(heap, this.#slot);
    if (schedule.isFiring) return;
    if (schedule.timer === undefined || this.#due < schedule.timerDue) {
      Keepalive.#arm(schedule, delayMs);
    }
  }

  /** Runs every keepalive of `schedule` that is due, then waits for the next one. */
  static #fire(schedule: Schedule): void {
    schedule.timer = undefined;
    schedule.isFiring = true;
    const heap = schedule.heap;
    const now = schedule.clock.now();
    try {
      for (let guard = heap.length; guard > 0; guard--) {
        const first = heap[0];
        if (first === undefined || first.#due > now) break;
        Keepalive.#remove(first);
        first.#tick();
      }
    } finally {
      schedule.isFiring = false;
      const next = heap[0];
      if (next !== undefined) {
        Keepalive.#arm(schedule, next.#due - schedule.clock.now());
      }
    }
  }

  static #arm(schedule: Schedule, delayMs: number): void {
    const { clock } = schedule;
    if (schedule.timer !== undefined) clock.clearTimeout(schedule.timer);
    schedule.timerDue = clock.now() + timerDelayMs(delayMs);
    schedule.timer = armTimer(clock, () => Keepalive.#fire(schedule), delayMs);
  }

  /** Takes `keepalive` out of its schedule; the shared timer stops with the last one. */
  static #remove(keepalive: Keepalive): void {
    const index = keepalive.#slot;
    if (index === -1) return;
    keepalive.#slot = -1;
    const schedule = keepalive.#schedule;
    const heap = schedule.heap;
    const last = heap.pop()!;
    if (last !== keepalive) {
      heap[index] = last;
      last.#slot = index;
      Keepalive.#siftDown(heap, index);
      Keepalive.#siftUp(heap, last.#slot);
    }
    if (heap.length === 0 && schedule.timer !== undefined) {
      schedule.clock.clearTimeout(schedule.timer);
      schedule.timer = undefined;
    }
  }

  static #isBefore(a: Keepalive, b: Keepalive): boolean {
    return a.#due < b.#due || (a.#due === b.#due && a.#sequence < b.#sequence);
  }

  static #siftUp(heap: Keepalive[], index: number): void {
    const item = heap[index]!;
    while (index > 0) {
      const parentIndex = (index - 1) >> 1;
      const parent = heap[parentIndex]!;
      if (!Keepalive.#isBefore(item, parent)) break;
      heap[index] = parent;
      parent.#slot = index;
      index = parentIndex;
    }
    heap[index] = item;
    item.#slot = index;
  }

  static #siftDown(heap: Keepalive[], index: number): void {
    const item = heap[index]!;
    const length = heap.length;
    for (;;) {
      const left = 2 * index + 1;
      if (left >= length) break;
      const right = left + 1;
      const child = right < length && Keepalive.#isBefore(heap[right]!, heap[left]!) ? right : left;
      const candidate = heap[child]!;
      if (!Keepalive.#isBefore(candidate, item)) break;
      heap[index] = candidate;
      candidate.#slot = index;
      index = child;
    }
    heap[index] = item;
    item.#slot = index;
  }

  #tick(): void {
    if (this.#stopped) return;
    const now = this.#schedule.clock.now();
    if (this.#missed !== 0) {
      if (this.#missed >= this.#maxMissed) {
        this.#hooks.onKeepaliveTimeout();
        return;
      }
      this.#ping();
      return;
    }
    const quietMs = now - this.#lastReceivedAt;
    // Ping only after a full interval of silence, so a dead peer is found within
    // intervalMs + timeoutMs of the last byte received.
    if (quietMs < this.#intervalMs) {
      this.#wait(this.#intervalMs - quietMs);
      return;
    }
    this.#ping();
  }

  #ping(): void {
    this.#missed++;
    this.#wait(this.#timeoutMs);
    this.#hooks.sendKeepalivePing();
  }
}

/** One schedule per clock, made when its first keepalive is. */
const schedules = new WeakMap<Clock, Schedule>();

function scheduleOf(clock: Clock): Schedule {
  let schedule = schedules.get(clock);
  if (schedule === undefined) {
    schedule = { clock, heap: [], timer: undefined, timerDue: 0, sequence: 0, isFiring: false };
    schedules.set(clock, schedule);
  }
  return schedule;
}
