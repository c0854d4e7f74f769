// Reconnect delays: exponential backoff with full jitter (a uniformly random delay between 0
// and the exponential bound, drawn anew for every attempt), so that many clients dropped at
// once do not come back at once. Pure: randomness is passed in.

export interface BackoffOptions {
  /** Upper bound of the first delay. */
  initialDelayMs: number;
  /** Growth of the bound per attempt. */
  factor: number;
  /** The bound never exceeds this. */
  maxDelayMs: number;
}

/** The bound on the delay before retry number `attempt` (0 for the first retry). */
export function backoffBound(attempt: number, options: BackoffOptions): number {
  const bound = options.initialDelayMs * options.factor ** attempt;
  return Number.isFinite(bound) ? Math.min(options.maxDelayMs, bound) : options.maxDelayMs;
}

/** A full-jitter delay: `random` (in [0, 1)) times the bound for `attempt`. */
export function backoffDelay(attempt: number, options: BackoffOptions, random: number): number {
  return Math.floor(random * backoffBound(attempt, options));
}

/** An HTTP date starts with a day name (RFC 9110 §5.6.7: IMF-fixdate, RFC 850, asctime). */
const HTTP_DATE = /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? /i;

/**
 * Milliseconds to wait according to a Retry-After header (RFC 9110 §10.2.3): delay-seconds or
 * an HTTP date, relative to `nowMs` (wall-clock epoch ms). Undefined when absent or unreadable
 * (a negative number, a fraction, anything else that is neither form). The result may be huge
 * (a date in 2100); the caller caps it.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const ms = Number(text) * 1000;
    return Number.isFinite(ms) ? ms : Number.MAX_VALUE;
  }
  if (!HTTP_DATE.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - nowMs);
}
