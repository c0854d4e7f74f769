// The LuatOS dialect: `websocket.create(adapter, url, keepalive, use_ipv6)` and the client
// object it returns (on, connect, autoreconn, send, close, ready, headers, debug), with the
// firmware's event names, arguments and defaults, on the shared engine. A thin face: frames,
// keepalive and reconnects are the engine's (client/connection, client/reconnect); this file
// only translates arguments and events. Decisions G1-G6 and L1-L7 of the seed behaviour apply.
// Vendor reference: https://wiki.luatos.com/api/websocket.html (docs/dialects/luatos.md).

import { MAX_TIMER_MS, timerDelayMs } from '../client/clock.js';
import type { CloseInfo, Connection, WriteCallback } from '../client/connection.js';
import { checkOptionNames, optionNames } from '../client/option-names.js';
import { type Logger, resolveOptions } from '../client/options.js';
import { Supervisor, type SupervisorOptions } from '../client/reconnect.js';
import { ReadyState } from '../core/constants.js';
import {
  argumentError,
  describeValue,
  ErrorCode,
  HandshakeError,
  InvalidStateError,
  TimeoutError,
  TransportError,
} from '../core/errors.js';
import { validateHeaders } from '../core/handshake.js';
import { parseWebSocketUrl } from '../core/url.js';
import { CallbackQueue, fixedInterval, isLuaTruthy, toPayload } from './lua-conventions.js';
import { parseHeaderLines, tableHeaders } from './luatos-headers.js';
import { MessageBus, sys } from './luatos-sys.js';

import type {
  LuatosCallback,
  LuatosClient as LuatosClientApi,
  LuatosData,
  LuatosErrorKind,
  LuatosEvent,
  LuatosHeaders,
  LuatosOptions,
} from './luatos-types.js';

export { MessageBus, type Subscriber, sys, type WaitResult } from './luatos-sys.js';
export type {
  LuatosCallback,
  LuatosClient,
  LuatosData,
  LuatosErrorKind,
  LuatosEvent,
  LuatosEventName,
  LuatosHeaders,
  LuatosOptions,
} from './luatos-types.js';

/** Default keepalive interval in seconds (document: 60). */
const DEFAULT_KEEPALIVE_S = 60;
/** Default reconnect period in milliseconds (document: 3000) and the smallest allowed. */
const DEFAULT_RECONNECT_MS = 3000;
const MIN_RECONNECT_MS = 1000;
/** The longest delay Node timers can hold, in whole seconds. */
const MAX_KEEPALIVE_S = Math.floor(MAX_TIMER_MS / 1000);

const defaultLogger: Logger = (line) => console.log(`[wsx/luatos] ${line}`);

/** Which `error` kind a dropped connection reports (see docs/dialects/luatos.md). */
function errorKind(info: CloseInfo): LuatosErrorKind {
  const { error } = info;
  // The firmware treats a Close frame from the server as a receive error.
  if (error === undefined) return 'rx';
  if (error instanceof TransportError) return 'connect';
  if (error instanceof TimeoutError) return error.phase === 'open' ? 'connect' : 'rx';
  if (error instanceof HandshakeError) return 'rx';
  return info.cause.phase === 'connecting' ? 'connect' : 'rx';
}

class LuatosClient implements LuatosClientApi {
  readonly #url: string;
  readonly #bus: MessageBus;
  readonly #sink: Logger;
  /** Live settings of the supervisor: autoreconn changes the delay in place. */
  readonly #settings: SupervisorOptions;
  readonly #events = new CallbackQueue();
  #supervisor: Supervisor | undefined;
  #callback: LuatosCallback | undefined;
  #isReconnecting = false;
  #headerPairs: [string, string][] = [];
  #isDebug = false;
  #isReleased = false;
  /** Connections replaced by connect(): their close is not a drop. */
  #replacedCloses = 0;
  /** A write of the current connection failed: its drop is reported as `tx`. */
  #hasWriteFailed = false;
  #decoder = new TextDecoder();

