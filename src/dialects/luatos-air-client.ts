// The client object of the LuatOS-Air dialect, as `websocket.new(url, cert)` returns it:
// on/connect/send/sendFrame/ping/pong/recv/close/state/online/start (decisions A1 to A7, G1
// to G6). A thin face: every connection is an engine Supervisor (one attempt for connect(),
// retries at a fixed interval for start()), and this file only turns Lua-style calls into
// engine calls and engine outcomes into LuatOS-Air events, tuples and state names. Events and
// promise results go through one CallbackQueue, so they never run inside the call that
// caused them and always arrive in order.

import { type Clock, systemClock, type TimerHandle } from '../client/clock.js';
import type { CloseInfo, Connection } from '../client/connection.js';
import { type ConnectOptions, type Logger, resolveOptions } from '../client/options.js';
import { Supervisor, type SupervisorHandler } from '../client/reconnect.js';
import { isValidWireCloseCode, validateUserClose } from '../core/close.js';
import { MAX_CONTROL_PAYLOAD, ReadyState } from '../core/constants.js';
import {
  ErrorCode,
  InvalidArgumentError,
  InvalidStateError,
  QueueError,
  type WebSocketError,
} from '../core/errors.js';
import { isControlOpcode, isKnownOpcode } from '../core/frame.js';
import { describe } from '../core/url.js';
import { isValidUtf8 } from '../core/utf8.js';
import type { TlsOptions } from '../transport/transport.js';
import { CallbackQueue, isLuaTruthy, toPayload } from './lua-conventions.js';
import {
  checkCert,
  exitReason,
  type LuatOsAirCert,
  RecvReason,
  reasonOf,
  secondsToMs,
  tlsFromCert,
} from './luatos-air-support.js';

/** What `state()` returns. */
export type LuatOsAirState = 'CONNECTING' | 'OPEN' | 'CLOSING' | 'CLOSED';
/** A received message: text as a string, binary as a Uint8Array. */
export type LuatOsAirMessage = string | Uint8Array;
/** What `send`, `sendFrame`, `ping` and `pong` take (a Lua string, or bytes). */
export type LuatOsAirPayload = string | Uint8Array | ArrayBuffer | ArrayBufferView;
/** `recv()`'s two Lua results: `true` and a message, or `false` and why (may be undefined). */
export type RecvResult =
  | [ok: true, message: LuatOsAirMessage]
  | [ok: false, reason: string | undefined];
/** The `proc` of `start()`: called with each message; a returned promise is awaited. */
export type MessageProc = (message: LuatOsAirMessage) => void | Promise<void>;

/** The events `on` knows and the arguments their callbacks get. */
export interface LuatOsAirEventMap {
  /** The handshake succeeded; fires before `connect()` resolves `true`. */
  open: () => void;
  /** A whole message, when `recv()` or `start()` takes it. */
  message: (message: LuatOsAirMessage) => void;
  /** The bytes of one `send` call were handed to the network. */
  sent: () => void;
  /** A Pong arrived: its payload as a string when it is UTF-8, else as bytes. */
  pong: (payload: string | Uint8Array) => void;
  /** A connection attempt ended: the server's close code, 1005 for none, 1006 without Close. */
  close: (code: number) => void;
  /** Something failed: connect, TLS, handshake, protocol, or a send that could not be made. */
  error: (error: WebSocketError) => void;
}
export type LuatOsAirEventName = keyof LuatOsAirEventMap;

/**
 * Settings a Lua script cannot make, given as the third argument of `websocket.new`: the
 * clock (tests pass a fake one), a debug logger, and TLS settings applied over what `cert`
 * gives (for example `servername`).
 */
export interface LuatOsAirHostOptions {
  clock?: Clock | undefined;
  logger?: Logger | undefined;
  tls?: TlsOptions | undefined;
}

/** The firmware's defaults (section 2.2 and decisions A3, A5, A6). */
const FIRMWARE = {
  connectTimeoutMs: 20_000,
  /** recv() gives `false, "WEBSOCKET_OK"` after this long without a message. */
  recvWaitMs: 60_000,
  reconnectMs: 1000,
  heartbeat: new TextEncoder().encode('heart'),
} as const;

/** Messages waiting for recv() before the engine stops reading from the socket. */
const INBOX_HIGH_WATER = 16;

interface Reader {
  resolve: (result: RecvResult) => void;
  timer: TimerHandle;
}

