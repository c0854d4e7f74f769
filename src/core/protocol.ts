// The client connection state machine, sans I/O (RFC 6455 §4-§7). Bytes go in through
// receiveData/receiveEof, intents through send*; the caller drains eventsReceived() and
// dataToSend() and does the I/O. Peer input never throws: a violation fails the connection
// (§7.1.7), queues the Close frame and reports the error as an event. The opening handshake
// (request, response head, 1xx, refusal body) is read by opening-handshake.ts, decoded frames
// become messages in frame-receiver.ts.

import { toBytes } from './bytes.js';
import { isValidWireCloseCode, parseClosePayload, serializeClosePayload } from './close.js';
import { CloseCode, Opcode, ReadyState, V8_MAX_STRING_LENGTH } from './constants.js';
import type { CloseFrame, HandshakeError, ProtocolError, WebSocketError } from './errors.js';
import { FrameWriter, isControlOpcode } from './frame.js';
import { FrameDecoder } from './frame-decoder.js';
import { FrameReceiver, type ReceivedFrameHost } from './frame-receiver.js';
import { MessageDeflater } from './message-deflater.js';
import { type InflatedMessageHost, MessageInflater } from './message-inflater.js';
import { OpeningHandshake } from './opening-handshake.js';
import {
  cannotCloseYet,
  cannotSend,
  checkCloseArguments,
  checkControlPayload,
  checkFrameOpcode,
  type DeflaterFactory,
  OutgoingMessages,
  PongAnswers,
} from './outgoing.js';
import type { AgreedDeflate, ResolvedDeflateOptions } from './permessage-deflate.js';
import type { CorePorts } from './ports.js';
import type { ClientProtocolOptions, CodecListener, ProtocolEvent } from './protocol-types.js';

export type { ClientProtocolOptions, ProtocolEvent } from './protocol-types.js';

const PHASE_HANDSHAKE = 0;
const PHASE_FRAMES = 1;
const PHASE_DISCARD = 2;

const EMPTY = new Uint8Array(0);
/** RSV1 in FrameDecoder.allowedRsv: "compressed" (RFC 7692 §6). */
const RSV1 = 0b100;

/** One client connection's protocol state. */
export class ClientProtocol implements ReceivedFrameHost, DeflaterFactory {
  #state: ReadyState = ReadyState.CONNECTING;
  #phase = PHASE_HANDSHAKE;
  readonly #ports: CorePorts;
  /** Reads the server's answer; dropped once the connection opened. */
  #handshake: OpeningHandshake | undefined;
  readonly #decoder: FrameDecoder;
  readonly #receiver: FrameReceiver;
  readonly #writer: FrameWriter;
  /** Events not drained yet; made for the first one. */
  #events: ProtocolEvent[] | undefined;
  /** Data frames out; made for the first one (or once compression was agreed). */
  #outgoing: OutgoingMessages | undefined;
  #closeSent: CloseFrame | undefined;
  /** Pongs owed; made for the first Ping received. */
  #pongs: PongAnswers | undefined;
  /** Set by the caller while a Pong it wrote is still unsent: see PongAnswers (§5.5.3). */
  holdPongs = false;
  #closeReceived: CloseFrame | undefined;
  #failure: WebSocketError | undefined;
  #eofReceived = false;
  /** The end of input came while a compressed message inflated: it counts once that is out. */
  #isEofDeferred = false;
  /** A compressed message is being inflated now. */
  #isInflatingMessage = false;
  /** Set by holdInput(): input behind a compressed message stays undecoded. */
  #isInputHeld = false;
  #endRequested = false;
  readonly #holdFailureClose: boolean;
  readonly #receiveAfterClose: boolean;
  /** Close code of a failure found in received data, whose Close frame is not written yet. */
  #pendingCloseCode: number | undefined;
  /** Dropped after the handshake when compression was not agreed (never called then). */
  #codecListener: CodecListener | undefined;
  /** permessage-deflate to offer (undefined: none). */
  readonly #deflateSettings: ResolvedDeflateOptions | undefined;
  /** What the handshake agreed on, once permessage-deflate was. */
  #agreedDeflate: AgreedDeflate | undefined;
  /** Data frames sent (sendText, sendBinary, sendFrame), counted to tell which were written. */
  #dataFramesSent = 0;

