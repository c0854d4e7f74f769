// Every connection option, with units in the name, one default each, and validation that
// names the bad option. Faces pass user options through resolveOptions() once per connect.
// The defaults live here: the engine's (Defaults, from core), the other connection options'
// (ConnectDefaults) and the reconnecting client's (ReconnectDefaults: retry schedule,
// backoff, offline queue).

import { Defaults } from '../core/constants.js';
import { argumentError, describeValue } from '../core/errors.js';
import { type HeadersInit, validateHeaders, validateProtocols } from '../core/handshake.js';
import {
  type PerMessageDeflateOptions,
  type ResolvedDeflateOptions,
  resolveDeflateOptions,
} from '../core/permessage-deflate.js';
import type { CorePorts } from '../core/ports.js';
import { parseWebSocketUrl, type WebSocketTarget } from '../core/url.js';
import { isNodeDebugOn, nodeDebugLine } from '../transport/debug-log.js';
import type { OpenTransport } from '../transport/interface.js';
import { nodePorts } from '../transport/node-ports.js';
import type { OpenConnectionOptions } from '../transport/open.js';
import { type ProxyOption, validateProxyOption } from '../transport/proxy.js';
import type { TlsOptions } from '../transport/transport.js';
import { type Clock, systemClock } from './clock.js';

/** Defaults of the connection options that the engine's Defaults (core) do not cover. */
export const ConnectDefaults = {
  /** Keepalive pings that may go unanswered in a row before the peer is dead. */
  maxMissedPongs: 1,
  /** Redirects followed in a row: none unless asked for. */
  followRedirects: 0,
} as const;

/** Defaults of the reconnecting client: its retry schedule, backoff and offline queue. */
export const ReconnectDefaults = {
  /** Upper bound of the first retry delay. */
  initialDelayMs: 500,
  /** Growth of the bound per attempt. */
  backoffFactor: 2,
  /** Largest retry delay. */
  maxDelayMs: 30_000,
  /** A connection open at least this long counts as healthy: the attempt count starts over. */
  minUptimeMs: 5000,
  /** The wait after a close that says "try again later" (1013) without Retry-After. */
  tryAgainLaterDelayMs: 10_000,
  maxQueuedMessages: 1000,
  maxQueuedBytes: 16 * 1024 * 1024,
  queueFullPolicy: 'reject-new',
} as const;

/**
 * Receives one debug line per event; prefixes: > sent, < received, = state, % ping/pong,
 * x close, ! error. Set its `enabled` property to false to switch it off without detaching it
 * (nothing is formatted then).
 */
export type Logger = ((line: string) => void) & { enabled?: boolean };

export interface ConnectOptions {
  /** Subprotocols to offer (Sec-WebSocket-Protocol). */
  protocols?: string | readonly string[] | undefined;
  /** Extra request headers; names must be unique and not the handshake's own. */
  headers?: HeadersInit | undefined;
  /** Value of the Origin header. */
  origin?: string | undefined;
  /** Time allowed for DNS, TCP, TLS and the handshake together (default 10 000). 0: none. */
  openTimeoutMs?: number | undefined;
  /** Time to wait for the server to end TCP after the close handshake (default 10 000). */
  closeTimeoutMs?: number | undefined;
  /** Largest message accepted (default 64 MiB); larger ones close the connection with 1009. */
  maxMessageBytes?: number | undefined;
  /** Most frames one received message may have (default 131 072). */
  maxFragments?: number | undefined;
  /** Largest handshake response head (default 16 KiB). */
  maxHandshakeBytes?: number | undefined;
  /** Ping after this long without receiving anything (default 20 000); 0 turns keepalive off. */
  pingIntervalMs?: number | undefined;
  /** After a keepalive Ping, how long to wait for any sign of life (default 20 000). */
  pongTimeoutMs?: number | undefined;
  /** Keepalive pings that may go unanswered in a row before the peer is dead (default 1). */
  maxMissedPongs?: number | undefined;
  /** Received messages held undelivered (not yet iterated) before reading pauses (default 16). */
  receiveHighWaterMark?: number | undefined;
  /**
   * Bytes of received messages held undelivered before reading pauses (default 4 MiB): not yet
   * taken by an async iterator, or waiting for their event. Text counts one per character.
   */
  receiveHighWaterBytes?: number | undefined;
  /**
   * Reading pauses while the socket holds more unsent bytes than this (default 16 MiB), so a
   * peer that never reads cannot make us queue answers to its Pings without end; 0: never.
   */
  writeHighWaterBytes?: number | undefined;
  /** TLS settings for wss:// URLs. */
  tls?: TlsOptions | undefined;
  /** Try the host's IPv6 addresses before its IPv4 ones when it has both (default false). */
  preferIpv6?: boolean | undefined;
  /**
   * A proxy URL (http://, https://, socks5://, socks5h://, with user:password if needed), false
   * for a direct connection, or 'env' (default) for HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY.
   */
  proxy?: ProxyOption | undefined;
  /** TLS settings for an https:// proxy (the connection to the proxy itself). */
  proxyTls?: TlsOptions | undefined;
  /**
   * Redirects (301, 302, 303, 307, 308) to follow in a row, or false for none. Default: 10 for
   * connect(), false for WebSocket and ReconnectingWebSocket.
   */
  followRedirects?: number | false | undefined;
  /**
   * Opens TCP to another address than the URL's, as curl's --connect-to: called with the
   * URL's host name and port, it returns where to connect, or undefined to keep them. The
   * Host header, the TLS server name and the certificate check keep the URL's host.
   */
  connectTo?: ConnectTo | undefined;
  /**
   * Deliver data messages that arrive after close() until the server's Close, instead of
   * dropping them (default false). The receive limits still apply; the close timeout bounds it.
   */
  receiveAfterClose?: boolean | undefined;
  /**
   * Offer permessage-deflate compression (RFC 7692): true (default), false, or settings
   * (window bits, context takeover, threshold in bytes, level, memLevel; see docs/api.md).
   * The firmware dialects offer none unless this is set.
   */
  perMessageDeflate?: boolean | PerMessageDeflateOptions | undefined;
  /** Aborts a pending connect; closes an open connection. */
  signal?: AbortSignal | undefined;
  /** Debug log sink; nothing is formatted when absent. */
  logger?: Logger | undefined;
  /** Time source (tests inject a fake one). */
  clock?: Clock | undefined;
  /** Randomness, SHA-1 and UTF-8 ports (tests inject fixed ones). */
  ports?: CorePorts | undefined;
}

