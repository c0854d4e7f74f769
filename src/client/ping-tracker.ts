// Round trips of Pings: remembers each Ping sent, matches the Pong that answers it (RFC 6455
// §5.5.3: a Pong echoes the Ping's payload; it also answers every earlier Ping), and turns
// that into a round-trip time on the injected clock.

import type { Clock } from './clock.js';

interface PingWaiter {
  payload: Uint8Array;
  startedAt: number;
  resolve: (rttMs: number) => void;
  reject: (error: Error) => void;
}

export class PingTracker {
  readonly #clock: Clock;
  #waiters: PingWaiter[] = [];
  #counter = 0;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** A payload no other Ping of this connection carries: a 4-byte counter. */
  nextPayload(): Uint8Array {
    const payload = new Uint8Array(4);
    new DataView(payload.buffer).setUint32(0, ++this.#counter);
    return payload;
  }

  /** Remembers a Ping just sent; resolves with its round trip in milliseconds. */
  track(payload: Uint8Array): Promise<number> {
    return new Promise<number>((resolve, reject) => {
      this.#waiters.push({
        payload: new Uint8Array(payload), // a copy, also of a Buffer
        startedAt: this.#clock.now(),
        resolve,
        reject,
      });
    });
  }

  /** A Pong arrived: settles the Pings it answers; returns the newest round trip, if any. */
  received(payload: Uint8Array): number | undefined {
    const index = this.#waiters.findIndex((waiter) => sameBytes(waiter.payload, payload));
    if (index === -1) return undefined;
    const now = this.#clock.now();
    const answered = this.#waiters.splice(0, index + 1);
    for (const waiter of answered) waiter.resolve(now - waiter.startedAt);
    return now - answered[answered.length - 1]!.startedAt;
  }

  /** The connection ended: every Ping still waiting fails with the error `lost` makes. */
  rejectAll(lost: () => Error): void {
    const waiters = this.#waiters;
    if (waiters.length === 0) return;
    this.#waiters = [];
    const error = lost();
    for (const waiter of waiters) waiter.reject(error);
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
