// The write tracking of one connection: every frame produced in one turn of the event loop
// goes to the transport as one batch (one writev on a socket), and each send's callback runs
// once that batch was written. Also keeps bufferedAmount (payload bytes not yet written) and
// holds a newer Pong while one is still unsent.

import type { WebSocketError } from '../core/errors.js';
import type { ClientProtocol } from '../core/protocol.js';
import type { Transport } from '../transport/interface.js';
import type { StatsRecorder } from './stats.js';

/** Called when a send's bytes were handed to the transport, or with the error that lost them. */
export type WriteCallback = (error: Error | undefined) => void;

const noop = (): void => {};
const NO_CALLBACKS: readonly WriteCallback[] = Object.freeze([]);

/** What a write batch asks of its connection (methods: no closures per connection). */
export interface WriteBatchHost {
  /** Turns a transport error into the error that send callbacks receive. */
  lostWrite(cause: Error): WebSocketError;
  /** Runs after each batch was handed to the transport, and again once it was written. */
  onBatchWritten(): void;
}

export class WriteBatch {
  readonly #protocol: ClientProtocol;
  readonly #stats: StatsRecorder;
  readonly #host: WriteBatchHost;
  /** Where batches go; undefined until the transport is open. */
  transport: Transport | undefined;
  /** Callbacks of sends not written yet; made for the first one. */
  #callbacks: WriteCallback[] | undefined;
  /**
   * For each callback, how many data frames were sent when it was given: it runs with the
   * batch that carries that frame. Frames wait in the protocol behind a message being
   * compressed (permessage-deflate), so a batch may carry only the older sends.
   */
  #callbackFrames: number[] | undefined;
  #batchBytes = 0;
  #bufferedAmount = 0;
  #isScheduled = false;
  /** A batch carrying a Pong is in the transport and not written yet: hold the next Pong. */
  #isPongInFlight = false;
  #pongsSeen = 0;
  /** The promise shared by every sharedPromise() of the batch being collected. */
  #batchPromise: Promise<void> | undefined;
  #batchPromiseIndex = 0;
  /** The microtask that flushes; made the first time one is scheduled. */
  #flushTask: (() => void) | undefined;

  constructor(protocol: ClientProtocol, stats: StatsRecorder, host: WriteBatchHost) {
    this.#protocol = protocol;
    this.#stats = stats;
    this.#host = host;
  }

  /** True while some send callback waits for its batch. */
  get hasCallbacks(): boolean {
    return this.#callbacks !== undefined && this.#callbacks.length > 0;
  }