/** One run of start(), from the call until websocket.exit(ws) has taken effect. */
interface StartRun {
  exiting: boolean;
  finished: boolean;
  heartbeat: TimerHandle | undefined;
}

interface AttemptHooks {
  opened(): void;
  closed(willRetry: boolean): void;
  gaveUp(error: WebSocketError | undefined): void;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });
const noop = (): void => {};

function invalidArgument(message: string): InvalidArgumentError {
  return new InvalidArgumentError(ErrorCode.InvalidArgument, message);
}

function invalidState(message: string): InvalidStateError {
  return new InvalidStateError(ErrorCode.InvalidState, message);
}

let nextId = 1;
let exitHook: (ws: LuatOsAirClient) => void = noop;

/** What `websocket.exit(ws)` does; kept off the object so that scripts see only Lua names. */
export function exitClient(ws: unknown): void {
  if (!(ws instanceof LuatOsAirClient)) {
    throw invalidArgument(
      `websocket.exit needs an object made by websocket.new, not ${describe(ws)}`,
    );
  }
  exitHook(ws);
}

/** A LuatOS-Air WebSocket client. Make one with `websocket.new(url, cert)`. */
export class LuatOsAirClient {
  static {
    exitHook = (ws) => ws.#exit();
  }

  /** Number in the `EXIT_TASK<id>` reason that `recv()` gives after `websocket.exit`. */
  readonly id: number;
  readonly #url: string;
  readonly #cert: LuatOsAirCert | undefined;
  readonly #clock: Clock;
  readonly #logger: Logger | undefined;
  readonly #extraTls: TlsOptions | undefined;
  readonly #events = new CallbackQueue();
  readonly #callbacks = new Map<string, (...args: never[]) => void>();
  #supervisor: Supervisor | undefined;
  #run: StartRun | undefined;
  /** connect() or start() began an attempt that has not opened or ended yet. */
  #isAttemptPending = false;
  /** Cancels connect()'s attempt while it has no Connection yet. */
  #cancelPending: (() => void) | undefined;
  /** An attempt ended or close() ran: later attempts show CLOSED until they open (firmware). */
  #hasEnded = false;
  #ended: { reason: string | undefined } | undefined;
  #exitReason: string | undefined;
  #inbox: LuatOsAirMessage[] = [];
  #readers: Reader[] = [];
  #changeWaiters: (() => void)[] = [];

  constructor(url: string, cert?: LuatOsAirCert | null, options: LuatOsAirHostOptions = {}) {
    if (typeof url !== 'string') {
      throw invalidArgument(
        `the url must be a string like ws://host:port/path, not ${describe(url)}`,
      );
    }
    if (typeof options !== 'object' || options === null) {
      throw invalidArgument(`the options must be an object, not ${describe(options)}`);
    }
    this.id = nextId++;
    this.#url = url;
    this.#cert = checkCert(cert);
    this.#clock = options.clock ?? systemClock;
    this.#logger = options.logger;
    this.#extraTls = options.tls;
  }

  /** Sets the callback of `event` (one per name; a later call replaces it, nil removes it). */
  on<K extends LuatOsAirEventName>(
    event: K,
    callback: LuatOsAirEventMap[K] | null | undefined,
  ): void;
  on(event: string, callback: ((...args: never[]) => void) | null | undefined): void;
  on(event: string, callback: unknown): void {
    if (typeof event !== 'string') {
      throw invalidArgument(`the event name must be a string, not ${describe(event)}`);
    }
    if (callback === undefined || callback === null) {
      this.#callbacks.delete(event);
      return;
    }
    if (typeof callback !== 'function') {
      throw invalidArgument(`the ${event} callback must be a function, not ${describe(callback)}`);
    }
    this.#callbacks.set(event, callback as (...args: never[]) => void);
  }

