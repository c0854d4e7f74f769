// Sending compressed messages (RFC 7692 §6.1, §7.2.1). A whole message (not one sent in
// frames by hand) of at least `threshold` bytes is deflated with a sync flush; its four-byte
// empty-block trailer (00 00 FF FF) is removed and the rest goes out as one frame with RSV1
// set. Deflating is asynchronous, so every data frame and the Close sent after a compressed
// message wait in a queue behind it: messages leave in the order they were sent. Pings and
// Pongs do not wait (control frames may go between messages).

import { concatBytes, utf8Encode, utf8Length } from './bytes.js';
import { Opcode } from './constants.js';
import type { FrameWriter } from './frame.js';
import type { CodecSink, DeflateCodecPort, DeflaterSettings, RawCodec } from './ports.js';
import type { CodecListener } from './protocol-types.js';

export interface MessageDeflaterOptions extends DeflaterSettings {
  port: DeflateCodecPort;
  /** client_no_context_takeover agreed: every message is deflated with an empty window. */
  noContextTakeover: boolean;
  /** Messages of fewer payload bytes go out uncompressed. */
  threshold: number;
}

/** A frame waiting behind a message being deflated. */
interface Queued {
  readonly opcode: number;
  readonly fin: boolean;
  /** True: deflating; its frame is written when the codec flushed it. */
  readonly isCompressed: boolean;
  /** The payload (our own copy) of a frame sent as it is. */
  readonly data: Uint8Array | undefined;
  /** Payload bytes as the application sent them (counted by the caller at send time). */
  readonly bytes: number;
}

export class MessageDeflater implements CodecSink {
  readonly #writer: FrameWriter;
  readonly #options: MessageDeflaterOptions;
  /** Hears when frames left the queue for the writer (asynchronously, from the codec). */
  readonly #listener: CodecListener | undefined;
  /** Made on the first message deflated: a connection that never sends one pays nothing. */
  #codec: RawCodec | undefined;
  #queue: Queued[] = [];
  #queuedDataFrames = 0;
  #queuedBytes = 0;
  /** Deflated output of the oldest message being deflated. */
  #output: Uint8Array[] = [];
  #outputBytes = 0;
  #isClosed = false;

  constructor(
    writer: FrameWriter,
    options: MessageDeflaterOptions,
    listener: CodecListener | undefined,
  ) {
    this.#writer = writer;
    this.#options = options;
    this.#listener = listener;
  }

  /** Data frames accepted and not yet handed to the writer. */
  get queuedDataFrames(): number {
    return this.#queuedDataFrames;
  }

  /** Their payload bytes, as sent by the application. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** True while something waits behind a message being deflated. */
  get isBusy(): boolean {
    return this.#queue.length !== 0;
  }

  /** A text frame; returns its payload bytes. */
  text(opcode: number, text: string, fin: boolean): number {
    if (this.#isWholeMessage(opcode, fin) && reachesThreshold(text, this.#options.threshold)) {
      const bytes = utf8Encode(text);
      this.#deflate(opcode, bytes);
      return bytes.length;
    }
    if (!this.isBusy) return this.#writer.writeTextFrame(opcode, text, fin);
    const bytes = utf8Encode(text);
    this.#enqueue(opcode, fin, bytes);
    return bytes.length;
  }

  /** A binary (or text) frame with `data` as payload; `data` is not kept: it is copied. */
  bytes(opcode: number, data: Uint8Array, fin: boolean): number {
    if (this.#isWholeMessage(opcode, fin) && data.length >= this.#options.threshold) {
      this.#deflate(opcode, new Uint8Array(data));
    } else if (this.isBusy) {
      this.#enqueue(opcode, fin, new Uint8Array(data));
    } else {
      this.#writer.writeFrame(opcode, data, fin);
    }
    return data.length;
  }

