// The retry bookkeeping every reconnecting face shares (ReconnectingWebSocket and the firmware
// dialects through the Supervisor, and connectForever): the attempt counter, its reset after a
// healthy connection, the policy's decision, shouldReconnect, maxRetries and the delay. Pure:
// time and randomness come in as arguments.

import type { CloseInfo } from './connection.js';
import type { QueueLimits } from './offline-queue.js';
import { ReconnectDefaults } from './options.js';
import { type BackoffSettings, decideRetry, type RetryDecision, retryDelayMs } from './policy.js';

export interface ReconnectOptions extends BackoffSettings, QueueLimits {
  /** A connection open at least this long resets the attempt counter (default 5 000). */
  minUptimeMs?: number | undefined;
  /** Retries before giving up (default unlimited). */
  maxRetries?: number | undefined;
  /** Least wait after the server closed with 1013, Try Again Later (default 10 000). */
  tryAgainLaterDelayMs?: number | undefined;
  /** Overrides the policy: return true to reconnect, false to give up. */
  shouldReconnect?: ((context: ReconnectContext) => boolean) | undefined;
  /** Random numbers in [0, 1) for the jitter (tests inject fixed ones). */
  random?: (() => number) | undefined;
}

export interface ReconnectContext {
  /** Retries made since the last healthy connection (0 before the first retry). */
  attempt: number;
  info: CloseInfo;
  /** What the built-in policy would do. */
  decision: RetryDecision;
}

export interface RetryStep {
  /** True when another attempt follows after `delayMs`. */
  retry: boolean;
  /** The policy (or shouldReconnect) said yes but maxRetries was reached. */
  exhausted: boolean;
  /** Retries made since the last healthy connection, this one included when `retry`. */
  attempt: number;
  /** The wait before the next attempt, at most maxDelayMs and what a timer can hold. */
  delayMs: number;
  /** Why, in words: the decision's reason, or why the client gives up. */
  reason: string;
  decision: RetryDecision;
}

export class RetrySchedule {
  readonly #options: ReconnectOptions;
  readonly #random: () => number;
  #attempt = 0;

  constructor(options: ReconnectOptions, random: () => number = options.random ?? Math.random) {
    this.#options = options;
    this.#random = random;
  }

  /** Retries made since the last healthy connection. */
  get attempt(): number {
    return this.#attempt;
  }

  /** Starts counting again (reconnect() on purpose, not a failure). */
  reset(): void {
    this.#attempt = 0;
  }

  /**
   * An attempt failed before it had a connection (a URL, headers or protocols provider threw):
   * retried at once unless maxRetries is reached; `reason` says what failed.
   */
  failedBeforeConnecting(reason: string): Omit<RetryStep, 'decision'> {
    const attempt = this.#attempt;
    const maxRetries = this.#options.maxRetries ?? Number.POSITIVE_INFINITY;
    if (attempt >= maxRetries) {
      return {
        retry: false,
        exhausted: true,
        attempt,
        delayMs: 0,
        reason: `gave up after ${maxRetries} retries (${reason})`,
      };
    }
    const delayMs = retryDelayMs(attempt, 0, this.#options, this.#random);
    this.#attempt = attempt + 1;
    return { retry: true, exhausted: false, attempt: this.#attempt, delayMs, reason };
  }

  /**
   * A connection ended after `uptimeMs` open (undefined: it never opened): decides whether and when
   * to try again. `decision` replaces the policy's (the onOpen hook failed); `wallNowMs` is the
   * wall clock for Retry-After dates.
   */
  next(
    info: CloseInfo,
    uptimeMs: number | undefined,
    decision?: RetryDecision,
    wallNowMs: number = Date.now(),
  ): RetryStep {
    const options = this.#options;
    if (
      uptimeMs !== undefined &&
      uptimeMs >= (options.minUptimeMs ?? ReconnectDefaults.minUptimeMs)
    )
      this.#attempt = 0;
    const decided =
      decision ??
      decideRetry(info, {
        tryAgainLaterDelayMs:
          options.tryAgainLaterDelayMs ?? ReconnectDefaults.tryAgainLaterDelayMs,
        wallNowMs,
      });
    const attempt = this.#attempt;
    const retry = options.shouldReconnect?.({ attempt, info, decision: decided }) ?? decided.retry;
    const maxRetries = options.maxRetries ?? Number.POSITIVE_INFINITY;
    const exhausted = retry && attempt >= maxRetries;
    if (!retry || exhausted) {
      const reason = exhausted
        ? `gave up after ${maxRetries} retries (${decided.reason})`
        : decided.reason;
      return { retry: false, exhausted, attempt, delayMs: 0, reason, decision: decided };
    }
    const delayMs = retryDelayMs(attempt, decided.minDelayMs, options, this.#random);
    this.#attempt = attempt + 1;
    return {
      retry: true,
      exhausted: false,
      attempt: this.#attempt,
      delayMs,
      reason: decided.reason,
      decision: decided,
    };
  }
}
