// WebSocket URL parsing (RFC 6455 §3, WHATWG WebSockets "establish a WebSocket connection"):
// ws/wss (and http/https, mapped as the WHATWG standard does), default ports, IPv6 literals,
// userinfo for Basic auth, no fragments.

import { describeValue, ErrorCode, InvalidArgumentError } from './errors.js';

export interface WebSocketTarget {
  /** The normalized URL, with a ws: or wss: scheme. */
  url: URL;
  secure: boolean;
  /** Host name to connect to; IPv6 literals without brackets. */
  hostname: string;
  port: number;
  /** Value of the Host header: host, with the port when it is not the default. */
  host: string;
  /** Request target: path and query. */
  resource: string;
  /** Credentials from the URL's userinfo, decoded. */
  username: string;
  password: string;
}

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(ErrorCode.InvalidUrl, message);
}

/** Parses and checks a WebSocket URL; throws InvalidArgumentError (ERR_INVALID_URL). */
export function parseWebSocketUrl(input: string | URL): WebSocketTarget {
  if (typeof input !== 'string' && !(input instanceof URL)) {
    throw invalid(`the URL must be a string or a URL object, not ${describeValue(input)}`);
  }
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw invalid(
      `${JSON.stringify(redactUrl(String(input)))} is not a valid URL; expected ws://host[:port]/path or wss://…`,
    );
  }
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw invalid(
      `the URL scheme must be ws: or wss: (got ${JSON.stringify(url.protocol)} in ${JSON.stringify(redactUrl(url))})`,
    );
  }
  if (url.hash !== '' || url.href.endsWith('#')) {
    throw invalid(`a WebSocket URL must not have a fragment (${JSON.stringify(redactUrl(url))})`);
  }
  if (url.hostname === '') throw invalid(`the URL ${JSON.stringify(redactUrl(url))} has no host`);
  const secure = url.protocol === 'wss:';
  const port = url.port === '' ? (secure ? 443 : 80) : Number(url.port);
  const hostname =
    url.hostname.startsWith('[') && url.hostname.endsWith(']')
      ? url.hostname.slice(1, -1)
      : url.hostname;
  return {
    url,
    secure,
    hostname,
    port,
    host: url.host,
    resource: `${url.pathname || '/'}${url.search}`,
    username: safeDecode(url.username),
    password: safeDecode(url.password),
  };
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/**
 * The URL with its password replaced by `***`, for messages, logs and diagnostics channels.
 * Text that does not parse as a URL is redacted by pattern (`//user:secret@` → `//user:***@`).
 */
export function redactUrl(url: string | URL): string {
  if (typeof url === 'string') return url.replace(/(\/\/[^/?#@\s]*:)[^/?#\s]*@/g, '$1***@');
  if (url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.password = '***';
  return copy.href;
}
