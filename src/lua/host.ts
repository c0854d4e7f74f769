// The host functions behind the Lua prelude's tasks, sys bus, timers and output: each takes
// plain JS values from the bridge and answers through it. Keeps the count of what can still
// wake the script (timers, pending operations, tasks not started yet), so the runner knows
// when the script has ended. The sys bus is the LuatOS dialect's MessageBus.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Clock, TimerHandle } from '../client/clock.js';
import { MessageBus, type Subscriber } from '../dialects/luatos-sys.js';
import { type Bridge, EXIT_SIGNAL, Results } from './bridge.js';

/** What the host tells the runner. */
export interface HostEvents {
  write(stream: 'out' | 'err', text: string): void;
  /** A Lua error ended the script (message with traceback). */
  fail(message: string): void;
  /** os.exit(code). */
  exit(code: number): void;
  /** Something that could wake the script settled: check whether anything is left. */
  changed(): void;
}

const decoder = new TextDecoder();

function text(value: unknown): string {
  if (value instanceof Uint8Array) return decoder.decode(value);
  return typeof value === 'string' ? value : String(value);
}

/** The firmware's exit codes: true/nil 0, false 1, a number as it is. */
function exitCode(value: unknown): number {
  if (value === true || value === undefined) return 0;
  if (value === false) return 1;
  if (typeof value === 'number' && Number.isInteger(value)) return value & 0xff;
  throw new Error(`os.exit: the code must be a boolean or an integer, not ${String(value)}`);
}

export class Host {
  /** Timers of this script only, so that its end cancels them all. */
  readonly clock = new TrackingClock();
  readonly bus = new MessageBus(this.clock);
  readonly #bridge: Bridge;
  readonly #events: HostEvents;
  readonly #timers = new Map<number, TimerHandle>();
  readonly #subscribers = new Map<number, Subscriber>();
  readonly #started = performance.now();
  /** Operations that will settle by themselves (a wait, a connect, a recv...). */
  pending = 0;
  /** Tasks created but not started yet. */
  #spawning = 0;
  #isFinished = false;

  constructor(bridge: Bridge, events: HostEvents, scriptPath: string | undefined) {
    this.#bridge = bridge;
    this.#events = events;
    const define = bridge.define.bind(bridge);
    define('write', (stream, value) => events.write(stream === 'err' ? 'err' : 'out', text(value)));
    define('fail', (message) => events.fail(text(message)));
    define('exit', (code) => events.exit(exitCode(code)));
    define('spawn', (id) => {
      this.#spawning++;
      setImmediate(() => {
        this.#spawning--;
        this.resume(id as number);
      });
    });
    define('taskDone', () => events.changed());
    define('sleep', (id, ms) => {
      this.settle(id as number, this.bus.wait(ms as number), true);
    });
    define('waitUntil', (id, topic, ms) => {
      const result = this.bus.waitUntil(topic as string, ms as number | undefined);
      // A wait without a time limit does not keep the script alive by itself.
      this.settle(id as number, result, ms !== undefined, true);
    });
    define('publish', (topic, ...args) => this.bus.publish(topic as string, ...args));
    define('subscribe', (topic, id) => this.bus.subscribe(topic as string, this.#subscriber(id)));
    define('unsubscribe', (topic, id) =>
      this.bus.unsubscribe(topic as string, this.#subscriber(id)),
    );
    define('timer', (id, ms, repeat) =>
      this.#startTimer(id as number, ms as number, repeat === true),
    );
    define('timerStop', (id) => {
      const timer = this.#timers.get(id as number);
      if (timer !== undefined) this.clock.clearTimeout(timer);
      this.#timers.delete(id as number);
    });
    define('now', () => performance.now() - this.#started);
    define('module', (name) => {
      const file = `${String(name).replaceAll('.', '/')}.lua`;
      if (scriptPath === undefined) return new Results(undefined, file);
      const path = join(dirname(scriptPath), file);
      try {
        return new Results(readFileSync(path), path);
      } catch {
        return new Results(undefined, path);
      }
    });
  }

  /** Whether something can still wake the script. */
  get isBusy(): boolean {
    return this.pending > 0 || this.#spawning > 0 || this.#timers.size > 0;
  }

  /** Something that could wake the script happened. */
  changed(): void {
    this.#events.changed();
  }

  resume(id: number, ...values: unknown[]): void {
    if (this.#isFinished) return;
    this.#bridge.dispatch('resume', id, ...values);
    this.#events.changed();
  }

  /**
   * Resumes task `id` with ('ok', ...values) when `promise` fulfils (an array is spread) and
   * with ('err', message) when it rejects. `keepsAlive`: counted as pending meanwhile.
   */
  settle(id: number, promise: Promise<unknown>, keepsAlive: boolean, spread = false): void {
    if (keepsAlive) this.pending++;
    promise.then(
      (value) => {
        if (keepsAlive) this.pending--;
        if (spread && Array.isArray(value)) this.resume(id, 'ok', ...value);
        else this.resume(id, 'ok', value);
      },
      (error: unknown) => {
        if (keepsAlive) this.pending--;
        this.resume(id, 'err', error instanceof Error ? error.message : String(error));
      },
    );
  }

  #subscriber(id: unknown): Subscriber {
    let subscriber = this.#subscribers.get(id as number);
    if (subscriber === undefined) {
      subscriber = (...args) => {
        if (this.#isFinished) return;
        this.#bridge.dispatch('sub', id, ...args);
        this.#events.changed();
      };
      this.#subscribers.set(id as number, subscriber);
    }
    return subscriber;
  }

  #startTimer(id: number, ms: number, repeat: boolean): void {
    const fire = (): void => {
      if (repeat) this.#timers.set(id, this.clock.setTimeout(fire, ms));
      else this.#timers.delete(id);
      this.#bridge.dispatch('timer', id);
      this.#events.changed();
    };
    this.#timers.set(id, this.clock.setTimeout(fire, ms));
  }

  /** Stops every timer; later host calls unwind Lua instead of doing anything. */
  finish(): void {
    this.#isFinished = true;
    this.#timers.clear();
    this.clock.clearAll();
  }

  get isFinished(): boolean {
    return this.#isFinished;
  }
}

/** The system clock, remembering its timers so that they can all be cancelled. */
export class TrackingClock implements Clock {
  readonly #live = new Set<ReturnType<typeof setTimeout>>();
  now(): number {
    return performance.now();
  }
  setTimeout(fn: () => void, ms: number): TimerHandle {
    const id = setTimeout(() => {
      this.#live.delete(id);
      fn();
    }, ms);
    this.#live.add(id);
    return { id };
  }
  clearTimeout(handle: TimerHandle): void {
    const id = handle.id as ReturnType<typeof setTimeout>;
    this.#live.delete(id);
    clearTimeout(id);
  }
  clearAll(): void {
    for (const id of this.#live) clearTimeout(id);
    this.#live.clear();
  }
}

export { EXIT_SIGNAL };
