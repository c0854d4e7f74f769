// What the client may send, checked before any byte is written (RFC 6455 §5.4-§5.5): the
// fragmentation sequence of outgoing messages, control payloads of at most 125 bytes, the
// opcodes sendFrame takes, and the code and reason of a Close; and the Pongs owed for Pings
// received. Writes through FrameWriter.

import { utf8Length } from './bytes.js';
import { isValidWireCloseCode } from './close.js';
import { MAX_CLOSE_REASON_BYTES, MAX_CONTROL_PAYLOAD, Opcode, ReadyState } from './constants.js';
import { ErrorCode, InvalidArgumentError, InvalidStateError } from './errors.js';
import { type FrameWriter, isKnownOpcode } from './frame.js';
import { type MessageDeflater, reachesThreshold } from './message-deflater.js';

/** Makes the deflater when the first message worth compressing is sent (ClientProtocol). */
export interface DeflaterFactory {
  createDeflater(): MessageDeflater;
}

/**
 * Data frames out, in a valid fragmentation sequence. Once permessage-deflate was agreed, a
 * whole message of at least the threshold goes through the deflater, made for the first one;
 * from then on every data frame does (it queues them behind a message it compresses).
 */
export class OutgoingMessages {
  readonly #writer: FrameWriter;
  /** Opcode of the fragmented message we are sending, or -1. */
  #sendingOpcode = -1;
  #deflater: MessageDeflater | undefined;
  #factory: DeflaterFactory | undefined;
  /** Payload bytes from which a whole message is compressed (Infinity: never). */
  #threshold = Number.POSITIVE_INFINITY;

  constructor(writer: FrameWriter) {
    this.#writer = writer;
  }

  get deflater(): MessageDeflater | undefined {
    return this.#deflater;
  }

  /** Compress whole messages of at least `threshold` bytes, with a deflater from `factory`. */
  enableDeflate(threshold: number, factory: DeflaterFactory): void {
    this.#threshold = threshold;
    this.#factory = factory;
  }

  /** A text message or fragment; returns its payload bytes. */
  text(text: string, fin: boolean): number {
    const opcode = this.#dataOpcode(Opcode.Text, fin);
    let deflater = this.#deflater;
    if (deflater === undefined) {
      const isWhole = fin && opcode !== Opcode.Continuation;
      if (!isWhole || !reachesThreshold(text, this.#threshold)) {
        return this.#writer.writeTextFrame(opcode, text, fin);
      }
      deflater = this.#makeDeflater();
    }
    return deflater.text(opcode, text, fin);
  }

  /** A data frame of `opcode` (text or binary) with bytes as its payload. */
  bytes(opcode: number, data: Uint8Array, fin: boolean): number {
    const frameOpcode = this.#dataOpcode(opcode, fin);
    let deflater = this.#deflater;
    if (deflater === undefined) {
      if (!fin || frameOpcode === Opcode.Continuation || data.length < this.#threshold) {
        this.#writer.writeFrame(frameOpcode, data, fin);
        return data.length;
      }
      deflater = this.#makeDeflater();
    }
    deflater.bytes(frameOpcode, data, fin);
    return data.length;
  }

  /** A continuation frame of the fragmented message being sent. */
  continuation(data: Uint8Array | string, fin: boolean): number {
    if (this.#sendingOpcode === -1) {
      throw new InvalidStateError(
        ErrorCode.InvalidState,
        'cannot send a continuation frame: no fragmented message was started',
      );
    }
    if (fin) this.#sendingOpcode = -1;
    const deflater = this.#deflater;
    if (typeof data === 'string') {
      if (deflater !== undefined) return deflater.text(Opcode.Continuation, data, fin);
      return this.#writer.writeTextFrame(Opcode.Continuation, data, fin);
    }
    if (deflater !== undefined) deflater.bytes(Opcode.Continuation, data, fin);
    else this.#writer.writeFrame(Opcode.Continuation, data, fin);
    return data.length;
  }

  #makeDeflater(): MessageDeflater {
    this.#deflater = this.#factory!.createDeflater();
    return this.#deflater;
  }

