// Opens the byte stream for one connection attempt: directly (transport.ts), or through the
// proxy the `proxy` option or the environment names, with TLS to the target over the tunnel
// for wss:// (the target's name for SNI and certificate checks, as when connecting directly).

import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import type { Environment } from './no-proxy.js';
import { chooseProxy, openTunnel, type ProxyOption } from './proxy.js';
import { socketReady } from './socket-ready.js';
import type { TlsOptions } from './tls-options.js';
import {
  abortError,
  mapSocketError,
  type OpenSocketOptions,
  openSocket,
  targetTlsOptions,
  unusableTlsOptions,
} from './transport.js';

export interface OpenConnectionOptions extends OpenSocketOptions {
  /** A proxy URL, false for direct, or 'env' to follow HTTPS_PROXY, HTTP_PROXY, NO_PROXY… */
  proxy?: ProxyOption | undefined;
  /** TLS settings for an https:// proxy. */
  proxyTls?: TlsOptions | undefined;
  /** Receives one line naming the proxy used (password hidden). */
  log?: ((line: string) => void) | undefined;
  /** The environment for `proxy: 'env'` (default process.env). */
  env?: Environment | undefined;
}

/** Opens a socket to `target`, through a proxy when one applies; ready for the HTTP upgrade. */
export function openConnection(options: OpenConnectionOptions): Promise<Socket> {
  const { target } = options;
  // connectTo names the address to reach (a local or staging server): that connection is
  // direct, whatever proxy the option or the environment names. A connectTo that throws is
  // reported by openSocket.
  let isRedirected: boolean;
  try {
    isRedirected = options.connectTo?.(target.hostname, target.port) !== undefined;
  } catch {
    isRedirected = true;
  }
  if (isRedirected) return openSocket(options);
  let proxy: ReturnType<typeof chooseProxy>;
  try {
    proxy = chooseProxy(options.proxy ?? 'env', target, options.env);
  } catch (error) {
    return Promise.reject(error);
  }
  if (proxy === undefined) return openSocket(options);
  options.log?.(`= through proxy ${proxy.display}`);
  const tunnel = openTunnel({
    proxy,
    target,
    proxyTls: options.proxyTls,
    signal: options.signal,
    preferIpv6: options.preferIpv6,
  });
  return target.secure ? tunnel.then((socket) => secureOver(socket, options)) : tunnel;
}

/** TLS to the target over an open tunnel. */
function secureOver(tunnel: Socket, options: OpenConnectionOptions): Promise<Socket> {
  const { target, signal } = options;
  let socket: Socket;
  try {
    socket = tlsConnect({ ...targetTlsOptions(target, options.tls), socket: tunnel });
  } catch (error) {
    tunnel.destroy();
    return Promise.reject(unusableTlsOptions(error));
  }
  // The tunnel's own failures end the TLS socket on top of it.
  tunnel.on('error', (error) => socket.destroy(error));
  return socketReady(socket, {
    event: 'secureConnect',
    signal,
    failure: (error) => mapSocketError(error, 'tls', target),
    aborted: abortError,
    under: tunnel,
  });
}