/**
 * Engine settings that the firmware dialects use and the public faces do not offer: per-frame
 * delivery (LuatOS) and empty keepalive pings.
 */
export interface EngineOptions extends ConnectOptions {
  /** Deliver data frames one by one (ConnectionHandler.onFrame) instead of messages. */
  deliverFrames?: boolean | undefined;
  /** Keepalive pings carry no payload (the firmware's heartbeat) instead of a counter. */
  emptyKeepalivePings?: boolean | undefined;
}

/** Where to open TCP for a URL host and port; undefined keeps them (see ConnectOptions). */
export type ConnectTo = (
  hostname: string,
  port: number,
) => { host: string; port: number } | undefined;

export interface ResolvedOptions {
  target: WebSocketTarget;
  protocols: string[];
  headers: [string, string][];
  origin: string | undefined;
  openTimeoutMs: number;
  closeTimeoutMs: number;
  maxMessageBytes: number;
  maxFragments: number;
  maxHandshakeBytes: number;
  receiveHighWaterMark: number;
  receiveHighWaterBytes: number;
  writeHighWaterBytes: number;
  pingIntervalMs: number;
  pongTimeoutMs: number;
  /** Keepalive pings that may go unanswered in a row before the peer is dead. */
  maxMissedPongs: number;
  /** Deliver data frames one by one (onFrame) instead of messages; set by dialects. */
  deliverFrames: boolean;
  receiveAfterClose: boolean;
  /** permessage-deflate to offer; undefined: none. */
  perMessageDeflate: ResolvedDeflateOptions | undefined;
  /** Keepalive pings with an empty payload; set by dialects. */
  emptyKeepalivePings: boolean;
  tls: TlsOptions | undefined;
  preferIpv6: boolean;
  proxy: ProxyOption;
  proxyTls: TlsOptions | undefined;
  /** Redirects to follow in a row; 0 for none. */
  followRedirects: number;
  connectTo: ConnectTo | undefined;
  signal: AbortSignal | undefined;
  logger: Logger | undefined;
  clock: Clock;
  ports: CorePorts;
  /** Opens the transport under the connection (default: a socket, see node-socket.ts). */
  openTransport?: OpenTransport<OpenConnectionOptions> | undefined;
}

/**
 * The logger a connection uses: the `logger` option, and with NODE_DEBUG=wsx also stderr.
 * A logger switched off (`enabled` false) stays off, and NODE_DEBUG still gets every line.
 */
export function effectiveLogger(
  logger: Logger | undefined,
  nodeDebug = isNodeDebugOn,
): Logger | undefined {
  if (!nodeDebug) return logger;
  if (logger === undefined) return nodeDebugLine;
  return (line) => {
    if (logger.enabled !== false) logger(line);
    nodeDebugLine(line);
  };
}

function count(name: string, value: unknown, fallback: number, minimum = 0): number {
  if (value === undefined) return fallback;
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < minimum ||
    !Number.isInteger(value)
  ) {
    throw argumentError(
      `option ${name} must be a whole number >= ${minimum} (got ${typeof value === 'number' ? value : describeValue(value)})`,
    );
  }
  return value;
}

