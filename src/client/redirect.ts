// The redirect policy (followRedirects): given a 3xx answer to an upgrade request, where the
// next request goes and with which headers, or why it does not. nextHop() is pure (no sockets,
// no clocks); followRedirect() applies it to a connection's options, logs and publishes the hop.
// Follows 301, 302, 303, 307 and 308 to ws:, wss:, http: or https: locations, resolves relative
// ones against the request URL, never goes from wss: to ws:, drops credentials when the origin
// changes, and stops at a loop or after the allowed number of hops.

import {
  ErrorCode,
  isWebSocketError,
  type RedirectCode,
  RedirectError,
  UnexpectedStatusError,
  type WebSocketError,
} from '../core/errors.js';
import { parseWebSocketUrl, redactUrl, type WebSocketTarget } from '../core/url.js';
import { redirectChannel } from '../transport/diagnostics.js';
import type { ResolvedOptions } from './options.js';

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Request headers that carry credentials and stay with their origin. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie']);

/** True for the statuses that are followed: 301, 302, 303, 307 and 308. */
export function isRedirectStatus(status: number): boolean {
  return REDIRECT_STATUSES.has(status);
}

export interface RedirectRequest {
  /** The request that was answered with a redirect. */
  target: WebSocketTarget;
  /** Its extra headers (the `headers` option). */
  headers: readonly (readonly [string, string])[];
  /** The redirect response. */
  response: UnexpectedStatusError;
  /** Every URL requested so far, first to last (the last is `target`). */
  chain: readonly string[];
  /** Most redirects to follow in a row. */
  maxRedirects: number;
}

export interface RedirectHop {
  target: WebSocketTarget;
  headers: [string, string][];
  /** What was left behind because the origin changed: 'userinfo', 'authorization', 'cookie'. */
  dropped: string[];
  /** The chain with the new URL appended (passwords hidden). */
  chain: string[];
}

/**
 * The next request after a redirect. Throws RedirectError: ERR_REDIRECT_LOCATION (no usable
 * Location), ERR_REDIRECT_DOWNGRADE (wss: to ws:), ERR_REDIRECT_LOOP, ERR_REDIRECT_LIMIT.
 */
export function nextHop(request: RedirectRequest): RedirectHop {
  const { target, response, chain } = request;
  const { status } = response;
  const location = response.headers.location ?? '';
  const refuse = (code: RedirectCode, message: string): RedirectError =>
    new RedirectError(code, message, { status, location, chain }, response);
  if (location === '') {
    throw refuse(
      ErrorCode.RedirectLocation,
      `the server answered HTTP ${status} without a Location header`,
    );
  }
  let url: URL;
  try {
    url = new URL(location, target.url);
  } catch {
    throw refuse(
      ErrorCode.RedirectLocation,
      `the server redirected to ${JSON.stringify(location)}, which is not a URL`,
    );
  }
  url.hash = '';
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  let next: WebSocketTarget;
  try {
    next = parseWebSocketUrl(url.href.replace(/#$/, ''));
  } catch (error) {
    const detail = isWebSocketError(error) ? error.message : String(error);
    throw refuse(ErrorCode.RedirectLocation, `the server redirected to an unusable URL: ${detail}`);
  }
  if (target.secure && !next.secure) {
    throw refuse(
      ErrorCode.RedirectDowngrade,
      `the server redirected from ${redactUrl(target.url)} to ${redactUrl(next.url)}; wsx does not leave TLS for an unencrypted connection`,
    );
  }
  const sameOrigin =
    next.secure === target.secure && next.hostname === target.hostname && next.port === target.port;
  const dropped: string[] = [];
  if (sameOrigin) {
    // An absolute Location to the same origin keeps the credentials of the URL given.
    if (
      next.url.username === '' &&
      next.url.password === '' &&
      (target.username !== '' || target.password !== '')
    ) {
      const copy = new URL(next.url.href);
      copy.username = target.url.username;
      copy.password = target.url.password;
      next = parseWebSocketUrl(copy);
    }
  } else if (
    next.url.username !== '' ||
    next.url.password !== '' ||
    target.username !== '' ||
    target.password !== ''
  ) {
    const copy = new URL(next.url.href);
    copy.username = '';
    copy.password = '';
    next = parseWebSocketUrl(copy);
    if (target.username !== '' || target.password !== '') dropped.push('userinfo');
  }
  const headers: [string, string][] = [];
  for (const [name, value] of request.headers) {
    const lower = name.toLowerCase();
    if (!sameOrigin && CREDENTIAL_HEADERS.has(lower)) {
      if (!dropped.includes(lower)) dropped.push(lower);
    } else headers.push([name, value]);
  }
  const href = redactUrl(next.url);
  if (chain.includes(href)) {
    throw refuse(ErrorCode.RedirectLoop, `redirect loop: ${[...chain, href].join(' -> ')}`);
  }
  if (chain.length - 1 >= request.maxRedirects) {
    throw refuse(
      ErrorCode.RedirectLimit,
      `more than ${request.maxRedirects} redirects (followRedirects); the last one went to ${href}`,
    );
  }
  return { target: next, headers, dropped, chain: [...chain, href] };
}

/**
 * The options of the next request when `error` is a redirect to follow (followRedirects > 0),
 * or undefined when it is not. Logs the hop and publishes it on wsx:redirect. Throws the
 * RedirectError of a redirect that must not be followed.
 */
export function followRedirect(
  options: ResolvedOptions,
  chain: readonly string[],
  error: WebSocketError,
  log: ((line: string) => void) | undefined,
): { options: ResolvedOptions; chain: string[] } | undefined {
  if (
    !(error instanceof UnexpectedStatusError) ||
    !isRedirectStatus(error.status) ||
    options.followRedirects === 0
  ) {
    return undefined;
  }
  const hop = nextHop({
    target: options.target,
    headers: options.headers,
    response: error,
    chain,
    maxRedirects: options.followRedirects,
  });
  const from = chain[chain.length - 1]!;
  const to = hop.chain[hop.chain.length - 1]!;
  const count = hop.chain.length - 1;
  if (log !== undefined) {
    const dropped = hop.dropped.length > 0 ? `; not sent there: ${hop.dropped.join(', ')}` : '';
    log(
      `= redirect ${error.status} to ${to} (${count} of at most ${options.followRedirects}${dropped})`,
    );
  }
  if (redirectChannel.hasSubscribers) {
    redirectChannel.publish({ from, to, status: error.status, count, dropped: hop.dropped });
  }
  return { options: { ...options, target: hop.target, headers: hop.headers }, chain: hop.chain };
}
