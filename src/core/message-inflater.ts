// Receiving compressed messages (RFC 7692 §6.2, §7.2.2): the payload of every frame of a
// message whose first frame had RSV1 set goes to a raw DEFLATE inflater as it arrives; at the
// last frame the empty-block trailer (00 00 FF FF) the server removed is put back and the
// stream flushed. The inflated size counts against maxMessageBytes piece by piece, so a small
// frame that inflates to gigabytes (a compression bomb) fails with 1009 as soon as it crosses
// the limit; text is checked as UTF-8 as it inflates. Inflating is asynchronous: the frame
// receiver stops decoding until the message is out (see FrameDecoder.pause), which keeps
// every event in the order the server sent it.

import { invalidUtf8 } from './assembler.js';
import { Opcode } from './constants.js';
import { ErrorCode, PayloadTooBigError, ProtocolError, type WebSocketError } from './errors.js';
import type { CodecSink, DeflateCodecPort, RawCodec, Utf8Check } from './ports.js';
import { Utf8Validator } from './utf8.js';

/** §7.2.2: the four bytes a sync flush ends with, which the sender removed. */
export const DEFLATE_TRAILER: Uint8Array = new Uint8Array([0x00, 0x00, 0xff, 0xff]);

/** What the inflater reports to (FrameReceiver implements it). */
export interface InflatedMessageHost {
  /**
   * A whole compressed message was inflated into `chunks` (`byteLength` bytes; text already
   * checked to be valid UTF-8).
   */
  onInflated(opcode: number, chunks: Uint8Array[], byteLength: number): void;
  /** The message was invalid (1007) or inflated past a limit (1009). */
  onInflateError(error: WebSocketError): void;
}

export interface MessageInflaterOptions {
  port: DeflateCodecPort;
  /** The server's window (server_max_window_bits agreed, 15 when none). */
  windowBits: number;
  /** server_no_context_takeover: every message starts with an empty window. */
  noContextTakeover: boolean;
  maxMessageBytes: number;
  isUtf8?: Utf8Check | undefined;
}

export class MessageInflater implements CodecSink {
  readonly #host: InflatedMessageHost;
  readonly #options: MessageInflaterOptions;
  /** Made on the first compressed message: a connection that never gets one pays nothing. */
  #codec: RawCodec | undefined;
  #utf8: Utf8Validator | undefined;
  #opcode = -1;
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  /** A limit was crossed or the data was invalid: nothing more is reported. */
  #isFailed = false;

  constructor(host: InflatedMessageHost, options: MessageInflaterOptions) {
    this.#host = host;
    this.#options = options;
  }

  /** The first frame of a compressed message (text or binary) arrived. */
  start(opcode: number): void {
    this.#opcode = opcode;
    this.#chunks = [];
    this.#bytes = 0;
    if (opcode === Opcode.Text) {
      this.#utf8 ??= new Utf8Validator(this.#options.isUtf8);
      this.#utf8.reset();
    }
    const { port, windowBits } = this.#options;
    this.#codec ??= port.createInflater(windowBits, this);
  }

  /** Compressed payload bytes of the message; kept until inflated (never reused by the caller). */
  write(bytes: Uint8Array): void {
    if (bytes.length !== 0) this.#codec!.write(bytes);
  }

  /** The last frame of the message ended: inflate the rest; the host hears once it is out. */
  finish(): void {
    const codec = this.#codec!;
    codec.write(DEFLATE_TRAILER);
    codec.flush();
    // §7.2.2: without context takeover, the next message starts with an empty window.
    if (this.#options.noContextTakeover) codec.reset();
  }

  /** Frees the inflater (the connection is over); nothing is reported after this. */
  close(): void {
    this.#isFailed = true;
    this.#codec?.close();
    this.#codec = undefined;
    this.#chunks = [];
  }

  onOutput(chunk: Uint8Array): boolean {
    if (this.#isFailed) return false;
    const bytes = this.#bytes + chunk.length;
    const { maxMessageBytes } = this.#options;
    if (bytes > maxMessageBytes) {
      return this.#failWith(
        new PayloadTooBigError(
          ErrorCode.MessageTooBig,
          `the server sent a compressed message that inflates to more than ${maxMessageBytes} bytes (maxMessageBytes); raise the limit if such messages are expected`,
          maxMessageBytes,
        ),
      );
    }
    if (this.#opcode === Opcode.Text && !this.#utf8!.feed(chunk)) {
      return this.#failWith(invalidUtf8());
    }
    this.#bytes = bytes;
    this.#chunks.push(chunk);
    return true;
  }

  onFlushed(): void {
    if (this.#isFailed) return;
    const opcode = this.#opcode;
    const chunks = this.#chunks;
    this.#chunks = [];
    this.#opcode = -1;
    if (opcode === Opcode.Text && !this.#utf8!.isComplete) {
      this.#failWith(invalidUtf8());
      return;
    }
    this.#host.onInflated(opcode, chunks, this.#bytes);
  }

  onInvalid(message: string): void {
    if (this.#isFailed) return;
    this.#failWith(
      new ProtocolError(
        ErrorCode.InvalidCompressedData,
        `the server sent a compressed message that does not inflate (${message})`,
        1007,
      ),
    );
  }

  #failWith(error: WebSocketError): false {
    this.close();
    this.#host.onInflateError(error);
    return false;
  }
}
