// Resumable push decoder for server-to-client frames (RFC 6455 §5.2). Accepts any split of
// the input, checks every header rule before a payload byte is accepted, and streams payload
// bytes to its sink as views into the input (no copies). Never throws on peer input.

import { MAX_CONTROL_PAYLOAD } from './constants.js';
import { ErrorCode, ProtocolError } from './errors.js';
import { isControlOpcode, isKnownOpcode } from './frame.js';

/** Receives the pieces of each decoded frame, in order. */
export interface FrameSink {
  /** A frame header passed the structural checks; `rsv` holds RSV1..RSV3 as bits 2..0. */
  onFrameHeader(fin: boolean, rsv: number, opcode: number, length: number): void;
  /** Part of the current frame's payload; a view valid only until the call returns. */
  onFramePayload(bytes: Uint8Array): void;
  /** The current frame is complete. */
  onFrameEnd(): void;
}

const STATE_HEADER = 0;
const STATE_PAYLOAD = 1;
const STATE_HALTED = 2;
/** Between frames, waiting for resume(): what arrives is kept unread (an inflation runs). */
const STATE_PAUSED = 3;

export class FrameDecoder {
  readonly #sink: FrameSink;
  /** RSV bits (as in `rsv` of onFrameHeader) that a negotiated extension gives meaning to. */
  allowedRsv = 0;
  #state = STATE_HEADER;
  #remaining = 0;
  /** A header that arrived in pieces (allocated the first time one does: that is rare). */
  #partial: Uint8Array | undefined;
  #partialLength = 0;
  /** Input that arrived while paused, in order (made when some does). */
  #held: Uint8Array[] | undefined;
  #heldBytes = 0;

  constructor(sink: FrameSink) {
    this.#sink = sink;
  }

  /** True once a header was rejected or `halt()` was called; later input is ignored. */
  get isHalted(): boolean {
    return this.#state === STATE_HALTED;
  }

  /** Stops decoding; the sink calls this when it fails the connection. */
  halt(): void {
    this.#state = STATE_HALTED;
    this.#held = undefined;
    this.#heldBytes = 0;
  }

  /** True between pause() and resume(). */
  get isPaused(): boolean {
    return this.#state === STATE_PAUSED;
  }