  constructor(url: string, keepaliveS: number, useIpv6: boolean, options: LuatosOptions) {
    this.#url = url;
    if (options.bus !== undefined && !(options.bus instanceof MessageBus)) {
      throw argumentError('websocket.create: option bus must be a MessageBus');
    }
    if (options.logger !== undefined && typeof options.logger !== 'function') {
      throw argumentError('websocket.create: option logger must be a function taking one string');
    }
    this.#bus = options.bus ?? sys;
    this.#sink = options.logger ?? defaultLogger;
    const keepaliveMs = keepaliveS * 1000;
    this.#settings = {
      headers: () => this.#headerPairs,
      deliverFrames: true,
      // L6: a Ping after one silent period; dead after a second one without a sign of life.
      pingIntervalMs: keepaliveMs,
      pongTimeoutMs: keepaliveMs,
      maxMissedPongs: 1,
      emptyKeepalivePings: true,
      preferIpv6: useIpv6,
      // A fixed interval, as often as needed, while autoreconn is on.
      ...fixedInterval(DEFAULT_RECONNECT_MS),
      shouldReconnect: () => this.#isReconnecting && !this.#isReleased,
      logger: this.#logger,
      clock: options.clock,
      tls: options.tls,
      proxy: options.proxy,
      proxyTls: options.proxyTls,
      openTimeoutMs: options.openTimeoutMs,
      closeTimeoutMs: options.closeTimeoutMs,
      connectTo: options.connectTo,
      perMessageDeflate: options.perMessageDeflate ?? false,
    };
    // Bad options fail here, at create, rather than silently at the first connect.
    resolveOptions(url, { ...this.#settings, headers: undefined, protocols: undefined });
  }

  #trace(line: string): void {
    if (this.#isDebug) this.#sink(line);
  }

  /** The engine's logger: switched off (nothing formatted) unless debug(true). */
  readonly #logger: Logger = Object.assign((line: string) => this.#trace(line), { enabled: false });

  #assertUsable(method: string): void {
    if (this.#isReleased) {
      throw new InvalidStateError(
        ErrorCode.InvalidState,
        `wsc:${method}() was called after wsc:close(); a closed client cannot be used again, create a new one with websocket.create()`,
      );
    }
  }

