// Types of the LuatOS dialect: the client interface with the document's help in our words,
// the event tuples its callback receives, and the options a Lua script cannot pass. No code.

import type { Clock } from '../client/clock.js';
import type { ConnectTo, Logger } from '../client/options.js';
import type { PerMessageDeflateOptions } from '../core/permessage-deflate.js';
import type { ProxyOption } from '../transport/proxy.js';
import type { TlsOptions } from '../transport/transport.js';
import type { MessageBus } from './luatos-sys.js';

/** The event names the callback given to `on` receives. */
export type LuatosEventName = 'conack' | 'recv' | 'sent' | 'disconnect' | 'error';

/** What an `error` event names: the connect phase, a failed write, or the receive side. */
export type LuatosErrorKind = 'connect' | 'tx' | 'rx';

/**
 * One event as the callback receives it after the client argument:
 * - `conack`: the handshake succeeded; the client is ready to send.
 * - `recv, data, fin, opcode`: one received data frame, not reassembled. `fin` is 1 on the
 *   last frame of a message; `opcode` is 1 (text) or 2 (binary) on the first frame and 0 on
 *   the frames that continue it. Text frames arrive as strings, binary ones as Uint8Array.
 * - `sent`: the bytes of one accepted `send` were written to the socket.
 * - `disconnect`: the connection dropped without `close()` being called.
 * - `error, kind, 0`: why the connection is about to drop; `disconnect` follows.
 */
export type LuatosEvent =
  | [event: 'conack']
  | [event: 'recv', data: string | Uint8Array, fin: 0 | 1, opcode: 0 | 1 | 2]
  | [event: 'sent']
  | [event: 'disconnect']
  | [event: 'error', kind: LuatosErrorKind, code: 0];

/**
 * The single callback of a client, `cb(wsc, event, data, fin, opcode)`; the arguments after
 * `event` depend on it (see LuatosEvent):
 * - `recv`: `data` the frame's payload, `fin` 0 or 1, `opcode` 0, 1 or 2;
 * - `error`: `data` the kind (`connect`, `tx` or `rx`), `fin` the code, always 0;
 * - `conack`, `sent`, `disconnect`: nothing more.
 */
export type LuatosCallback = (
  wsc: LuatosClient,
  event: LuatosEventName,
  data?: string | Uint8Array,
  fin?: 0 | 1,
  opcode?: 0 | 1 | 2,
) => void;

/** What `send` takes: text, bytes, or a number (sent as its decimal text, as Lua coerces it). */
export type LuatosData = string | number | Uint8Array | ArrayBuffer | ArrayBufferView;

/** Extra handshake headers: a `{ Name: value }` table or raw `Name: value\r\n` lines. */
export type LuatosHeaders = Readonly<Record<string, string | number>> | string;

/** Settings a Lua script cannot pass; the optional last argument of `websocket.create`. */
export interface LuatosOptions {
  /** Time source for keepalive, reconnect delays and timeouts (tests pass a fake clock). */
  clock?: Clock | undefined;
  /** Where `debug(true)` writes; default: console.log with a `[wsx/luatos]` prefix. */
  logger?: Logger | undefined;
  /** Bus that receives WEBSOCKET_CONNACK (default: the exported `sys`). */
  bus?: MessageBus | undefined;
  /** TLS settings for wss:// (the server certificate is verified unless told otherwise). */
  tls?: TlsOptions | undefined;
  /** A proxy URL (http://, https://, socks5://, socks5h://), false, or 'env' (default): see docs/api.md. */
  proxy?: ProxyOption | undefined;
  /** TLS settings for an https:// proxy. */
  proxyTls?: TlsOptions | undefined;
  /** Time allowed for TCP, TLS and the handshake (engine default 10 000 ms). */
  openTimeoutMs?: number | undefined;
  /** Longest wait for the server's reply to the Close of `close()` (engine default 10 000 ms). */
  closeTimeoutMs?: number | undefined;
  /** Where to open TCP instead of the URL's host and port (curl's --connect-to; see ConnectOptions). */
  connectTo?: ConnectTo | undefined;
  /** Offer permessage-deflate (true or settings, see docs/api.md); default false, as the firmware. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions | undefined;
}

/** A LuatOS WebSocket client, as `websocket.create` returns it. */
export interface LuatosClient {
  /**
   * Registers the one callback that receives every event, `cb(wsc, event, ...)`; a later call
   * replaces it, and anything that is not a function removes it (events are then dropped).
   */
  on(cb: LuatosCallback | null | undefined): void;
  /**
   * Starts connecting (DNS, TCP, TLS, handshake) and returns at once: `true` means the attempt
   * started, not that it succeeded. Wait for `conack` or check `ready()`. Calling it again
   * drops the current connection (without `disconnect`) and starts a new one.
   */
  connect(): boolean;
  /**
   * Turns automatic reconnection on or off. After every drop the client waits `reconnect_time`
   * milliseconds (default 3000, at least 1000) and connects again, for as long as it is on.
   * Switching it off keeps the stored period. Does not connect by itself.
   */
  autoreconn(reconnect: unknown, reconnect_time?: number | null): void;
  /**
   * Sends data. `send(data)` sends text; `send(data, 1)` (or `true`) sends binary. With a third
   * argument the documented form applies: `fin` 0 starts or continues a fragmented message and
   * 1 ends it, `opt` 1 marks it binary and 0 text. Returns `true` when the data was accepted,
   * `false` when the client is not ready (nothing is queued). Each accepted call is followed by
   * one `sent` event.
   */
  send(data: LuatosData, fin?: number | boolean | null, opt?: number | boolean | null): boolean;
  /**
   * Closes the client for good: sends Close 1000, waits at most the close timeout for the
   * server, stops reconnecting and releases everything. No `disconnect` follows. Afterwards
   * only `close()` and `ready()` may be called.
   */
  close(): void;
  /** Whether the handshake is done and the connection is up, so `send` would be accepted. */
  ready(): boolean;
  /**
   * Sets the extra headers of every later handshake, replacing the previous set: a table of
   * `Name = value` pairs or a string of `Name: value` lines separated by CRLF. Returns `true`,
   * or `false` (keeping the old set) when a name or value is invalid, e.g. contains CR or LF.
   */
  headers(headers: LuatosHeaders): boolean;
  /** Turns debug output on or off: every frame and state change goes to the logger. */
  debug(onoff: boolean): void;
}
