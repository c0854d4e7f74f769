// Proxy URLs: http://, https://, socks5:// and socks5h://, with optional user:password.
// Passwords never leave this file in a message: `display` is the URL without it.

import { isIP } from 'node:net';
import { ErrorCode, InvalidArgumentError } from '../core/errors.js';
import type { ProxyTarget } from './no-proxy.js';

export type ProxyProtocol = 'http' | 'https' | 'socks5' | 'socks5h';

/** A proxy to connect through, from the option or the environment. */
export interface ProxyEndpoint {
  protocol: ProxyProtocol;
  /** Host name or IP literal (IPv6 without brackets). */
  hostname: string;
  port: number;
  /** Credentials from the URL's userinfo, decoded ('' when none). */
  username: string;
  password: string;
  /** The proxy URL without its password, for logs and errors. */
  display: string;
}

const DEFAULT_PORTS: Record<ProxyProtocol, number> = {
  http: 80,
  https: 443,
  socks5: 1080,
  socks5h: 1080,
};

/**
 * Parses a proxy URL: http://, https://, socks5:// or socks5h://, with optional user:password.
 * A URL without a scheme (`proxy.local:3128`, as often found in HTTP_PROXY) means http://.
 * Throws InvalidArgumentError naming `source` (the option or the environment variable).
 */
export function parseProxyUrl(value: string | URL, source = 'option proxy'): ProxyEndpoint {
  const text = String(value).trim();
  let url: URL;
  try {
    url = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`);
  } catch {
    throw new InvalidArgumentError(
      ErrorCode.InvalidArgument,
      `${source} is not a valid proxy URL (${JSON.stringify(redactText(text))}); expected http://host:port, https://…, socks5://… or socks5h://…`,
    );
  }
  const protocol = url.protocol.slice(0, -1).toLowerCase();
  if (!(protocol in DEFAULT_PORTS)) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidArgument,
      `${source} has the scheme ${JSON.stringify(`${protocol}:`)}; wsx supports http:, https:, socks5: and socks5h: proxies`,
    );
  }
  if (url.hostname === '') {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, `${source} has no host`);
  }
  const endpoint: ProxyEndpoint = {
    protocol: protocol as ProxyProtocol,
    hostname: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? DEFAULT_PORTS[protocol as ProxyProtocol] : Number(url.port),
    username: safeDecode(url.username),
    password: safeDecode(url.password),
    display: redactedHref(url),
  };
  if (endpoint.protocol.startsWith('socks') && endpoint.username !== '') {
    const encoder = new TextEncoder();
    const longest = Math.max(
      encoder.encode(endpoint.username).length,
      encoder.encode(endpoint.password).length,
    );
    if (longest > 255) {
      throw new InvalidArgumentError(
        ErrorCode.InvalidArgument,
        `${source}: a SOCKS5 user name and password are at most 255 bytes each`,
      );
    }
  }
  return endpoint;
}

/** `host:port` for messages and the CONNECT request (IPv6 in brackets). */
export function hostPort(target: ProxyTarget): string {
  const host = isIP(target.hostname) === 6 ? `[${target.hostname}]` : target.hostname;
  return `${host}:${target.port}`;
}

/** The URL without its password (`http://user@host:3128`). */
export function redactedHref(url: URL): string {
  if (url.password === '') return url.href.replace(/\/$/, '');
  const copy = new URL(url.href);
  copy.password = '';
  return copy.href.replace(/\/$/, '');
}

/**
 * A proxy URL that did not parse, with everything between the user name's `:` and the last
 * `@` hidden (a password may hold `/`, `@` or spaces; the scheme may be missing).
 */
export function redactText(text: string): string {
  return text.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?[^:@/\s]*):.*@/is, '$1:***@');
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
