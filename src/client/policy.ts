// The one place that decides whether a closed connection is worth reopening, from the error
// code or the close code alone (docs/reliability.md has the table).

import { backoffBound, backoffDelay, parseRetryAfter } from '../core/backoff.js';
import { CloseCode } from '../core/constants.js';
import { ErrorCode, UnexpectedStatusError } from '../core/errors.js';
import { MAX_TIMER_MS } from './clock.js';
import type { CloseInfo } from './connection.js';
import { ReconnectDefaults } from './options.js';

export interface RetryDecision {
  retry: boolean;
  /** Why, in words, for logs and events. */
  reason: string;
  /** The server asked to wait at least this long (Retry-After, 1013). */
  minDelayMs: number;
}

/** Close codes after which reconnecting cannot help: the same request would fail again. */
const FATAL_CLOSE_CODES = new Set<number>([
  CloseCode.ProtocolError,
  CloseCode.UnsupportedData,
  CloseCode.InvalidPayload,
  CloseCode.PolicyViolation,
  CloseCode.MessageTooBig,
  CloseCode.MandatoryExtension,
]);

/** Errors that say the request or the server's answer is wrong, not the network. */
const FATAL_ERRORS = new Set<string>([
  ErrorCode.InvalidUrl,
  ErrorCode.InvalidArgument,
  ErrorCode.InvalidHttpResponse,
  ErrorCode.HandshakeHeadersTooLarge,
  ErrorCode.MissingUpgrade,
  ErrorCode.MissingConnection,
  ErrorCode.InvalidAccept,
  ErrorCode.UnexpectedSubprotocol,
  ErrorCode.UnexpectedExtension,
  ErrorCode.Aborted,
  // The proxy wants other credentials or is not the kind of proxy the URL says.
  ErrorCode.ProxyAuth,
  ErrorCode.ProxyProtocol,
  // A redirect that was not followed would be refused the same way again.
  ErrorCode.RedirectLocation,
  ErrorCode.RedirectDowngrade,
  ErrorCode.RedirectLoop,
  ErrorCode.RedirectLimit,
]);

export interface PolicyOptions {
  /** Least wait after close code 1013 (Try Again Later). */
  tryAgainLaterDelayMs: number;
  /** Wall-clock time for Retry-After dates (epoch ms). */
  wallNowMs: number;
}

export function decideRetry(info: CloseInfo, options: PolicyOptions): RetryDecision {
  const { error } = info;
  // Only the application's own close() leads to a close timeout: it wanted the connection gone.
  if (info.cause.kind === 'user' || info.cause.kind === 'close-timeout') {
    return { retry: false, reason: 'closed by the application', minDelayMs: 0 };
  }
  if (error instanceof UnexpectedStatusError) {
    const { status } = error;
    if (status === 408 || status === 429 || status >= 500) {
      const retryAfter =
        status === 429 || status === 503
          ? parseRetryAfter(error.headers['retry-after'], options.wallNowMs)
          : undefined;
      return {
        retry: true,
        reason: `handshake refused with HTTP ${status}${retryAfter !== undefined ? ` (Retry-After ${retryAfter} ms)` : ''}`,
        minDelayMs: retryAfter ?? 0,
      };
    }
    return { retry: false, reason: `handshake refused with HTTP ${status}`, minDelayMs: 0 };
  }
  if (error !== undefined) {
    // A protocol error we detected: the server misbehaves; the same would happen again.
    if (error.closeCode !== undefined && FATAL_CLOSE_CODES.has(error.closeCode)) {
      return { retry: false, reason: `${error.code}: ${error.message}`, minDelayMs: 0 };
    }
    if (FATAL_ERRORS.has(error.code)) {
      return { retry: false, reason: `${error.code}: ${error.message}`, minDelayMs: 0 };
    }
    // Network, TLS and DNS failures, resets, lost connections and timeouts are transient.
    return { retry: true, reason: `${error.code}: ${error.message}`, minDelayMs: 0 };
  }
  const { code } = info;
  if (FATAL_CLOSE_CODES.has(code)) {
    return { retry: false, reason: `the server closed with ${code}`, minDelayMs: 0 };
  }
  if (code === CloseCode.TryAgainLater) {
    return {
      retry: true,
      reason: 'the server closed with 1013 (try again later)',
      minDelayMs: options.tryAgainLaterDelayMs,
    };
  }
  return { retry: true, reason: `the server closed with ${code}`, minDelayMs: 0 };
}

/** The backoff settings of ReconnectOptions, all optional (defaults 500 ms, x2, 30 s, jitter). */
export interface BackoffSettings {
  /** Upper bound of the first retry delay (default 500). */
  initialDelayMs?: number | undefined;
  /** Growth of the bound per attempt (default 2). */
  backoffFactor?: number | undefined;
  /** Largest delay (default 30 000). */
  maxDelayMs?: number | undefined;
  /** false: wait exactly the bound (fixed intervals, as the firmware dialects do). */
  jitter?: boolean | undefined;
}

/** A setting that must be a number >= 0, or its default when it is not one. */
function setting(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && value >= 0 ? value : fallback;
}

/**
 * The wait before retry number `attempt`: full-jitter backoff, at least `minDelayMs` (what the
 * server asked for), and never more than `maxDelayMs` nor what a timer can hold. So a huge
 * Retry-After waits `maxDelayMs`, instead of overflowing the timer into a 1 ms retry loop.
 */
export function retryDelayMs(
  attempt: number,
  minDelayMs: number,
  settings: BackoffSettings,
  random: () => number,
): number {
  const maxDelayMs = Math.min(
    setting(settings.maxDelayMs, ReconnectDefaults.maxDelayMs),
    MAX_TIMER_MS,
  );
  const bound = {
    initialDelayMs: setting(settings.initialDelayMs, ReconnectDefaults.initialDelayMs),
    factor: setting(settings.backoffFactor, ReconnectDefaults.backoffFactor),
    maxDelayMs,
  };
  const backoff =
    settings.jitter === false
      ? backoffBound(attempt, bound)
      : backoffDelay(attempt, bound, random());
  const wanted = Math.max(minDelayMs > 0 ? minDelayMs : 0, backoff);
  return Math.floor(Math.min(wanted, maxDelayMs));
}