  /** Bytes kept unread while paused. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /**
   * Stops decoding after the frame that just ended (call it from onFrameEnd): the rest of the
   * input, and what push() gets from now on, waits for resume().
   */
  pause(): void {
    if (this.#state === STATE_HEADER) this.#state = STATE_PAUSED;
  }

  /** Decodes the input kept while paused; it may pause again. Returns a header's error. */
  resume(): ProtocolError | undefined {
    if (this.#state !== STATE_PAUSED) return undefined;
    this.#state = STATE_HEADER;
    const held = this.#held;
    if (held === undefined) return undefined;
    this.#held = undefined;
    this.#heldBytes = 0;
    for (let i = 0; i < held.length; i++) {
      if (this.#state === STATE_PAUSED) {
        // Paused again: the rest waits behind what that push kept.
        for (let j = i; j < held.length; j++) this.#hold(held[j]!);
        return undefined;
      }
      const error = this.push(held[i]!);
      if (error !== undefined) return error;
    }
    return undefined;
  }

  #hold(bytes: Uint8Array): void {
    (this.#held ??= []).push(bytes);
    this.#heldBytes += bytes.length;
  }

  /** Decodes `chunk`; returns the error that halted decoding, if a header broke a rule. */
  push(chunk: Uint8Array): ProtocolError | undefined {
    const length = chunk.length;
    let position = 0;
    while (position < length) {
      const state = this.#state;
      if (state === STATE_PAUSED) {
        this.#hold(position === 0 ? chunk : chunk.subarray(position));
        return undefined;
      }
      if (state === STATE_PAYLOAD) {
        const take = Math.min(this.#remaining, length - position);
        const end = position + take;
        this.#sink.onFramePayload(
          position === 0 && end === length ? chunk : chunk.subarray(position, end),
        );
        position = end;
        this.#remaining -= take;
        if (this.#remaining === 0 && this.#state === STATE_PAYLOAD) {
          this.#state = STATE_HEADER;
          this.#sink.onFrameEnd();
        }
        continue;
      }
      if (state === STATE_HALTED) return undefined;
      // STATE_HEADER: parse in place when the whole header is in this chunk.
      if (this.#partialLength === 0 && length - position >= 2) {
        const size = headerSize(chunk[position + 1]!);
        if (length - position >= size) {
          const error = this.#parseHeader(chunk, position);
          if (error !== undefined) return error;
          position += size;
          continue;
        }
      }
      // Slow path: gather the header byte by byte.
      const partial = (this.#partial ??= new Uint8Array(14));
      partial[this.#partialLength++] = chunk[position++]!;
      if (this.#partialLength >= 2) {
        if (this.#partialLength === 2) {
          // Reject on the first two bytes already, before the extended length arrives.
          const early = checkFirstBytes(partial[0]!, partial[1]!, this.allowedRsv);
          if (early !== undefined) {
            this.#state = STATE_HALTED;
            return early;
          }
        }
        if (this.#partialLength === headerSize(partial[1]!)) {
          this.#partialLength = 0;
          const error = this.#parseHeader(partial, 0);
          if (error !== undefined) return error;
        }
      }
    }
    return undefined;
  }

  #parseHeader(bytes: Uint8Array, at: number): ProtocolError | undefined {
    const first = bytes[at]!;
    const second = bytes[at + 1]!;
    const error = checkFirstBytes(first, second, this.allowedRsv);
    if (error !== undefined) {
      this.#state = STATE_HALTED;
      return error;
    }
    let payloadLength = second & 0x7f;
    if (payloadLength === 126) {
      payloadLength = (bytes[at + 2]! << 8) | bytes[at + 3]!;
    } else if (payloadLength === 127) {
      const high = readUint32(bytes, at + 2);
      // §5.2: the most significant bit of a 64-bit length MUST be 0.
      if (high >= 0x80000000) {
        this.#state = STATE_HALTED;
        return new ProtocolError(
          ErrorCode.InvalidFrameLength,
          'the server sent a frame whose 64-bit length has the most significant bit set',
        );
      }
      payloadLength = high * 0x100000000 + readUint32(bytes, at + 6);
    }
    const opcode = first & 0x0f;
    this.#remaining = payloadLength;
    this.#state = payloadLength === 0 ? STATE_HEADER : STATE_PAYLOAD;
    this.#sink.onFrameHeader((first & 0x80) !== 0, (first >> 4) & 0x7, opcode, payloadLength);
    if (payloadLength === 0 && this.#state === STATE_HEADER) this.#sink.onFrameEnd();
    return undefined;
  }
}

function headerSize(second: number): number {
  const length = second & 0x7f;
  // Server frames are never masked; a masked one is rejected on its first two bytes.
  return length < 126 ? 2 : length === 126 ? 4 : 10;
}

function readUint32(bytes: Uint8Array, at: number): number {
  return bytes[at]! * 0x1000000 + ((bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!);
}

/** The header rules that the first two bytes decide. */
function checkFirstBytes(
  first: number,
  second: number,
  allowedRsv: number,
): ProtocolError | undefined {
  const rsv = (first >> 4) & 0x7;
  // §5.2: RSV1-3 MUST be 0 unless an extension defines them.
  if ((rsv & ~allowedRsv) !== 0) {
    return new ProtocolError(
      ErrorCode.ReservedBits,
      `the server set reserved bits (RSV ${rsv.toString(2).padStart(3, '0')}) that no negotiated extension defines`,
    );
  }
  const opcode = first & 0x0f;
  // §5.2: reserved opcodes MUST fail the connection.
  if (!isKnownOpcode(opcode)) {
    return new ProtocolError(
      ErrorCode.ReservedOpcode,
      `the server sent a frame with reserved opcode 0x${opcode.toString(16)}`,
    );
  }
  if (isControlOpcode(opcode)) {
    // §5.5: control frames MUST NOT be fragmented and carry at most 125 bytes.
    if ((first & 0x80) === 0) {
      return new ProtocolError(
        ErrorCode.FragmentedControl,
        'the server sent a fragmented control frame',
      );
    }
    if ((second & 0x7f) > MAX_CONTROL_PAYLOAD) {
      return new ProtocolError(
        ErrorCode.ControlFrameTooLong,
        'the server sent a control frame longer than 125 bytes',
      );
    }
  }
  // §5.1: a client MUST close the connection if it detects a masked frame.
  if ((second & 0x80) !== 0) {
    return new ProtocolError(ErrorCode.MaskedFrame, 'the server sent a masked frame');
  }
  return undefined;
}
