// The NodeMCU dialect's close status numbers: the table the NodeMCU websocket documentation
// gives (0, -1 to -19), extended with stable numbers from -99 to -999 for the failures the
// firmware lumps together as "something bad has happened" (decision N2). Holds the URL
// check that yields -1 to -4 and the one function that turns how a connection ended into a
// status number. No protocol logic: it only classifies what the engine reports.

import type { CloseInfo } from '../client/connection.js';
import { ErrorCode } from '../core/errors.js';

/**
 * Every status number the NodeMCU dialect passes to the `close` callback.
 *
 * 0 means the application asked for the end; every negative number names a failure. The
 * numbers from 0 to -19 are those of the NodeMCU documentation; -99 and the -1xx numbers
 * follow the firmware's habit of reporting a network stack error e as e − 100; the -2xx,
 * -3xx and -4xx numbers are wsx's own and never change meaning.
 */
export const NodeMcuStatus = {
  /** The application called `close()` (while connecting, open, or already closing). */
  Closed: 0,
  /** The URL does not begin with `ws://` or `wss://`, or it carries a `#fragment`. */
  InvalidScheme: -1,
  /** The host name has 256 characters or more. */
  HostTooLong: -2,
  /** The port after `:` is empty, not a decimal number, 0, or above 65535. */
  InvalidPort: -3,
  /** The host name is empty or is not a valid host. */
  InvalidHost: -4,
  /** The host name could not be resolved. */
  DnsFailed: -5,
  /** The server sent a Close frame (we answered it and the connection ended cleanly). */
  ServerClosed: -6,
  /** The handshake response's Sec-WebSocket-Accept does not match our key. */
  BadAcceptKey: -7,
  /** The server sent a continuation frame when no fragmented message was open. */
  UnexpectedContinuation: -15,
  /** The server did not answer `101 Switching Protocols` (another status, or not HTTP). */
  NotSwitchingProtocols: -17,
  /** TCP, TLS and the handshake together took longer than 10 seconds. */
  ConnectTimeout: -18,
  /** Two health-check pings went unanswered (about 90 seconds without receiving anything). */
  HealthCheckFailed: -19,
  /** TCP ended without a Close frame (the server dropped the connection), or it failed otherwise. */
  ConnectionLost: -99,
  /** The peer reset the TCP connection (espconn's "reset", -9, minus 100). */
  ConnectionReset: -109,
  /** The TCP connection could not be made, e.g. refused (espconn's "connect failed", -11, minus 100). */
  ConnectFailed: -111,
  /** The TLS handshake failed, e.g. an untrusted certificate (espconn's "TLS handshake", -28, minus 100). */
  TlsFailed: -128,
  /** The 101 response lacks `Upgrade: websocket`. */
  MissingUpgrade: -201,
  /** The 101 response lacks `Connection: Upgrade`. */
  MissingConnection: -202,
  /** The handshake response head is larger than the engine accepts. */
  HandshakeTooLarge: -203,
  /** The server chose a subprotocol we did not offer. */
  UnexpectedSubprotocol: -204,
  /** The server accepted an extension we did not offer. */
  UnexpectedExtension: -205,
  /** The server's permessage-deflate parameters break RFC 7692 (only with perMessageDeflate set). */
  InvalidExtensionParams: -206,
  /** Any other handshake failure. */
  HandshakeFailed: -299,
  /** A frame with RSV bits set and no extension that defines them. */
  ReservedBits: -301,
  /** A frame with an opcode RFC 6455 reserves. */
  ReservedOpcode: -302,
  /** A fragmented control frame. */
  FragmentedControl: -303,
  /** A control frame longer than 125 bytes. */
  ControlFrameTooLong: -304,
  /** A masked frame from the server. */
  MaskedFrame: -305,
  /** A 64-bit frame length with its most significant bit set (RFC 6455 §5.2). */
  InvalidFrameLength: -306,
  /** A new data message started while a fragmented one was still open. */
  ExpectedContinuation: -307,
  /** A text message or close reason that is not valid UTF-8. */
  InvalidUtf8: -308,
  /** A Close frame whose payload is one byte long or malformed. */
  InvalidClosePayload: -309,
  /** A Close frame with a code that may not be sent. */
  InvalidCloseCode: -310,
  /** A message larger than the engine's maximum message size. */
  MessageTooBig: -311,
  /** A message made of more fragments than the engine accepts. */
  TooManyFragments: -312,
  /** A compressed message that does not inflate (only with perMessageDeflate set). */
  InvalidCompressedData: -313,
  /** Any other protocol violation by the server. */
  ProtocolError: -399,
  /** The server did not finish the closing handshake in time (not reached today, see docs). */
  CloseTimeout: -401,
  /** A failure wsx has no number for (should not happen; please report it). */
  Unknown: -999,
} as const;
export type NodeMcuStatus = (typeof NodeMcuStatus)[keyof typeof NodeMcuStatus];

