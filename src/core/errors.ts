// Every error wsx reports: one base class, subclasses by who is at fault, and one table of
// stable codes (documented in docs/errors.md). Leaf module: imports nothing.

/** Stable error codes. The string values never change once released. */
export const ErrorCode = {
  // API misuse
  InvalidUrl: 'ERR_INVALID_URL',
  InvalidArgument: 'ERR_INVALID_ARGUMENT',
  InvalidState: 'ERR_INVALID_STATE',
  ConnectionClosed: 'ERR_CONNECTION_CLOSED',
  Aborted: 'ERR_ABORTED',
  // Opening handshake (RFC 6455 §4)
  UnexpectedStatus: 'ERR_HANDSHAKE_STATUS',
  InvalidHttpResponse: 'ERR_HANDSHAKE_MALFORMED',
  HandshakeHeadersTooLarge: 'ERR_HANDSHAKE_HEADERS_TOO_LARGE',
  MissingUpgrade: 'ERR_HANDSHAKE_UPGRADE',
  MissingConnection: 'ERR_HANDSHAKE_CONNECTION',
  InvalidAccept: 'ERR_HANDSHAKE_ACCEPT',
  UnexpectedSubprotocol: 'ERR_HANDSHAKE_SUBPROTOCOL',
  UnexpectedExtension: 'ERR_HANDSHAKE_EXTENSION',
  // Protocol violations by the server (RFC 6455 §5, §7)
  ReservedBits: 'ERR_RESERVED_BITS',
  ReservedOpcode: 'ERR_RESERVED_OPCODE',
  FragmentedControl: 'ERR_FRAGMENTED_CONTROL_FRAME',
  ControlFrameTooLong: 'ERR_CONTROL_FRAME_TOO_LONG',
  MaskedFrame: 'ERR_MASKED_FRAME',
  InvalidFrameLength: 'ERR_INVALID_FRAME_LENGTH',
  UnexpectedContinuation: 'ERR_UNEXPECTED_CONTINUATION',
  ExpectedContinuation: 'ERR_EXPECTED_CONTINUATION',
  InvalidUtf8: 'ERR_INVALID_UTF8',
  InvalidClosePayload: 'ERR_INVALID_CLOSE_PAYLOAD',
  InvalidCloseCode: 'ERR_INVALID_CLOSE_CODE',
  MessageTooBig: 'ERR_MESSAGE_TOO_BIG',
  TooManyFragments: 'ERR_TOO_MANY_FRAGMENTS',
  // Transport
  DnsFailed: 'ERR_DNS',
  ConnectFailed: 'ERR_CONNECT',
  TlsFailed: 'ERR_TLS',
  ConnectionReset: 'ERR_CONNECTION_RESET',
  ConnectionLost: 'ERR_CONNECTION_LOST',
  // Timeouts
  OpenTimeout: 'ERR_OPEN_TIMEOUT',
  CloseTimeout: 'ERR_CLOSE_TIMEOUT',
  PongTimeout: 'ERR_PONG_TIMEOUT',
  // Offline queue of reconnecting clients
  QueueFull: 'ERR_QUEUE_FULL',
  QueueExpired: 'ERR_QUEUE_EXPIRED',
  QueueDropped: 'ERR_QUEUE_DROPPED',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface WebSocketErrorOptions {
  cause?: unknown;
  /** The close code this error makes the client send or report. */
  closeCode?: number;
}

/** Base class of every error wsx throws or reports. */
export class WebSocketError extends Error {
  override name: string = 'WebSocketError';
  readonly code: ErrorCode;
  readonly closeCode: number | undefined;

  constructor(code: ErrorCode, message: string, options: WebSocketErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.closeCode = options.closeCode;
  }

  /** Brand check that also works across realms and duplicate copies of the package. */
  get isWebSocketError(): true {
    return true;
  }
}

/** True for any wsx error, even one from another copy of the package. */
export function isWebSocketError(value: unknown): value is WebSocketError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isWebSocketError?: unknown }).isWebSocketError === true
  );
}

/** The server broke RFC 6455; the client fails the connection with `closeCode`. */
export class ProtocolError extends WebSocketError {
  override name = 'ProtocolError';
  declare readonly closeCode: number;
  constructor(code: ErrorCode, message: string, closeCode = 1002) {
    super(code, message, { closeCode });
  }
}