/**
 * Options kept by reference (not read into the resolved options): the same object resolves
 * the same way whatever it holds.
 */
const BY_REFERENCE: ReadonlySet<string> = new Set([
  'tls',
  'proxyTls',
  'proxy',
  'connectTo',
  'signal',
  'logger',
  'clock',
  'ports',
]);

/** Returned by copyData() for a value that is not plain data. */
const NOT_DATA = Symbol('not data');

/**
 * A copy of `value` when it is plain data: a primitive, or an array or plain object of at
 * most `depth` levels whose leaves are primitives (protocols, headers, perMessageDeflate).
 */
function copyData(value: unknown, depth: number): unknown {
  if (typeof value === 'function') return NOT_DATA;
  if (typeof value !== 'object' || value === null) return value;
  if (depth === 0) return NOT_DATA;
  if (Array.isArray(value)) {
    const copy: unknown[] = [];
    for (const item of value) {
      const kept = copyData(item, depth - 1);
      if (kept === NOT_DATA) return NOT_DATA;
      copy.push(kept);
    }
    return copy;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return NOT_DATA;
  const copy: Record<string, unknown> = {};
  for (const [name, item] of Object.entries(value)) {
    const kept = copyData(item, depth - 1);
    if (kept === NOT_DATA) return NOT_DATA;
    copy[name] = kept;
  }
  return copy;
}

/** True when `value` is plain data equal to `kept`, a copyData() copy. */
function equalData(kept: unknown, value: unknown): boolean {
  if (typeof kept !== 'object' || kept === null) return Object.is(kept, value);
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(kept)) {
    if (!Array.isArray(value) || value.length !== kept.length) return false;
    for (let i = 0; i < kept.length; i++) if (!equalData(kept[i], value[i])) return false;
    return true;
  }
  if (Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  const names = Object.keys(kept);
  const record = value as Record<string, unknown>;
  if (Object.keys(record).length !== names.length) return false;
  for (const name of names) {
    if (!Object.hasOwn(record, name)) return false;
    if (!equalData((kept as Record<string, unknown>)[name], record[name])) return false;
  }
  return true;
}

function sameValue(key: string, kept: unknown, value: unknown): boolean {
  return BY_REFERENCE.has(key) ? kept === value : equalData(kept, value);
}

interface KeptResolution {
  url: string;
  keys: string[];
  values: unknown[];
  resolved: ResolvedOptions;
}

/** Resolutions kept; faces also resolve options to validate them, so keep a few. */
const MAX_KEPT = 4;

/**
 * The last options resolved, each with a copy of what it was resolved from, newest last.
 * Connections made alike (the same URL and option values) share one frozen ResolvedOptions:
 * a process that opens thousands of connections the same way keeps one copy, not one each.
 */
const kept: KeptResolution[] = [];

/** Resolved options kept for the same `url` and equal `options`, if any. */
function reusable(url: string, options: EngineOptions): ResolvedOptions | undefined {
  let keys: string[] | undefined;
  for (let k = kept.length - 1; k >= 0; k--) {
    const entry = kept[k]!;
    if (entry.url !== url) continue;
    keys ??= Object.keys(options);
    if (keys.length === entry.keys.length && sameOptions(entry, keys, options)) {
      return entry.resolved;
    }
  }
  return undefined;
}

function sameOptions(entry: KeptResolution, keys: string[], options: EngineOptions): boolean {
  const record = options as Record<string, unknown>;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    if (key !== entry.keys[i] || !sameValue(key, entry.values[i], record[key])) return false;
  }
  return true;
}

/** Keeps `resolved` for later calls with the same input, when the input can be compared. */
function keep(url: string, options: EngineOptions, resolved: ResolvedOptions): void {
  const keys = Object.keys(options);
  const values: unknown[] = [];
  const record = options as Record<string, unknown>;
  for (const key of keys) {
    const value = record[key];
    const copy = BY_REFERENCE.has(key) ? value : copyData(value, 2);
    if (copy === NOT_DATA) return;
    values.push(copy);
  }
  if (kept.length === MAX_KEPT) kept.shift();
  kept.push({ url, keys, values, resolved });
}

/**
 * Checks every option and fills in defaults. Throws InvalidArgumentError. The result is
 * frozen, and shared by calls with the same URL and option values.
 */
export function resolveOptions(url: string | URL, options: EngineOptions = {}): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw argumentError(`options must be an object, not ${describeValue(options)}`);
  }
  const key = typeof url === 'string' ? url : url instanceof URL ? url.href : undefined;
  if (key !== undefined) {
    const shared = reusable(key, options);
    if (shared !== undefined) return shared;
  }
  const resolved = Object.freeze(resolveFresh(url, key, options));
  if (key !== undefined) keep(key, options, resolved);
  return resolved;
}

