// What a face can ask of one connection at any time: its state (ready state, what the 101
// accepted, buffered and undelivered bytes, latency), sending (messages, frames, Pings, Pongs)
// and receive backpressure. The connection's course (opening, events, redirects, closing) is
// Connection's, in connection.ts, which extends this class and shares its protected state.

import { toBytes } from '../core/bytes.js';
import { ReadyState } from '../core/constants.js';
import {
  ConnectionClosedError,
  ErrorCode,
  InvalidStateError,
  type ResponseHeaders,
  type WebSocketError,
} from '../core/errors.js';
import type { ClientProtocol } from '../core/protocol.js';
import type { Transport } from '../transport/interface.js';
import { Attempt, type AttemptHost } from './attempt.js';
import type { ConnectionHandler } from './connection-handler.js';
import type { Keepalive } from './keepalive.js';
import { Liveness } from './liveness.js';
import type { ResolvedOptions } from './options.js';
import { ReadGate, type ReadGateHost } from './read-gate.js';
import { StatsRecorder } from './stats.js';
import { ConnectionTrace } from './trace.js';
import type { WriteBatch, WriteCallback } from './write-batch.js';

export abstract class ConnectionBase implements ReadGateHost, AttemptHost {
  /** The options in effect (a followed redirect replaces them). */
  protected currentOptions: ResolvedOptions;
  protected readonly handler: ConnectionHandler;
  /** The request in progress: a followed redirect makes a new one. */
  protected attempt: Attempt;
  protected state: ReadyState = ReadyState.CONNECTING;
  protected readonly trace = new ConnectionTrace(this);
  /** The first failure, reported once. */
  protected failure: WebSocketError | undefined;
  protected readonly reading: ReadGate;
  protected readonly liveness: Liveness;
  /** What the server's 101 accepted: subprotocol, extensions, headers. */
  protected acceptedProtocol = '';
  protected acceptedExtensions = '';
  protected acceptedHeaders: ResponseHeaders = {};
  readonly stats: StatsRecorder;

  constructor(options: ResolvedOptions, handler: ConnectionHandler, stats = new StatsRecorder()) {
    this.currentOptions = options;
    this.handler = handler;
    this.stats = stats;
    this.liveness = new Liveness(options.clock);
    this.attempt = this.makeAttempt(options);
    // The connection answers the gate's questions itself (methods below, no closures).
    this.reading = new ReadGate(this, options);
  }

  // ReadGateHost: what the read gate asks of the connection.
  isClosing(): boolean {
    return this.engine.closeSent !== undefined;
  }
  pendingBytes(): number {
    return this.engine.pendingBytes;
  }
  heldReceivedBytes(): number {
    return this.engine.heldReceivedBytes;
  }
  keepalive(): Keepalive | undefined {
    return this.liveness.keepalive;
  }
  holdDecoding(isHeld: boolean): void {
    // Decoding again makes events: handle them outside the gate's update.
    if (this.engine.holdInput(isHeld)) queueMicrotask(() => this.onCodecProgress());
  }

  /** The protocol state machine of the request in progress. */
  protected get engine(): ClientProtocol {
    return this.attempt.protocol;
  }

  protected get writes(): WriteBatch {
    return this.attempt.writes;
  }

  protected get transport(): Transport | undefined {
    return this.attempt.transport;
  }

  /** The options in effect; after a redirect, `target` and `headers` are the last request's. */
  get options(): ResolvedOptions {
    return this.currentOptions;
  }

  protected makeAttempt(options: ResolvedOptions): Attempt {
    // The connection answers the attempt and its write batch itself (AttemptHost methods).
    return new Attempt(options, this.stats, this);
  }

  /** Compressing or inflating (permessage-deflate) finished: new events and output wait. */
  abstract onCodecProgress(): void;

  /** AttemptHost: a batch was handed to the transport, or written. */
  onBatchWritten(): void {
    this.reading.checkWriteBuffer();
  }

  /**
   * The connection ended: sends never written and Pings never answered fail. Their error is
   * made only when some wait (an error records a stack: every clean close would pay for it).
   */
  protected failWaiting(error: WebSocketError | undefined): void {
    let lost: WebSocketError | undefined;
    const make = (): WebSocketError => (lost ??= this.lostWrite(error ?? new Error('closed')));
    this.writes.failPending(make);
    this.liveness.stop(make);
  }

