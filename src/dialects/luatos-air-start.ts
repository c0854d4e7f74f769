// One run of a LuatOS-Air `start()`: the firmware's loop that hands each received message to
// the `message` callback and then to `proc`, the `heart` heartbeat Pings, and the flags that
// say whether `websocket.exit(ws)` asked it to end and whether it has ended. The connecting
// and reconnecting are the engine's (a Supervisor with a fixed interval, see the session).

import { armTimer, type Clock, type TimerHandle } from '../client/clock.js';
import { utf8Encode } from '../core/bytes.js';
import type { LuatosAirMessage, MessageProc } from './luatos-air-types.js';

/** The heartbeat payload of the firmware's start(). */
export const HEARTBEAT: Uint8Array = utf8Encode('heart');

/** What the message loop needs from the session. */
export interface MessageLoopHost {
  /** The oldest received message not handed out yet. */
  take(): LuatosAirMessage | undefined;
  /** Resolves when a message arrives, a connection opens or closes, or exit is asked for. */
  changed(): Promise<void>;
  /** Posts the `message` event and resolves after it was delivered. */
  deliver(message: LuatosAirMessage): Promise<void>;
  /** Resolves after every event posted so far was delivered. */
  settled(): Promise<void>;
}

/** One start() run, from the call until websocket.exit(ws) has taken effect. */
export class StartRun {
  /** websocket.exit(ws) was called (or the run ended): no more messages, no reconnects. */
  isExiting = false;
  /** The last connection is closed and the run is over. */
  isFinished = false;
  readonly #clock: Clock;
  #heartbeat: TimerHandle | undefined;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Calls `ping` every `intervalMs` until the run stops its heartbeat. */
  startHeartbeat(intervalMs: number, ping: () => void): void {
    const tick = (): void => {
      this.#heartbeat = undefined;
      if (this.isExiting) return;
      try {
        ping();
      } catch {
        // The connection began closing in this very turn; the next tick tries again.
      }
      this.#heartbeat = armTimer(this.#clock, tick, intervalMs);
    };
    this.#heartbeat = armTimer(this.#clock, tick, intervalMs);
  }

  stopHeartbeat(): void {
    if (this.#heartbeat !== undefined) this.#clock.clearTimeout(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  /** Ends the run; false when it had already ended. */
  finish(): boolean {
    if (this.isFinished) return false;
    this.isExiting = true;
    this.isFinished = true;
    this.stopHeartbeat();
    return true;
  }

  /**
   * The loop of start(): each message to the `message` event, then to `proc`, until the run
   * finished; resolves after the close event of the last connection. A throwing proc rejects.
   */
  async loop(host: MessageLoopHost, proc: MessageProc | undefined): Promise<void> {
    for (;;) {
      const message = this.isExiting ? undefined : host.take();
      if (message !== undefined) {
        await host.deliver(message);
        if (proc !== undefined) await proc(message);
      } else if (this.isFinished) break;
      else await host.changed();
    }
    await host.settled();
  }
}
