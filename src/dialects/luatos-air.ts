// The LuatOS-Air dialect (`wsx/luatos-air`): `websocket.new(url, cert)` and
// `websocket.exit(ws)` as the script_LuaTask websocket library of the Air724UG/Air8910
// modules offers them (LuatOS-Air "script lib API -- websocket"; our page:
// docs/dialects/luatos-air.md). Device code keeps its names, arguments, events and defaults;
// the engine does the work. A Lua call `ws:send(x)` is `ws.send(x)` here, and the calls that
// block a Lua task (connect, recv, start) return promises (decision G3).

import type { LuatosAirCert } from './luatos-air-cert.js';
import { exitClient, LuatosAirClient } from './luatos-air-client.js';
import type { LuatosAirHostOptions } from './luatos-air-types.js';

export type { CertSource, LuatosAirCert } from './luatos-air-cert.js';
export type { LuatosAirClient } from './luatos-air-client.js';
export { RecvReason } from './luatos-air-reasons.js';
export type * from './luatos-air-types.js';

/** @deprecated The former spelling of LuatosAirCert. */
export type LuatOsAirCert = LuatosAirCert;
/** @deprecated The former spelling of LuatosAirClient. */
export type LuatOsAirClient = LuatosAirClient;

/** The `websocket` module of LuatOS-Air. */
export const websocket = {
  /**
   * Makes a client for `url` (`ws://` or `wss://`); nothing connects until `connect()` or
   * `start()`. `cert` holds the TLS files for `wss://` (see LuatosAirCert). `options` is not
   * part of the Lua API: a clock, a logger or extra TLS settings for programs on a PC.
   */
  new(url: string, cert?: LuatosAirCert | null, options?: LuatosAirHostOptions): LuatosAirClient {
    return new LuatosAirClient(url, cert, options);
  },

  /**
   * Stops what `ws.start()` runs: closes the connection, cancels a pending reconnect, and
   * makes `start()` resolve. Pending and later `recv()` calls give `false, "EXIT_TASK<id>"`
   * until the next `connect()` or `start()`.
   */
  exit(ws: LuatosAirClient): void {
    exitClient(ws);
  },
} as const;