/** The last URL parsed: connections to the same URL share one frozen target. */
let lastTarget: { url: string; target: WebSocketTarget } | undefined;

function targetFor(url: string | URL, key: string | undefined): WebSocketTarget {
  if (key !== undefined && lastTarget?.url === key) return lastTarget.target;
  const target = Object.freeze(parseWebSocketUrl(url));
  if (key !== undefined) lastTarget = { url: key, target };
  return target;
}

function resolveFresh(
  url: string | URL,
  key: string | undefined,
  options: EngineOptions,
): ResolvedOptions {
  const target = targetFor(url, key);
  if (
    options.origin !== undefined &&
    (typeof options.origin !== 'string' || /[\r\n\0]/.test(options.origin))
  ) {
    throw argumentError('option origin must be a string without CR, LF or NUL');
  }
  const reserved: string[] = [];
  if (options.origin !== undefined) reserved.push('origin');
  if (target.username !== '' || target.password !== '') reserved.push('authorization');
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw argumentError('option signal must be an AbortSignal');
  }
  if (options.logger !== undefined && typeof options.logger !== 'function') {
    throw argumentError('option logger must be a function taking one string');
  }
  if (options.connectTo !== undefined && typeof options.connectTo !== 'function') {
    throw argumentError('option connectTo must be a function (hostname, port) => { host, port }');
  }
  for (const name of ['tls', 'proxyTls'] as const) {
    const value = options[name];
    if (value !== undefined && (typeof value !== 'object' || value === null)) {
      throw argumentError(`option ${name} must be an object`);
    }
  }
  const { clock, ports } = options as { clock?: Partial<Clock>; ports?: Partial<CorePorts> };
  if (
    clock !== undefined &&
    (typeof clock?.now !== 'function' ||
      typeof clock.setTimeout !== 'function' ||
      typeof clock.clearTimeout !== 'function')
  ) {
    throw argumentError('option clock must have now(), setTimeout() and clearTimeout() methods');
  }
  if (
    ports !== undefined &&
    (typeof ports?.entropy !== 'function' || typeof ports.sha1 !== 'function')
  ) {
    throw argumentError('option ports must have entropy() and sha1() functions');
  }
  return {
    target,
    protocols: Object.freeze(validateProtocols(options.protocols)) as string[],
    headers: Object.freeze(validateHeaders(options.headers, reserved)) as [string, string][],
    origin: options.origin,
    openTimeoutMs: count('openTimeoutMs', options.openTimeoutMs, Defaults.openTimeoutMs),
    closeTimeoutMs: count('closeTimeoutMs', options.closeTimeoutMs, Defaults.closeTimeoutMs),
    maxMessageBytes: count('maxMessageBytes', options.maxMessageBytes, Defaults.maxMessageBytes),
    maxFragments: count('maxFragments', options.maxFragments, Defaults.maxFragments, 1),
    maxHandshakeBytes: count(
      'maxHandshakeBytes',
      options.maxHandshakeBytes,
      Defaults.maxHandshakeBytes,
      64,
    ),
    receiveHighWaterMark: count(
      'receiveHighWaterMark',
      options.receiveHighWaterMark,
      Defaults.receiveHighWaterMark,
      1,
    ),
    receiveHighWaterBytes: count(
      'receiveHighWaterBytes',
      options.receiveHighWaterBytes,
      Defaults.receiveHighWaterBytes,
      1,
    ),
    writeHighWaterBytes: count(
      'writeHighWaterBytes',
      options.writeHighWaterBytes,
      Defaults.writeHighWaterBytes,
    ),
    pingIntervalMs: count('pingIntervalMs', options.pingIntervalMs, Defaults.pingIntervalMs),
    pongTimeoutMs: count('pongTimeoutMs', options.pongTimeoutMs, Defaults.pongTimeoutMs, 1),
    maxMissedPongs: count(
      'maxMissedPongs',
      options.maxMissedPongs,
      ConnectDefaults.maxMissedPongs,
      1,
    ),
    deliverFrames: options.deliverFrames === true,
    receiveAfterClose: options.receiveAfterClose === true,
    perMessageDeflate: resolveDeflateOptions(options.perMessageDeflate, true),
    emptyKeepalivePings: options.emptyKeepalivePings === true,
    tls: options.tls,
    preferIpv6: options.preferIpv6 === true,
    proxy: validateProxyOption(options.proxy),
    proxyTls: options.proxyTls,
    followRedirects:
      options.followRedirects === false
        ? 0
        : count('followRedirects', options.followRedirects, ConnectDefaults.followRedirects),
    connectTo: options.connectTo,
    signal: options.signal,
    logger: effectiveLogger(options.logger),
    clock: options.clock ?? systemClock,
    ports: options.ports ?? nodePorts,
  };
}
