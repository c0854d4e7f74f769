// Signs of life on one open connection: the keepalive (keepalive.ts: a Ping after silence,
// the peer declared dead when nothing answers) and the round trips of Pings (ping-tracker.ts),
// the latest of which is the connection's latency.

import type { Clock } from './clock.js';
import { Keepalive, type KeepaliveHooks } from './keepalive.js';
import { PingTracker } from './ping-tracker.js';

export interface LivenessOptions {
  pingIntervalMs: number;
  pongTimeoutMs: number;
  maxMissedPongs: number;
}

export class Liveness {
  readonly #clock: Clock;
  /** Made on the first Ping (most connections never send one themselves). */
  #pings: PingTracker | undefined;
  /** Runs while the connection is open, when pingIntervalMs is not 0. */
  keepalive: Keepalive | undefined;
  /** The last measured round trip of a Ping, in milliseconds. */
  latencyMs: number | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** The connection opened: start the keepalive (unless pingIntervalMs is 0). */
  startKeepalive(options: LivenessOptions, hooks: KeepaliveHooks): void {
    const { pingIntervalMs, pongTimeoutMs, maxMissedPongs } = options;
    if (pingIntervalMs === 0) return;
    const limits = { intervalMs: pingIntervalMs, timeoutMs: pongTimeoutMs, maxMissedPongs };
    this.keepalive = new Keepalive(this.#clock, limits, hooks);
    this.keepalive.start();
  }

  /** A payload no other Ping of this connection carries. */
  nextPayload(): Uint8Array {
    this.#pings ??= new PingTracker(this.#clock);
    return this.#pings.nextPayload();
  }

  /** A Ping with `payload` went out: resolves with its round trip. */
  track(payload: Uint8Array): Promise<number> {
    this.#pings ??= new PingTracker(this.#clock);
    return this.#pings.track(payload);
  }

  /** A Pong arrived: the round trip of the Ping it answers, if it answers one of ours. */
  pongReceived(payload: Uint8Array): number | undefined {
    const rttMs = this.#pings?.received(payload);
    if (rttMs !== undefined) this.latencyMs = rttMs;
    return rttMs;
  }

  /**
   * The connection ended: the keepalive stops and Pings still waiting fail with the error
   * `lost` makes (called only when one waits).
   */
  stop(lost: () => Error): void {
    this.keepalive?.stop();
    this.#pings?.rejectAll(lost);
  }
}
