// Where received messages of a LuatOS-Air client wait for `recv()` or `start()`, and where
// `recv()` callers wait for messages. A message goes to the oldest waiting caller, else into
// the shared inbox (client/inbox), which stops the engine reading when the queue is long.
// Results travel through the client's CallbackQueue, behind the `message` event, so that a
// caller resumes after its callbacks ran (G4). No protocol logic.

import { armTimer, type Clock, type TimerHandle } from '../client/clock.js';
import { Inbox } from '../client/inbox.js';
import type { CallbackQueue } from './lua-conventions.js';
import { RecvReason } from './luatos-air-reasons.js';
import type { LuatosAirMessage, RecvResult } from './luatos-air-types.js';

/** `recv()` gives `false, "WEBSOCKET_OK"` after this long without a message (firmware). */
export const RECV_WAIT_MS = 60_000;
/** Messages waiting before the engine stops reading from the socket. */
export const INBOX_HIGH_WATER = 16;

interface Reader {
  resolve: (result: RecvResult) => void;
  timer: TimerHandle;
}

/** What the inbox needs from its client. */
export interface InboxHost {
  readonly events: CallbackQueue;
  readonly clock: Clock;
  /** Posts the `message` event. */
  emitMessage(message: LuatosAirMessage): void;
  /** Receive backpressure on the current connection. */
  pause(): void;
  resume(): void;
  /** Counts a message's bytes against the connection's bound until the function is called. */
  holdReceived(bytes: number): () => void;
}

interface Held {
  message: LuatosAirMessage;
  /** Gives the message's bytes back to the connection's receive bound. */
  delivered: () => void;
}

/** The received messages of a LuatOS-Air client and the `recv()` calls waiting for one. */
export class AirInbox {
  readonly #host: InboxHost;
  readonly #messages: Inbox<Held>;
  #readers: Reader[] = [];
  #changeWaiters: (() => void)[] = [];

  constructor(host: InboxHost) {
    this.#host = host;
    // Counted in messages only: reading pauses at INBOX_HIGH_WATER, resumes just below.
    this.#messages = new Inbox<Held>(
      { pause: () => host.pause(), resume: () => host.resume() },
      {
        highWaterMark: INBOX_HIGH_WATER,
        lowWaterMark: INBOX_HIGH_WATER - 1,
        highWaterBytes: Number.POSITIVE_INFINITY,
        lowWaterBytes: Number.POSITIVE_INFINITY,
      },
      () => 0,
    );
  }

  get size(): number {
    return this.#messages.size;
  }

  /** A message arrived: to the oldest `recv()` waiting, else into the queue. */
  push(message: LuatosAirMessage): void {
    const reader = this.#readers.shift();
    if (reader !== undefined) {
      this.#host.clock.clearTimeout(reader.timer);
      this.#host.emitMessage(message);
      const delivered = this.#host.holdReceived(message.length);
      this.#host.events.push(() => {
        delivered();
        reader.resolve([true, message]);
      });
      return;
    }
    // Nobody is reading: at INBOX_HIGH_WATER the engine stops reading the socket.
    this.#messages.push({ message, delivered: this.#host.holdReceived(message.length) });
    this.notify();
  }

  /** The oldest queued message, if any. */
  take(): LuatosAirMessage | undefined {
    const held = this.#messages.take();
    if (held === undefined) return undefined;
    held.delivered();
    return held.message;
  }

  /** Waits for the next message, or gives `false, "WEBSOCKET_OK"` after RECV_WAIT_MS. */
  wait(): Promise<RecvResult> {
    return new Promise<RecvResult>((resolve) => {
      const reader: Reader = {
        resolve,
        timer: armTimer(
          this.#host.clock,
          () => {
            const index = this.#readers.indexOf(reader);
            if (index === -1) return;
            this.#readers.splice(index, 1);
            this.#host.events.push(() => resolve([false, RecvReason.Ok]));
          },
          RECV_WAIT_MS,
        ),
      };
      this.#readers.push(reader);
    });
  }

  /** Gives every waiting `recv()` `false` and `reason`. */
  fail(reason: string | undefined): void {
    const readers = this.#readers;
    this.#readers = [];
    for (const reader of readers) {
      this.#host.clock.clearTimeout(reader.timer);
      this.#host.events.push(() => reader.resolve([false, reason]));
    }
  }

  /** Resolves at the next notify(): a message queued, a connection opened or closed, exit. */
  changed(): Promise<void> {
    return new Promise<void>((resolve) => this.#changeWaiters.push(resolve));
  }

  notify(): void {
    const waiters = this.#changeWaiters;
    this.#changeWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
