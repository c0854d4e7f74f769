// Decoded frames to what the connection reports (RFC 6455 §5.4-§5.6): data frames go through
// the assembler into messages, or with `deliverFrames` into one event per frame (their
// payload buffered here, limits and UTF-8 still checked over the whole message); control
// frames are collected whole and handed to the protocol, which answers Pings and Closes.

import { checkTextLength, MessageAssembler, toMessage } from './assembler.js';
import { concatBytes } from './bytes.js';
import { Defaults, Opcode } from './constants.js';
import { ErrorCode, ProtocolError, type WebSocketError } from './errors.js';
import { isControlOpcode } from './frame.js';
import type { FrameSink } from './frame-decoder.js';
import type { InflatedMessageHost, MessageInflater } from './message-inflater.js';
import type { AllocateBytes, Utf8Check } from './ports.js';
import type { ProtocolEvent } from './protocol-types.js';

const EMPTY = new Uint8Array(0);
/** The frame chunk list of a receiver that delivers messages (it never adds to it). */
const NO_CHUNKS: Uint8Array[] = Object.freeze([]) as unknown as Uint8Array[];

/** What the receiver reports to (ClientProtocol implements it). */
export interface ReceivedFrameHost {
  /** A whole message, or with deliverFrames one data frame (opcode 0 for a continuation). */
  onData(event: ProtocolEvent & { type: 'message' | 'frame' }): void;
  /** A whole control frame: Ping, Pong or Close. */
  onControlFrame(opcode: number, payload: Uint8Array): void;
  /** Received data broke the protocol or a limit. */
  onReceiveError(error: WebSocketError): void;
  /** True while data frames are to be dropped unread (our Close is out, §7.1.2). */
  isDroppingData(): boolean;
  /**
   * The last frame of a compressed message ended and inflates asynchronously: stop decoding
   * (FrameDecoder.pause) until onInflateDone.
   */
  onInflateStarted(): void;
  /** The compressed message was delivered (or failed): decode what waited. */
  onInflateDone(): void;
  /**
   * The first compressed message arrived: the inflater for it (made then, so that a
   * connection that never gets one pays nothing), reporting to `host`.
   */
  createInflater(host: InflatedMessageHost, maxMessageBytes: number): MessageInflater;
}

/**
 * Smallest unfragmented, uncompressed message whose buffer is allocated from its header, so that
 * its payload is gathered there as it arrives (or read straight into it: receiveTarget).
 */
export const WHOLE_MESSAGE_BYTES = 64 * 1024;

/** RSV1 in onFrameHeader's `rsv` (RSV1..RSV3 as bits 2..0): "compressed" (RFC 7692 §6). */
const RSV1 = 0b100;

export interface FrameReceiverOptions {
  maxMessageBytes?: number | undefined;
  maxFragments?: number | undefined;
  /** Longest string the host can make: text that decodes longer fails with 1009. */
  maxTextLength: number;
  deliverFrames: boolean;
  isUtf8?: Utf8Check | undefined;
  /** Allocates the buffer of a message received in several chunks (CorePorts.allocate). */
  allocate?: AllocateBytes | undefined;
}

export class FrameReceiver implements FrameSink, InflatedMessageHost {
  readonly #host: ReceivedFrameHost;
  readonly #assembler: MessageAssembler;
  readonly #isDeliveringFrames: boolean;
  readonly #maxTextLength: number;
  /** The frame being decoded is a control frame with this opcode (-1: a data frame). */
  #controlOpcode = -1;
  #controlPayload: Uint8Array = EMPTY;
  #controlLength = 0;
  /** The data frame being decoded is dropped unread. */
  #isDiscardingFrame = false;
  /** In frame delivery: the current data frame's opcode, FIN bit and payload so far. */
  #frameOpcode = 0;
  #frameFin = false;
  #frameIsBinary = false;
  #frameChunks: Uint8Array[];
  /**
   * Made for the first compressed message (RSV1 reaches the receiver only once the protocol
   * allowed it: permessage-deflate was agreed).
   */
  #inflater: MessageInflater | undefined;
  /** The message being received is compressed (RSV1 on its first frame). */
  #isCompressed = false;
  readonly #maxMessageBytes: number;
  readonly #allocate: AllocateBytes | undefined;

