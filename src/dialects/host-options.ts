// The settings a Lua script cannot make, which programs on a PC give a firmware dialect's
// client (LuatOS-Air `websocket.new`'s third argument, NodeMCU `createClient`): the clock
// (tests pass a fake one), a debug logger, TLS, a proxy and connect-to rules.

import type { Clock } from '../client/clock.js';
import { optionNames } from '../client/option-names.js';
import type { ConnectTo, Logger } from '../client/options.js';
import type { PerMessageDeflateOptions } from '../core/permessage-deflate.js';
import type { ProxyOption } from '../transport/proxy.js';
import type { TlsOptions } from '../transport/transport.js';

export interface DialectHostOptions {
  /** Time source for every timeout and timer of the client. */
  clock?: Clock | undefined;
  /** Receives one debug line per engine event. */
  logger?: Logger | undefined;
  /** TLS settings for `wss://` URLs (certificates are verified by default). */
  tls?: TlsOptions | undefined;
  /** A proxy URL (http://, https://, socks5://, socks5h://), false, or 'env' (default): see docs/api.md. */
  proxy?: ProxyOption | undefined;
  /** TLS settings for an https:// proxy. */
  proxyTls?: TlsOptions | undefined;
  /** Where to open TCP instead of the URL's host and port (curl's --connect-to; see ConnectOptions). */
  connectTo?: ConnectTo | undefined;
  /**
   * Offer permessage-deflate compression (true or settings, see docs/api.md). Default false:
   * no firmware offers it.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions | undefined;
}

/** The names of DialectHostOptions, for refusing unknown ones. */
export const DIALECT_HOST_OPTIONS = optionNames<DialectHostOptions>()([
  'clock',
  'logger',
  'tls',
  'proxy',
  'proxyTls',
  'connectTo',
  'perMessageDeflate',
]);