  /** Opcode for a new data frame: the message's opcode, or continuation inside a message. */
  #dataOpcode(opcode: number, fin: boolean): number {
    if (this.#sendingOpcode !== -1) {
      // Continuing a fragmented message of the same type.
      if (this.#sendingOpcode !== opcode) {
        throw new InvalidStateError(
          ErrorCode.InvalidState,
          'cannot start a new message before the fragmented one is finished',
        );
      }
      if (fin) this.#sendingOpcode = -1;
      return Opcode.Continuation;
    }
    if (!fin) this.#sendingOpcode = opcode;
    return opcode;
  }
}

/**
 * Pongs owed for received Pings (§5.5.2). While the caller holds Pongs back (one it wrote is
 * still unsent), a newer Ping replaces the one not answered yet (§5.5.3 allows answering only
 * the latest), so a peer that floods Pings and never reads cannot grow our output.
 */
export class PongAnswers {
  readonly #writer: FrameWriter;
  /** The payload of the latest Ping not answered yet. */
  #pending: Uint8Array | undefined;
  /** Pongs written to the output so far. */
  written = 0;

  constructor(writer: FrameWriter) {
    this.#writer = writer;
  }

  get isPending(): boolean {
    return this.#pending !== undefined;
  }

  /** A Ping arrived: answer it now, or with `holdBack` once the previous Pong is out. */
  owe(payload: Uint8Array, holdBack: boolean): void {
    this.#pending = payload;
    if (!holdBack) this.writePending();
  }

  /** Writes the Pong owed, if any. */
  writePending(): void {
    const payload = this.#pending;
    if (payload === undefined) return;
    this.#pending = undefined;
    this.written++;
    this.#writer.writeFrame(Opcode.Pong, payload, true);
  }
}

/** sendFrame takes continuation, text, binary, ping and pong; anything else throws. */
export function checkFrameOpcode(opcode: number): void {
  // A negative or fractional opcode is no opcode at all (-1 would pass for a control frame).
  const isOpcode = Number.isInteger(opcode) && opcode >= 0 && isKnownOpcode(opcode);
  if (!isOpcode || opcode === Opcode.Close) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidArgument,
      `opcode ${opcode} cannot be sent with sendFrame; use 0 (continuation), 1 (text), 2 (binary), 9 (ping) or 10 (pong)`,
    );
  }
}

/** A Ping or Pong payload fits in a control frame (§5.5: at most 125 bytes). */
export function checkControlPayload(data: Uint8Array, what: string): void {
  if (data.length > MAX_CONTROL_PAYLOAD) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidArgument,
      `a ${what} payload is at most 125 bytes (got ${data.length})`,
    );
  }
}

/** The code may be sent, and the reason fits in a Close frame (§5.5: at most 123 bytes). */
export function checkCloseArguments(code: number | undefined, reason: string): void {
  if (code !== undefined && !isValidWireCloseCode(code)) {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, `close code ${code} cannot be sent`);
  }
  if (utf8Length(reason) > MAX_CLOSE_REASON_BYTES) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidArgument,
      `the close reason is ${utf8Length(reason)} bytes of UTF-8; at most ${MAX_CLOSE_REASON_BYTES} fit in a Close frame`,
    );
  }
}

/** The error of a send in a state that allows none. */
export function cannotSend(what: string, state: ReadyState): InvalidStateError {
  return new InvalidStateError(
    ErrorCode.InvalidState,
    `cannot send ${what}: the connection is ${stateName(state)}`,
  );
}

/** The error of a Close asked for before the handshake completed. */
export function cannotCloseYet(): InvalidStateError {
  return new InvalidStateError(
    ErrorCode.InvalidState,
    'cannot send a Close frame before the handshake completed; abort the transport instead',
  );
}

function stateName(state: ReadyState): string {
  return state === ReadyState.CONNECTING
    ? 'still connecting'
    : state === ReadyState.OPEN
      ? 'closing (a Close frame was sent)'
      : state === ReadyState.CLOSING
        ? 'closing'
        : 'closed';
}