  constructor(host: ReceivedFrameHost, options: FrameReceiverOptions) {
    this.#host = host;
    this.#isDeliveringFrames = options.deliverFrames;
    this.#frameChunks = options.deliverFrames ? [] : NO_CHUNKS;
    this.#maxTextLength = options.maxTextLength;
    this.#maxMessageBytes = options.maxMessageBytes ?? Defaults.maxMessageBytes;
    this.#allocate = options.allocate;
    this.#assembler = new MessageAssembler(
      {
        maxMessageBytes: this.#maxMessageBytes,
        maxFragments: options.maxFragments ?? Defaults.maxFragments,
        maxTextLength: options.maxTextLength,
      },
      options.isUtf8,
      !options.deliverFrames,
      options.allocate,
    );
  }

  /** Frees the inflater (the connection is over). */
  close(): void {
    this.#inflater?.close();
  }

  /** Our Close went out: drop the message being received and the rest of a data frame. */
  abandonData(): void {
    if (this.#isCompressed) {
      // The inflater may hold part of it: its window is lost, so nothing more is inflated.
      this.#inflater?.close();
      this.#isCompressed = false;
    }
    this.#assembler.abandon();
    if (this.#isDeliveringFrames) this.#frameChunks = [];
    if (this.#controlOpcode === -1) this.#isDiscardingFrame = true;
  }

  onFrameHeader(fin: boolean, rsv: number, opcode: number, length: number): void {
    this.#isDiscardingFrame = false;
    // RSV1 passed the decoder, so compression was agreed; it only marks a message's first frame.
    if ((rsv & RSV1) !== 0 && (opcode === Opcode.Continuation || isControlOpcode(opcode))) {
      this.#host.onReceiveError(misplacedRsv1(opcode));
      return;
    }
    if (isControlOpcode(opcode)) {
      this.#controlOpcode = opcode;
      this.#controlPayload = length === 0 ? EMPTY : new Uint8Array(length);
      this.#controlLength = 0;
      return;
    }
    this.#controlOpcode = -1;
    // §7.1.2: after our Close we only wait for the server's; its data is dropped unread.
    this.#isDiscardingFrame = this.#host.isDroppingData();
    if (this.#isDiscardingFrame) return;
    const error = this.#assembler.startFrame(opcode, fin, length);
    if (error !== undefined) {
      this.#host.onReceiveError(error);
      return;
    }
    if (opcode !== Opcode.Continuation) {
      this.#isCompressed = (rsv & RSV1) !== 0;
      if (this.#isCompressed) {
        this.#inflater ??= this.#host.createInflater(this, this.#maxMessageBytes);
        this.#inflater.start(opcode);
      }
    }
    if (this.#isCompressed) return;
    if (this.#isDeliveringFrames) {
      if (opcode !== Opcode.Continuation) this.#frameIsBinary = opcode === Opcode.Binary;
      this.#frameOpcode = opcode;
      this.#frameFin = fin;
      this.#frameChunks = [];
    } else if (fin && opcode !== Opcode.Continuation && length >= WHOLE_MESSAGE_BYTES) {
      this.#assembler.allocateWhole(length);
    }
  }

  /**
   * Where the rest of the current frame's payload may be read to without a copy: the unfilled
   * part of a large message's buffer, ending where its frame ends (see MessageAssembler).
   */
  receiveTarget(): Uint8Array | undefined {
    if (this.#isDiscardingFrame || this.#controlOpcode !== -1 || this.#isCompressed) {
      return undefined;
    }
    return this.#assembler.receiveTarget();
  }

  onFramePayload(bytes: Uint8Array): void {
    if (this.#isDiscardingFrame) return;
    if (this.#controlOpcode !== -1) {
      this.#controlPayload.set(bytes, this.#controlLength);
      this.#controlLength += bytes.length;
      return;
    }
    if (this.#isCompressed) {
      this.#inflater!.write(bytes);
      return;
    }
    const error = this.#assembler.addPayload(bytes);
    if (error !== undefined) this.#host.onReceiveError(error);
    else if (this.#isDeliveringFrames) this.#frameChunks.push(bytes);
  }

  onFrameEnd(): void {
    const opcode = this.#controlOpcode;
    if (this.#isDiscardingFrame) {
      this.#isDiscardingFrame = false;
      return;
    }
    if (opcode !== -1) {
      this.#controlOpcode = -1;
      this.#host.onControlFrame(opcode, this.#controlPayload);
      return;
    }
    if (this.#isCompressed) {
      if (!this.#assembler.endFrameUnread()) return;
      this.#isCompressed = false;
      this.#inflater!.finish();
      this.#host.onInflateStarted();
      return;
    }
    const result = this.#assembler.endFrame();
    if (result instanceof Error) {
      this.#host.onReceiveError(result);
      return;
    }
    if (this.#isDeliveringFrames) this.#endDeliveredFrame();
    else if (result !== undefined) {
      this.#host.onData({ type: 'message', data: result.data, isBinary: result.isBinary });
    }
  }

  /** The inflater is done with a compressed message: deliver it, then decode what waited. */
  onInflated(opcode: number, chunks: Uint8Array[], byteLength: number): void {
    if (this.#isDeliveringFrames) {
      // Frames of a compressed message mean nothing alone: it is delivered as one frame.
      this.#frameOpcode = opcode;
      this.#frameFin = true;
      this.#frameIsBinary = opcode === Opcode.Binary;
      this.#frameChunks = chunks;
      this.#endDeliveredFrame();
    } else {
      const message = toMessage(opcode, chunks, byteLength, this.#maxTextLength, this.#allocate);
      if (message instanceof Error) this.#host.onReceiveError(message);
      else this.#host.onData({ type: 'message', data: message.data, isBinary: message.isBinary });
    }
    this.#host.onInflateDone();
  }

  onInflateError(error: WebSocketError): void {
    this.#host.onReceiveError(error);
    this.#host.onInflateDone();
  }

  #endDeliveredFrame(): void {
    const chunks = this.#frameChunks;
    this.#frameChunks = [];
    if (!this.#frameIsBinary) {
      // The face decodes each frame as it comes, carrying at most one split character
      // over from the frame before: one code unit of room for it.
      let bytes = 0;
      for (const chunk of chunks) bytes += chunk.length;
      const tooLong = checkTextLength(chunks, bytes, this.#maxTextLength, 1);
      if (tooLong !== undefined) {
        this.#host.onReceiveError(tooLong);
        return;
      }
    }
    const data = chunks.length === 0 ? EMPTY : concatBytes(chunks, undefined, this.#allocate);
    const opcode = this.#frameOpcode;
    this.#host.onData({
      type: 'frame',
      data,
      opcode,
      fin: this.#frameFin,
      isBinary: this.#frameIsBinary,
    });
  }
}

function misplacedRsv1(opcode: number): ProtocolError {
  return new ProtocolError(
    ErrorCode.ReservedBits,
    opcode === Opcode.Continuation
      ? 'the server set RSV1 (compressed) on a continuation frame; only the first frame of a message may carry it'
      : 'the server set RSV1 (compressed) on a control frame; control frames are never compressed',
  );
}
