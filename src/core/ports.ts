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

export interface CorePorts {
  entropy: Entropy;
  sha1: Sha1;
  isUtf8?: Utf8Check | undefined;
  /**
   * The longest string the host's JavaScript engine can make, in UTF-16 code units (on Node,
   * `buffer.constants.MAX_STRING_LENGTH`; V8's 2^29 - 24 on 64-bit when absent). A text
   * message that would decode to a longer string fails the connection with 1009.
   */
  maxStringLength?: number | undefined;
}
