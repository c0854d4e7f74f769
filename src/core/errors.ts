// Every error wsx reports: one base class, subclasses by who is at fault, and one table of
// stable codes (core/error-codes.ts, documented in docs/errors.md).

import {
  type CodeOf,
  ErrorCode,
  type HandshakeCode,
  type InvalidArgumentCode,
  type MalformedHandshakeCode,
  type NegotiationCode,
  type NetworkCode,
  type PayloadTooBigCode,
  type ProtocolCode,
  type ProtocolViolationCode,
  type ProxyCode,
  type QueueCode,
  type RedirectCode,
  type TimeoutCode,
  type TransportCode,
  type UnexpectedStatusCode,
} from './error-codes.js';

// Every code and code union is part of this module's surface (CodeOf is a type helper).
export * from './error-codes.js';

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

/** The server broke RFC 6455; the client fails the connection with `closeCode`. */
export class ProtocolError extends WebSocketError {
  override name = 'ProtocolError';
  declare readonly code: ProtocolCode;
  declare readonly closeCode: number;
  constructor(code: ProtocolCode, message: string, closeCode = 1002) {
    super(code, message, { closeCode });
  }
}

/** A message or fragment count over the configured limit (close code 1009). */
export class PayloadTooBigError extends ProtocolError {
  override name = 'PayloadTooBigError';
  declare readonly code: PayloadTooBigCode;
  readonly limit: number;
  constructor(code: PayloadTooBigCode, message: string, limit: number) {
    super(code, message, 1009);
    this.limit = limit;
  }
}

/** The opening handshake failed after the TCP/TLS connection was up. */
export class HandshakeError extends WebSocketError {
  override name = 'HandshakeError';
  declare readonly code: HandshakeCode;
  constructor(code: HandshakeCode, message: string, options?: WebSocketErrorOptions) {
    super(code, message, options);
  }
}

/** The longest refusal body quoted in the message of an UnexpectedStatusError. */
const QUOTED_BODY_CHARS = 200;

