// The seam between a connection and the bytes under it. A Connection talks only to this
// interface: node-socket.ts implements it over a net/tls socket (direct or through a proxy
// tunnel), and tests implement it in memory. Nothing here depends on Node.

/**
 * Receives what happens on a transport; one listener at a time. Its functions are called as
 * methods of the listener (`listener.onData(chunk)`), so they may be prototype methods.
 */
export interface TransportListener {
  /** Bytes arrived; the receiver owns the chunk. */
  onData(chunk: Uint8Array): void;
  /**
   * Optional: where the next bytes may be read to, to reach onData as a view of that very place
   * (the rest of a large message's buffer), or undefined for a buffer of the transport's own.
   * Asked before each read; a transport may ignore it.
   */
  receiveTarget?(): Uint8Array | undefined;
  /** The peer ended its side (no more data will come). */
  onEnd(): void;
  /** The transport failed; onClose follows. */
  onError(error: Error): void;
  /** The transport is closed in both directions; nothing follows. */
  onClose(): void;
}

/** Called once a batch was handed to the operating system, or with the error that lost it. */
export type BatchCallback = (error: Error | null | undefined) => void;

/** A byte stream in both directions under one WebSocket connection. */
export interface Transport {
  /** Sets who hears data, end, error and close; replaces the previous listener. */
  listen(listener: TransportListener): void;
  /**
   * Writes `chunks` in order, as one batch where the transport can (one writev); `done` runs
   * once, after the whole batch was written or failed. `chunks` is never empty.
   */
  writeBatch(chunks: readonly Uint8Array[], done: BatchCallback): void;
  /** False once the transport no longer takes writes (ended, destroyed or failed). */
  readonly isWritable: boolean;
  /** Bytes accepted by writeBatch() and not yet handed to the operating system. */
  readonly unsentBytes: number;
  /** Stops delivering data until resume(). */
  pause(): void;
  resume(): void;
  /** Ends our side once everything written is out; the peer's end or close follows. */
  end(): void;
  /** Closes at once in both directions; onClose follows. */
  destroy(): void;
}

/** Where a transport must lead, with what the opener needs to get there. */
export type OpenTransport<Request> = (request: Request) => Promise<Transport>;