/** A message or fragment count over the configured limit (close code 1009). */
export class PayloadTooBigError extends ProtocolError {
  override name = 'PayloadTooBigError';
  readonly limit: number;
  constructor(code: ErrorCode, message: string, limit: number) {
    super(code, message, 1009);
    this.limit = limit;
  }
}

/** The opening handshake failed after the TCP/TLS connection was up. */
export class HandshakeError extends WebSocketError {
  override name = 'HandshakeError';
}

/**
 * Response headers, names in lower case. A repeated header is joined into one value with
 * ", " (RFC 9110 §5.3), except Set-Cookie: its values are kept as a list, as on Node's
 * IncomingMessage, because a cookie's Expires date contains a comma (RFC 6265 §3).
 */
export type ResponseHeaders = Readonly<Record<string, string>> & {
  readonly 'set-cookie'?: readonly string[];
};

/** The server answered the upgrade request with a status other than 101. */
export class UnexpectedStatusError extends HandshakeError {
  override name = 'UnexpectedStatusError';
  readonly status: number;
  readonly statusText: string;
  /** Response headers, names in lower case; repeated ones joined with ", ", but `set-cookie` is a list. */
  readonly headers: ResponseHeaders;
  /** The first bytes of the response body (at most `maxRefusalBodyBytes`, 64 KiB by default). */
  readonly body: Uint8Array;

  constructor(status: number, statusText: string, headers: ResponseHeaders, body: Uint8Array) {
    super(
      ErrorCode.UnexpectedStatus,
      `the server refused the WebSocket upgrade with HTTP ${status}${statusText ? ` ${statusText}` : ''}; ` +
        'check the URL, credentials and headers (the response body is on error.body)',
    );
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
    this.body = body;
  }

  /** The body decoded as UTF-8 (invalid bytes replaced). */
  get bodyText(): string {
    return new TextDecoder().decode(this.body);
  }
}

/** The server picked a subprotocol or extension that the client did not offer. */
export class NegotiationError extends HandshakeError {
  override name = 'NegotiationError';
}

/** Where a transport failure happened. */
export type TransportPhase = 'dns' | 'tcp' | 'tls' | 'handshake' | 'open';

/** The network failed: name resolution, TCP, TLS, or the socket dropped. */
export class TransportError extends WebSocketError {
  override name = 'TransportError';
  readonly phase: TransportPhase;
  constructor(code: ErrorCode, message: string, phase: TransportPhase, cause?: unknown) {
    super(code, message, { cause, closeCode: 1006 });
    this.phase = phase;
  }
}

/** What a timeout was waiting for. */
export type TimeoutPhase = 'open' | 'close' | 'pong';

export class TimeoutError extends WebSocketError {
  override name = 'TimeoutError';
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;
  constructor(code: ErrorCode, message: string, phase: TimeoutPhase, timeoutMs: number) {
    super(code, message, { closeCode: phase === 'pong' ? 1011 : 1006 });
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** The API was used wrongly: bad argument, bad URL, or a call in the wrong state. */
export class InvalidStateError extends WebSocketError {
  override name = 'InvalidStateError';
}

/** An argument or URL was not acceptable. */
export class InvalidArgumentError extends WebSocketError {
  override name = 'InvalidArgumentError';
}

/** The operation was aborted through an AbortSignal. */
export class AbortError extends WebSocketError {
  override name = 'AbortError';
}

/** A queued send was refused or given up: queue full, expired, or dropped for newer ones. */
export class QueueError extends WebSocketError {
  override name = 'QueueError';
}

/** A close frame as sent or received. */
export interface CloseFrame {
  readonly code: number;
  readonly reason: string;
}

/** The connection is closed; `received`/`sent` are the close frames, if any. */
export class ConnectionClosedError extends WebSocketError {
  override name = 'ConnectionClosedError';
  readonly received: CloseFrame | undefined;
  readonly sent: CloseFrame | undefined;
  readonly wasClean: boolean;
  constructor(
    message: string,
    info: { received?: CloseFrame | undefined; sent?: CloseFrame | undefined; wasClean: boolean },
    cause?: unknown,
  ) {
    super(ErrorCode.ConnectionClosed, message, {
      cause,
      closeCode: info.received?.code ?? 1006,
    });
    this.received = info.received;
    this.sent = info.sent;
    this.wasClean = info.wasClean;
  }
}
