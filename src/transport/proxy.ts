// Connections through a proxy: which proxy to use (the `proxy` option or the environment), the
// connection to the proxy itself (TCP, or TLS for https:// proxies), and then the tunnel to the
// target, by HTTP CONNECT (http-connect.ts) or SOCKS5 (socks5.ts). What comes back is a socket
// that carries the target's bytes, like a direct TCP connection.

import { isIP, connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import {
  ErrorCode,
  InvalidArgumentError,
  TransportError,
  type WebSocketError,
} from '../core/errors.js';
import { httpConnect } from './http-connect.js';
import { type Environment, type ProxyTarget, proxyFromEnvironment } from './no-proxy.js';
import { abortReason } from './proxy-exchange.js';
import { type ProxyEndpoint, parseProxyUrl } from './proxy-url.js';
import { socketReady } from './socket-ready.js';
import { socks5Connect } from './socks5.js';
import type { TlsOptions } from './tls-options.js';

/** The `proxy` option: a proxy URL, `false` for a direct connection, or 'env' (the default). */
export type ProxyOption = string | URL | false | 'env';

/** Checks the `proxy` option without choosing anything yet; throws InvalidArgumentError. */
export function validateProxyOption(value: unknown): ProxyOption {
  if (value === undefined || value === 'env') return 'env';
  if (value === false) return false;
  if (typeof value === 'string' || value instanceof URL) {
    parseProxyUrl(value);
    return value;
  }
  throw new InvalidArgumentError(
    ErrorCode.InvalidArgument,
    "option proxy must be a proxy URL (http://, https://, socks5://, socks5h://), false or 'env'",
  );
}

/**
 * The proxy to use for `target`, or undefined to connect directly. With 'env' it reads
 * HTTPS_PROXY / HTTP_PROXY / ALL_PROXY / NO_PROXY from `env` (see no-proxy.ts).
 */
export function chooseProxy(
  option: ProxyOption,
  target: ProxyTarget,
  env: Environment = process.env,
): ProxyEndpoint | undefined {
  if (option === false) return undefined;
  if (option !== 'env') return parseProxyUrl(option);
  const chosen = proxyFromEnvironment(target, env);
  if (chosen === undefined) return undefined;
  return parseProxyUrl(chosen.url, `the environment variable ${chosen.variable}`);
}

export interface TunnelOptions {
  proxy: ProxyEndpoint;
  target: ProxyTarget;
  /** TLS settings for an https:// proxy (the connection to the proxy, not to the target). */
  proxyTls?: TlsOptions | undefined;
  signal?: AbortSignal | undefined;
  preferIpv6?: boolean | undefined;
}

/**
 * Connects to the proxy and asks it for a tunnel to the target. Resolves with a paused socket
 * whose bytes are the target's (any bytes that came with the proxy's answer are put back).
 */
export function openTunnel(options: TunnelOptions): Promise<Socket> {
  const { proxy, target, signal } = options;
  return connectToProxy(options).then((socket) => {
    const exchange =
      proxy.protocol === 'socks5' || proxy.protocol === 'socks5h'
        ? socks5Connect(socket, proxy, target, { signal, preferIpv6: options.preferIpv6 })
        : httpConnect(socket, proxy, target, signal);
    return exchange.then(
      () => socket,
      (error: unknown) => {
        socket.destroy();
        throw error;
      },
    );
  });
}

/** Opens TCP (or TLS for https://) to the proxy itself; failures have the phase 'proxy'. */
function connectToProxy(options: TunnelOptions): Promise<Socket> {
  const { proxy } = options;
  const isTls = proxy.protocol === 'https';
  let socket: Socket;
  try {
    if (isTls) {
      const tls = options.proxyTls ?? {};
      const tlsOptions: ConnectionOptions = {
        host: proxy.hostname,
        port: proxy.port,
        ...(tls as ConnectionOptions),
      };
      const servername = tls.servername ?? proxy.hostname;
      if (isIP(servername) === 0) tlsOptions.servername = servername;
      else delete tlsOptions.servername;
      socket = tlsConnect(tlsOptions);
    } else {
      socket = netConnect({ host: proxy.hostname, port: proxy.port });
    }
  } catch (error) {
    return Promise.reject(proxyConnectError(error as Error, proxy, 'tls'));
  }
  socket.setNoDelay(true);
  let step: 'tcp' | 'tls' = 'tcp';
  if (isTls) socket.once('connect', () => (step = 'tls'));
  return socketReady(socket, {
    event: isTls ? 'secureConnect' : 'connect',
    signal: options.signal,
    failure: (error) => proxyConnectError(error, proxy, step),
    aborted: abortReason,
  });
}

/** An error reaching the proxy: DNS, TCP or TLS, with the phase 'proxy'. */
function proxyConnectError(
  error: Error,
  proxy: ProxyEndpoint,
  step: 'tcp' | 'tls',
): WebSocketError {
  const errno = (error as { code?: string }).code ?? '';
  const where = `the proxy ${proxy.display}`;
  if (errno === 'ENOTFOUND' || errno === 'EAI_AGAIN') {
    return new TransportError(
      ErrorCode.DnsFailed,
      `could not resolve ${where} (${errno}); check the proxy host name`,
      'proxy',
      error,
    );
  }
  if (step === 'tls' || errno.startsWith('ERR_SSL_') || errno.startsWith('ERR_TLS_')) {
    return new TransportError(
      ErrorCode.TlsFailed,
      `TLS with ${where} failed (${errno || 'TLS error'}: ${error.message}); check proxyTls`,
      'proxy',
      error,
    );
  }
  return new TransportError(
    ErrorCode.ConnectFailed,
    `could not connect to ${where} (${errno || error.message}); is the proxy running and reachable?`,
    'proxy',
    error,
  );
}
