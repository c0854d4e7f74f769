// The client object of the LuatOS-Air dialect, as `websocket.new(url, cert)` returns it, with
// the firmware's method names: on, connect, send, sendFrame, ping, pong, recv, close, state,
// online and start (decisions A1 to A7, G1 to G6). This file speaks Lua: nil, truthiness,
// seconds, argument checks; the engine side lives in luatos-air-session.ts.

import { systemClock } from '../client/clock.js';
import { checkOptionNames } from '../client/option-names.js';
import { argumentError, describeValue } from '../core/errors.js';
import { DIALECT_HOST_OPTIONS } from './host-options.js';
import { isLuaTruthy, toPayload } from './lua-conventions.js';
import { checkFrame, closeArguments, controlPayload, secondsToMs } from './luatos-air-arguments.js';
import { checkCert, type LuatosAirCert } from './luatos-air-cert.js';
import { AirSession } from './luatos-air-session.js';
import type {
  LuatosAirEventMap,
  LuatosAirEventName,
  LuatosAirHostOptions,
  LuatosAirPayload,
  LuatosAirState,
  MessageProc,
  RecvResult,
} from './luatos-air-types.js';

/** The firmware's defaults (section 2.2, decisions A3 and A6). */
const FIRMWARE = { connectTimeoutMs: 20_000, reconnectMs: 1000 } as const;

const utf8 = new TextDecoder('utf-8', { fatal: true });
const isNil = (value: unknown): value is null | undefined => value === undefined || value === null;

let nextId = 1;
let exitHook: (ws: LuatosAirClient) => void = () => {};

/** What `websocket.exit(ws)` does; kept off the object so that scripts see only Lua names. */
export function exitClient(ws: unknown): void {
  if (!(ws instanceof LuatosAirClient)) {
    throw argumentError(
      `websocket.exit needs an object made by websocket.new, not ${describeValue(ws)}`,
    );
  }
  exitHook(ws);
}

/** A LuatOS-Air WebSocket client. Make one with `websocket.new(url, cert)`. */
export class LuatosAirClient {
  static {
    exitHook = (ws) => ws.#session.exit();
  }

  /** Number in the `EXIT_TASK<id>` reason that `recv()` gives after `websocket.exit`. */
  readonly id: number;
  readonly #session: AirSession;

