// Data frames to messages (RFC 6455 §5.4, §5.6): enforces the fragmentation sequence, the
// message size and fragment-count limits before anything is buffered, and validates text
// as UTF-8 incrementally so that bad bytes fail the connection as soon as they arrive.

import { concatBytes } from './bytes.js';
import { Opcode, V8_MAX_STRING_LENGTH } from './constants.js';
import { ErrorCode, PayloadTooBigError, ProtocolError } from './errors.js';
import type { AllocateBytes, Utf8Check } from './ports.js';
import { Utf8Validator } from './utf8.js';

/** A text message: its data is a string. */
export interface TextMessage {
  readonly data: string;
  readonly isBinary: false;
}

/** A binary message: its data is bytes. */
export interface BinaryMessage {
  readonly data: Uint8Array;
  readonly isBinary: true;
}

/** A received message; `isBinary` tells which (`if (m.isBinary)` narrows `data` to bytes). */
export type Message = TextMessage | BinaryMessage;

export interface AssemblerLimits {
  /** Largest message accepted, in bytes, summed over its fragments. */
  maxMessageBytes: number;
  /** Most frames one message may be split into. */
  maxFragments: number;
  /**
   * Longest string a text message may decode to, in UTF-16 code units: the host's string
   * limit (V8's by default). Longer text fails with 1009 instead of throwing while decoding.
   */
  maxTextLength?: number | undefined;
}

const NO_CHUNKS: readonly Uint8Array[] = [];

// ignoreBOM: a leading U+FEFF is part of the message text and must reach the application.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

export class MessageAssembler {
  readonly #maxMessageBytes: number;
  readonly #maxFragments: number;
  readonly #maxTextLength: number;
  readonly #isUtf8: Utf8Check | undefined;
  /** Made for the first text message (a connection may receive none). */
  #utf8: Utf8Validator | undefined;
  /** Opcode of the message being assembled, or -1 between messages. */
  #opcode = -1;
  #fin = false;
  /** Payload of the message so far; made for its first bytes (idle connections have none). */
  #chunks: Uint8Array[] | undefined;
  #bytes = 0;
  #fragments = 0;
  /** Allocates the buffer of a message in several chunks (the host's, when it has one). */
  readonly #allocate: AllocateBytes | undefined;

  /**
   * The buffer of a large unfragmented message, allocated from its header; its first `#filled`
   * bytes are received. A transport may read straight into the rest (receiveTarget).
   */
  #whole: Uint8Array | undefined;
  #filled = 0;

  /** False: check limits and UTF-8 only, keep no payload (the caller takes frames as they come). */
  readonly #retainPayload: boolean;

  constructor(
    limits: AssemblerLimits,
    isUtf8?: Utf8Check,
    retainPayload = true,
    allocate?: AllocateBytes,
  ) {
    this.#retainPayload = retainPayload;
    this.#allocate = allocate;
    this.#maxMessageBytes = limits.maxMessageBytes;
    this.#maxFragments = limits.maxFragments;
    this.#maxTextLength = limits.maxTextLength ?? V8_MAX_STRING_LENGTH;
    this.#isUtf8 = isUtf8;
  }

  /** True while a fragmented message has started and not yet finished. */
  get isInMessage(): boolean {
    return this.#opcode !== -1;
  }

  /** Drops the message being assembled (the connection is closing and will not deliver it). */
  abandon(): void {
    this.#opcode = -1;
    this.#chunks = undefined;
    this.#whole = undefined;
    this.#bytes = 0;
  }