  /** Delivers an event later, to whatever callback is registered by then (G4). */
  #post(...event: LuatosEvent): void {
    this.#events.push(() => {
      const callback = this.#callback;
      // Only the arguments the event has, as the firmware pushes them.
      if (callback !== undefined && !this.#isReleased)
        Reflect.apply(callback, undefined, [this, ...event]);
    });
  }

  #liveConnection(): Connection | undefined {
    const supervisor = this.#supervisor;
    if (this.#isReleased || supervisor === undefined || !supervisor.isLive) return undefined;
    const connection = supervisor.connection;
    return connection?.readyState === ReadyState.OPEN ? connection : undefined;
  }

  on(cb: LuatosCallback | null | undefined): void {
    this.#assertUsable('on');
    this.#callback = typeof cb === 'function' ? cb : undefined;
  }

  connect(): boolean {
    this.#assertUsable('connect');
    const supervisor = this.#supervisor;
    if (supervisor === undefined) {
      this.#supervisor = new Supervisor(this.#url, this.#settings, {
        onOpen: () => this.#onOpen(),
        onClose: (info) => this.#onClose(info),
        onFrame: (data, opcode, fin, isBinary) => this.#onFrame(data, opcode, fin, isBinary),
        onReconnecting: (event) => this.#trace(`= reconnecting in ${event.delayMs} ms`),
        onGiveUp: () => {},
        onMessage: () => {},
        onPing: () => {},
        onPong: () => {},
        onError: () => {},
      });
      this.#supervisor.start();
      return true;
    }
    const current = supervisor.connection;
    if (current !== undefined && current.readyState !== ReadyState.CLOSED) this.#replacedCloses++;
    supervisor.restart(1000, '');
    return true;
  }

  #onOpen(): void {
    this.#hasWriteFailed = false;
    this.#decoder = new TextDecoder();
    this.#trace('= conack');
    this.#events.push(() => {
      if (this.#isReleased) return;
      this.#callback?.(this, 'conack');
      // L3: scripts waiting with sys.waitUntil('WEBSOCKET_CONNACK') get the client.
      this.#bus.publish('WEBSOCKET_CONNACK', this);
    });
  }

  #onFrame(data: Uint8Array, opcode: number, fin: boolean, isBinary: boolean): void {
    // Text is decoded as a stream, so a character split between two frames stays whole.
    const payload = isBinary ? data : this.#decoder.decode(data, { stream: !fin });
    if (this.#isDebug) {
      this.#trace(
        `< ${isBinary ? 'binary' : 'text'} frame, opcode ${opcode}, fin ${fin ? 1 : 0}, ${data.length} bytes`,
      );
    }
    // Reading pauses while too many bytes wait for the callback.
    const delivered = this.#supervisor?.connection?.holdReceived(data.length);
    this.#events.push(() => delivered?.());
    this.#post('recv', payload, fin ? 1 : 0, opcode as 0 | 1 | 2);
  }

  #onClose(info: CloseInfo): void {
    if (this.#replacedCloses > 0) {
      this.#replacedCloses--;
      return;
    }
    if (this.#isReleased) return;
    const kind = this.#hasWriteFailed ? 'tx' : errorKind(info);
    this.#hasWriteFailed = false;
    this.#trace(`! error ${kind}: ${info.error?.message ?? `the server closed with ${info.code}`}`);
    this.#trace('= disconnect');
    this.#post('error', kind, 0);
    this.#post('disconnect');
  }

  autoreconn(reconnect: unknown, reconnect_time?: number | null): void {
    this.#assertUsable('autoreconn');
    this.#isReconnecting = isLuaTruthy(reconnect);
    if (!this.#isReconnecting) return;
    let periodMs = DEFAULT_RECONNECT_MS;
    if (reconnect_time !== undefined && reconnect_time !== null) {
      if (typeof reconnect_time !== 'number' || !Number.isInteger(reconnect_time)) {
        throw argumentError(
          `autoreconn: reconnect_time must be a whole number of milliseconds, not ${typeof reconnect_time === 'number' ? reconnect_time : describeValue(reconnect_time)}`,
        );
      }
      periodMs = timerDelayMs(Math.max(reconnect_time, MIN_RECONNECT_MS));
    }
    // The supervisor reads these for every retry.
    Object.assign(this.#settings, fixedInterval(periodMs));
  }

  send(data: LuatosData, fin?: number | boolean | null, opt?: number | boolean | null): boolean {
    this.#assertUsable('send');
    const payload = typeof data === 'number' ? String(data) : toPayload(data);
    const connection = this.#liveConnection();
    if (connection === undefined) {
      this.#trace('! send refused: not ready yet');
      return false;
    }
    const written: WriteCallback = (error) => {
      if (error === undefined) this.#post('sent');
      else this.#hasWriteFailed = true;
    };
    const isFlag = (value: unknown): boolean => value === 1 || value === true;
    try {
      if (opt === undefined || opt === null) {
        // L2, one or two arguments: the firmware reads the second one as the binary flag.
        const isBinary = isFlag(fin);
        if (typeof payload === 'string' || isBinary) connection.send(payload, isBinary, written);
        else connection.sendFrame(1, payload, true, written);
      } else {
        // L2, three arguments: the documented fin/opt form; the engine continues a started
        // fragmented message by itself.
        const isFinal = fin === undefined || fin === null || (fin !== 0 && fin !== false);
        const opcode = isFlag(opt) ? 2 : 1;
        connection.sendFrame(opcode, payload, isFinal, written);
        this.#trace(
          `> ${opcode === 2 ? 'binary' : 'text'} frame, fin ${isFinal ? 1 : 0}, ${payload.length} ${typeof payload === 'string' ? 'chars' : 'bytes'}`,
        );
      }
    } catch (error) {
      // The connection is going down, or a fragmented message of the other type is open.
      if (!(error instanceof InvalidStateError)) throw error;
      this.#trace(`! send refused: ${error.message}`);
      return false;
    }
    return true;
  }

  close(): void {
    if (this.#isReleased) {
      this.#trace('= websocket already closed');
      return;
    }
    this.#trace('= close requested');
    this.#isReleased = true;
    this.#callback = undefined;
    this.#supervisor?.stop(1000, '');
  }

  ready(): boolean {
    return this.#liveConnection() !== undefined;
  }

  headers(headers: LuatosHeaders): boolean {
    this.#assertUsable('headers');
    const pairs =
      typeof headers === 'string'
        ? parseHeaderLines(headers)
        : typeof headers === 'object' && headers !== null
          ? tableHeaders(headers)
          : undefined;
    if (pairs === undefined) {
      this.#trace('! headers refused: not a table of names and values or a string of lines');
      return false;
    }
    try {
      // Refuses names that are not HTTP tokens, values with CR, LF or NUL, and the headers
      // the handshake sets itself.
      this.#headerPairs = validateHeaders(pairs);
    } catch (error) {
      this.#trace(`! headers refused: ${(error as Error).message}`);
      return false;
    }
    return true;
  }

  debug(onoff: boolean): void {
    this.#assertUsable('debug');
    if (typeof onoff === 'boolean') {
      this.#isDebug = onoff;
      this.#logger.enabled = onoff;
    }
  }
}

