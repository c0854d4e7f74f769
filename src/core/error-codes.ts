// The stable error codes (documented in docs/errors.md) and, for each error class, the union
// of the codes it can carry, so that checking `code` narrows an error to its class. Leaf
// module: imports nothing; core/errors.ts re-exports everything here.

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
  InvalidExtensionParams: 'ERR_HANDSHAKE_EXTENSION_PARAMS',
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
  InvalidCompressedData: 'ERR_INVALID_COMPRESSED_DATA',
  MessageTooBig: 'ERR_MESSAGE_TOO_BIG',
  TooManyFragments: 'ERR_TOO_MANY_FRAGMENTS',
  // Transport
  DnsFailed: 'ERR_DNS',
  ConnectFailed: 'ERR_CONNECT',
  TlsFailed: 'ERR_TLS',
  ConnectionReset: 'ERR_CONNECTION_RESET',
  ConnectionLost: 'ERR_CONNECTION_LOST',
  // Proxy (HTTP CONNECT or SOCKS5)
  ProxyAuth: 'ERR_PROXY_AUTH',
  ProxyRefused: 'ERR_PROXY_REFUSED',
  ProxyProtocol: 'ERR_PROXY_PROTOCOL',
  // Redirects (followRedirects)
  RedirectLocation: 'ERR_REDIRECT_LOCATION',
  RedirectDowngrade: 'ERR_REDIRECT_DOWNGRADE',
  RedirectLoop: 'ERR_REDIRECT_LOOP',
  RedirectLimit: 'ERR_REDIRECT_LIMIT',
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

/** The codes of the named ErrorCode entries, as a union of string literals. */
export type CodeOf<K extends keyof typeof ErrorCode> = (typeof ErrorCode)[K];

/** Codes of InvalidArgumentError. */
export type InvalidArgumentCode = CodeOf<'InvalidUrl' | 'InvalidArgument'>;
/** Codes of UnexpectedStatusError. */
export type UnexpectedStatusCode = CodeOf<'UnexpectedStatus'>;
/** Codes of NegotiationError. */
export type NegotiationCode = CodeOf<
  'UnexpectedSubprotocol' | 'UnexpectedExtension' | 'InvalidExtensionParams'
>;
/** Codes of a HandshakeError that is neither an UnexpectedStatusError nor a NegotiationError. */
export type MalformedHandshakeCode = CodeOf<
  | 'InvalidHttpResponse'
  | 'HandshakeHeadersTooLarge'
  | 'MissingUpgrade'
  | 'MissingConnection'
  | 'InvalidAccept'
>;
/** Codes of RedirectError. */
export type RedirectCode = CodeOf<
  'RedirectLocation' | 'RedirectDowngrade' | 'RedirectLoop' | 'RedirectLimit'
>;
/** Codes of HandshakeError and its subclasses. */
export type HandshakeCode =
  | MalformedHandshakeCode
  | UnexpectedStatusCode
  | NegotiationCode
  | RedirectCode;
/** Codes of PayloadTooBigError. */
export type PayloadTooBigCode = CodeOf<'MessageTooBig' | 'TooManyFragments'>;
/** Codes of a ProtocolError that is not a PayloadTooBigError. */
export type ProtocolViolationCode = CodeOf<
  | 'ReservedBits'
  | 'ReservedOpcode'
  | 'FragmentedControl'
  | 'ControlFrameTooLong'
  | 'MaskedFrame'
  | 'InvalidFrameLength'
  | 'UnexpectedContinuation'
  | 'ExpectedContinuation'
  | 'InvalidUtf8'
  | 'InvalidClosePayload'
  | 'InvalidCloseCode'
  | 'InvalidCompressedData'
>;
/** Codes of ProtocolError and PayloadTooBigError. */
export type ProtocolCode = ProtocolViolationCode | PayloadTooBigCode;
/** Codes of a TransportError that is not a ProxyError. */
export type NetworkCode = CodeOf<
  'DnsFailed' | 'ConnectFailed' | 'TlsFailed' | 'ConnectionReset' | 'ConnectionLost'
>;
/** Codes of ProxyError. */
export type ProxyCode = CodeOf<'ProxyAuth' | 'ProxyRefused' | 'ProxyProtocol'>;
/** Codes of TransportError and ProxyError. */
export type TransportCode = NetworkCode | ProxyCode;
/** Codes of TimeoutError. */
export type TimeoutCode = CodeOf<'OpenTimeout' | 'CloseTimeout' | 'PongTimeout'>;
/** Codes of QueueError. */
export type QueueCode = CodeOf<'QueueFull' | 'QueueExpired' | 'QueueDropped'>;
