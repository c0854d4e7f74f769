// The LuatOS-Air dialect (`wsx/luatos-air`): `websocket.new(url, cert)` and
// `websocket.exit(ws)` as the script_LuaTask websocket library of the Air724UG/Air8910
// modules offers them (LuatOS-Air "script lib API -- websocket"; our page:
// docs/dialects/luatos-air.md). Device code keeps its names, arguments, events and defaults;
// the engine does the work. A Lua call `ws:send(x)` is `ws.send(x)` here, and the calls that
// block a Lua task (connect, recv, start) return promises (decision G3).

import type { LuatOsAirCert } from './luatos-air-cert.js';
import { exitClient, LuatOsAirClient } from './luatos-air-client.js';
import type { LuatOsAirHostOptions } from './luatos-air-types.js';

export type { CertSource, LuatOsAirCert } from './luatos-air-cert.js';
export type { LuatOsAirClient } from './luatos-air-client.js';
export { RecvReason } from './luatos-air-reasons.js';
export type {
  LuatOsAirEventMap,
  LuatOsAirEventName,
  LuatOsAirHostOptions,
  LuatOsAirMessage,
  LuatOsAirPayload,
  LuatOsAirState,
  MessageProc,
  RecvResult,
} from './luatos-air-types.js';

/** The `websocket` module of LuatOS-Air. */
export const websocket = {
  /**
   * Makes a client for `url` (`ws://` or `wss://`); nothing connects until `connect()` or
   * `start()`. `cert` holds the TLS files for `wss://` (see LuatOsAirCert). `options` is not
   * part of the Lua API: a clock, a logger or extra TLS settings for programs on a PC.
   */
  new(url: string, cert?: LuatOsAirCert | null, options?: LuatOsAirHostOptions): LuatOsAirClient {
    return new LuatOsAirClient(url, cert, options);
  },

  /**
   * Stops what `ws.start()` runs: closes the connection, cancels a pending reconnect, and
   * makes `start()` resolve. Pending and later `recv()` calls give `false, "EXIT_TASK<id>"`
   * until the next `connect()` or `start()`.
   */
  exit(ws: LuatOsAirClient): void {
    exitClient(ws);
  },
} as const;
