// Keepalive and dead-peer detection for one connection: after `intervalMs` without
// receiving anything, send a Ping; if nothing at all arrives within `timeoutMs` after it,
// declare the peer dead. Any received byte counts as a sign of life, so a busy connection
// never pings, and a dead one is found within intervalMs + timeoutMs of its last byte.
// Uses the injected Clock; knows nothing about frames.

import type { Clock, TimerHandle } from './clock.js';

export interface KeepaliveHooks {
  /** Send a Ping now (the connection measures the round trip). */
  sendPing(): void;
  /** Nothing arrived within the timeout after a Ping. */
  onDead(): void;
}

export class Keepalive {
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #hooks: KeepaliveHooks;
  #timer: TimerHandle | undefined;
  /** True while a Ping is out and its deadline runs. */
  #isWaiting = false;
  #lastReceivedAt = 0;
  #stopped = false;

  constructor(clock: Clock, intervalMs: number, timeoutMs: number, hooks: KeepaliveHooks) {
    this.#clock = clock;
    this.#intervalMs = intervalMs;
    this.#timeoutMs = timeoutMs;
    this.#hooks = hooks;
  }

  start(): void {
    this.#lastReceivedAt = this.#clock.now();
    this.#schedule(this.#intervalMs);
  }

  /** Bytes arrived: the peer is alive. Called on the receive path, so it stays cheap. */
  received(): void {
    this.#lastReceivedAt = this.#clock.now();
    if (this.#isWaiting) {
      this.#isWaiting = false;
      this.#schedule(this.#intervalMs);
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = this.#clock.setTimeout(this.#tick, delayMs);
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    if (this.#stopped) return;
    if (this.#isWaiting) {
      this.#isWaiting = false;
      this.#hooks.onDead();
      return;
    }
    // Ping only after a full interval of silence, so a dead peer is found within
    // intervalMs + timeoutMs of the last byte received.
    const quietMs = this.#clock.now() - this.#lastReceivedAt;
    if (quietMs < this.#intervalMs) {
      this.#schedule(this.#intervalMs - quietMs);
      return;
    }
    this.#isWaiting = true;
    this.#schedule(this.#timeoutMs);
    this.#hooks.sendPing();
  };
}
