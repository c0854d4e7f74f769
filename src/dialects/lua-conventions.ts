// Conventions shared by the three firmware dialects: Lua truthiness, payload conversion, and
// the rule that callbacks never run inside the call that caused them and always in order
// (decisions G3, G4 of the seed behaviour). No protocol logic.

import { asPayload } from '../client/payload.js';
import type { ReconnectingOptions } from '../client/reconnect.js';
import { argumentError, describeValue } from '../core/errors.js';

/** Lua truthiness: only nil (undefined/null) and false are false; 0 and '' are true. */
export function isLuaTruthy(value: unknown): boolean {
  return value !== undefined && value !== null && value !== false;
}

/** A Lua string or buffer argument as the engine takes it; throws a TypeError-like error. */
export function toPayload(data: unknown, what = 'data'): string | Uint8Array {
  const payload = asPayload(data);
  if (payload !== undefined) return payload;
  throw argumentError(
    `${what} must be a string, a Uint8Array, an ArrayBuffer or a view, not ${describeValue(data)}`,
  );
}

/** Callbacks run later, in order, never inside the call that caused them (decision G4). */
export { TaskQueue as CallbackQueue } from '../client/task-queue.js';

/** The longest a server's Retry-After may stretch a firmware's fixed reconnect interval. */
export const RETRY_AFTER_CAP_MS = 30_000;

/** The retry options of a fixed reconnect interval (LuatOS autoreconn, LuatOS-Air start). */
export type FixedInterval = Required<
  Pick<
    ReconnectingOptions,
    'jitter' | 'backoffFactor' | 'initialDelayMs' | 'maxDelayMs' | 'tryAgainLaterDelayMs'
  >
>;

/**
 * Retries every `intervalMs`, as the firmware loops do: the engine's backoff without growth
 * or jitter. Only a server's Retry-After waits longer than the interval, and at most 30 s.
 */
export function fixedInterval(intervalMs: number): FixedInterval {
  return {
    jitter: false,
    backoffFactor: 1,
    initialDelayMs: intervalMs,
    maxDelayMs: Math.max(intervalMs, RETRY_AFTER_CAP_MS),
    tryAgainLaterDelayMs: 0,
  };
}
