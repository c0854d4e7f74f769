// The reconnecting clients' offline queue: messages sent while no connection is open wait
// here, oldest first, bounded by count, bytes and age. Adding, dropping the oldest and taking
// the whole queue are O(1) per message (a head index instead of Array#shift), so that tens of
// thousands of sends while offline stay cheap. No I/O: the supervisor hands the queue to a
// connection.

import { utf8Length } from '../core/bytes.js';
import { ErrorCode, QueueError } from '../core/errors.js';
import type { Clock, TimerHandle } from './clock.js';
import { ReconnectDefaults } from './options.js';

export type Settle = (error: Error | undefined) => void;

export interface QueuedMessage {
  data: string | Uint8Array;
  isBinary: boolean;
  bytes: number;
  queuedAt: number;
  settle: Settle;
}

export interface QueueLimits {
  /** Most messages waiting while not open (default 1000). */
  maxQueuedMessages?: number | undefined;
  /** Most payload bytes waiting while not open (default 16 MiB). */
  maxQueuedBytes?: number | undefined;
  /** A queued message older than this is rejected with ERR_QUEUE_EXPIRED (default: never). */
  queueTtlMs?: number | undefined;
  /** When the queue is full: refuse the new message (default) or drop the oldest one. */
  queueFullPolicy?: 'reject-new' | 'drop-oldest' | undefined;
}

/**
 * Builds an error without capturing a stack trace. A refused or dropped message is flow
 * control, not a bug: its stack would only point into wsx, and capturing one for each of
 * thousands of refusals is what made offline sends slow.
 */
function withoutStack<T>(make: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return make();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Payload bytes: UTF-8 for text, counted without encoding. */
export function payloadLength(data: string | Uint8Array): number {
  return typeof data === 'string' ? utf8Length(data) : data.byteLength;
}

export class OfflineQueue {
  readonly #limits: QueueLimits;
  readonly #clock: Clock;
  /** Messages from #head on are waiting; slots before it were taken. */
  #items: (QueuedMessage | undefined)[] = [];
  #head = 0;
  #bytes = 0;
  #ttlTimer: TimerHandle | undefined;

  constructor(limits: QueueLimits, clock: Clock) {
    this.#limits = limits;
    this.#clock = clock;
  }

  get length(): number {
    return this.#items.length - this.#head;
  }
  get bytes(): number {
    return this.#bytes;
  }

  /**
   * Queues a message, or settles it at once with a QueueError when it cannot wait (larger than
   * the whole queue, or the queue is full under 'reject-new'). Bytes are copied: the caller may
   * reuse its buffer before the message leaves.
   */
  add(data: string | Uint8Array, isBinary: boolean, settle: Settle): void {
    this.expire();
    const maxMessages = this.#limits.maxQueuedMessages ?? ReconnectDefaults.maxQueuedMessages;
    const maxBytes = this.#limits.maxQueuedBytes ?? ReconnectDefaults.maxQueuedBytes;
    const bytes = payloadLength(data);
    if (bytes > maxBytes) {
      const message = `the message (${bytes} bytes) is larger than the whole offline queue (maxQueuedBytes ${maxBytes})`;
      settle(withoutStack(() => new QueueError(ErrorCode.QueueFull, message)));
      return;
    }
    const isFull = (): boolean => this.length + 1 > maxMessages || this.#bytes + bytes > maxBytes;
    if (isFull()) {
      if ((this.#limits.queueFullPolicy ?? ReconnectDefaults.queueFullPolicy) === 'reject-new') {
        const message = `the offline queue is full (${this.length} messages, ${this.#bytes} bytes; maxQueuedMessages ${maxMessages}, maxQueuedBytes ${maxBytes})`;
        settle(withoutStack(() => new QueueError(ErrorCode.QueueFull, message)));
        return;
      }
      while (isFull() && this.length > 0) {
        this.#shift()!.settle(
          withoutStack(
            () =>
              new QueueError(
                ErrorCode.QueueDropped,
                'the message was dropped from the full offline queue for a newer one',
              ),
          ),
        );
      }
    }
    // A copy: the caller may reuse its buffer before the message leaves, and a Buffer's
    // slice() would be a view.
    const copy = typeof data === 'string' ? data : new Uint8Array(data);
    this.#items.push({ data: copy, isBinary, bytes, queuedAt: this.#clock.now(), settle });
    this.#bytes += bytes;
    this.#armTtlTimer();
  }

  /** Rejects queued messages older than queueTtlMs. */
  expire(): void {
    const ttl = this.#limits.queueTtlMs;
    if (ttl === undefined) return;
    const now = this.#clock.now();
    for (let head = this.#items[this.#head]; head !== undefined; head = this.#items[this.#head]) {
      if (now - head.queuedAt < ttl) return;
      this.#shift();
      head.settle(
        withoutStack(
          () =>
            new QueueError(
              ErrorCode.QueueExpired,
              `the message waited more than ${ttl} ms (queueTtlMs) for a connection`,
            ),
        ),
      );
    }
  }

  /** Removes and returns every waiting message, oldest first (after expiring old ones). */
  takeAll(): QueuedMessage[] {
    this.expire();
    const items = this.#items.slice(this.#head) as QueuedMessage[];
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    this.stopTimer();
    return items;
  }

  /** Settles every waiting message with the error `make` builds. */
  rejectAll(make: () => Error): void {
    for (const message of this.takeAll()) message.settle(withoutStack(make));
  }

  /** Stops the expiry timer (it is armed again by the next add); expiry then happens lazily. */
  stopTimer(): void {
    if (this.#ttlTimer !== undefined) {
      this.#clock.clearTimeout(this.#ttlTimer);
      this.#ttlTimer = undefined;
    }
  }

  #shift(): QueuedMessage | undefined {
    const item = this.#items[this.#head];
    if (item === undefined) return undefined;
    this.#items[this.#head] = undefined;
    this.#head++;
    this.#bytes -= item.bytes;
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
    } else if (this.#head >= 1024 && this.#head * 2 >= this.#items.length) {
      // Compact once the taken slots are at least half: amortized O(1) per message.
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }

  #armTtlTimer(): void {
    const ttl = this.#limits.queueTtlMs;
    const head = this.#items[this.#head];
    if (ttl === undefined || this.#ttlTimer !== undefined || head === undefined) return;
    const due = head.queuedAt + ttl - this.#clock.now();
    this.#ttlTimer = this.#clock.setTimeout(
      () => {
        this.#ttlTimer = undefined;
        this.expire();
        this.#armTtlTimer();
      },
      Math.max(0, due),
    );
  }
}
