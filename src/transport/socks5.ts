// A SOCKS5 CONNECT (RFC 1928) with no authentication or user name and password (RFC 1929).
// socks5:// resolves the target's name here and sends the address; socks5h:// sends the name
// and lets the proxy resolve it. Node built-ins only, in about a hundred lines.

import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type Socket } from 'node:net';
import { concatBytes, utf8Encode } from '../core/bytes.js';
import {
  ErrorCode,
  InvalidArgumentError,
  type ProxyCode,
  TransportError,
  type WebSocketError,
} from '../core/errors.js';
import type { ProxyTarget } from './no-proxy.js';
import { addressBytes } from './no-proxy.js';
import {
  abortReason,
  type ExchangeStep,
  proxyClosedEarly,
  proxyError,
  readExchange,
} from './proxy-exchange.js';
import { hostPort, type ProxyEndpoint } from './proxy-url.js';

/** What each SOCKS5 reply code means (RFC 1928 §6). */
export const SOCKS5_REPLIES: Readonly<Record<number, string>> = {
  1: 'general SOCKS server failure',
  2: 'connection not allowed by the proxy rules',
  3: 'network unreachable',
  4: 'host unreachable',
  5: 'connection refused by the target',
  6: 'TTL expired',
  7: 'command not supported',
  8: 'address type not supported',
};

export interface Socks5Options {
  signal?: AbortSignal | undefined;
  /** socks5:// only: try the target's IPv6 addresses first. */
  preferIpv6?: boolean | undefined;
  /** socks5:// only: how to resolve the target's name (default dns.lookup). */
  resolve?: (hostname: string) => Promise<LookupAddress[]>;
}

/** Asks the SOCKS5 proxy on `socket` for a connection to `target`. */
export async function socks5Connect(
  socket: Socket,
  proxy: ProxyEndpoint,
  target: ProxyTarget,
  options: Socks5Options = {},
): Promise<void> {
  let address = target.hostname;
  if (proxy.protocol === 'socks5' && isIP(address) === 0) {
    // The proxy socket is already open while the name resolves: a reset or close meanwhile
    // must fail this attempt, not go unheard (an 'error' without a listener ends the process).
    let lost: Error | undefined;
    const onLost = (error?: Error): void => {
      lost ??= error ?? new Error('the proxy closed the connection');
    };
    socket.on('error', onLost);
    socket.on('close', onLost);
    try {
      address = await resolveHere(target.hostname, options);
    } finally {
      socket.removeListener('error', onLost);
      socket.removeListener('close', onLost);
    }
    if (options.signal?.aborted) throw abortReason(options.signal);
    if (lost !== undefined || socket.destroyed) {
      socket.destroy();
      throw new TransportError(
        ErrorCode.ConnectionLost,
        `the connection to the SOCKS5 proxy ${proxy.display} was lost while ${target.hostname} was being resolved: ${lost?.message ?? 'closed'}`,
        'proxy',
        lost,
      );
    }
  }
  if (utf8Encode(address).length > 255) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidUrl,
      `the host name ${JSON.stringify(`${address.slice(0, 40)}…`)} is longer than the 255 bytes SOCKS5 can carry`,
    );
  }
  const hasCredentials = proxy.username !== '' || proxy.password !== '';
  let stage: 'method' | 'auth' | 'reply' = 'method';
  let buffer: Uint8Array = new Uint8Array(0);
  const where = `the SOCKS5 proxy ${proxy.display}`;
  const fail = (code: ProxyCode, message: string, socksReply?: number): WebSocketError =>
    proxyError(code, message, proxy, { socksReply });
  const step = (chunk: Uint8Array): ExchangeStep => {
    buffer = buffer.length === 0 ? chunk : concatBytes([buffer, chunk]);
    for (let guard = 0; guard < 3; guard++) {
      if (buffer.length < 2) return undefined;
      if (stage === 'method') {
        if (buffer[0] !== 5) {
          const hint = buffer[0] === 0x48 ? ' (it answered like an HTTP proxy: use http://)' : '';
          return fail(ErrorCode.ProxyProtocol, `${where} does not speak SOCKS5${hint}`);
        }
        const method = buffer[1];
        buffer = buffer.subarray(2);
        if (method === 0xff) {
          return fail(
            ErrorCode.ProxyAuth,
            hasCredentials
              ? `${where} accepts neither no authentication nor a user name and password`
              : `${where} wants credentials: put them in the proxy URL (socks5://user:password@host:port)`,
          );
        }
        if (method === 2 && hasCredentials) {
          socket.write(authRequest(proxy));
          stage = 'auth';
        } else if (method === 0) {
          socket.write(connectRequest(address, target.port));
          stage = 'reply';
        } else {
          return fail(
            ErrorCode.ProxyProtocol,
            `${where} chose method ${method}, which was not offered`,
          );
        }
      } else if (stage === 'auth') {
        // RFC 1929 says version 1; some servers answer 5. Only the status matters.
        if (buffer[1] !== 0) {
          return fail(
            ErrorCode.ProxyAuth,
            `${where} refused the user name or password in the proxy URL`,
          );
        }
        buffer = buffer.subarray(2);
        socket.write(connectRequest(address, target.port));
        stage = 'reply';
      } else {
        if (buffer[0] !== 5)
          return fail(ErrorCode.ProxyProtocol, `${where} sent a malformed reply`);
        const reply = buffer[1]!;
        if (reply !== 0) {
          const meaning = SOCKS5_REPLIES[reply] ?? 'unknown reply code';
          return fail(
            ErrorCode.ProxyRefused,
            `${where} could not connect to ${hostPort(target)}: ${meaning} (reply ${reply})`,
            reply,
          );
        }
        if (buffer.length < 5) return undefined;
        const type = buffer[3];
        const length = type === 1 ? 10 : type === 4 ? 22 : type === 3 ? 7 + buffer[4]! : 0;
        if (length === 0)
          return fail(ErrorCode.ProxyProtocol, `${where} sent address type ${type}`);
        if (buffer.length < length) return undefined;
        return { done: true, rest: buffer.subarray(length) };
      }
    }
    return undefined;
  };
  const exchange = readExchange(socket, proxy, options.signal, step, () =>
    proxyClosedEarly(proxy, `SOCKS5 request for ${hostPort(target)}`),
  );
  socket.write(Uint8Array.of(5, ...(hasCredentials ? [2, 0, 2] : [1, 0])));
  return exchange;
}