  constructor(options: ClientProtocolOptions) {
    this.#ports = options.ports;
    this.#holdFailureClose = options.holdFailureClose === true;
    this.#receiveAfterClose = options.receiveAfterClose === true;
    this.#codecListener = options.codecListener;
    this.#receiver = new FrameReceiver(this, {
      maxMessageBytes: options.maxMessageBytes,
      maxFragments: options.maxFragments,
      maxTextLength: options.ports.maxStringLength ?? V8_MAX_STRING_LENGTH,
      deliverFrames: options.deliverFrames === true,
      isUtf8: options.ports.isUtf8,
      allocate: options.ports.allocate,
    });
    this.#decoder = new FrameDecoder(this.#receiver);
    this.#writer = new FrameWriter(options.ports.entropy);
    // Compression is offered only with a codec to do it (ports.deflate).
    this.#deflateSettings =
      options.ports.deflate === undefined ? undefined : options.perMessageDeflate;
    this.#handshake = new OpeningHandshake({
      ...options,
      perMessageDeflate: this.#deflateSettings,
    });
    this.#writer.writeRaw(this.#handshake.requestBytes);
  }

  get state(): ReadyState {
    return this.#state;
  }
  /** The Close frame we sent, if any. */
  get closeSent(): CloseFrame | undefined {
    return this.#closeSent;
  }
  /** The Close frame the server sent, if any. */
  get closeReceived(): CloseFrame | undefined {
    return this.#closeReceived;
  }
  /** Why the connection failed (handshake, protocol or EOF during the handshake). */
  get failure(): WebSocketError | undefined {
    return this.#failure;
  }
  /** True while the head of a refused handshake was read and its body is still arriving. */
  get isReadingRefusalBody(): boolean {
    return this.#phase === PHASE_HANDSHAKE && this.#handshake!.isReadingRefusalBody;
  }
  /** Bytes produced and not yet drained. */
  get pendingBytes(): number {
    return this.#writer.pendingBytes;
  }

  /**
   * Data frames sent so far whose bytes are in the output (the rest wait behind a message
   * being compressed): a caller tracking sends by number knows which were written.
   */
  get dataFramesWritten(): number {
    return this.#dataFramesSent - (this.#outgoing?.deflater?.queuedDataFrames ?? 0);
  }

  /** Data frames sent so far. */
  get dataFramesSent(): number {
    return this.#dataFramesSent;
  }

  /** Payload bytes of sent data frames waiting behind a message being compressed. */
  get queuedSendBytes(): number {
    return this.#outgoing?.deflater?.queuedBytes ?? 0;
  }

  /** Received bytes kept unread while a compressed message inflates. */
  get heldReceivedBytes(): number {
    return this.#decoder.heldBytes;
  }

  /** Events since the last call, in order. */
  eventsReceived(): ProtocolEvent[] {
    const events = this.#events;
    if (events === undefined) return [];
    this.#events = undefined;
    return events;
  }

  /**
   * Bytes to write to the transport since the last call, in order. With `withPong` false, a
   * Pong held back for a Ping stays pending (the transport has not sent the previous one).
   * A Close frame that fails the connection for a fault in received data comes last: whatever
   * was sent while handling the events received before the fault goes first (unless
   * `holdFailureClose`, when the caller writes it with sendPendingClose()).
   */
  dataToSend(withPong = true): Uint8Array[] {
    if (withPong) this.#pongs?.writePending();
    if (!this.#holdFailureClose) this.sendPendingClose();
    return this.#writer.takeOutput();
  }

  /** True while a Ping waits for its (coalesced) Pong. */
  get hasPendingPong(): boolean {
    return this.#pongs?.isPending === true;
  }

  /** Pongs written to the output so far (the caller tells which write carried one). */
  get pongsWritten(): number {
    return this.#pongs?.written ?? 0;
  }

  /** True when received data failed the connection and its Close frame is not written yet. */
  get hasPendingClose(): boolean {
    return this.#pendingCloseCode !== undefined;
  }

  /**
   * Writes the Close frame of a failure found in received data (§7.1.7), once the events
   * received before the fault were handled; a Pong still owed goes first. Does nothing when
   * none is pending.
   */
  sendPendingClose(): void {
    const code = this.#pendingCloseCode;
    if (code === undefined) return;
    this.#pendingCloseCode = undefined;
    if (this.#closeSent === undefined && !this.#eofReceived) {
      this.#writeClose({ code, reason: '' }, serializeClosePayload(code));
    }
    this.#endRequested = true;
  }

  /** Number of the last dataToSend() call. */
  get outputEpoch(): number {
    return this.#writer.outputEpoch;
  }

  /** The bytes of dataToSend() calls up to number `epoch` were written: buffers may be reused. */
  releaseOutput(epoch: number): void {
    this.#writer.releaseOutput(epoch);
  }

  /**
   * True when our side should end the transport (half-close) after writing: the connection
   * failed, or the handshake was refused. Not while frames (our Close among them) still wait
   * behind a message being compressed: ending first would lose them.
   */
  get isEndRequested(): boolean {
    return this.#endRequested && this.#outgoing?.deflater?.isBusy !== true;
  }

  /**
   * True when the transport is expected to close now: the close frames were exchanged
   * (§7.1.1: the server closes TCP first, the client waits) or the connection failed.
   */
  closeExpected(): boolean {
    return (
      this.#state === ReadyState.CLOSED ||
      this.#failure !== undefined ||
      (this.#closeSent !== undefined && this.#closeReceived !== undefined)
    );
  }

  // ---------------------------------------------------------------- bytes in

  /** Feeds bytes from the transport. The protocol may keep views of `data`: do not reuse it. */
  receiveData(data: Uint8Array): void {
    switch (this.#phase) {
      case PHASE_FRAMES: {
        const error = this.#decoder.push(data);
        if (error !== undefined) this.#fail(error);
        return;
      }
      case PHASE_HANDSHAKE:
        this.#receiveHandshake(data);
        return;
      default:
        return;
    }
  }

  /**
   * Where the transport may read the next bytes to, instead of a buffer of its own: the rest of
   * a large message's buffer, never past its frame (so no next header lands in it). Bytes read
   * there and passed to receiveData() as a view at that very place are taken without a copy.
   * Undefined when there is no such place; ask again before each read.
   */
  receiveTarget(): Uint8Array | undefined {
    if (this.#phase !== PHASE_FRAMES || this.#decoder.isHalted) return undefined;
    return this.#receiver.receiveTarget();
  }

  /** True while a compressed message inflates, or input behind one is held (holdInput). */
  get isInflating(): boolean {
    return this.#phase === PHASE_FRAMES && this.#decoder.isPaused;
  }

  /**
   * The transport reached end of input. While a compressed message inflates, the end counts
   * only after it and the frames that arrived behind it (often the server's Close).
   */
  receiveEof(): void {
    if (this.#eofReceived) return;
    if (this.isInflating) {
      this.#isEofDeferred = true;
      return;
    }
    this.#eofReceived = true;
    if (this.#phase === PHASE_HANDSHAKE) this.#fail(this.#handshake!.receiveEof());
    this.#stopReading();
    this.#state = ReadyState.CLOSED;
  }

  #receiveHandshake(data: Uint8Array): void {
    const outcome = this.#handshake!.receive(data);
    if (outcome === undefined) return;
    if (outcome.type === 'failed') {
      this.#fail(outcome.error);
      return;
    }
    this.#handshake = undefined;
    this.#state = ReadyState.OPEN;
    this.#phase = PHASE_FRAMES;
    const { protocol, extensions, head, rest } = outcome;
    if (outcome.deflate !== undefined) this.#enableDeflate(outcome.deflate);
    else this.#codecListener = undefined;
    this.#emit({ type: 'open', protocol, extensions, head });
    // Frames may follow the response in the same read (§4.1: data after the handshake).
    if (rest.length > 0) this.receiveData(rest);
  }

  /**
   * permessage-deflate was agreed (RFC 7692): RSV1 means compressed, both ways. The inflater
   * and the deflater are made for the first compressed message in their direction.
   */
  #enableDeflate(agreed: AgreedDeflate): void {
    const settings = this.#deflateSettings;
    // The handshake offers compression only with a codec and settings at hand.
    if (this.#ports.deflate === undefined || settings === undefined) return;
    this.#agreedDeflate = agreed;
    this.#decoder.allowedRsv = RSV1;
    // Nothing was sent before the open: the outgoing messages, made at the first send,
    // compress (see #messagesOut).
  }

  /** Called by the frame receiver for the first compressed message. */
  createInflater(host: InflatedMessageHost, maxMessageBytes: number): MessageInflater {
    const agreed = this.#agreedDeflate!;
    return new MessageInflater(host, {
      port: this.#ports.deflate!,
      windowBits: agreed.serverMaxWindowBits,
      noContextTakeover: agreed.serverNoContextTakeover,
      maxMessageBytes,
      isUtf8: this.#ports.isUtf8,
    });
  }

  /** Called by the outgoing messages for the first message worth compressing. */
  createDeflater(): MessageDeflater {
    const agreed = this.#agreedDeflate!;
    const settings = this.#deflateSettings!;
    return new MessageDeflater(
      this.#writer,
      {
        port: this.#ports.deflate!,
        windowBits: agreed.clientMaxWindowBits,
        noContextTakeover: agreed.clientNoContextTakeover,
        threshold: settings.threshold,
        level: settings.level,
        memLevel: settings.memLevel,
      },
      this.#codecListener,
    );
  }

  /**
   * Frees the compression codecs (zlib state on Node) once the connection is over. Messages
   * still waiting behind one being compressed are dropped.
   */
  releaseCodecs(): void {
    this.#receiver.close();
    this.#outgoing?.deflater?.dispose();
  }

  // ---------------------------------------------------------------- frames in (FrameReceiver)

  /** Called by the frame receiver: a compressed message inflates; decode nothing until it is out. */
  onInflateStarted(): void {
    this.#isInflatingMessage = true;
    this.#decoder.pause();
  }

  /** Called by the frame receiver: the compressed message was delivered or failed. */
  onInflateDone(): void {
    this.#isInflatingMessage = false;
    if (!this.#isInputHeld) this.#decodeHeldInput();
    this.#codecListener?.onCodecProgress();
  }

  /**
   * The caller's receive backpressure (its face holds too many undelivered messages): `true`
   * keeps received input that waits behind a compressed message undecoded, since each message
   * in it may inflate to maxMessageBytes; `false` decodes it again. Returns true when that
   * made new events (and output) for the caller to drain.
   */
  holdInput(isHeld: boolean): boolean {
    this.#isInputHeld = isHeld;
    if (isHeld || this.#isInflatingMessage || !this.isInflating) return false;
    this.#decodeHeldInput();
    return true;
  }

  #decodeHeldInput(): void {
    if (this.#phase === PHASE_FRAMES) {
      const error = this.#decoder.resume();
      if (error !== undefined) this.#fail(error);
    }
    if (this.#isEofDeferred && !this.isInflating) {
      this.#isEofDeferred = false;
      this.receiveEof();
    }
  }

  /** Called by the frame receiver: a message (or with deliverFrames, a data frame) arrived. */
  onData(event: ProtocolEvent & { type: 'message' | 'frame' }): void {
    this.#emit(event);
  }

  #emit(event: ProtocolEvent): void {
    const events = this.#events;
    if (events === undefined) this.#events = [event];
    else events.push(event);
  }

  #messagesOut(): OutgoingMessages {
    let outgoing = this.#outgoing;
    if (outgoing === undefined) {
      outgoing = new OutgoingMessages(this.#writer);
      this.#outgoing = outgoing;
      const agreed = this.#agreedDeflate;
      // zlib cannot deflate with a 256-byte window: with client_max_window_bits=8, send plain.
      if (agreed !== undefined && agreed.clientMaxWindowBits >= 9) {
        outgoing.enableDeflate(this.#deflateSettings!.threshold, this);
      }
    }
    return outgoing;
  }

  /** Called by the frame receiver: received data broke the protocol or a limit. */
  onReceiveError(error: WebSocketError): void {
    this.#fail(error);
  }

  /** Called by the frame receiver: after our Close, data is dropped unread (§7.1.2). */
  isDroppingData(): boolean {
    return this.#closeSent !== undefined && !this.#receiveAfterClose;
  }

  /** Called by the frame receiver: a whole control frame arrived. */
  onControlFrame(opcode: number, payload: Uint8Array): void {
    if (opcode === Opcode.Ping) {
      this.#emit({ type: 'ping', data: payload });
      // §5.5.2: answer a Ping with a Pong carrying the same payload, unless we already
      // started closing (§5.5.1: nothing but the Close after our Close).
      if (this.#closeSent === undefined) {
        this.#pongs ??= new PongAnswers(this.#writer);
        this.#pongs.owe(payload, this.holdPongs);
      }
    } else if (opcode === Opcode.Pong) {
      this.#emit({ type: 'pong', data: payload });
    } else {
      this.#receiveClose(payload);
    }
  }

  #receiveClose(payload: Uint8Array): void {
    const parsed = parseClosePayload(payload, this.#ports.isUtf8);
    if (parsed instanceof Error) {
      this.#fail(parsed);
      return;
    }
    this.#closeReceived = parsed;
    this.#emit({ type: 'close', code: parsed.code, reason: parsed.reason });
    // §5.5.1: after a Close the server sends nothing more; ignore anything that follows.
    this.#stopReading();
    // §5.5.1: answer with a Close, echoing the status code received.
    if (this.#closeSent === undefined) {
      this.#writeClose({ code: parsed.code, reason: parsed.reason }, payload);
    }
    this.#state = ReadyState.CLOSING;
  }

  // ---------------------------------------------------------------- intents out

  #assertCanSend(what: string): void {
    // While the Close of a failure waits behind the events received before the fault, the
    // replies to those events may still be sent.
    const isOpen =
      this.#state === ReadyState.OPEN ||
      (this.#pendingCloseCode !== undefined && !this.#eofReceived);
    if (!isOpen || this.#closeSent !== undefined) throw cannotSend(what, this.#state);
  }

  /** Queues a text message (or a fragment, with `fin` false). Returns its payload bytes. */
  sendText(text: string, fin = true): number {
    this.#assertCanSend('a message');
    const bytes = this.#messagesOut().text(text, fin);
    this.#dataFramesSent++;
    return bytes;
  }

  /** Queues a binary message (or a fragment, with `fin` false). */
  sendBinary(data: Uint8Array, fin = true): number {
    return this.sendBinaryFrame(Opcode.Binary, data, fin);
  }

  /** Queues one frame with an explicit opcode, for manual fragmentation. */
  sendFrame(opcode: number, data: Uint8Array | string, fin: boolean): number {
    checkFrameOpcode(opcode);
    if (isControlOpcode(opcode)) {
      const payload = toBytes(data);
      if (opcode === Opcode.Ping) this.sendPing(payload);
      else this.sendPong(payload);
      return payload.length;
    }
    if (opcode === Opcode.Continuation) {
      this.#assertCanSend('a continuation frame');
      const bytes = this.#messagesOut().continuation(data, fin);
      this.#dataFramesSent++;
      return bytes;
    }
    if (typeof data === 'string' && opcode === Opcode.Text) return this.sendText(data, fin);
    return this.sendBinaryFrame(opcode, toBytes(data), fin);
  }

  /** Queues a data frame of `opcode` (text or binary) with bytes as its payload. */
  sendBinaryFrame(opcode: number, data: Uint8Array, fin: boolean): number {
    this.#assertCanSend('a message');
    const bytes = this.#messagesOut().bytes(opcode, data, fin);
    this.#dataFramesSent++;
    return bytes;
  }

  sendPing(data: Uint8Array = EMPTY): void {
    this.#assertCanSend('a ping');
    checkControlPayload(data, 'ping');
    this.#writer.writeFrame(Opcode.Ping, data, true);
  }

  sendPong(data: Uint8Array = EMPTY): void {
    this.#assertCanSend('a pong');
    checkControlPayload(data, 'pong');
    this.#writer.writeFrame(Opcode.Pong, data, true);
  }

  /**
   * Starts the closing handshake (§7.1.2). Does nothing when a Close was already sent.
   * `code` undefined sends a Close without status.
   */
  sendClose(code?: number, reason = ''): void {
    if (this.#state === ReadyState.CONNECTING) throw cannotCloseYet();
    if (this.#closeSent !== undefined || this.#state === ReadyState.CLOSED) return;
    if (this.#pendingCloseCode !== undefined) {
      // The connection already failed: its Close goes out instead.
      this.sendPendingClose();
      return;
    }
    checkCloseArguments(code, reason);
    const closeSent = { code: code ?? CloseCode.NoStatusReceived, reason };
    this.#writeClose(closeSent, serializeClosePayload(code, reason));
    this.#state = ReadyState.CLOSING;
    if (this.#receiveAfterClose) return;
    // Data that arrives from now on is dropped, so is the message being received, and the
    // rest of a data frame half received.
    this.#receiver.abandonData();
  }

  /** Our Close frame, after the Pong still owed (nothing but the Close follows a Close). */
  #writeClose(frame: CloseFrame, payload: Uint8Array): void {
    this.#pongs?.writePending();
    this.#closeSent = frame;
    const deflater = this.#outgoing?.deflater;
    // Behind the messages still being compressed, which were sent before it.
    if (deflater !== undefined) deflater.close(payload);
    else this.#writer.writeFrame(Opcode.Close, payload, true);
  }

  /** Received bytes are ignored from now on. */
  #stopReading(): void {
    this.#phase = PHASE_DISCARD;
    this.#decoder.halt();
  }

  /**
   * Fails the connection (§7.1.7) for a reason found outside the protocol, e.g. a keepalive
   * timeout: queues a Close with `error.closeCode` when the connection is open.
   */
  fail(error: WebSocketError): void {
    this.#fail(error);
    this.sendPendingClose();
  }

  /**
   * Records the failure and reports it after the events already queued. The Close frame of a
   * failure found in received data waits (see sendPendingClose); any other is written now.
   */
  #fail(error: WebSocketError | ProtocolError | HandshakeError): void {
    if (this.#failure !== undefined) return;
    this.#failure = error;
    this.#stopReading();
    this.#emit({ type: 'error', error });
    if (this.#state === ReadyState.OPEN || this.#state === ReadyState.CLOSING) {
      this.#state = ReadyState.CLOSING;
      if (this.#closeSent === undefined && !this.#eofReceived) {
        const code = error.closeCode ?? CloseCode.ProtocolError;
        this.#pendingCloseCode = isValidWireCloseCode(code) ? code : CloseCode.ProtocolError;
        return;
      }
    } else {
      this.#state = ReadyState.CLOSED;
    }
    this.#endRequested = true;
  }
}