  get readyState(): ReadyState {
    return this.state;
  }
  /** Payload bytes accepted by send() and not yet handed to the transport. */
  get bufferedAmount(): number {
    return this.writes.bufferedAmount;
  }
  /** The subprotocol the server chose ('' for none). */
  get protocol(): string {
    return this.acceptedProtocol;
  }
  /** The extensions the server accepted ('' for none). */
  get extensions(): string {
    return this.acceptedExtensions;
  }
  /** Headers of the server's 101 response, names in lower case; `set-cookie` is a list. */
  get responseHeaders(): ResponseHeaders {
    return this.acceptedHeaders;
  }

  /** The last measured round trip of a Ping (keepalive or ping()), in milliseconds. */
  get latencyMs(): number | undefined {
    return this.liveness.latencyMs;
  }

  /**
   * A face took a message it will deliver later (an event on a later turn, an inbox): counts
   * its bytes until the returned function is called, and stops reading while more than
   * receiveHighWaterBytes wait. Call the function once, when the message was delivered.
   */
  holdReceived(bytes: number): () => void {
    return this.reading.hold(bytes);
  }

  /**
   * Like holdReceived(), without a function per message: call releaseReceived(bytes), with
   * the same bytes, once the message was delivered.
   */
  addReceived(bytes: number): void {
    this.reading.add(bytes);
  }

  releaseReceived(bytes: number): void {
    this.reading.release(bytes);
  }

  /** Bytes of messages held by holdReceived() or addReceived() and not yet released. */
  get undeliveredBytes(): number {
    return this.reading.undeliveredBytes;
  }

  /** Stops reading from the socket (receive backpressure). */
  pause(): void {
    this.reading.setFacePaused(true);
  }

  resume(): void {
    this.reading.setFacePaused(false);
  }

  // ------------------------------------------------------------------ sending

  #assertOpen(): void {
    if (this.state !== ReadyState.OPEN || this.engine.closeSent !== undefined) {
      throw new InvalidStateError(
        ErrorCode.InvalidState,
        this.state === ReadyState.CONNECTING
          ? 'the connection is not open yet; wait for it to open before sending'
          : 'the connection is closing or closed; nothing more can be sent',
      );
    }
  }

  /** Queues a message; `callback` runs once its bytes were written. Returns payload bytes. */
  send(data: string | Uint8Array, isBinary: boolean, callback?: WriteCallback): number {
    this.#assertOpen();
    const bytes =
      typeof data === 'string'
        ? isBinary
          ? this.engine.sendBinary(toBytes(data))
          : this.engine.sendText(data)
        : this.engine.sendBinary(data);
    this.trace.messageSent(data, isBinary || typeof data !== 'string');
    this.stats.messagesOut++;
    this.writes.trackFrames(bytes, callback);
    return bytes;
  }

  /**
   * Queues a message like send() and returns a promise that resolves once its bytes were
   * written. Every message queued in the same turn leaves in the same socket write, so they
   * all share one promise (one allocation per batch instead of two per message).
   */
  sendWithBatchPromise(data: string | Uint8Array, isBinary: boolean): Promise<void> {
    this.send(data, isBinary);
    return this.writes.sharedPromise();
  }

  /** Queues one frame (manual fragmentation); opcode 0 continues, 1 text, 2 binary. */
  sendFrame(
    opcode: number,
    data: string | Uint8Array,
    fin: boolean,
    callback?: WriteCallback,
  ): number {
    this.#assertOpen();
    const bytes = this.engine.sendFrame(opcode, data, fin);
    this.writes.trackFrames(bytes, callback);
    return bytes;
  }

  /** Sends a Ping and resolves with the round-trip time in milliseconds. */
  ping(payload?: Uint8Array): Promise<number> {
    this.#assertOpen();
    const data = payload ?? this.liveness.nextPayload();
    this.engine.sendPing(data);
    this.trace.pingSent();
    const promise = this.liveness.track(data);
    this.writes.trackFrames(0, undefined);
    return promise;
  }

  /** Sends a Pong (an unsolicited one is a one-way heartbeat, RFC 6455 §5.5.3). */
  pong(payload?: Uint8Array): void {
    this.#assertOpen();
    this.engine.sendPong(payload);
    this.writes.trackFrames(0, undefined);
  }

  /** AttemptHost: the error a send whose bytes were never written gets. */
  lostWrite(cause: Error): WebSocketError {
    return (
      this.failure ??
      new ConnectionClosedError(
        'the connection closed before the message could be written',
        {
          received: this.engine.closeReceived,
          sent: this.engine.closeSent,
          wasClean: false,
        },
        cause,
      )
    );
  }
}