  /**
   * Connects: TCP, TLS for `wss://`, then the handshake, all within `timeout` seconds
   * (default 20). Resolves `true` once open (after the `open` event), `false` on failure
   * (after the `error` and `close` events).
   */
  connect(timeout?: number | null): Promise<boolean> {
    let openTimeoutMs: number;
    try {
      openTimeoutMs =
        timeout === undefined || timeout === null
          ? FIRMWARE.connectTimeoutMs
          : secondsToMs(timeout, 'the connect timeout', false);
      this.#assertNotRunning('connect()');
    } catch (error) {
      return Promise.reject(error);
    }
    // The attempt starts in this call when it can, so that a send() right after it queues.
    if (!this.#isClosing()) return this.#connectNow(openTimeoutMs);
    return this.#whenNotClosing().then(() => this.#connectNow(openTimeoutMs));
  }

  #connectNow(openTimeoutMs: number): Promise<boolean> {
    try {
      this.#assertNotRunning('connect()');
      if (this.#isBusy()) {
        throw invalidState(
          'connect(): the client is already connecting or connected; close() first',
        );
      }
    } catch (error) {
      return Promise.reject(error);
    }
    this.#exitReason = undefined;
    let options: ConnectOptions;
    try {
      options = this.#engineOptions(openTimeoutMs);
    } catch (error) {
      this.#failWithoutAttempt(error as WebSocketError);
      return this.#later(false);
    }
    return new Promise<boolean>((resolve) => {
      let opened = false;
      let settled = false;
      const settle = (value: boolean): void => {
        if (settled) return;
        settled = true;
        this.#cancelPending = undefined;
        this.#events.post(() => resolve(value));
      };
      const supervisor = new Supervisor(
        this.#url,
        { ...options, shouldReconnect: () => false, maxRetries: 0 },
        this.#handlerFor({
          opened: () => {
            opened = true;
            settle(true);
          },
          closed: () => settle(opened),
          gaveUp: (error) => {
            if (settled) return;
            // The attempt never got a connection (it was cancelled or its options failed).
            if (error !== undefined) this.#failWithoutAttempt(error);
            else this.#endWithoutAttempt();
            settle(false);
          },
        }),
      );
      this.#cancelPending = () => {
        supervisor.stop();
        this.#endWithoutAttempt();
        settle(false);
      };
      this.#supervisor = supervisor;
      this.#isAttemptPending = true;
      supervisor.start();
    });
  }

  /**
   * Sends one message: binary unless `text` is truthy in Lua's sense (so `0` and `''` mean
   * text). While start() is reconnecting, or while connect() is still connecting, the
   * message waits in the engine's queue; otherwise, when not open, nothing is sent and the
   * `error` event says so. `sent` fires once the bytes were written.
   */
  send(data: LuatOsAirPayload, text?: unknown): void {
    const payload = toPayload(data);
    const isText = isLuaTruthy(text);
    let message: string | Uint8Array = payload;
    if (isText && typeof payload !== 'string') {
      try {
        message = utf8.decode(payload);
      } catch {
        throw invalidArgument('send(data, true): a text message must be valid UTF-8');
      }
    }
    const supervisor = this.#supervisor;
    if (supervisor === undefined || supervisor.isStopped) {
      this.#notOpen('send');
      return;
    }
    supervisor.send(message, !isText, (error) => {
      if (error === undefined) this.#emit('sent');
      // A write lost to a closing connection is already told by the close and error events.
      else if (error instanceof QueueError) this.#emit('error', error);
    });
  }

  /**
   * Writes one frame: `fin` truthy sets the FIN bit, `opcode` 0 continues a message started
   * with 1 (text) or 2 (binary), 9 and 10 are ping and pong. Other opcodes are refused.
   */
  sendFrame(fin: unknown, opcode: number, data: LuatOsAirPayload): void {
    if (
      typeof opcode !== 'number' ||
      !Number.isInteger(opcode) ||
      opcode < 0 ||
      opcode > 0xf ||
      !isKnownOpcode(opcode) ||
      opcode === 0x8
    ) {
      throw invalidArgument(
        `sendFrame: opcode ${typeof opcode === 'number' ? opcode : describe(opcode)} is not allowed; use 0 (continuation), 1 (text), 2 (binary), 9 (ping) or 10 (pong)`,
      );
    }
    const isFinal = isLuaTruthy(fin);
    if (isControlOpcode(opcode) && !isFinal) {
      throw invalidArgument('sendFrame: a ping or pong cannot be fragmented; fin must be true');
    }
    const payload = toPayload(data);
    const connection = this.#openConnection();
    if (connection === undefined) {
      this.#notOpen('sendFrame');
      return;
    }
    connection.sendFrame(opcode, payload, isFinal);
  }

  /** Sends a Ping with `data` (at most 125 bytes) as payload; the answer fires `pong`. */
  ping(data?: LuatOsAirPayload | null): void {
    const payload = controlPayload(data, 'ping');
    const connection = this.#openConnection();
    if (connection === undefined) {
      this.#notOpen('ping');
      return;
    }
    connection.ping(payload).catch(noop);
  }

  /** Sends an unsolicited Pong with `data` (at most 125 bytes) as payload. */
  pong(data?: LuatOsAirPayload | null): void {
    const payload = controlPayload(data, 'pong');
    const connection = this.#openConnection();
    if (connection === undefined) {
      this.#notOpen('pong');
      return;
    }
    connection.pong(payload);
  }

  /**
   * The next message, as `[true, message]` (after the `message` event), or `[false, reason]`:
   * `"WEBSOCKET_OK"` after 60 s without one, or why the connection ended (see RecvReason).
   */
  recv(): Promise<RecvResult> {
    if (this.#inbox.length > 0) {
      const message = this.#take();
      this.#emit('message', message);
      return this.#later<RecvResult>([true, message]);
    }
    if (this.#exitReason !== undefined) return this.#later<RecvResult>([false, this.#exitReason]);
    if (!this.#isBusy()) {
      const ended = this.#ended;
      if (ended === undefined) {
        return Promise.reject(invalidState('recv(): there is no connection; call connect() first'));
      }
      return this.#later<RecvResult>([false, ended.reason]);
    }
    return new Promise<RecvResult>((resolve) => {
      const reader: Reader = {
        resolve,
        timer: this.#clock.setTimeout(() => {
          const index = this.#readers.indexOf(reader);
          if (index === -1) return;
          this.#readers.splice(index, 1);
          this.#events.post(() => resolve([false, RecvReason.Ok]));
        }, FIRMWARE.recvWaitMs),
      };
      this.#readers.push(reader);
    });
  }

  /**
   * Starts the closing handshake with `code` and `reason` (code 1000 when only a reason is
   * given; an empty Close frame when neither). Under start(), only the current connection
   * ends and start() connects again, as on the device; websocket.exit(ws) stops it.
   */
  close(code?: number | null, reason?: string | null): void {
    let closeCode = code ?? undefined;
    const closeReason = reason ?? undefined;
    if (
      closeCode !== undefined &&
      (typeof closeCode !== 'number' || !isValidWireCloseCode(closeCode))
    ) {
      throw invalidArgument(
        `close code ${typeof closeCode === 'number' ? closeCode : describe(closeCode)} cannot be sent; use 1000-1003, 1007-1014 or 3000-4999`,
      );
    }
    const reasonError = validateUserClose(undefined, closeReason);
    if (reasonError !== undefined) throw reasonError;
    if (closeReason !== undefined && closeCode === undefined) closeCode = 1000;
    const supervisor = this.#supervisor;
    const connection = supervisor?.connection;
    if (this.#run !== undefined) {
      if (connection !== undefined && connection.readyState !== ReadyState.CLOSED) {
        connection.close(closeCode, closeReason);
      }
      return;
    }
    this.#hasEnded = true;
    if (this.#cancelPending !== undefined && connection === undefined) this.#cancelPending();
    else if (supervisor !== undefined && !supervisor.isStopped) {
      supervisor.stop(closeCode, closeReason);
    }
  }

  /** `"CONNECTING"` before the first attempt ends, then `"OPEN"`, `"CLOSING"`, `"CLOSED"`. */
  state(): LuatOsAirState {
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

  /** True while a connection is open (handshake done, no Close sent or received). */
  online(): boolean {
    return this.#supervisor?.connection?.readyState === ReadyState.OPEN;
  }

  /**
   * Keeps the client connected until `websocket.exit(ws)`: connects, hands every message to
   * the `message` event and then to `proc`, sends a Ping with payload `heart` every
   * `keepAlive` seconds (none when nil), and connects again `reconnTime` seconds (default 1)
   * after any drop. Resolves once exit has closed the connection.
   */
  start(
    keepAlive?: number | null,
    proc?: MessageProc | null,
    reconnTime?: number | null,
  ): Promise<void> {
    let heartbeatMs: number | undefined;
    let reconnectMs: number;
    try {
      heartbeatMs =
        keepAlive === undefined || keepAlive === null
          ? undefined
          : secondsToMs(keepAlive, 'keepAlive', false);
      if (proc !== undefined && proc !== null && typeof proc !== 'function') {
        throw invalidArgument(`start: proc must be a function or nil, not ${describe(proc)}`);
      }
      reconnectMs =
        reconnTime === undefined || reconnTime === null
          ? FIRMWARE.reconnectMs
          : secondsToMs(reconnTime, 'reconnTime', true);
      this.#assertNotRunning('start()');
    } catch (error) {
      return Promise.reject(error);
    }
    const begin = (): Promise<void> => this.#startNow(heartbeatMs, proc ?? undefined, reconnectMs);
    // Like connect(), the first attempt starts in this call when it can.
    if (!this.#isClosing()) return begin();
    return this.#whenNotClosing().then(begin);
  }

  async #startNow(
    heartbeatMs: number | undefined,
    proc: MessageProc | undefined,
    reconnectMs: number,
  ): Promise<void> {
    this.#assertNotRunning('start()');
    if (this.#isBusy()) {
      throw invalidState('start(): close the connection that connect() opened first');
    }
    this.#exitReason = undefined;
    const options = this.#engineOptions(FIRMWARE.connectTimeoutMs);
    const run: StartRun = { exiting: false, finished: false, heartbeat: undefined };
    this.#run = run;
    const supervisor = new Supervisor(
      this.#url,
      {
        ...options,
        // A fixed interval, as the firmware's loop: the engine's backoff without growth or jitter.
        jitter: false,
        initialDelayMs: reconnectMs,
        backoffFactor: 1,
        maxDelayMs: reconnectMs,
        tryAgainLaterDelayMs: 0,
        shouldReconnect: () => !run.exiting,
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
    if (heartbeatMs !== undefined) this.#startHeartbeat(run, heartbeatMs);
    supervisor.start();
    try {
      await this.#drain(run, proc);
    } catch (error) {
      // An exception in proc ends start(), as a Lua error ends the task on the device.
      this.#exit();
      while (!run.finished) await this.#changed();
      await this.#later(undefined);
      throw error;
    }
  }

  // ------------------------------------------------------------------ internals

  /** The loop of start(): each message to `message`, then to proc, until exit finished. */
  async #drain(run: StartRun, proc: MessageProc | undefined): Promise<void> {
    // Runs as long as the client is started; websocket.exit(ws) ends it.
    for (;;) {
      if (run.exiting) {
        if (run.finished) break;
      } else if (this.#inbox.length > 0) {
        const message = this.#take();
        this.#emit('message', message);
        await this.#later(undefined);
        if (proc !== undefined) await proc(message);
        continue;
      }
      await this.#changed();
    }
    // Resolve after the close event of the last connection.
    await this.#later(undefined);
  }

  #startHeartbeat(run: StartRun, intervalMs: number): void {
    const tick = (): void => {
      run.heartbeat = undefined;
      if (run.exiting) return;
      const connection = this.#openConnection();
      if (connection !== undefined) {
        try {
          connection.ping(FIRMWARE.heartbeat).catch(noop);
        } catch {
          // The connection began closing in this very turn; the next tick tries again.
        }
      }
      run.heartbeat = this.#clock.setTimeout(tick, intervalMs);
    };
    run.heartbeat = this.#clock.setTimeout(tick, intervalMs);
  }

  #finishRun(run: StartRun): void {
    if (run.finished) return;
    run.exiting = true;
    run.finished = true;
    if (run.heartbeat !== undefined) this.#clock.clearTimeout(run.heartbeat);
    run.heartbeat = undefined;
    if (this.#run === run) this.#run = undefined;
    this.#notify();
  }

  #exit(): void {
    const reason = exitReason(this.id);
    this.#exitReason = reason;
    this.#failReaders(reason);
    const run = this.#run;
    if (run !== undefined) {
      run.exiting = true;
      if (run.heartbeat !== undefined) this.#clock.clearTimeout(run.heartbeat);
      run.heartbeat = undefined;
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
    this.#notify();
  }

  /** Engine events of one supervisor, as LuatOS-Air events, recv() results and state. */
  #handlerFor(hooks: AttemptHooks): SupervisorHandler {
    return {
      onOpen: () => {
        this.#isAttemptPending = false;
        this.#ended = undefined;
        this.#emit('open');
        hooks.opened();
        this.#notify();
      },
      onMessage: (data) => this.#receive(data),
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
        this.#failReaders(reason);
        hooks.closed(willRetry);
        this.#notify();
      },
      onReconnecting: noop,
      onGiveUp: (_reason, error) => hooks.gaveUp(error),
    };
  }

  #receive(message: LuatOsAirMessage): void {
    const reader = this.#readers.shift();
    if (reader !== undefined) {
      this.#clock.clearTimeout(reader.timer);
      this.#emit('message', message);
      this.#events.post(() => reader.resolve([true, message]));
      return;
    }
    this.#inbox.push(message);
    // Nobody is reading: let the engine stop reading the socket (receive backpressure).
    if (this.#inbox.length >= INBOX_HIGH_WATER) this.#supervisor?.connection?.pause();
    this.#notify();
  }

  #take(): LuatOsAirMessage {
    const message = this.#inbox.shift()!;
    if (this.#inbox.length < INBOX_HIGH_WATER) this.#supervisor?.connection?.resume();
    return message;
  }

  #failReaders(reason: string | undefined): void {
    const readers = this.#readers;
    this.#readers = [];
    for (const reader of readers) {
      this.#clock.clearTimeout(reader.timer);
      this.#events.post(() => reader.resolve([false, reason]));
    }
  }

  /** The engine options of one connect() or start(); throws for a bad URL or cert file. */
  #engineOptions(openTimeoutMs: number): ConnectOptions {
    const base: ConnectOptions = {
      openTimeoutMs,
      // The firmware has no idle keepalive; start() sends its own `heart` pings.
      pingIntervalMs: 0,
      clock: this.#clock,
      logger: this.#logger,
    };
    const { target } = resolveOptions(this.#url, base);
    // The firmware's handshake carries Origin: http://<host>.
    const options: ConnectOptions = { ...base, origin: `http://${target.url.hostname}` };
    if (target.secure) options.tls = tlsFromCert(this.#cert, this.#extraTls);
    return options;
  }

  /** connect() failed before an attempt could start (bad URL, unreadable certificate). */
  #failWithoutAttempt(error: WebSocketError): void {
    this.#emit('error', error);
    this.#endWithoutAttempt();
  }

  #endWithoutAttempt(): void {
    this.#isAttemptPending = false;
    this.#hasEnded = true;
    const reason = this.#exitReason ?? RecvReason.ReadError;
    this.#ended = { reason };
    this.#failReaders(reason);
    this.#notify();
  }

  #openConnection(): Connection | undefined {
    const connection = this.#supervisor?.connection;
    return connection?.readyState === ReadyState.OPEN ? connection : undefined;
  }

  /** An attempt is on its way or a connection is not closed yet. */
  #isBusy(): boolean {
    const connection = this.#supervisor?.connection;
    return (
      this.#isAttemptPending ||
      (connection !== undefined && connection.readyState !== ReadyState.CLOSED)
    );
  }

  #assertNotRunning(what: string): void {
    if (this.#run !== undefined) {
      throw invalidState(`${what}: start() is running; call websocket.exit(ws) first`);
    }
  }

  #isClosing(): boolean {
    return this.#supervisor?.connection?.readyState === ReadyState.CLOSING;
  }

  /** Waits until a connection that is closing has closed (the engine's close timeout bounds it). */
  async #whenNotClosing(): Promise<void> {
    while (this.#isClosing()) await this.#changed();
  }

  #notOpen(what: string): void {
    this.#emit('error', invalidState(`${what}(): the connection is not open, so nothing was sent`));
  }

  #emit<K extends LuatOsAirEventName>(event: K, ...args: Parameters<LuatOsAirEventMap[K]>): void {
    this.#events.post(() => {
      const callback = this.#callbacks.get(event) as ((...values: unknown[]) => void) | undefined;
      callback?.(...args);
    });
  }

  /** Resolves with `value` after every event posted so far was delivered. */
  #later<T>(value: T): Promise<T> {
    return new Promise<T>((resolve) => this.#events.post(() => resolve(value)));
  }

  #changed(): Promise<void> {
    return new Promise<void>((resolve) => this.#changeWaiters.push(resolve));
  }

  #notify(): void {
    const waiters = this.#changeWaiters;
    this.#changeWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** A Ping or Pong payload as bytes: nil is empty, at most 125 bytes (RFC 6455 §5.5). */
function controlPayload(data: LuatOsAirPayload | null | undefined, what: string): Uint8Array {
  if (data === undefined || data === null) return new Uint8Array(0);
  const payload = toPayload(data, `the ${what} data`);
  const bytes = typeof payload === 'string' ? new TextEncoder().encode(payload) : payload;
  if (bytes.length > MAX_CONTROL_PAYLOAD) {
    throw invalidArgument(`a ${what} carries at most 125 bytes (got ${bytes.length})`);
  }
  return bytes;
}