  /**
   * The frame just started (startFrame accepted it) is a whole message of `length` bytes whose
   * payload stays as it is (not compressed): its buffer is allocated now, and the payload is
   * gathered into it as it arrives.
   */
  allocateWhole(length: number): void {
    if (!this.#retainPayload || !this.#fin || this.#fragments !== 1) return;
    this.#whole = this.#allocate === undefined ? new Uint8Array(length) : this.#allocate(length);
    this.#filled = 0;
  }

  /**
   * The unreceived rest of the buffer of a message allocated by allocateWhole, never past its
   * frame's payload; bytes read into its start and then passed to addPayload (as a view at that
   * place) are taken without a copy. Undefined when no such message is being received.
   */
  receiveTarget(): Uint8Array | undefined {
    const whole = this.#whole;
    if (whole === undefined || this.#filled === whole.length) return undefined;
    return whole.subarray(this.#filled);
  }

  /** A data frame header arrived. */
  startFrame(opcode: number, fin: boolean, length: number): ProtocolError | undefined {
    if (opcode === Opcode.Continuation) {
      // §5.4: a continuation frame only continues a started message.
      if (this.#opcode === -1) {
        return new ProtocolError(
          ErrorCode.UnexpectedContinuation,
          'the server sent a continuation frame but no fragmented message was in progress',
        );
      }
    } else if (this.#opcode !== -1) {
      // §5.4: fragments of one message are not interleaved with another message.
      return new ProtocolError(
        ErrorCode.ExpectedContinuation,
        'the server started a new data message before finishing the fragmented one',
      );
    } else {
      this.#opcode = opcode;
      this.#bytes = 0;
      this.#fragments = 0;
      if (opcode === Opcode.Text) {
        if (this.#utf8 === undefined) this.#utf8 = new Utf8Validator(this.#isUtf8);
        else this.#utf8.reset();
      }
    }
    this.#fin = fin;
    const maxMessageBytes = this.#maxMessageBytes;
    const maxFragments = this.#maxFragments;
    if (this.#bytes + length > maxMessageBytes) {
      return new PayloadTooBigError(
        ErrorCode.MessageTooBig,
        `the server sent a message of more than ${maxMessageBytes} bytes (maxMessageBytes); raise the limit if such messages are expected`,
        maxMessageBytes,
      );
    }
    if (++this.#fragments > maxFragments) {
      return new PayloadTooBigError(
        ErrorCode.TooManyFragments,
        `the server split a message into more than ${maxFragments} frames (maxFragments)`,
        maxFragments,
      );
    }
    this.#bytes += length;
    // Every UTF-16 code unit takes at least one byte and at most three, so text over three
    // times the string limit can be refused from its headers, before it is buffered.
    if (this.#opcode === Opcode.Text && this.#bytes > 3 * this.#maxTextLength) {
      return textTooLong(this.#maxTextLength);
    }
    return undefined;
  }

  /** Payload bytes of the current data frame. */
  addPayload(bytes: Uint8Array): ProtocolError | undefined {
    if (this.#opcode === Opcode.Text && !this.#utf8!.feed(bytes)) {
      return invalidUtf8();
    }
    const whole = this.#whole;
    if (whole !== undefined) {
      // Bytes already in place (read into receiveTarget()) are only counted.
      if (bytes.buffer !== whole.buffer || bytes.byteOffset !== whole.byteOffset + this.#filled) {
        whole.set(bytes, this.#filled);
      }
      this.#filled += bytes.length;
    } else if (this.#retainPayload) {
      if (this.#chunks === undefined) this.#chunks = [bytes];
      else this.#chunks.push(bytes);
    }
    return undefined;
  }

  /**
   * The current data frame ended and its payload went elsewhere (a compressed message, inflated
   * apart): returns true when it was the message's last frame.
   */
  endFrameUnread(): boolean {
    if (!this.#fin) return false;
    this.#opcode = -1;
    this.#chunks = undefined;
    this.#whole = undefined;
    return true;
  }

  /** The current data frame ended; returns the message when it was the last fragment. */
  endFrame(): Message | ProtocolError | undefined {
    if (!this.#fin) return undefined;
    const opcode = this.#opcode;
    const whole = this.#whole;
    const chunks = whole === undefined ? this.#chunks : [whole];
    this.#opcode = -1;
    this.#chunks = undefined;
    this.#whole = undefined;
    // §8.1: the whole text message must be valid UTF-8, also at its end.
    if (opcode === Opcode.Text && !this.#utf8!.isComplete) return invalidUtf8();
    return toMessage(opcode, chunks ?? NO_CHUNKS, this.#bytes, this.#maxTextLength, this.#allocate);
  }
}

/**
 * The message whose payload is `chunks` (`byteLength` bytes in all; text already checked to be
 * valid UTF-8), or the error of text too long for a string.
 */
export function toMessage(
  opcode: number,
  chunks: readonly Uint8Array[],
  byteLength: number,
  maxTextLength: number,
  allocate?: AllocateBytes,
): Message | PayloadTooBigError {
  if (opcode === Opcode.Text) {
    const tooLong = checkTextLength(chunks, byteLength, maxTextLength);
    if (tooLong !== undefined) return tooLong;
  }
  const bytes = chunks.length === 0 ? new Uint8Array(0) : concatBytes(chunks, byteLength, allocate);
  if (opcode === Opcode.Binary) return { data: bytes, isBinary: true };
  return { data: bytes.length === 0 ? '' : decoder.decode(bytes), isBinary: false };
}

/**
 * Refuses valid UTF-8 `chunks` (`byteLength` bytes in all) that would decode, with `carried`
 * code units decoded before them, to more than `maxTextLength` UTF-16 code units: the longest
 * string the host can make. Decoding them would throw (ERR_STRING_TOO_LONG on Node) in the
 * middle of reading the socket.
 */
export function checkTextLength(
  chunks: readonly Uint8Array[],
  byteLength: number,
  maxTextLength: number,
  carried = 0,
): PayloadTooBigError | undefined {
  // At most one code unit per byte: only text longer in bytes than the limit needs counting.
  if (byteLength + carried <= maxTextLength) return undefined;
  return utf16Length(chunks) + carried > maxTextLength ? textTooLong(maxTextLength) : undefined;
}

/** UTF-16 code units of valid UTF-8: one per sequence, two for a 4-byte one (§8.1). */
function utf16Length(chunks: readonly Uint8Array[]): number {
  let units = 0;
  for (const chunk of chunks) {
    for (let i = 0; i < chunk.length; i++) {
      const byte = chunk[i]!;
      if ((byte & 0xc0) !== 0x80) units += byte >= 0xf0 ? 2 : 1;
    }
  }
  return units;
}

function textTooLong(maxTextLength: number): PayloadTooBigError {
  return new PayloadTooBigError(
    ErrorCode.MessageTooBig,
    `the server sent a text message longer than ${maxTextLength} characters, the longest string JavaScript can hold; it cannot be delivered`,
    maxTextLength,
  );
}

export function invalidUtf8(): ProtocolError {
  return new ProtocolError(
    ErrorCode.InvalidUtf8,
    'the server sent a text message that is not valid UTF-8',
    1007,
  );
}