/** RFC 1929: version 1, user name and password, each with a length byte. */
function authRequest(proxy: ProxyEndpoint): Uint8Array {
  const user = utf8Encode(proxy.username);
  const password = utf8Encode(proxy.password);
  return Uint8Array.of(1, user.length, ...user, password.length, ...password);
}

/** CONNECT to an IPv4 or IPv6 address, or to a name the proxy resolves. */
export function connectRequest(address: string, port: number): Uint8Array {
  const family = isIP(address);
  let destination: number[];
  if (family === 4) destination = [1, ...addressBytes(address)!];
  else if (family === 6) destination = [4, ...addressBytes(address)!];
  else {
    const name = utf8Encode(address);
    destination = [3, name.length, ...name];
  }
  return Uint8Array.of(5, 1, 0, ...destination, port >> 8, port & 0xff);
}

async function resolveHere(hostname: string, options: Socks5Options): Promise<string> {
  const resolve =
    options.resolve ??
    ((name: string) =>
      new Promise<LookupAddress[]>((done, fail) =>
        dnsLookup(name, { all: true }, (error, addresses) =>
          error ? fail(error) : done(addresses),
        ),
      ));
  let addresses: LookupAddress[];
  try {
    addresses = await resolve(hostname);
  } catch (error) {
    const errno = (error as { code?: string }).code ?? (error as Error).message;
    throw new TransportError(
      ErrorCode.DnsFailed,
      `could not resolve host ${JSON.stringify(hostname)} (${errno}) for the SOCKS5 proxy; check the URL, or use socks5h:// to let the proxy resolve it`,
      'dns',
      error,
    );
  }
  const preferred =
    options.preferIpv6 === true ? addresses.find((entry) => entry.family === 6) : undefined;
  const chosen = preferred ?? addresses[0];
  if (chosen === undefined) {
    throw new TransportError(
      ErrorCode.DnsFailed,
      `host ${JSON.stringify(hostname)} has no address`,
      'dns',
    );
  }
  return chosen.address;
}
