// The engine side of a LuatOS-Air client: every connection is an engine Supervisor (one
// attempt for connect(), retries at a fixed interval for start()), and this class turns what
// the engine reports into LuatOS-Air events, recv() results and state names (decisions A2,
// A3, A5 to A7). It takes arguments already checked and converted by the client object
// (luatos-air-client.ts). Events and promise results go through one CallbackQueue: never
// inside the call that caused them, always in order (G4). No protocol logic.

import type { Clock } from '../client/clock.js';
import type { CloseInfo, Connection } from '../client/connection.js';
import type { ConnectOptions } from '../client/options.js';
import { Supervisor, type SupervisorHandler } from '../client/reconnect.js';
import { ReadyState } from '../core/constants.js';
import { ErrorCode, InvalidStateError, QueueError, type WebSocketError } from '../core/errors.js';
import { isValidUtf8 } from '../core/utf8.js';
import { CallbackQueue, fixedInterval } from './lua-conventions.js';
import { type EngineSettings, engineOptions } from './luatos-air-cert.js';
import { AirInbox } from './luatos-air-inbox.js';
import { exitReason, RecvReason, reasonOf } from './luatos-air-reasons.js';
import { HEARTBEAT, StartRun } from './luatos-air-start.js';
import type {
  LuatosAirEventMap,
  LuatosAirEventName,
  LuatosAirState,
  MessageProc,
  RecvResult,
} from './luatos-air-types.js';

/** What connect() and start() each do when their supervisor's attempts open or end. */
interface AttemptHooks {
  opened(): void;
  closed(willRetry: boolean): void;
  gaveUp(error: WebSocketError | undefined): void;
}

export interface SessionSettings extends EngineSettings {
  /** The client's number, for the EXIT_TASK<id> reason. */
  id: number;
  clock: Clock;
}

const noop = (): void => {};
const invalidState = (message: string) => new InvalidStateError(ErrorCode.InvalidState, message);

export class AirSession {
  readonly #settings: SessionSettings;
  readonly #events = new CallbackQueue();
  readonly #callbacks = new Map<string, (...args: never[]) => void>();
  readonly #inbox: AirInbox;
  #supervisor: Supervisor | undefined;
  #run: StartRun | undefined;
  /** connect() or start() began an attempt that has not opened or ended yet. */
  #isAttemptPending = false;
  /** Cancels connect()'s attempt while it has no Connection yet. */
  #cancelPending: (() => void) | undefined;
  /** An attempt ended or close() ran: later attempts show CLOSED until they open (firmware). */
  #hasEnded = false;
  /** Why the last attempt ended, for recv(); undefined while none has. */
  #ended: { reason: string | undefined } | undefined;
  #exitReason: string | undefined;

