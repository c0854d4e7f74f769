// When one connection reads from its transport. Reading stops while the face's buffer is full
// (pause()), while more than receiveHighWaterBytes of messages wait for delivery (hold()), or
// while the transport holds more than writeHighWaterBytes unsent (so a peer that never reads
// cannot make us pile up answers). Once our Close is out, reading goes on whatever happens,
// to find the server's Close (RFC 6455 §7.1.2; data is dropped then). The keepalive deadline
// waits while the face's backpressure keeps us from reading: silence we chose is not a sign
// of a dead peer.

import type { Transport } from '../transport/interface.js';
import type { Keepalive } from './keepalive.js';

export interface ReadGateHost {
  /** Our Close frame was sent. */
  isClosing(): boolean;
  /** Bytes the protocol produced and the write batch has not handed to the transport. */
  pendingBytes(): number;
  /** Received bytes the protocol keeps unread while a compressed message inflates. */
  heldReceivedBytes(): number;
  keepalive(): Keepalive | undefined;
  /** Receive backpressure started (true) or ended: input behind compressed messages waits. */
  holdDecoding?(isHeld: boolean): void;
}

export class ReadGate {
  readonly #host: ReadGateHost;
  readonly #receiveHighWaterBytes: number;
  readonly #writeHighWaterBytes: number;
  #transport: Transport | undefined;
  /** The face asked to stop reading (its receive buffer is full). */
  #isFacePaused = false;
  /** Bytes of messages handed to the face and not yet delivered (hold()). */
  #undeliveredBytes = 0;
  #isDeliveryPaused = false;
  /** The transport holds more unsent bytes than writeHighWaterBytes. */
  #isWritePaused = false;
  /** More than receiveHighWaterBytes arrived while a compressed message inflates. */
  #isInflatePaused = false;

  constructor(
    host: ReadGateHost,
    limits: { receiveHighWaterBytes: number; writeHighWaterBytes: number },
  ) {
    this.#host = host;
    this.#receiveHighWaterBytes = limits.receiveHighWaterBytes;
    this.#writeHighWaterBytes = limits.writeHighWaterBytes;
  }

  set transport(transport: Transport) {
    this.#transport = transport;
    this.update();
  }

  get undeliveredBytes(): number {
    return this.#undeliveredBytes;
  }

  /** The face's own backpressure: stop (true) or go on (false) reading. */
  setFacePaused(isPaused: boolean): void {
    if (this.#isFacePaused === isPaused) return;
    this.#isFacePaused = isPaused;
    this.update();
  }

  /**
   * Counts `bytes` of a message the face will deliver later, until the returned function is
   * called; reading stops above receiveHighWaterBytes and resumes at half of it.
   */
  hold(bytes: number): () => void {
    this.add(bytes);
    return () => this.release(bytes);
  }

  /** Counts `bytes` of a message the face will deliver later, until release(bytes). */
  add(bytes: number): void {
    this.#undeliveredBytes += bytes;
    if (!this.#isDeliveryPaused && this.#undeliveredBytes > this.#receiveHighWaterBytes) {
      this.#isDeliveryPaused = true;
      this.update();
    }
  }

  /** A message counted by add(bytes) was delivered. */
  release(bytes: number): void {
    this.#undeliveredBytes -= bytes;
    if (this.#isDeliveryPaused && this.#undeliveredBytes <= this.#receiveHighWaterBytes / 2) {
      this.#isDeliveryPaused = false;
      this.update();
    }
  }

  /**
   * After reading and after every write: stop reading while the transport holds more than
   * writeHighWaterBytes unsent, resume once half of that drained.
   */
  checkWriteBuffer(): void {
    const mark = this.#writeHighWaterBytes;
    const transport = this.#transport;
    if (mark === 0 || transport === undefined) return;
    const unsent = transport.unsentBytes + this.#host.pendingBytes();
    if (this.#isWritePaused ? unsent > mark / 2 : unsent <= mark) return;
    this.#isWritePaused = !this.#isWritePaused;
    this.update();
  }

  /**
   * After reading and after each inflated message: stop reading while the protocol keeps more
   * than receiveHighWaterBytes unread behind a message being inflated, resume below half.
   */
  checkHeldInput(): void {
    const held = this.#host.heldReceivedBytes();
    const mark = this.#receiveHighWaterBytes;
    if (this.#isInflatePaused ? held > mark / 2 : held <= mark) return;
    this.#isInflatePaused = !this.#isInflatePaused;
    this.update();
  }

  /** Pauses or resumes the transport (and holds the keepalive) for every reason there is. */
  update(): void {
    const isClosing = this.#host.isClosing();
    const isReceivePaused = !isClosing && (this.#isFacePaused || this.#isDeliveryPaused);
    // Silence we chose is not a sign of a dead peer: the keepalive waits while we do not read,
    // for the face's backpressure or for input held behind a message being inflated.
    this.#host.keepalive()?.hold(isReceivePaused || this.#isInflatePaused);
    this.#host.holdDecoding?.(isReceivePaused);
    const transport = this.#transport;
    if (transport === undefined) return;
    // An inflation always ends by itself: waiting for it cannot stall the closing handshake.
    const isPaused =
      isReceivePaused || this.#isInflatePaused || (!isClosing && this.#isWritePaused);
    if (isPaused) transport.pause();
    else transport.resume();
  }
}