  #scheduleFlush(): void {
    this.#isScheduled = true;
    queueMicrotask((this.#flushTask ??= () => this.flush()));
  }

  /** True while a Pong we wrote is still unsent (Pings then get one Pong, for the latest). */
  get isPongInFlight(): boolean {
    return this.#isPongInFlight;
  }

  /** Payload bytes accepted and not yet handed to the transport. */
  get bufferedAmount(): number {
    return this.#bufferedAmount;
  }

  /** The protocol produced frames carrying `bytes` of payload; write them this turn. */
  trackFrames(bytes: number, callback: WriteCallback | undefined): void {
    this.#bufferedAmount += bytes;
    this.#batchBytes += bytes;
    if (callback !== undefined) {
      (this.#callbacks ??= []).push(callback);
      (this.#callbackFrames ??= []).push(this.#protocol.dataFramesSent);
    }
    if (!this.#isScheduled) this.#scheduleFlush();
  }

  /**
   * One promise for the batch being collected: it resolves once the batch was written. Every
   * message queued in the same turn leaves in the same write, so they can share it (one
   * allocation per batch instead of two per message).
   */
  sharedPromise(): Promise<void> {
    let promise = this.#batchPromise;
    if (promise === undefined) {
      let settle: WriteCallback = noop;
      promise = new Promise<void>((resolve, reject) => {
        settle = (error) => (error ? reject(error) : resolve());
      });
      // A send nobody awaits must not crash the process; the failure also reaches 'close'.
      promise.catch(noop);
      this.#batchPromise = promise;
      const callbacks = (this.#callbacks ??= []);
      this.#batchPromiseIndex = callbacks.length;
      callbacks.push(settle);
      (this.#callbackFrames ??= []).push(0);
    }
    // It settles with the last message that shares it.
    this.#callbackFrames![this.#batchPromiseIndex] = this.#protocol.dataFramesSent;
    return promise;
  }

  /** Writes everything the protocol produced since the last flush, as one batch. */
  flush(): void {
    this.#isScheduled = false;
    const transport = this.transport;
    if (transport === undefined) return;
    // One Pong at a time in the transport: a newer one waits (coalesced) until it was written.
    const chunks = this.#protocol.dataToSend(!this.#isPongInFlight);
    const hasPong = this.#protocol.pongsWritten !== this.#pongsSeen;
    this.#pongsSeen = this.#protocol.pongsWritten;
    const epoch = this.#protocol.outputEpoch;
    let callbacks: readonly WriteCallback[] = this.#callbacks ?? NO_CALLBACKS;
    let bytes = this.#batchBytes;
    if (this.#protocol.dataFramesWritten === this.#protocol.dataFramesSent) {
      if (chunks.length === 0 && callbacks.length === 0) return;
      this.#callbacks = undefined;
      this.#callbackFrames = undefined;
      this.#batchBytes = 0;
    } else {
      // Sends still waiting behind a message being compressed go with a later batch.
      callbacks = this.#takeWrittenCallbacks();
      const queuedBytes = this.#protocol.queuedSendBytes;
      bytes -= queuedBytes;
      this.#batchBytes = queuedBytes;
      if (chunks.length === 0 && callbacks.length === 0) return;
    }
    this.#batchPromise = undefined;
    if (hasPong) this.#isPongInFlight = true;
    const done = (error: Error | null | undefined): void => {
      if (hasPong) this.#isPongInFlight = false;
      this.#bufferedAmount -= bytes;
      const failure = error ? this.#host.lostWrite(error) : undefined;
      // Node is done with the written chunks: their pool blocks can be filled again.
      if (!error) this.#protocol.releaseOutput(epoch);
      for (let i = 0; i < callbacks.length; i++) callbacks[i]!(failure);
      if (error) return;
      if (this.#protocol.hasPendingPong && !this.#isScheduled) this.#scheduleFlush();
      this.#host.onBatchWritten();
    };
    if (!transport.isWritable) {
      done(new Error('socket closed'));
      return;
    }
    for (let i = 0; i < chunks.length; i++) this.#stats.bytesOut += chunks[i]!.length;
    if (chunks.length > 0) transport.writeBatch(chunks, done);
    else queueMicrotask(() => done(undefined));
    this.#host.onBatchWritten();
  }

  /** The callbacks of sends whose frames are in the output, in order; the rest stay. */
  #takeWrittenCallbacks(): readonly WriteCallback[] {
    const frames = this.#callbackFrames;
    if (frames === undefined) return NO_CALLBACKS;
    const written = this.#protocol.dataFramesWritten;
    let count = 0;
    while (count < frames.length && frames[count]! <= written) count++;
    const taken = this.#callbacks!.splice(0, count);
    frames.splice(0, count);
    return taken;
  }

  /**
   * The connection ended: what was never flushed fails with the error `lost` makes (called
   * only when some send waits: an error records a stack, which costs time).
   */
  failPending(lost: () => WebSocketError): void {
    const callbacks = this.#callbacks;
    this.#callbacks = undefined;
    this.#callbackFrames = undefined;
    this.#batchPromise = undefined;
    this.#bufferedAmount -= this.#batchBytes;
    this.#batchBytes = 0;
    if (callbacks === undefined || callbacks.length === 0) return;
    const error = lost();
    for (const callback of callbacks) callback(error);
  }
}