  constructor(settings: SessionSettings) {
    this.#settings = settings;
    this.#inbox = new AirInbox({
      events: this.#events,
      clock: settings.clock,
      emitMessage: (message) => this.#emit('message', message),
      pause: () => this.#supervisor?.connection?.pause(),
      resume: () => this.#supervisor?.connection?.resume(),
      holdReceived: (bytes) => this.#supervisor?.connection?.holdReceived(bytes) ?? noop,
    });
  }

  on(event: string, callback: ((...args: never[]) => void) | undefined): void {
    if (callback === undefined) this.#callbacks.delete(event);
    else this.#callbacks.set(event, callback);
  }

  /** Throws InvalidStateError while start() runs. */
  assertNotRunning(what: string): void {
    if (this.#run !== undefined) {
      throw invalidState(`${what}: start() is running; call websocket.exit(ws) first`);
    }
  }

  /** Runs `begin` now, or once a connection that is closing has closed. */
  whenNotClosing<T>(begin: () => Promise<T>): Promise<T> {
    // Starting in this call when possible lets a send() right after connect() queue.
    if (!this.#isClosing()) return begin();
    const wait = async (): Promise<T> => {
      // The engine's close timeout ends every closing connection.
      while (this.#isClosing()) await this.#inbox.changed();
      return begin();
    };
    return wait();
  }

  connect(openTimeoutMs: number): Promise<boolean> {
    let options: ConnectOptions;
    try {
      this.assertNotRunning('connect()');
      if (this.#isBusy()) {
        throw invalidState('connect(): already connecting or connected; close() first');
      }
      this.#exitReason = undefined;
      options = engineOptions(this.#settings, openTimeoutMs);
    } catch (error) {
      if ((error as WebSocketError).code === ErrorCode.InvalidState) return Promise.reject(error);
      // A bad URL or an unreadable certificate: the firmware's connect() returns false too.
      this.#endWithoutConnection(error as WebSocketError);
      return this.#later(false);
    }
    return new Promise<boolean>((resolve) => {
      let opened = false;
      let settled = false;
      const settle = (value: boolean): void => {
        if (settled) return;
        settled = true;
        this.#cancelPending = undefined;
        this.#events.push(() => resolve(value));
      };
      const supervisor = new Supervisor(
        this.#settings.url,
        { ...options, shouldReconnect: () => false, maxRetries: 0 },
        this.#handlerFor({
          opened: () => {
            opened = true;
            settle(true);
          },
          closed: () => settle(opened),
          gaveUp: (error) => {
            if (settled) return;
            this.#endWithoutConnection(error);
            settle(false);
          },
        }),
      );
      this.#cancelPending = () => {
        supervisor.stop();
        this.#endWithoutConnection(undefined);
        settle(false);
      };
      this.#supervisor = supervisor;
      this.#isAttemptPending = true;
      supervisor.start();
    });
  }

  async start(
    heartbeatMs: number | undefined,
    proc: MessageProc | undefined,
    reconnectMs: number,
    openTimeoutMs: number,
  ): Promise<void> {
    this.assertNotRunning('start()');
    if (this.#isBusy()) throw invalidState('start(): close the connection connect() opened first');
    this.#exitReason = undefined;
    const options = engineOptions(this.#settings, openTimeoutMs);
    const run = new StartRun(this.#settings.clock);
    this.#run = run;
    const supervisor = new Supervisor(
      this.#settings.url,
      {
        ...options,
        // A fixed interval, as the firmware's loop.
        ...fixedInterval(reconnectMs),
        shouldReconnect: () => !run.isExiting,
      },
      this.#handlerFor({
        opened: noop,
        closed: (willRetry) => {
          if (!willRetry) this.#finishRun(run);
        },
        gaveUp: (error) => {
          if (error !== undefined) this.#emit('error', error);
          this.#finishRun(run);
        },
      }),
    );
    this.#supervisor = supervisor;
    this.#isAttemptPending = true;
    if (heartbeatMs !== undefined) {
      run.startHeartbeat(heartbeatMs, () => this.openConnection()?.ping(HEARTBEAT).catch(noop));
    }
    supervisor.start();
    try {
      await run.loop(
        {
          take: () => this.#inbox.take(),
          changed: () => this.#inbox.changed(),
          deliver: (message) => {
            this.#emit('message', message);
            return this.#later(undefined);
          },
          settled: () => this.#later(undefined),
        },
        proc,
      );
    } catch (error) {
      // An exception in proc ends start(), as a Lua error ends the task on the device.
      this.exit();
      while (!run.isFinished) await this.#inbox.changed();
      await this.#later(undefined);
      throw error;
    }
  }

  /** Sends now, or queues in the engine while an attempt is under way; else reports. */
  send(message: string | Uint8Array, isBinary: boolean): void {
    const supervisor = this.#supervisor;
    if (supervisor === undefined || supervisor.isStopped) {
      this.notOpen('send');
      return;
    }
    supervisor.send(message, isBinary, (error) => {
      if (error === undefined) this.#emit('sent');
      // A write lost to a closing connection is already told by the close and error events.
      else if (error instanceof QueueError) this.#emit('error', error);
    });
  }

  /** The connection when it is open. */
  openConnection(): Connection | undefined {
    const connection = this.#supervisor?.connection;
    return connection?.readyState === ReadyState.OPEN ? connection : undefined;
  }

  notOpen(what: string): void {
    this.#emit('error', invalidState(`${what}(): the connection is not open, so nothing was sent`));
  }

  recv(): Promise<RecvResult> {
    const message = this.#inbox.take();
    if (message !== undefined) {
      this.#emit('message', message);
      return this.#later<RecvResult>([true, message]);
    }
    if (this.#exitReason !== undefined) return this.#later<RecvResult>([false, this.#exitReason]);
    if (this.#isBusy()) return this.#inbox.wait();
    const ended = this.#ended;
    if (ended === undefined) {
      return Promise.reject(invalidState('recv(): there is no connection; call connect() first'));
    }
    return this.#later<RecvResult>([false, ended.reason]);
  }

  close(code: number | undefined, reason: string | undefined): void {
    const supervisor = this.#supervisor;
    const connection = supervisor?.connection;
    if (this.#run !== undefined) {
      // Under start() only this connection ends; start() connects again, as on the device.
      if (connection !== undefined && connection.readyState !== ReadyState.CLOSED) {
        connection.close(code, reason);
      }
      return;
    }
    this.#hasEnded = true;
    if (this.#cancelPending !== undefined && connection === undefined) this.#cancelPending();
    else if (supervisor !== undefined && !supervisor.isStopped) supervisor.stop(code, reason);
  }

  state(): LuatosAirState {
    switch (this.#supervisor?.connection?.readyState) {
      case ReadyState.OPEN:
        return 'OPEN';
      case ReadyState.CLOSING:
        return 'CLOSING';
      case ReadyState.CLOSED:
        return 'CLOSED';
      default:
        // Like the firmware, only the first attempt reports CONNECTING; later ones, CLOSED.
        return this.#hasEnded ? 'CLOSED' : 'CONNECTING';
    }
  }

  online(): boolean {
    return this.openConnection() !== undefined;
  }

  /** websocket.exit(ws): stop start(), close the connection, fail recv() with EXIT_TASK<id>. */
  exit(): void {
    const reason = exitReason(this.#settings.id);
    this.#exitReason = reason;
    this.#inbox.fail(reason);
    const run = this.#run;
    if (run !== undefined) {
      run.isExiting = true;
      run.stopHeartbeat();
    }
    const supervisor = this.#supervisor;
    const connection = supervisor?.connection;
    if (this.#cancelPending !== undefined && connection === undefined) this.#cancelPending();
    else if (supervisor !== undefined && !supervisor.isStopped) supervisor.stop();
    // With no connection left to close, nothing else will finish the run.
    if (
      run !== undefined &&
      (connection === undefined || connection.readyState === ReadyState.CLOSED)
    ) {
      this.#finishRun(run);
    }
    this.#inbox.notify();
  }

  // ------------------------------------------------------------------ internals

  #finishRun(run: StartRun): void {
    if (!run.finish()) return;
    if (this.#run === run) this.#run = undefined;
    this.#inbox.notify();
  }

  /** Engine events of one supervisor, as LuatOS-Air events, recv() results and state. */
  #handlerFor(hooks: AttemptHooks): SupervisorHandler {
    return {
      onOpen: () => {
        this.#isAttemptPending = false;
        this.#ended = undefined;
        this.#emit('open');
        hooks.opened();
        this.#inbox.notify();
      },
      onMessage: (data) => this.#inbox.push(data),
      onPing: noop,
      onPong: (data) =>
        this.#emit('pong', isValidUtf8(data) ? new TextDecoder().decode(data) : data.slice()),
      onError: (error) => {
        // Aborts that close() or exit() asked for are not failures.
        if (error.code !== ErrorCode.Aborted) this.#emit('error', error);
      },
      onClose: (info: CloseInfo, willRetry: boolean) => {
        this.#isAttemptPending = false;
        this.#hasEnded = true;
        const reason = this.#exitReason ?? reasonOf(info);
        this.#ended = { reason };
        this.#emit('close', info.code);
        this.#inbox.fail(reason);
        hooks.closed(willRetry);
        this.#inbox.notify();
      },
      onReconnecting: noop,
      onGiveUp: (_reason, error) => hooks.gaveUp(error),
    };
  }

  /** An attempt ended before it had a connection: cancelled, bad URL, unreadable certificate. */
  #endWithoutConnection(error: WebSocketError | undefined): void {
    if (error !== undefined) this.#emit('error', error);
    this.#isAttemptPending = false;
    this.#hasEnded = true;
    const reason = this.#exitReason ?? RecvReason.ReadError;
    this.#ended = { reason };
    this.#inbox.fail(reason);
    this.#inbox.notify();
  }

  /** An attempt is on its way or a connection is not closed yet. */
  #isBusy(): boolean {
    const connection = this.#supervisor?.connection;
    return (
      this.#isAttemptPending ||
      (connection !== undefined && connection.readyState !== ReadyState.CLOSED)
    );
  }

  #isClosing(): boolean {
    return this.#supervisor?.connection?.readyState === ReadyState.CLOSING;
  }

  #emit<K extends LuatosAirEventName>(event: K, ...args: Parameters<LuatosAirEventMap[K]>): void {
    this.#events.push(() => {
      const callback = this.#callbacks.get(event) as ((...values: unknown[]) => void) | undefined;
      callback?.(...args);
    });
  }

  /** Resolves with `value` after every event posted so far was delivered. */
  #later<T>(value: T): Promise<T> {
    return new Promise<T>((resolve) => this.#events.push(() => resolve(value)));
  }
}
