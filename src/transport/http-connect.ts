// An HTTP CONNECT tunnel (RFC 9110 §9.3.6): ask the proxy for a TCP connection to host:port,
// with Basic proxy authentication from the proxy URL, and read its answer. 2xx opens the
// tunnel; anything else is a ProxyError with the status and the first bytes of the body.

import type { Socket } from 'node:net';
import { base64Encode, utf8Encode } from '../core/bytes.js';
import { ErrorCode, HandshakeError, type WebSocketError } from '../core/errors.js';
import { HttpResponseParser } from '../core/http-response.js';
import { RefusalBodyReader } from '../core/refusal-body.js';
import type { ProxyTarget } from './no-proxy.js';
import { type ExchangeStep, proxyClosedEarly, proxyError, readExchange } from './proxy-exchange.js';
import { hostPort, type ProxyEndpoint } from './proxy-url.js';

/** Largest proxy response head read (the same as a handshake's default). */
const MAX_HEAD_BYTES = 16 * 1024;
/** How much of a refusal's body is kept for the error. */
const MAX_BODY_BYTES = 4 * 1024;

/** The CONNECT request for `target`, with Proxy-Authorization when the proxy URL has a user. */
export function connectRequest(proxy: ProxyEndpoint, target: ProxyTarget): string {
  const authority = hostPort(target);
  let request = `CONNECT ${authority} HTTP/1.1\r\nHost: ${authority}\r\n`;
  if (proxy.username !== '' || proxy.password !== '') {
    const credentials = base64Encode(utf8Encode(`${proxy.username}:${proxy.password}`));
    request += `Proxy-Authorization: Basic ${credentials}\r\n`;
  }
  return `${request}\r\n`;
}

/** Sends CONNECT on `socket` and resolves once the proxy opened the tunnel. */
export function httpConnect(
  socket: Socket,
  proxy: ProxyEndpoint,
  target: ProxyTarget,
  signal: AbortSignal | undefined,
): Promise<void> {
  const parser = new HttpResponseParser(MAX_HEAD_BYTES);
  let refusal: RefusalBodyReader | undefined;
  const refused = (): WebSocketError => refusalError(proxy, target, refusal!);
  const step = (chunk: Uint8Array): ExchangeStep => {
    if (refusal !== undefined) return refusal.push(chunk) ? refused() : undefined;
    const parsed = parser.push(chunk);
    if (parsed === undefined) return undefined;
    if (parsed instanceof HandshakeError) {
      return proxyError(
        ErrorCode.ProxyProtocol,
        `the proxy ${proxy.display} did not answer CONNECT with valid HTTP (${parsed.message}); is it an HTTP proxy?`,
        proxy,
        {},
        parsed,
      );
    }
    const { head, rest } = parsed;
    if (head.status >= 200 && head.status < 300) return { done: true, rest };
    refusal = new RefusalBodyReader(head, MAX_BODY_BYTES);
    return refusal.push(rest) ? refused() : undefined;
  };
  const atEnd = (): WebSocketError =>
    refusal !== undefined ? refused() : proxyClosedEarly(proxy, `CONNECT to ${hostPort(target)}`);
  const exchange = readExchange(socket, proxy, signal, step, atEnd);
  socket.write(connectRequest(proxy, target));
  return exchange;
}

function refusalError(
  proxy: ProxyEndpoint,
  target: ProxyTarget,
  reader: RefusalBodyReader,
): WebSocketError {
  const { status, statusText, body } = reader.finish();
  const answer = `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  // 407 is the proxy's own "who are you"; a 401 to CONNECT can only come from the proxy too
  // (tinyproxy answers a wrong password with it).
  if (status === 407 || status === 401) {
    const hint =
      proxy.username === ''
        ? 'it wants credentials: put them in the proxy URL (http://user:password@host:port)'
        : 'it refused the user name or password in the proxy URL';
    return proxyError(
      ErrorCode.ProxyAuth,
      `the proxy ${proxy.display} answered CONNECT with ${answer}: ${hint}`,
      proxy,
      { status, body },
    );
  }
  return proxyError(
    ErrorCode.ProxyRefused,
    `the proxy ${proxy.display} would not open a tunnel to ${hostPort(target)} (${answer}); error.bodyText has its reason`,
    proxy,
    { status, body },
  );
}
