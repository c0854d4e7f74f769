// Keeps a client connected: opens a Connection, and when it closes decides (client/policy,
// through the retry schedule) whether to open another after a jittered backoff. Holds the
// offline queue, so that sends made while not open wait (bounded by count, bytes and age) and
// leave in order after the onOpen hook. Faces wrap this; it knows nothing about events or
// promises of any face.

import { ReadyState } from '../core/constants.js';
import { ConnectionClosedError, ErrorCode, type WebSocketError } from '../core/errors.js';
import type { HeadersInit } from '../core/handshake.js';
import { redactUrl } from '../core/url.js';
import { reconnectChannel } from '../transport/diagnostics.js';
import { armTimer, type Clock, systemClock, type TimerHandle } from './clock.js';
import { type CloseInfo, Connection } from './connection.js';
import { OfflineQueue } from './offline-queue.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import { RetrySchedule } from './retry-schedule.js';
import { type ConnectionStats, StatsRecorder } from './stats.js';
import type {
  ConnectionFactory,
  Provider,
  SupervisedConnection,
  SupervisorHandler,
  SupervisorOptions,
} from './supervisor-types.js';

const defaultFactory: ConnectionFactory<Connection> = (options, handler, stats) =>
  new Connection(options, handler, stats);

export class Supervisor<C extends SupervisedConnection = Connection> {
  readonly #url: Provider<string | URL>;
  readonly #options: SupervisorOptions;
  readonly #handler: SupervisorHandler<C>;
  readonly #clock: Clock;
  readonly stats = new StatsRecorder();
  #connection: C | undefined;
  /** The onOpen hook finished and the queue was handed over: sends go straight out. */
  #isLive = false;
  readonly #schedule: RetrySchedule;
  #openedAt: number | undefined;
  #everOpened = false;
  #timer: TimerHandle | undefined;
  #stopped = false;
  /** Not started yet (startClosed): sends queue, the first restart() connects. */
  #idle = false;
  /** Gave up (policy or maxRetries) and keeps the queue for a restart: sends still queue. */
  #givenUp = false;
  /** restart() closed the current connection: open the next one at once, whatever the policy. */
  #isRestarting = false;
  /** An attempt is resolving its URL and options; no Connection exists for it yet. */
  #isResolving = false;
  readonly #queue: OfflineQueue;
  /** Set when the onOpen hook failed, so that the close it causes is retried. */
  #hookFailure: string | undefined;
  readonly #onOpenHook: ((connection: C) => void | Promise<void>) | undefined;
  readonly #createConnection: ConnectionFactory<C>;

  constructor(
    url: Provider<string | URL>,
    options: SupervisorOptions,
    handler: SupervisorHandler<C>,
    onOpen?: (connection: C) => void | Promise<void>,
    createConnection: ConnectionFactory<C> = defaultFactory as unknown as ConnectionFactory<C>,
  ) {
    this.#url = url;
    this.#options = options;
    this.#handler = handler;
    this.#clock = options.clock ?? systemClock;
    this.#schedule = new RetrySchedule(options, options.random ?? Math.random);
    this.#onOpenHook = onOpen;
    this.#createConnection = createConnection;
    this.#queue = new OfflineQueue(options, this.#clock);
  }