  constructor(url: string, cert?: LuatosAirCert | null, options: LuatosAirHostOptions = {}) {
    if (typeof url !== 'string') {
      throw argumentError(
        `the url must be a string like ws://host:port/path, not ${describeValue(url)}`,
      );
    }
    if (typeof options !== 'object' || options === null) {
      throw argumentError(`the options must be an object, not ${describeValue(options)}`);
    }
    checkOptionNames(options, DIALECT_HOST_OPTIONS, 'websocket.new');
    this.id = nextId++;
    this.#session = new AirSession({
      id: this.id,
      url,
      cert: checkCert(cert),
      clock: options.clock ?? systemClock,
      logger: options.logger,
      tls: options.tls,
      proxy: options.proxy,
      proxyTls: options.proxyTls,
      connectTo: options.connectTo,
      perMessageDeflate: options.perMessageDeflate,
    });
  }

  /**
   * Sets the callback of `event` (one per name; a later call replaces it, nil removes it). The
   * firmware takes any name at run time (a Lua script may still pass one); the types allow only
   * the names that ever fire, so a misspelt one is a compile error.
   */
  on<K extends LuatosAirEventName>(
    event: K,
    callback: LuatosAirEventMap[K] | null | undefined,
  ): void;
  on(event: string, callback: unknown): void {
    if (typeof event !== 'string') {
      throw argumentError(`the event name must be a string, not ${describeValue(event)}`);
    }
    if (!isNil(callback) && typeof callback !== 'function') {
      throw argumentError(
        `the ${event} callback must be a function, not ${describeValue(callback)}`,
      );
    }
    this.#session.on(event, isNil(callback) ? undefined : (callback as () => void));
  }

  /**
   * Connects: TCP, TLS for `wss://`, then the handshake, all within `timeout` seconds
   * (default 20). Resolves `true` once open (after the `open` event), `false` on failure
   * (after the `error` and `close` events). A connection still closing is waited for first.
   */
  connect(timeout?: number | null): Promise<boolean> {
    let openTimeoutMs: number;
    try {
      openTimeoutMs = isNil(timeout)
        ? FIRMWARE.connectTimeoutMs
        : secondsToMs(timeout, 'the connect timeout', false);
      this.#session.assertNotRunning('connect()');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#session.whenNotClosing(() => this.#session.connect(openTimeoutMs));
  }

  /**
   * Sends one message: binary unless `text` is truthy in Lua's sense (so `0` and `''` mean
   * text). While start() is reconnecting, or while connect() is still connecting, the
   * message waits in the engine's queue; otherwise, when not open, nothing is sent and the
   * `error` event says so. `sent` fires once the bytes were written.
   */
  send(data: LuatosAirPayload, text?: unknown): void {
    const payload = toPayload(data);
    const isText = isLuaTruthy(text);
    let message: string | Uint8Array = payload;
    if (isText && typeof payload !== 'string') {
      try {
        message = utf8.decode(payload);
      } catch {
        throw argumentError('send(data, true): a text message must be valid UTF-8');
      }
    }
    this.#session.send(message, !isText);
  }

  /**
   * Writes one frame: `fin` truthy sets the FIN bit, `opcode` 0 continues a message started
   * with 1 (text) or 2 (binary), 9 and 10 are ping and pong. Other opcodes are refused.
   */
  sendFrame(fin: unknown, opcode: number, data: LuatosAirPayload): void {
    const isFinal = checkFrame(fin, opcode);
    const payload = toPayload(data);
    const connection = this.#session.openConnection();
    if (connection === undefined) this.#session.notOpen('sendFrame');
    else connection.sendFrame(opcode, payload, isFinal);
  }

  /** Sends a Ping with `data` (at most 125 bytes) as payload; the answer fires `pong`. */
  ping(data?: LuatosAirPayload | null): void {
    const payload = controlPayload(data, 'ping');
    const connection = this.#session.openConnection();
    if (connection === undefined) this.#session.notOpen('ping');
    else connection.ping(payload).catch(() => {});
  }

  /** Sends an unsolicited Pong with `data` (at most 125 bytes) as payload. */
  pong(data?: LuatosAirPayload | null): void {
    const payload = controlPayload(data, 'pong');
    const connection = this.#session.openConnection();
    if (connection === undefined) this.#session.notOpen('pong');
    else connection.pong(payload);
  }

  /**
   * The next message, as `[true, message]` (after the `message` event), or `[false, reason]`:
   * `"WEBSOCKET_OK"` after 60 s without one, or why the connection ended (see RecvReason).
   * Messages that arrived before the call are kept for it, oldest first.
   */
  recv(): Promise<RecvResult> {
    return this.#session.recv();
  }

  /**
   * Starts the closing handshake with `code` and `reason` (code 1000 when only a reason is
   * given; an empty Close frame when neither). Under start(), only the current connection
   * ends and start() connects again, as on the device; websocket.exit(ws) stops it.
   */
  close(code?: number | null, reason?: string | null): void {
    const args = closeArguments(code, reason);
    this.#session.close(args.code, args.reason);
  }

  /** `"CONNECTING"` before the first attempt ends, then `"OPEN"`, `"CLOSING"`, `"CLOSED"`. */
  state(): LuatosAirState {
    return this.#session.state();
  }

  /** True while a connection is open (handshake done, no Close sent or received). */
  online(): boolean {
    return this.#session.online();
  }

  /**
   * Keeps the client connected until `websocket.exit(ws)`: connects, hands every message to
   * the `message` event and then to `proc`, sends a Ping with payload `heart` every
   * `keepAlive` seconds (none when nil), and connects again `reconnTime` seconds (default 1)
   * after any drop. Resolves once exit has closed the connection; rejects with what `proc`
   * threw, after closing the connection.
   */
  start(
    keepAlive?: number | null,
    proc?: MessageProc | null,
    reconnTime?: number | null,
  ): Promise<void> {
    let heartbeatMs: number | undefined;
    let reconnectMs: number;
    try {
      heartbeatMs = isNil(keepAlive) ? undefined : secondsToMs(keepAlive, 'keepAlive', false);
      if (!isNil(proc) && typeof proc !== 'function') {
        throw argumentError(`start: proc must be a function or nil, not ${describeValue(proc)}`);
      }
      reconnectMs = isNil(reconnTime)
        ? FIRMWARE.reconnectMs
        : secondsToMs(reconnTime, 'reconnTime', true);
      this.#session.assertNotRunning('start()');
    } catch (error) {
      return Promise.reject(error);
    }
    return this.#session.whenNotClosing(() =>
      this.#session.start(heartbeatMs, proc ?? undefined, reconnectMs, FIRMWARE.connectTimeoutMs),
    );
  }
}
