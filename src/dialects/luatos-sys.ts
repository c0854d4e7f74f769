// The small part of LuatOS's `sys` library that WebSocket scripts lean on: a topic-based
// message bus (publish, subscribe, unsubscribe), waitUntil and wait. The LuatOS dialect
// publishes WEBSOCKET_CONNACK here after each conack (decision L3). Not a scheduler: Lua tasks
// become async functions, and blocking calls return Promises (decision G3).
// Vendor reference: https://wiki.luatos.com/api/sys.html

import { armTimer, type Clock, systemClock } from '../client/clock.js';
import { argumentError, describeValue } from '../core/errors.js';
import { CallbackQueue } from './lua-conventions.js';

/** A subscriber: called with the values published after the topic. */
export type Subscriber = (...args: unknown[]) => void;

/**
 * What `sys.waitUntil` resolves to: `[true, ...values]` when the topic was published (the
 * values that came with it), `[false]` when the time ran out first.
 */
export type WaitResult = [true, ...unknown[]] | [false];

function checkTopic(topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') {
    throw argumentError(`a sys topic must be a string, not ${describeValue(topic)}`);
  }
}

function checkDelay(ms: unknown, what: string): asserts ms is number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
    throw argumentError(`${what} must be a number of milliseconds >= 0`);
  }
}

/**
 * A LuatOS-style message bus. Like on the device, `publish` only queues the message: the
 * subscribers run later, one message after another in the order published, and the list of
 * subscribers is read when the message is delivered, not when it was published.
 */
export class MessageBus {
  readonly #clock: Clock;
  readonly #topics = new Map<string, Set<Subscriber>>();
  readonly #queue = new CallbackQueue();

  /** `clock` times waitUntil and wait (tests pass a fake one). */
  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  /** Queues `topic` with `args` for every subscriber of the topic. Returns nothing. */
  publish(topic: string, ...args: unknown[]): void {
    checkTopic(topic);
    this.#queue.push(() => {
      const subscribers = this.#topics.get(topic);
      if (subscribers === undefined) return;
      for (const subscriber of [...subscribers]) {
        // A subscriber removed by an earlier one in this round is not called.
        if (subscribers.has(subscriber)) subscriber(...args);
      }
    });
  }

  /** Calls `fn(...args)` for every later publication of `topic`; subscribing twice is once. */
  subscribe(topic: string, fn: Subscriber): void {
    checkTopic(topic);
    if (typeof fn !== 'function') {
      throw argumentError(`sys.subscribe needs a function, not ${describeValue(fn)}`);
    }
    let subscribers = this.#topics.get(topic);
    if (subscribers === undefined) this.#topics.set(topic, (subscribers = new Set()));
    subscribers.add(fn);
  }

  /** Stops calling `fn` for `topic`; unknown pairs are ignored. */
  unsubscribe(topic: string, fn: Subscriber): void {
    checkTopic(topic);
    const subscribers = this.#topics.get(topic);
    if (subscribers === undefined) return;
    subscribers.delete(fn);
    if (subscribers.size === 0) this.#topics.delete(topic);
  }

  /**
   * Waits for the next publication of `topic`, for at most `timeoutMs` milliseconds (forever
   * when absent). Resolves to `[true, ...values]`, or `[false]` on timeout, as LuatOS's
   * `result, data = sys.waitUntil(topic, ms)` returns.
   */
  waitUntil(topic: string, timeoutMs?: number): Promise<WaitResult> {
    checkTopic(topic);
    if (timeoutMs !== undefined) checkDelay(timeoutMs, 'the waitUntil timeout');
    return new Promise<WaitResult>((resolve) => {
      const timer =
        timeoutMs === undefined
          ? undefined
          : armTimer(
              this.#clock,
              () => {
                this.unsubscribe(topic, onMessage);
                resolve([false]);
              },
              timeoutMs,
            );
      const onMessage: Subscriber = (...args) => {
        this.unsubscribe(topic, onMessage);
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        resolve([true, ...args]);
      };
      this.subscribe(topic, onMessage);
    });
  }

  /** Resolves after `ms` milliseconds on the bus's clock (LuatOS `sys.wait`). */
  wait(ms: number): Promise<void> {
    checkDelay(ms, 'sys.wait');
    return new Promise<void>((resolve) => {
      armTimer(this.#clock, resolve, ms);
    });
  }
}

/** The process-wide bus, as LuatOS's global `sys`; clients publish to it unless told otherwise. */
export const sys: MessageBus = new MessageBus();
