// Opens the byte stream under a WebSocket: TCP, or TLS over TCP (RFC 6455 §4.1 items 1-3),
// and maps Node's socket errors to wsx errors with the phase they happened in. The only
// layer that imports node:net and node:tls.

import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP, type LookupFunction, connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions, checkServerIdentity, connect as tlsConnect } from 'node:tls';
import {
  AbortError,
  ErrorCode,
  TransportError,
  type TransportPhase,
  type WebSocketError,
} from '../core/errors.js';
import type { WebSocketTarget } from '../core/url.js';
import { opensslReason, tlsFailure } from './tls-errors.js';
import type { TlsOptions } from './tls-options.js';

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
      socket = netConnect({ host: address.host, port: address.port, ...lookup });
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

/** node:tls refused the key, certificate, CA or PFX (for example a wrong passphrase). */
export function unusableTlsOptions(error: unknown): TransportError {
  const cause = error as ErrnoLike;
  return new TransportError(
    ErrorCode.TlsFailed,
    `the TLS options could not be used (${cause.code ?? 'TLS error'}: ${opensslReason(cause.message)}); check tls.key, tls.cert, tls.pfx, tls.ca and tls.passphrase`,
    'tls',
    error,
  );
}

export function abortError(signal: AbortSignal): AbortError {
  const reason: unknown = signal.reason;
  return new AbortError(
    ErrorCode.Aborted,
    `the operation was aborted${reason instanceof Error ? `: ${reason.message}` : ''}`,
    { cause: reason },
  );
}

interface ErrnoLike extends Error {
  code?: string;
  syscall?: string;
}

/** Turns a Node socket error into a TransportError naming the phase and what to check. */
export function mapSocketError(
  error: Error,
  phase: TransportPhase,
  target: WebSocketTarget,
  tlsServername?: string,
): WebSocketError {
  const errno = (error as ErrnoLike).code ?? '';
  const where = `${target.hostname}:${target.port}`;
  if (
    (error as ErrnoLike).syscall === 'getaddrinfo' ||
    errno === 'ENOTFOUND' ||
    errno === 'EAI_AGAIN'
  ) {
    return new TransportError(
      ErrorCode.DnsFailed,
      `could not resolve host ${JSON.stringify(target.hostname)} (${errno || error.message}); check the URL and your DNS`,
      'dns',
      error,
    );
  }
  if (phase === 'dns' || phase === 'tcp') {
    const hint =
      errno === 'ECONNREFUSED'
        ? 'nothing is listening there; is the server running?'
        : errno === 'ETIMEDOUT'
          ? 'the host did not answer'
          : 'the network path failed';
    return new TransportError(
      ErrorCode.ConnectFailed,
      `could not connect to ${where} (${errno || error.message}): ${hint}`,
      'tcp',
      error,
    );
  }
  // A TLS alert can arrive after 'secureConnect' (TLS 1.3 checks the client certificate
  // after the client finished its handshake): it is still a TLS failure.
  if (phase === 'tls' || errno.startsWith('ERR_SSL_')) {
    return tlsFailure(error, where, tlsServername ?? target.hostname);
  }
  if (errno === 'ECONNRESET') {
    return new TransportError(
      ErrorCode.ConnectionReset,
      `the connection to ${where} was reset by the peer (${phase === 'open' ? 'while open' : `during the ${phase}`})`,
      phase,
      error,
    );
  }
  return new TransportError(
    ErrorCode.ConnectionLost,
    `the connection to ${where} failed: ${errno ? `${errno} ` : ''}${error.message}`,
    phase,
    error,
  );
}