const STATUS_BY_CODE: Partial<Record<ErrorCode, NodeMcuStatus>> = {
  [ErrorCode.Aborted]: NodeMcuStatus.Closed,
  [ErrorCode.DnsFailed]: NodeMcuStatus.DnsFailed,
  [ErrorCode.InvalidAccept]: NodeMcuStatus.BadAcceptKey,
  [ErrorCode.UnexpectedContinuation]: NodeMcuStatus.UnexpectedContinuation,
  [ErrorCode.UnexpectedStatus]: NodeMcuStatus.NotSwitchingProtocols,
  [ErrorCode.InvalidHttpResponse]: NodeMcuStatus.NotSwitchingProtocols,
  [ErrorCode.OpenTimeout]: NodeMcuStatus.ConnectTimeout,
  [ErrorCode.PongTimeout]: NodeMcuStatus.HealthCheckFailed,
  [ErrorCode.ConnectionLost]: NodeMcuStatus.ConnectionLost,
  [ErrorCode.ConnectionReset]: NodeMcuStatus.ConnectionReset,
  [ErrorCode.ConnectFailed]: NodeMcuStatus.ConnectFailed,
  [ErrorCode.TlsFailed]: NodeMcuStatus.TlsFailed,
  [ErrorCode.MissingUpgrade]: NodeMcuStatus.MissingUpgrade,
  [ErrorCode.MissingConnection]: NodeMcuStatus.MissingConnection,
  [ErrorCode.HandshakeHeadersTooLarge]: NodeMcuStatus.HandshakeTooLarge,
  [ErrorCode.UnexpectedSubprotocol]: NodeMcuStatus.UnexpectedSubprotocol,
  [ErrorCode.UnexpectedExtension]: NodeMcuStatus.UnexpectedExtension,
  [ErrorCode.InvalidExtensionParams]: NodeMcuStatus.InvalidExtensionParams,
  [ErrorCode.ReservedBits]: NodeMcuStatus.ReservedBits,
  [ErrorCode.ReservedOpcode]: NodeMcuStatus.ReservedOpcode,
  [ErrorCode.FragmentedControl]: NodeMcuStatus.FragmentedControl,
  [ErrorCode.ControlFrameTooLong]: NodeMcuStatus.ControlFrameTooLong,
  [ErrorCode.MaskedFrame]: NodeMcuStatus.MaskedFrame,
  [ErrorCode.InvalidFrameLength]: NodeMcuStatus.InvalidFrameLength,
  [ErrorCode.ExpectedContinuation]: NodeMcuStatus.ExpectedContinuation,
  [ErrorCode.InvalidUtf8]: NodeMcuStatus.InvalidUtf8,
  [ErrorCode.InvalidClosePayload]: NodeMcuStatus.InvalidClosePayload,
  [ErrorCode.InvalidCloseCode]: NodeMcuStatus.InvalidCloseCode,
  [ErrorCode.MessageTooBig]: NodeMcuStatus.MessageTooBig,
  [ErrorCode.TooManyFragments]: NodeMcuStatus.TooManyFragments,
  [ErrorCode.InvalidCompressedData]: NodeMcuStatus.InvalidCompressedData,
  [ErrorCode.CloseTimeout]: NodeMcuStatus.CloseTimeout,
};

/**
 * The status number for one ended connection attempt. `closedByUser` is true when the
 * application called `close()` before the engine reported any failure: whatever happens
 * after that (the server's Close reply, a dropped TCP connection, the close timeout) the
 * application asked for the end, and the status is 0.
 */
export function statusOf(info: CloseInfo, closedByUser: boolean): NodeMcuStatus {
  if (closedByUser) return NodeMcuStatus.Closed;
  const { error, cause } = info;
  if (error === undefined) {
    return cause.kind === 'server' ? NodeMcuStatus.ServerClosed : NodeMcuStatus.Closed;
  }
  const known = STATUS_BY_CODE[error.code];
  if (known !== undefined) return known;
  if (cause.kind === 'protocol') return NodeMcuStatus.ProtocolError;
  if (cause.kind === 'handshake') return NodeMcuStatus.HandshakeFailed;
  return NodeMcuStatus.Unknown;
}

/**
 * Checks a URL the way the firmware sorts URL faults, before the engine sees it: returns
 * -1 to -4, or undefined when the URL passes (the engine's own parser may still refuse the
 * host, which the caller reports as -4). The checks run in this order:
 *
 * 1. -1: the text does not begin with `ws://` or `wss://` (any letter case), or it holds a
 *    `#` (RFC 6455 §3: a WebSocket URI has no fragment).
 * 2. -2: the host name (without `:port` and without `user:password@`) has 256 characters
 *    or more.
 * 3. -3: a `:` follows the host and what comes after it is not 1 to 65535 in decimal digits.
 * 4. -4: the host name is empty.
 */
export function urlStatus(url: string): NodeMcuStatus | undefined {
  const scheme = /^wss?:\/\//i.exec(url);
  if (scheme === null || url.includes('#')) return NodeMcuStatus.InvalidScheme;
  const rest = url.slice(scheme[0].length);
  const end = rest.search(/[/?\\]/);
  const authority = end === -1 ? rest : rest.slice(0, end);
  const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1);
  let host: string;
  let port: string | undefined;
  if (hostAndPort.startsWith('[')) {
    // An IPv6 literal: the port, if any, follows the closing bracket.
    const close = hostAndPort.indexOf(']');
    host = close === -1 ? hostAndPort : hostAndPort.slice(0, close + 1);
    const after = hostAndPort.slice(host.length);
    if (after !== '') port = after.startsWith(':') ? after.slice(1) : after;
  } else {
    const colon = hostAndPort.indexOf(':');
    host = colon === -1 ? hostAndPort : hostAndPort.slice(0, colon);
    if (colon !== -1) port = hostAndPort.slice(colon + 1);
  }
  if (host.length >= 256) return NodeMcuStatus.HostTooLong;
  if (port !== undefined) {
    const number = /^\d{1,5}$/.test(port) ? Number(port) : 0;
    if (number < 1 || number > 65535) return NodeMcuStatus.InvalidPort;
  }
  if (host === '') return NodeMcuStatus.InvalidHost;
  return undefined;
}