const LUATOS_OPTIONS = optionNames<LuatosOptions>()([
  'clock',
  'logger',
  'proxy',
  'proxyTls',
  'connectTo',
  'perMessageDeflate',
  'bus',
  'tls',
  'openTimeoutMs',
  'closeTimeoutMs',
]);

/**
 * Creates a client; it does not connect until `connect()`.
 * - `adapter`: the firmware's network adapter number; accepted and ignored (the PC has one).
 * - `url`: `ws://host[:port]/path` or `wss://…`; anything else makes `create` return undefined.
 * - `keepalive`: seconds without receiving before an empty Ping (default 60); after a second
 *   silent period the connection is declared dead (`error` `rx`, then `disconnect`).
 * - `use_ipv6`: `true` tries the host's IPv6 addresses first when it has both (default false).
 * - `options`: what a Lua script cannot pass: clock, logger, message bus, TLS and timeouts.
 */
function create(
  adapter: number | null | undefined,
  url: string,
  keepalive?: number | null,
  use_ipv6?: boolean | null,
  options: LuatosOptions = {},
): LuatosClientApi | undefined {
  if (adapter !== undefined && adapter !== null && !Number.isInteger(adapter)) {
    throw argumentError(
      `websocket.create: adapter must be an integer or nil, not ${describeValue(adapter)}`,
    );
  }
  if (typeof url !== 'string') {
    throw argumentError(`websocket.create: url must be a string, not ${describeValue(url)}`);
  }
  if (typeof options !== 'object' || options === null) {
    throw argumentError(
      `websocket.create: options must be an object, not ${describeValue(options)}`,
    );
  }
  checkOptionNames(options, LUATOS_OPTIONS, 'websocket.create');
  // L1: only ws:// and wss:// (as the firmware, case-sensitive); a URL the engine cannot
  // use is the documented "nil on failure".
  if (!url.startsWith('ws://') && !url.startsWith('wss://')) return undefined;
  try {
    parseWebSocketUrl(url);
  } catch {
    return undefined;
  }
  // The firmware reads keepalive only when it is a positive integer; otherwise 60 s.
  const keepaliveS =
    typeof keepalive === 'number' && Number.isInteger(keepalive) && keepalive > 0
      ? Math.min(keepalive, MAX_KEEPALIVE_S)
      : DEFAULT_KEEPALIVE_S;
  return new LuatosClient(url, keepaliveS, use_ipv6 === true, options);
}

/** The `websocket` library of LuatOS: `websocket.create(adapter, url, keepalive, use_ipv6)`. */
export const websocket: { readonly create: typeof create } = Object.freeze({ create });
