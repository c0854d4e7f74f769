// Time for the client layer, behind an interface so tests can drive timeouts on a fake clock.
// Every timer the library arms goes through armTimer(), which keeps the delay within what
// Node's timers can hold: a longer one would fire after 1 ms instead (TimeoutOverflowWarning).

export interface TimerHandle {
  /** Opaque; pass back to clearTimeout. */
  readonly id: unknown;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The longest delay a Node timer holds (2^31 - 1 ms, about 24.8 days). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A delay a timer can hold: whole milliseconds between 0 and MAX_TIMER_MS. NaN and negative
 * delays become 0, longer ones (Infinity included) become MAX_TIMER_MS.
 */
export function timerDelayMs(delayMs: number): number {
  if (!(delayMs > 0)) return 0;
  return delayMs >= MAX_TIMER_MS ? MAX_TIMER_MS : Math.ceil(delayMs);
}

/** Arms a timer on `clock` with the delay kept within timerDelayMs(). */
export function armTimer(clock: Clock, callback: () => void, delayMs: number): TimerHandle {
  return clock.setTimeout(callback, timerDelayMs(delayMs));
}

/** The real clock: performance.now() and the event loop's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => ({ id: setTimeout(callback, timerDelayMs(delayMs)) }),
  clearTimeout: (handle) => {
    clearTimeout(handle.id as ReturnType<typeof setTimeout>);
  },
};