  get connection(): C | undefined {
    return this.#connection;
  }
  /** True once stop() ran or the supervisor gave up, and before the start of an idle one. */
  get isStopped(): boolean {
    return this.#stopped || this.#idle;
  }
  get isLive(): boolean {
    return this.#isLive;
  }
  #isGivenUp(): boolean {
    return this.#givenUp;
  }
  get queuedMessages(): number {
    return this.#queue.length;
  }
  get queuedBytes(): number {
    return this.#queue.bytes;
  }
  /** Retries made since the last healthy connection (what partysocket calls retryCount). */
  get attempt(): number {
    return this.#schedule.attempt;
  }

  start(): void {
    void this.#open();
  }

  /** Stays closed until restart(); meanwhile sends are queued (partysocket's startClosed). */
  startIdle(): void {
    this.#idle = true;
  }

  async #open(): Promise<void> {
    const evaluate = async <T>(value: Provider<T>): Promise<T> =>
      typeof value === 'function' ? await (value as () => T | Promise<T>)() : value;
    let resolved: ResolvedOptions;
    this.#isResolving = true;
    try {
      let values: [string | URL, HeadersInit | undefined, string | readonly string[] | undefined];
      try {
        values = await Promise.all([
          evaluate(this.#url),
          evaluate(this.#options.headers),
          evaluate(this.#options.protocols),
        ]);
      } catch (error) {
        // A provider that throws (a token service down, say) is a failed attempt: retried.
        this.#providerFailed(error);
        return;
      }
      if (this.#stopped) return;
      try {
        const [url, headers, protocols] = values;
        resolved = resolveOptions(url, { ...this.#options, headers, protocols });
      } catch (error) {
        // A bad URL or option: no retry can fix it.
        this.#handler.onAttemptFailed?.(error, false);
        this.#giveUp('the URL or options are invalid', error as WebSocketError);
        return;
      }
    } finally {
      this.#isResolving = false;
    }
    if (this.#stopped) return;
    const handler = this.#handler;
    const connection = this.#createConnection(
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

  #onConnectionOpen(connection: C): void {
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
  #goLive(connection: C): void {
    if (this.#connection !== connection || connection.readyState !== ReadyState.OPEN) return;
    const queue = this.#queue.takeAll();
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

  #onConnectionClose(connection: C, info: CloseInfo): void {
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
    this.#scheduleRetry(step, redactUrl(connection.options.target.url));
  }

  #providerFailed(error: unknown): void {
    if (this.#stopped) return;
    const message = error instanceof Error ? error.message : String(error);
    const step = this.#schedule.failedBeforeConnecting(
      `the URL, headers or protocols provider failed: ${message}`,
    );
    this.#handler.onAttemptFailed?.(error, step.retry);
    if (!step.retry) {
      this.#giveUp(step.reason, undefined);
      return;
    }
    this.#scheduleRetry(step, typeof this.#url === 'function' ? '' : redactUrl(String(this.#url)));
  }

  #scheduleRetry(step: { attempt: number; delayMs: number; reason: string }, url: string): void {
    const { attempt, delayMs, reason } = step;
    this.#handler.onReconnecting({ attempt, delayMs, reason });
    if (reconnectChannel.hasSubscribers) {
      reconnectChannel.publish({ url, attempt, delayMs, reason });
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

  /**
   * No more attempts. With keepQueueWhenGivingUp the queue is kept (as partysocket keeps it):
   * restart() sends it, and drainQueue() takes it back; only its expiry timer stops, so that a
   * given-up client does not keep the process alive. Otherwise what is queued is rejected.
   */
  #giveUp(reason: string, error: WebSocketError | undefined): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#givenUp = this.#options.keepQueueWhenGivingUp === true;
    if (this.#givenUp) this.#queue.stopTimer();
    else this.#rejectQueue(`gave up reconnecting: ${reason}`);
    this.#handler.onGiveUp(reason, error);
  }

  /** Stops reconnecting and closes the current connection (or aborts it while connecting). */
  stop(code?: number, reason?: string): void {
    if (this.#timer !== undefined) {
      this.#clock.clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    this.#stopped = true;
    this.#givenUp = false;
    this.#idle = false;
    this.#isRestarting = false;
    const connection = this.#connection;
    if (connection !== undefined && connection.readyState !== ReadyState.CLOSED) {
      connection.close(code, reason);
      return;
    }
    this.#rejectQueue('the client was closed');
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
    this.#givenUp = false;
    this.#idle = false;
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
    if (this.#stopped && !this.#isGivenUp()) {
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
    this.#queue.add(data, isBinary, settle);
  }

  /** Removes every queued message and returns it; each send is settled with `error`. */
  drainQueue(error: () => Error): (string | Uint8Array)[] {
    const messages = this.#queue.takeAll();
    for (const message of messages) message.settle(error());
    return messages.map((message) => message.data);
  }

  #rejectQueue(why: string): void {
    this.#queue.rejectAll(
      () =>
        new ConnectionClosedError(`the queued message was not sent: ${why}`, { wasClean: false }),
    );
  }

  snapshot(): ConnectionStats {
    return this.stats.snapshot(this.#clock.now(), this.#queue.length, this.#queue.bytes);
  }
}
