// Keepalive and dead-peer detection for one connection: after `intervalMs` without
// receiving anything, send a Ping; if nothing at all arrives within `timeoutMs` after it,
// declare the peer dead. Any received byte counts as a sign of life, so a busy connection
// never pings, and a dead one is found within intervalMs + timeoutMs of its last byte.
// Several pings may go unanswered before the peer is declared dead (the NodeMCU dialect's
// health check). Only received bytes count: what we send proves nothing about the peer.
// Uses the injected Clock only.

import { armTimer, type Clock, type TimerHandle } from './clock.js';

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
  readonly #clock: Clock;
  readonly #intervalMs: number;
  readonly #timeoutMs: number;
  readonly #maxMissed: number;
  readonly #hooks: KeepaliveHooks;
  #timer: TimerHandle | undefined;
  /** Pings out without any sign of life since the first of them. */
  #missed = 0;
  #lastReceivedAt = 0;
  #stopped = false;
  /** Reading is paused on purpose: no deadline runs (hold()). */
  #isHeld = false;

  constructor(clock: Clock, options: KeepaliveOptions, hooks: KeepaliveHooks) {
    this.#clock = clock;
    this.#intervalMs = options.intervalMs;
    this.#timeoutMs = options.timeoutMs;
    this.#maxMissed = Math.max(1, options.maxMissedPongs ?? 1);
    this.#hooks = hooks;
  }

  start(): void {
    const now = this.#clock.now();
    this.#lastReceivedAt = now;
    this.#schedule(this.#intervalMs);
  }

  /** Bytes arrived: the peer is alive. Called on the receive path, so it stays cheap. */
  received(): void {
    this.#lastReceivedAt = this.#clock.now();
    if (this.#missed !== 0) {
      this.#missed = 0;
      this.#schedule(this.#intervalMs);
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
      if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
      return;
    }
    this.#missed = 0;
    this.start();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    if (this.#stopped || this.#isHeld) return;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = armTimer(this.#clock, this.#tick, delayMs);
  }

  readonly #tick = (): void => {
    this.#timer = undefined;
    if (this.#stopped) return;
    const now = this.#clock.now();
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
      this.#schedule(this.#intervalMs - quietMs);
      return;
    }
    this.#ping();
  };

  #ping(): void {
    this.#missed++;
    this.#schedule(this.#timeoutMs);
    this.#hooks.sendKeepalivePing();
  }
}
