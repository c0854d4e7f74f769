// The options of ReconnectingWebSocket: the engine's reconnecting options, partysocket's
// names for some of them, and the few that only this face has.

import { optionNames, RECONNECTING_OPTIONS } from '../client/option-names.js';
import type { Provider, ReconnectingOptions } from '../client/reconnect.js';
import type { WebSocketConstructor } from './foreign-connection.js';
import type { PartysocketOptions } from './partysocket-options.js';
import type { OpenHookSocket } from './reconnecting-events.js';

export interface ReconnectingWebSocketOptions extends ReconnectingOptions, PartysocketOptions {
  /**
   * Runs on every new connection before the offline queue is sent and before `open` is
   * dispatched: authenticate or resubscribe here. A rejection closes the connection (1011).
   */
  onOpen?: ((ws: OpenHookSocket) => void | Promise<void>) | undefined;
  /** Do not connect until reconnect() is called; sends are queued meanwhile. */
  startClosed?: boolean | undefined;
  /**
   * Another WHATWG WebSocket class to make each connection with (undici's, `ws`), instead of
   * wsx's engine; see docs/reliability.md for what still applies.
   */
  WebSocket?: WebSocketConstructor | undefined;
}

/** Every option name of ReconnectingWebSocket, for refusing unknown ones. */
export const RECONNECTING_WEBSOCKET_OPTIONS = optionNames<ReconnectingWebSocketOptions>()([
  ...(RECONNECTING_OPTIONS as (keyof ReconnectingOptions)[]),
  'onOpen',
  'startClosed',
  'WebSocket',
  'minReconnectionDelay',
  'maxReconnectionDelay',
  'reconnectionDelayGrowFactor',
  'minUptime',
  'connectionTimeout',
  'maxEnqueuedMessages',
  'shouldReconnectOnClose',
  'debug',
  'debugLogger',
]);

export type ReconnectingProtocols = Provider<string | readonly string[] | undefined> | null;
