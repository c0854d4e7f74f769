// The public types of the LuatOS-Air dialect: what its calls take and give, its event names
// with their callback arguments, and the PC-only settings of `websocket.new`. Types only.

import type { WebSocketError } from '../core/errors.js';
import type { DialectHostOptions } from './host-options.js';

/** What `state()` returns. */
export type LuatosAirState = 'CONNECTING' | 'OPEN' | 'CLOSING' | 'CLOSED';

/** A received message: text as a string, binary as a Uint8Array. */
export type LuatosAirMessage = string | Uint8Array;

/** What `send`, `sendFrame`, `ping` and `pong` take (a Lua string, or bytes). */
export type LuatosAirPayload = string | Uint8Array | ArrayBuffer | ArrayBufferView;

/** `recv()`'s two Lua results: `true` and a message, or `false` and why (may be undefined). */
export type RecvResult =
  | [ok: true, message: LuatosAirMessage]
  | [ok: false, reason: string | undefined];

/** The `proc` of `start()`: called with each message; a returned promise is awaited. */
export type MessageProc = (message: LuatosAirMessage) => void | Promise<void>;

/** The events `on` knows and the arguments their callbacks get. */
export interface LuatosAirEventMap {
  /** The handshake succeeded; fires before `connect()` resolves `true`. */
  open: () => void;
  /** A whole message, when `recv()` or `start()` takes it. */
  message: (message: LuatosAirMessage) => void;
  /** The bytes of one `send` call were handed to the network. */
  sent: () => void;
  /** A Pong arrived: its payload as a string when it is UTF-8, else as bytes. */
  pong: (payload: string | Uint8Array) => void;
  /** A connection attempt ended: the server's close code, 1005 for none, 1006 without Close. */
  close: (code: number) => void;
  /** Something failed: connect, TLS, handshake, protocol, or a send that could not be made. */
  error: (error: WebSocketError) => void;
}

export type LuatosAirEventName = keyof LuatosAirEventMap;

/**
 * Settings a Lua script cannot make, given as the third argument of `websocket.new`: the
 * clock (tests pass a fake one), a debug logger, and TLS settings applied over what `cert`
 * gives (for example `servername`).
 */
export interface LuatosAirHostOptions extends DialectHostOptions {}

// The names before the spelling became `LuatosAir…` everywhere; kept for existing code.
/** @deprecated The former spelling of LuatosAirEventMap. */
export type LuatOsAirEventMap = LuatosAirEventMap;
/** @deprecated The former spelling of LuatosAirEventName. */
export type LuatOsAirEventName = LuatosAirEventName;
/** @deprecated The former spelling of LuatosAirHostOptions. */
export type LuatOsAirHostOptions = LuatosAirHostOptions;
/** @deprecated The former spelling of LuatosAirMessage. */
export type LuatOsAirMessage = LuatosAirMessage;
/** @deprecated The former spelling of LuatosAirPayload. */
export type LuatOsAirPayload = LuatosAirPayload;
/** @deprecated The former spelling of LuatosAirState. */
export type LuatOsAirState = LuatosAirState;
