// Opens the socket under a WebSocket: TCP, or TLS over TCP (RFC 6455 §4.1 items 1-3), with
// DNS and the IPv6 preference, the connectTo override and the TLS options for the target.
// Node's socket errors become wsx errors in socket-errors.ts (re-exported here).

import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction, connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, checkServerIdentity, connect as tlsConnect } from 'node:tls';
import { ErrorCode, TransportError, type TransportPhase } from '../core/errors.js';
import type { WebSocketTarget } from '../core/url.js';
import { abortError, mapSocketError, unusableTlsOptions } from './socket-errors.js';
import { targetedReads } from './socket-reads.js';
import type { TlsOptions } from './tls-options.js';

export { abortError, mapSocketError, unusableTlsOptions } from './socket-errors.js';
export type { TlsOptions } from './tls-options.js';

export interface OpenSocketOptions {
  target: WebSocketTarget;
  tls?: TlsOptions | undefined;
  signal?: AbortSignal | undefined;
  /** Try a host name's IPv6 addresses before its IPv4 ones (default: the resolver's order). */
  preferIpv6?: boolean | undefined;
  /** Where to open TCP instead of the URL's host and port (curl's --connect-to). */
  connectTo?:
    | ((hostname: string, port: number) => { host: string; port: number } | undefined)
    | undefined;
}

/** The part of dns.lookup that ipv6FirstLookup uses (tests pass a fake resolver). */
export type AddressResolver = (
  hostname: string,
  options: LookupOptions & { all: true },
  callback: (error: NodeJS.ErrnoException | null, addresses: LookupAddress[]) => void,
) => void;

/**
 * A `lookup` for net.connect that lists a host's IPv6 addresses first, keeping the resolver's
 * order within each family; with `all` false it answers the first of them.
 */
export function ipv6FirstLookup(resolve: AddressResolver = dnsLookup): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, addresses) => {
      if (error !== null) {
        callback(error, '', 0);
        return;
      }
      const ordered = [
        ...addresses.filter((entry) => entry.family === 6),
        ...addresses.filter((entry) => entry.family !== 6),
      ];
      if (options.all === true) {
        callback(null, ordered);
        return;
      }
      const first = ordered[0];
      if (first === undefined) {
        const missing: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${hostname}`);
        missing.code = 'ENOTFOUND';
        missing.syscall = 'getaddrinfo';
        callback(missing, '', 0);
        return;
      }
      callback(null, first.address, first.family);
    });
  };
}

/** Opens a TCP or TLS socket; resolves once it is ready for the HTTP upgrade. */
export function openSocket(options: OpenSocketOptions): Promise<Socket> {
  const { target, signal } = options;
  return new Promise<Socket>((resolve, reject) => {
    if (signal?.aborted) {
      reject(abortError(signal));
      return;
    }
    let address: { host: string; port: number };
    try {
      address = options.connectTo?.(target.hostname, target.port) ?? {
        host: target.hostname,
        port: target.port,
      };
      if (typeof address?.host !== 'string' || !Number.isInteger(address.port)) {
        throw new Error('it must return { host, port } or undefined');
      }
    } catch (error) {
      reject(
        new TransportError(
          ErrorCode.ConnectFailed,
          `option connectTo failed for ${target.hostname}:${target.port}: ${(error as Error).message}`,
          'dns',
          error,
        ),
      );
      return;
    }
    let phase: TransportPhase = isIP(address.host) === 0 ? 'dns' : 'tcp';
    let socket: Socket;
    const lookup = options.preferIpv6 === true ? { lookup: ipv6FirstLookup() } : {};
    if (target.secure) {
      try {
        socket = tlsConnect({ ...targetTlsOptions(target, options.tls, address), ...lookup });
      } catch (error) {
        // node:tls throws at once when it cannot load a key, certificate, CA or PFX (for
        // example a wrong passphrase); report it like any other TLS failure.
        reject(unusableTlsOptions(error));
        return;
      }
    } else {
      // Plain TCP: large messages are read straight into their buffers (socket-reads.ts).
      const reads = targetedReads();
      socket = netConnect({
        host: address.host,
        port: address.port,
        onread: reads.onread,
        ...lookup,
      });
      reads.bind(socket);
    }
    socket.setNoDelay(true);
    const cleanup = (): void => {
      socket.removeListener('error', onError);
      socket.removeListener('lookup', onLookup);
      socket.removeListener('connect', onConnect);
      socket.removeListener('secureConnect', onReady);
      signal?.removeEventListener('abort', onAbort);
    };
    const onLookup = (error: Error | null): void => {
      if (error === null) phase = 'tcp';
    };
    const onConnect = (): void => {
      if (target.secure) phase = 'tls';
      else onReady();
    };
    const onReady = (): void => {
      cleanup();
      resolve(socket);
    };
    const onError = (error: Error): void => {
      cleanup();
      socket.destroy();
      reject(mapSocketError(error, phase, target, options.tls?.servername));
    };
    const onAbort = (): void => {
      cleanup();
      socket.destroy();
      reject(abortError(signal!));
    };
    socket.on('lookup', onLookup);
    socket.once('connect', onConnect);
    if (target.secure) socket.once('secureConnect', onReady);
    socket.once('error', onError);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** node:tls options for a wss:// target: its host name for SNI and checks, unless overridden. */
export function targetTlsOptions(
  target: WebSocketTarget,
  tls: TlsOptions | undefined = {},
  address: { host: string; port: number } = { host: target.hostname, port: target.port },
): ConnectionOptions {
  const tlsOptions: ConnectionOptions = {
    host: address.host,
    port: address.port,
    ALPNProtocols: ['http/1.1'],
    ...(tls as ConnectionOptions),
  };
  const servername = tls.servername ?? target.hostname;
  if (isIP(servername) === 0) tlsOptions.servername = servername;
  else delete tlsOptions.servername;
  if (address.host !== target.hostname) {
    // node:tls checks the certificate against the address it connects to when there is no
    // server name (an IP literal URL, connectTo): check it against the URL's host instead.
    const check = tls.checkServerIdentity ?? checkServerIdentity;
    tlsOptions.checkServerIdentity = (_name, cert) => check(target.hostname, cert);
  }
  return tlsOptions;
}
