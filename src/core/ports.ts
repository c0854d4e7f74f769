// What the sans-I/O core needs from its host, passed in rather than imported, so tests can
// inject deterministic versions and other runtimes can bring their own.

/** Fills `target` with cryptographically strong random bytes. */
export type Entropy = (target: Uint8Array) => void;

/** SHA-1 digest of `data` (20 bytes); used only for Sec-WebSocket-Accept (RFC 6455 §4.2.2). */
export type Sha1 = (data: Uint8Array) => Uint8Array;

/**
 * Optional fast whole-buffer UTF-8 check (Node's `buffer.isUtf8`). The core falls back to its
 * own incremental validator when this is absent or when a sequence spans chunks.
 */
export type Utf8Check = (data: Uint8Array) => boolean;

/**
 * Optional: a new array of `length` bytes whose contents do not matter (Node's
 * `Buffer.allocUnsafeSlow`, which skips the zero fill). The core writes every byte of it
 * before anyone sees it. Without it, the core allocates with `new Uint8Array(length)`.
 */
export type AllocateBytes = (length: number) => Uint8Array;

export interface CorePorts {
  entropy: Entropy;
  sha1: Sha1;
  isUtf8?: Utf8Check | undefined;
  /** Allocates the buffer of a message received in several chunks (see AllocateBytes). */
  allocate?: AllocateBytes | undefined;
  /**
   * The longest string the host's JavaScript engine can make, in UTF-16 code units (on Node,
   * `buffer.constants.MAX_STRING_LENGTH`; V8's 2^29 - 24 on 64-bit when absent). A text
   * message that would decode to a longer string fails the connection with 1009.
   */
  maxStringLength?: number | undefined;
  /** Raw DEFLATE streams for permessage-deflate; without it compression is never offered. */
  deflate?: DeflateCodecPort | undefined;
}

// ---------------------------------------------------------------- permessage-deflate (RFC 7692)

/**
 * Receives what a raw DEFLATE codec produces, in order. The codec calls it asynchronously
 * (never from inside write(), flush(), reset() or close()).
 */
export interface CodecSink {
  /**
   * Output bytes (inflated, or deflated). The sink may keep `chunk`: the codec never reuses
   * it. Return false to stop: the codec then drops all work queued so far and reports nothing
   * more (the caller is failing the connection and will close() it).
   */
  onOutput(chunk: Uint8Array): boolean;
  /** All input written before the matching flush() was processed and its output reported. */
  onFlushed(): void;
  /** The input is not valid DEFLATE data (inflaters only). Nothing more is reported. */
  onInvalid(message: string): void;
}

/**
 * One raw DEFLATE stream (RFC 1951, no zlib or gzip wrapper) in one direction. Calls queue
 * work and return at once; the work runs in order. The RFC 7692 rules (the 00 00 FF FF
 * trailer, context takeover, size limits) are the caller's, in core/.
 */
export interface RawCodec {
  /** Queues input. The codec may keep `data` until it was processed: the caller does not reuse it. */
  write(data: Uint8Array): void;
  /** Queues a sync flush (Z_SYNC_FLUSH): onFlushed once everything written before it was processed. */
  flush(): void;
  /** Queues a reset: the sliding window is forgotten (no context takeover) after the work queued so far. */
  reset(): void;
  /** Frees the stream at once; queued work is dropped and nothing more is reported. */
  close(): void;
}

export interface DeflaterSettings {
  /** 9-15 (the host's deflate cannot make the 256-byte window of 8). */
  windowBits: number;
  /** 0-9, as zlib. */
  level: number;
  /** 1-9, as zlib. */
  memLevel: number;
}

/**
 * Makes raw DEFLATE streams for permessage-deflate. On Node this is node:zlib
 * (transport/deflate-codec.ts); creating a codec must be cheap: the costly zlib state is made
 * on first use, and may be freed while the codec is idle with nothing to remember.
 */
export interface DeflateCodecPort {
  /** `windowBits` 8-15: the largest window the peer may use. */
  createInflater(windowBits: number, sink: CodecSink): RawCodec;
  createDeflater(settings: DeflaterSettings, sink: CodecSink): RawCodec;
}
