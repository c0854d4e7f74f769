// The shared vocabulary of the wire protocol: opcodes, close codes and connection states.
// Pure values only. RFC 6455 §5.2 (opcodes), §7.4 (close codes), WHATWG readyState.

/** Frame opcodes (RFC 6455 §5.2). */
export const Opcode = {
  Continuation: 0x0,
  Text: 0x1,
  Binary: 0x2,
  Close: 0x8,
  Ping: 0x9,
  Pong: 0xa,
} as const;
export type Opcode = (typeof Opcode)[keyof typeof Opcode];

/** Close codes with a meaning fixed by RFC 6455 §7.4.1 and the IANA registry. */
export const CloseCode = {
  Normal: 1000,
  GoingAway: 1001,
  ProtocolError: 1002,
  UnsupportedData: 1003,
  NoStatusReceived: 1005,
  Abnormal: 1006,
  InvalidPayload: 1007,
  PolicyViolation: 1008,
  MessageTooBig: 1009,
  MandatoryExtension: 1010,
  InternalError: 1011,
  ServiceRestart: 1012,
  TryAgainLater: 1013,
  BadGateway: 1014,
  TlsHandshake: 1015,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** Connection states, numbered as the WHATWG `readyState`. */
export const ReadyState = {
  CONNECTING: 0,
  OPEN: 1,
  CLOSING: 2,
  CLOSED: 3,
} as const;
export type ReadyState = (typeof ReadyState)[keyof typeof ReadyState];

/** Largest payload a control frame may carry (RFC 6455 §5.5). */
export const MAX_CONTROL_PAYLOAD = 125;
/** Largest close reason in bytes: 125 minus the 2-byte code (RFC 6455 §5.5.1). */
export const MAX_CLOSE_REASON_BYTES = 123;
/** V8's longest string on 64-bit, in UTF-16 code units: the default of `maxStringLength`. */
export const V8_MAX_STRING_LENGTH = 2 ** 29 - 24;
/** The GUID appended to the key to compute Sec-WebSocket-Accept (RFC 6455 §1.3). */
export const WEBSOCKET_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** Default limits; every one of them can be changed through the options. */
export const Defaults = {
  maxMessageBytes: 64 * 1024 * 1024,
  maxFragments: 131_072,
  maxHandshakeBytes: 16 * 1024,
  maxRefusalBodyBytes: 64 * 1024,
  openTimeoutMs: 10_000,
  closeTimeoutMs: 10_000,
  pingIntervalMs: 20_000,
  pongTimeoutMs: 20_000,
  /** Received messages a face may hold undelivered before reading pauses. */
  receiveHighWaterMark: 16,
  /** Bytes of received messages a face may hold undelivered before reading pauses. */
  receiveHighWaterBytes: 4 * 1024 * 1024,
  /** Unsent bytes in the socket above which reading pauses. */
  writeHighWaterBytes: 16 * 1024 * 1024,
} as const;