/** The body of a refusal, quoted for a one-line message when it is short plain text. */
function quotedBody(headers: Record<string, string>, body: Uint8Array): string {
  if (body.length === 0) return '';
  const type = (headers['content-type'] ?? '').toLowerCase();
  if (type !== '' && !/^text\/plain|^application\/(json|problem\+json)/.test(type)) return '';
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(body).trim().replace(/\s+/g, ' ');
  } catch {
    return '';
  }
  if (text === '' || /\p{Cc}/u.test(text) || text.startsWith('<')) return '';
  const short =
    text.length > QUOTED_BODY_CHARS ? `${text.slice(0, QUOTED_BODY_CHARS - 1)}\u2026` : text;
  return `: ${JSON.stringify(short)}`;
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
  declare readonly code: UnexpectedStatusCode;
  readonly status: number;
  readonly statusText: string;
  /** Response headers, names in lower case; repeated ones joined with ", ", but `set-cookie` is a list. */
  readonly headers: ResponseHeaders;
  /** The first bytes of the response body (at most `maxRefusalBodyBytes`, 64 KiB by default). */
  readonly body: Uint8Array;

  constructor(status: number, statusText: string, headers: ResponseHeaders, body: Uint8Array) {
    super(
      ErrorCode.UnexpectedStatus,
      `the server refused the WebSocket upgrade with HTTP ${status}${statusText ? ` ${statusText}` : ''}${quotedBody(headers, body)}; ` +
        'check the URL, credentials and headers (the response body is error.bodyText)',
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

/**
 * The server picked a subprotocol or extension that the client did not offer, or accepted an
 * extension with parameters the client cannot accept.
 */
export class NegotiationError extends HandshakeError {
  override name = 'NegotiationError';
  declare readonly code: NegotiationCode;
  constructor(code: NegotiationCode, message: string) {
    super(code, message);
  }
}

/** Where a transport failure happened. */
export type TransportPhase = 'dns' | 'tcp' | 'tls' | 'proxy' | 'handshake' | 'open';

/** The network failed: name resolution, TCP, TLS, or the socket dropped. */
export class TransportError extends WebSocketError {
  override name = 'TransportError';
  declare readonly code: TransportCode;
  readonly phase: TransportPhase;
  constructor(code: TransportCode, message: string, phase: TransportPhase, cause?: unknown) {
    super(code, message, { cause, closeCode: 1006 });
    this.phase = phase;
  }
}

/** What a proxy said when it would not open the tunnel. */
export interface ProxyRefusal {
  /** The proxy, without its password (`http://user@proxy:3128`). */
  proxy: string;
  /** HTTP CONNECT: the proxy's status (407 asks for credentials). */
  status?: number | undefined;
  /** SOCKS5: the reply code (1 general failure … 8 address type not supported). */
  socksReply?: number | undefined;
  /** HTTP CONNECT: the first bytes of the proxy's response body. */
  body?: Uint8Array | undefined;
}

/** The proxy refused the tunnel, wanted other credentials, or did not speak its protocol. */
export class ProxyError extends TransportError {
  override name = 'ProxyError';
  declare readonly code: ProxyCode;
  readonly proxy: string;
  readonly status: number | undefined;
  readonly socksReply: number | undefined;
  readonly body: Uint8Array;
  constructor(code: ProxyCode, message: string, refusal: ProxyRefusal, cause?: unknown) {
    super(code, message, 'proxy', cause);
    this.proxy = refusal.proxy;
    this.status = refusal.status;
    this.socksReply = refusal.socksReply;
    this.body = refusal.body ?? new Uint8Array(0);
  }

  /** The body decoded as UTF-8 (invalid bytes replaced). */
  get bodyText(): string {
    return new TextDecoder().decode(this.body);
  }
}

/** A redirect that was not followed: bad Location, downgrade to ws:, a loop or too many hops. */
export class RedirectError extends HandshakeError {
  override name = 'RedirectError';
  declare readonly code: RedirectCode;
  /** The redirect status (301, 302, 303, 307 or 308). */
  readonly status: number;
  /** The Location header as the server sent it ('' when missing). */
  readonly location: string;
  /** Every URL requested, first to last, without passwords. */
  readonly chain: readonly string[];
  constructor(
    code: RedirectCode,
    message: string,
    details: { status: number; location: string; chain: readonly string[] },
    cause?: unknown,
  ) {
    super(code, message, { cause });
    this.status = details.status;
    this.location = details.location;
    this.chain = details.chain;
  }
}

/** What a timeout was waiting for. */
export type TimeoutPhase = 'open' | 'close' | 'pong';

export class TimeoutError extends WebSocketError {
  override name = 'TimeoutError';
  declare readonly code: TimeoutCode;
  readonly phase: TimeoutPhase;
  readonly timeoutMs: number;
  constructor(code: TimeoutCode, message: string, phase: TimeoutPhase, timeoutMs: number) {
    super(code, message, { closeCode: phase === 'pong' ? 1011 : 1006 });
    this.phase = phase;
    this.timeoutMs = timeoutMs;
  }
}

/** A call in the wrong state: send before open, after close, and the like. */
export class InvalidStateError extends WebSocketError {
  override name = 'InvalidStateError';
  declare readonly code: CodeOf<'InvalidState'>;
  constructor(code: CodeOf<'InvalidState'>, message: string, options?: WebSocketErrorOptions) {
    super(code, message, options);
  }
}

/** An argument, option or URL was not acceptable. */
export class InvalidArgumentError extends WebSocketError {
  override name = 'InvalidArgumentError';
  declare readonly code: InvalidArgumentCode;
  constructor(code: InvalidArgumentCode, message: string, options?: WebSocketErrorOptions) {
    super(code, message, options);
  }
}

/** The operation was aborted through an AbortSignal. */
export class AbortError extends WebSocketError {
  override name = 'AbortError';
  declare readonly code: CodeOf<'Aborted'>;
  constructor(code: CodeOf<'Aborted'>, message: string, options?: WebSocketErrorOptions) {
    super(code, message, options);
  }
}

/** A queued send was refused or given up: queue full, expired, or dropped for newer ones. */
export class QueueError extends WebSocketError {
  override name = 'QueueError';
  declare readonly code: QueueCode;
  constructor(code: QueueCode, message: string, options?: WebSocketErrorOptions) {
    super(code, message, options);
  }
}

/** A close frame as sent or received. */
export interface CloseFrame {
  readonly code: number;
  readonly reason: string;
}

/** The connection is closed; `received`/`sent` are the close frames, if any. */
export class ConnectionClosedError extends WebSocketError {
  override name = 'ConnectionClosedError';
  declare readonly code: CodeOf<'ConnectionClosed'>;
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

/** A HandshakeError that is neither an UnexpectedStatusError nor a NegotiationError. */
export interface MalformedHandshakeError extends HandshakeError {
  readonly code: MalformedHandshakeCode;
}

/** A TransportError that is not a ProxyError: DNS, TCP, TLS or the socket dropped. */
export interface NetworkError extends TransportError {
  readonly code: NetworkCode;
}

/** A ProtocolError that is not a PayloadTooBigError. */
export interface ProtocolViolationError extends ProtocolError {
  readonly code: ProtocolViolationCode;
}

/**
 * Every error wsx reports, as a union discriminated by `code`: after `isWsxError(e)`,
 * `e.code === 'ERR_HANDSHAKE_STATUS'` narrows `e` to UnexpectedStatusError, and so on.
 */
export type WsxError =
  | InvalidArgumentError
  | InvalidStateError
  | AbortError
  | ConnectionClosedError
  | QueueError
  | UnexpectedStatusError
  | NegotiationError
  | MalformedHandshakeError
  | RedirectError
  | PayloadTooBigError
  | ProtocolViolationError
  | NetworkError
  | ProxyError
  | TimeoutError;

/** True for any wsx error, even one from another copy of the package; narrows to WsxError. */
export function isWsxError(value: unknown): value is WsxError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { isWebSocketError?: unknown }).isWebSocketError === true
  );
}

/** The former name of isWsxError, kept as an alias. */
export const isWebSocketError: (value: unknown) => value is WsxError = isWsxError;

/**
 * How argument checks name a value they refuse: `null`, `undefined`, `an array`, `a number`,
 * `an object ([object Map])`. Never prints the value itself (it may hold secrets).
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object'
    ? `an object (${Object.prototype.toString.call(value)})`
    : `a ${typeof value}`;
}

/** The error for a refused argument or option: InvalidArgumentError, ERR_INVALID_ARGUMENT. */
export function argumentError(message: string, cause?: unknown): InvalidArgumentError {
  return new InvalidArgumentError(
    ErrorCode.InvalidArgument,
    message,
    cause === undefined ? undefined : { cause },
  );
}
