// Time for the client layer, behind an interface so tests can drive timeouts on a fake clock.

export interface TimerHandle {
  /** Opaque; pass back to clearTimeout. */
  readonly id: unknown;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

/** The real clock: performance.now() and the event loop's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => ({ id: setTimeout(callback, delayMs) }),
  clearTimeout: (handle) => {
    clearTimeout(handle.id as ReturnType<typeof setTimeout>);
  },
};
