// Keeps a client connected: opens a Connection, and when it closes decides (client/policy)
// whether to open another after a jittered backoff. Holds the offline queue, so that sends
// made while not open wait (bounded by count, bytes and age) and leave in order after the
// onOpen hook. Faces wrap this; it knows nothing about events or promises of any face.

import { ReadyState } from '../core/constants.js';
import {
  ConnectionClosedError,
  ErrorCode,
  QueueError,
  type WebSocketError,
} from '../core/errors.js';
import type { HeadersInit } from '../core/handshake.js';
import { redactUrl } from '../core/url.js';
import { reconnectChannel } from '../transport/diagnostics.js';
import { armTimer, type Clock, systemClock, type TimerHandle } from './clock.js';
import { type CloseInfo, Connection, type ConnectionHandler } from './connection.js';
import {
  type ConnectOptions,
  type EngineOptions,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import { type ReconnectOptions, RetrySchedule } from './retry-schedule.js';

export type { ReconnectContext, ReconnectOptions } from './retry-schedule.js';

import { type ConnectionStats, StatsRecorder } from './stats.js';

/** A value, or a function (sync or async) computing it anew for every attempt. */
export type Provider<T> = T | (() => T | Promise<T>);

export interface ReconnectingOptions
  extends Omit<ConnectOptions, 'headers' | 'protocols' | 'signal'>,
    ReconnectOptions {
  headers?: Provider<HeadersInit | undefined>;
  protocols?: Provider<string | readonly string[] | undefined>;
}

/** What the supervisor takes: the reconnecting options plus the dialects' engine settings. */
export interface SupervisorOptions
  extends ReconnectingOptions,
    Pick<EngineOptions, 'deliverFrames' | 'maxMissedPongs' | 'emptyKeepalivePings'> {}

export interface ReconnectingEvent {
  attempt: number;
  delayMs: number;
  reason: string;
}

/** What a face hears from the supervisor. */
export interface SupervisorHandler extends Omit<ConnectionHandler, 'onOpen' | 'onClose'> {
  /** A connection opened and the onOpen hook ran; queued messages are being sent. */
  onOpen(connection: Connection): void;
  /** A connection closed; `willRetry` says whether another attempt follows. */
  onClose(info: CloseInfo, willRetry: boolean): void;
  onReconnecting(event: ReconnectingEvent): void;
  /** No more attempts: the policy said stop, maxRetries was reached, or the options are invalid. */
  onGiveUp(reason: string, error: WebSocketError | undefined): void;
}

interface QueuedMessage {
  data: string | Uint8Array;
  isBinary: boolean;
  bytes: number;
  queuedAt: number;
  settle: (error: Error | undefined) => void;
}

const textEncoder = new TextEncoder();

function byteLength(data: string | Uint8Array): number {
  // Strings are counted as UTF-8 only when they could exceed one byte per char.
  return typeof data === 'string' ? textEncoder.encode(data).length : data.length;
}

export class Supervisor {
  readonly #url: Provider<string | URL>;
  readonly #options: SupervisorOptions;
  readonly #handler: SupervisorHandler;
  readonly #clock: Clock;
  readonly stats = new StatsRecorder();
  #connection: Connection | undefined;
  /** The onOpen hook finished and the queue was handed over: sends go straight out. */
  #isLive = false;
  readonly #schedule: RetrySchedule;
  #openedAt: number | undefined;
  #everOpened = false;
  #timer: TimerHandle | undefined;
  #ttlTimer: TimerHandle | undefined;
  #stopped = false;
  /** restart() closed the current connection: open the next one at once, whatever the policy. */
  #isRestarting = false;
  /** An attempt is resolving its URL and options; no Connection exists for it yet. */
  #isResolving = false;
  #queue: QueuedMessage[] = [];
  /** Set when the onOpen hook failed, so that the close it causes is retried. */
  #hookFailure: string | undefined;
  #queuedBytes = 0;
  readonly #onOpenHook: ((connection: Connection) => void | Promise<void>) | undefined;

  constructor(
    url: Provider<string | URL>,
    options: SupervisorOptions,
    handler: SupervisorHandler,
    onOpen?: (connection: Connection) => void | Promise<void>,
  ) {
    this.#url = url;
    this.#options = options;
    this.#handler = handler;
    this.#clock = options.clock ?? systemClock;
    this.#schedule = new RetrySchedule(options, options.random ?? Math.random);
    this.#onOpenHook = onOpen;
  }

  get connection(): Connection | undefined {
    return this.#connection;
  }
  /** True once stop() ran or the supervisor gave up. */
  get isStopped(): boolean {
    return this.#stopped;
  }
  get isLive(): boolean {
    return this.#isLive;
  }
  get queuedMessages(): number {
    return this.#queue.length;
  }
  get queuedBytes(): number {
    return this.#queuedBytes;
  }
  /** Retries made since the last healthy connection (what partysocket calls retryCount). */
  get attempt(): number {
    return this.#schedule.attempt;
  }

  start(): void {
    void this.#open();
  }

  async #resolve(): Promise<ResolvedOptions> {
    const evaluate = async <T>(value: Provider<T>): Promise<T> =>
      typeof value === 'function' ? await (value as () => T | Promise<T>)() : value;
    const [url, headers, protocols] = await Promise.all([
      evaluate(this.#url),
      evaluate(this.#options.headers),
      evaluate(this.#options.protocols),
    ]);
    return resolveOptions(url, { ...this.#options, headers, protocols });
  }

  async #open(): Promise<void> {
    let resolved: ResolvedOptions;
    this.#isResolving = true;
    try {
      resolved = await this.#resolve();
    } catch (error) {
      this.#isResolving = false;
      this.#giveUp('the URL or options are invalid', error as WebSocketError);
      return;
    }
    this.#isResolving = false;
    if (this.#stopped) return;
    const handler = this.#handler;
    const connection = new Connection(
      resolved,
      {
        onOpen: () => this.#onConnectionOpen(connection),
        onMessage: (data, isBinary) => handler.onMessage(data, isBinary),
        onFrame: (data, opcode, fin, isBinary) => handler.onFrame?.(data, opcode, fin, isBinary),
        onPing: (data) => handler.onPing(data),
        onPong: (data) => handler.onPong(data),
        onError: (error) => handler.onError(error),
        onClose: (info) => this.#onConnectionClose(connection, info),
      },
      this.stats,
    );
    this.#connection = connection;
    connection.start();
  }

  #onConnectionOpen(connection: Connection): void {
    this.#openedAt = this.#clock.now();
    if (this.#everOpened) this.stats.reconnects++;
    this.#everOpened = true;
    const hook = this.#onOpenHook;
    if (hook === undefined) {
      this.#goLive(connection);
      return;
    }
    let result: void | Promise<void>;
    const failed = (error: unknown): void => {
      if (this.#connection !== connection) return;
      // Not the application closing the client: the close that follows is retried.
      this.#hookFailure = error instanceof Error ? error.message : String(error);
      connection.close(1011, 'onOpen hook failed');
    };
    try {
      result = hook(connection);
    } catch (error) {
      failed(error);
      return;
    }
    Promise.resolve(result).then(() => this.#goLive(connection), failed);
  }

  /** Hands the queue to the open connection, oldest first, then sends go straight out. */
  #goLive(connection: Connection): void {
    if (this.#connection !== connection || connection.readyState !== ReadyState.OPEN) return;
    this.#expire();
    const queue = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    this.#clearTtlTimer();
    this.#isLive = true;
    for (const message of queue) {
      try {
        connection.send(message.data, message.isBinary, message.settle);
      } catch (error) {
        message.settle(error as Error);
      }
    }
    this.#handler.onOpen(connection);
  }

  #onConnectionClose(connection: Connection, info: CloseInfo): void {
    if (this.#connection !== connection) return;
    this.#isLive = false;
    const uptimeMs = this.#openedAt === undefined ? undefined : this.#clock.now() - this.#openedAt;
    this.#openedAt = undefined;
    if (this.#stopped) {
      this.#handler.onClose(info, false);
      this.#rejectQueue('the client was closed');
      return;
    }
    if (this.#isRestarting) {
      this.#isRestarting = false;
      this.#schedule.reset();
      this.#handler.onClose(info, true);
      void this.#open();
      return;
    }
    const hookFailure = this.#hookFailure;
    this.#hookFailure = undefined;
    const step = this.#schedule.next(
      info,
      uptimeMs,
      hookFailure !== undefined
        ? { retry: true, reason: `the onOpen hook failed: ${hookFailure}`, minDelayMs: 0 }
        : undefined,
    );
    this.#handler.onClose(info, step.retry);
    if (!step.retry) {
      this.#giveUp(step.reason, info.error);
      return;
    }
    const { attempt, delayMs, reason } = step;
    this.#handler.onReconnecting({ attempt, delayMs, reason });
    if (reconnectChannel.hasSubscribers) {
      reconnectChannel.publish({
        url: redactUrl(connection.options.target.url),
        attempt,
        delayMs,
        reason,
      });
    }
    this.#timer = armTimer(
      this.#clock,
      () => {
        this.#timer = undefined;
        if (!this.#stopped) void this.#open();
      },
      delayMs,
    );
  }

  #giveUp(reason: string, error: WebSocketError | undefined): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#rejectQueue(`gave up reconnecting: ${reason}`);
    this.#handler.onGiveUp(reason, error);
  }

  /** Stops reconnecting and closes the current connection (or aborts it while connecting). */
  stop(code?: number, reason?: string): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const wasStopped = this.#stopped;
    this.#stopped = true;
    this.#isRestarting = false;
    const connection = this.#connection;
    if (connection !== undefined && connection.readyState !== ReadyState.CLOSED) {
      connection.close(code, reason);
      return;
    }
    if (!wasStopped) this.#rejectQueue('the client was closed');
  }

  /**
   * Closes the current connection (aborts it while connecting) and opens a new one as soon as
   * it closed, without a backoff delay; the attempt counter starts again from 0. Also revives
   * a stopped or given-up supervisor.
   */
  restart(code?: number, reason?: string): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#stopped = false;
    this.#schedule.reset();
    const connection = this.#connection;
    if (connection !== undefined && connection.readyState !== ReadyState.CLOSED) {
      this.#isRestarting = true;
      connection.close(code, reason);
      return;
    }
    // An attempt resolving its URL continues; otherwise start one now.
    if (!this.#isResolving) void this.#open();
  }

  // ------------------------------------------------------------------ sending and the queue

  /**
   * Sends now when live, else queues. `settle` runs once: without an error when the bytes
   * were written to a socket, with a typed error when the message was refused or lost.
   */
  send(
    data: string | Uint8Array,
    isBinary: boolean,
    settle: (error: Error | undefined) => void,
  ): void {
    if (this.#stopped) {
      settle(
        new ConnectionClosedError('the client is closed; nothing more can be sent', {
          wasClean: false,
        }),
      );
      return;
    }
    const connection = this.#connection;
    if (this.#isLive && connection !== undefined && connection.readyState === ReadyState.OPEN) {
      try {
        connection.send(data, isBinary, settle);
        return;
      } catch (error) {
        // The connection is going down (it read EOF, or failed and queued its Close) but has
        // not reported its close yet: nothing was written, so the message waits for the next
        // connection like any other sent while not open.
        if ((error as WebSocketError).code !== ErrorCode.InvalidState) throw error;
      }
    }
    this.#enqueue(data, isBinary, settle);
  }

  #enqueue(
    data: string | Uint8Array,
    isBinary: boolean,
    settle: (error: Error | undefined) => void,
  ): void {
    this.#expire();
    const maxMessages = this.#options.maxQueuedMessages ?? 1000;
    const maxBytes = this.#options.maxQueuedBytes ?? 16 * 1024 * 1024;
    const bytes = byteLength(data);
    // Copy bytes: the caller may reuse its buffer before the message leaves (a Buffer's
    // slice() would be a view).
    const item: QueuedMessage = {
      data: typeof data === 'string' ? data : new Uint8Array(data),
      isBinary,
      bytes,
      queuedAt: this.#clock.now(),
      settle,
    };
    if (bytes > maxBytes) {
      settle(
        new QueueError(
          ErrorCode.QueueFull,
          `the message (${bytes} bytes) is larger than the whole offline queue (maxQueuedBytes ${maxBytes})`,
        ),
      );
      return;
    }
    const isFull = (): boolean =>
      this.#queue.length + 1 > maxMessages || this.#queuedBytes + bytes > maxBytes;
    if (isFull()) {
      if ((this.#options.queueFullPolicy ?? 'reject-new') === 'reject-new') {
        settle(
          new QueueError(
            ErrorCode.QueueFull,
            `the offline queue is full (${this.#queue.length} messages, ${this.#queuedBytes} bytes; maxQueuedMessages ${maxMessages}, maxQueuedBytes ${maxBytes})`,
          ),
        );
        return;
      }
      for (let guard = 0; guard < maxMessages + 1 && isFull() && this.#queue.length > 0; guard++) {
        const dropped = this.#queue.shift()!;
        this.#queuedBytes -= dropped.bytes;
        dropped.settle(
          new QueueError(
            ErrorCode.QueueDropped,
            'the message was dropped from the full offline queue for a newer one',
          ),
        );
      }
    }
    this.#queue.push(item);
    this.#queuedBytes += bytes;
    this.#armTtlTimer();
  }

  /** Rejects queued messages older than queueTtlMs. */
  #expire(): void {
    const ttl = this.#options.queueTtlMs;
    if (ttl === undefined || this.#queue.length === 0) return;
    const now = this.#clock.now();
    let expired = 0;
    while (expired < this.#queue.length && now - this.#queue[expired]!.queuedAt >= ttl) expired++;
    if (expired === 0) return;
    for (const message of this.#queue.splice(0, expired)) {
      this.#queuedBytes -= message.bytes;
      message.settle(
        new QueueError(
          ErrorCode.QueueExpired,
          `the message waited more than ${ttl} ms (queueTtlMs) for a connection`,
        ),
      );
    }
  }

  #armTtlTimer(): void {
    const ttl = this.#options.queueTtlMs;
    if (ttl === undefined || this.#ttlTimer !== undefined || this.#queue.length === 0) return;
    const due = this.#queue[0]!.queuedAt + ttl - this.#clock.now();
    this.#ttlTimer = armTimer(
      this.#clock,
      () => {
        this.#ttlTimer = undefined;
        this.#expire();
        this.#armTtlTimer();
      },
      Math.max(0, due),
    );
  }

  #clearTtlTimer(): void {
    if (this.#ttlTimer !== undefined) {
      this.#clock.clearTimeout(this.#ttlTimer);
      this.#ttlTimer = undefined;
    }
  }

  #rejectQueue(why: string): void {
    this.#clearTtlTimer();
    const queue = this.#queue;
    this.#queue = [];
    this.#queuedBytes = 0;
    for (const message of queue) {
      message.settle(
        new ConnectionClosedError(`the queued message was not sent: ${why}`, { wasClean: false }),
      );
    }
  }

  snapshot(): ConnectionStats {
    return this.stats.snapshot(this.#clock.now(), this.#queue.length, this.#queuedBytes);
  }
}