  /** Writes a Close frame, after the messages waiting (nothing follows it: the queue ends). */
  close(payload: Uint8Array): void {
    if (this.isBusy) {
      this.#queue.push({
        opcode: Opcode.Close,
        fin: true,
        isCompressed: false,
        data: payload,
        bytes: 0,
      });
    } else {
      this.#writer.writeFrame(Opcode.Close, payload, true);
    }
  }

  /** Frees the codec and forgets what waits (the connection is over). */
  dispose(): void {
    this.#isClosed = true;
    this.#codec?.close();
    this.#codec = undefined;
    this.#queue = [];
    this.#queuedDataFrames = 0;
    this.#queuedBytes = 0;
    this.#output = [];
  }

  onOutput(chunk: Uint8Array): boolean {
    if (this.#isClosed) return false;
    this.#output.push(chunk);
    this.#outputBytes += chunk.length;
    return true;
  }

  onFlushed(): void {
    if (this.#isClosed) return;
    const head = this.#queue.shift()!;
    this.#countOut(head);
    this.#writer.writeFrame(head.opcode, this.#takePayload(), true, true);
    // What waited behind it goes out, up to the next message being deflated.
    while (this.#queue.length !== 0 && !this.#queue[0]!.isCompressed) {
      const next = this.#queue.shift()!;
      this.#countOut(next);
      this.#writer.writeFrame(next.opcode, next.data!, next.fin);
    }
    this.#listener?.onCodecProgress();
  }

  onInvalid(): void {
    // Only inflaters report invalid input.
  }

  /** A message sent whole (not fragmented by hand) may be compressed (§6: per message). */
  #isWholeMessage(opcode: number, fin: boolean): boolean {
    return fin && opcode !== Opcode.Continuation;
  }

  #deflate(opcode: number, bytes: Uint8Array): void {
    const codec = (this.#codec ??= this.#options.port.createDeflater(this.#options, this));
    codec.write(bytes);
    codec.flush();
    if (this.#options.noContextTakeover) codec.reset();
    this.#queue.push({
      opcode,
      fin: true,
      isCompressed: true,
      data: undefined,
      bytes: bytes.length,
    });
    this.#queuedDataFrames++;
    this.#queuedBytes += bytes.length;
  }

  #enqueue(opcode: number, fin: boolean, data: Uint8Array): void {
    this.#queue.push({ opcode, fin, isCompressed: false, data, bytes: data.length });
    this.#queuedDataFrames++;
    this.#queuedBytes += data.length;
  }

  #countOut(frame: Queued): void {
    if (frame.opcode === Opcode.Close) return;
    this.#queuedDataFrames--;
    this.#queuedBytes -= frame.bytes;
  }

  /** The deflated message without the trailer of its sync flush (§7.2.1). */
  #takePayload(): Uint8Array {
    const chunks = this.#output;
    let length = this.#outputBytes;
    this.#output = [];
    this.#outputBytes = 0;
    // An empty message deflates to the trailer alone, or to nothing at all right after another
    // sync flush; §7.2.3.6 sends it as one 00 byte (an empty payload does not inflate).
    if (length === 0) return new Uint8Array(1);
    const payload = concatBytes(chunks, length);
    if (endsWithTrailer(payload, length)) length -= 4;
    return length === 0 ? new Uint8Array(1) : payload.subarray(0, length);
  }
}

/** Text of at least `threshold` bytes of UTF-8 (counted only when it cannot be told sooner). */
export function reachesThreshold(text: string, threshold: number): boolean {
  // A code unit is 1 to 3 bytes: most texts are decided without counting.
  if (text.length >= threshold) return true;
  if (text.length * 3 < threshold) return false;
  return utf8Length(text) >= threshold;
}

function endsWithTrailer(bytes: Uint8Array, length: number): boolean {
  return (
    length >= 4 &&
    bytes[length - 4] === 0x00 &&
    bytes[length - 3] === 0x00 &&
    bytes[length - 2] === 0xff &&
    bytes[length - 1] === 0xff
  );
}
