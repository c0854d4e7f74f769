// An in-memory Transport (src/transport/interface.ts) with a scripted peer on the other end:
// tests drive a Connection with it without any socket. The peer sees every batch the client
// writes, answers with bytes of its own, ends, fails or closes the stream when told to.

import { Buffer } from 'node:buffer';
import type { BatchCallback, Transport, TransportListener } from '../../src/transport/interface.js';
import { acceptFor, parseClientFrames, serverFrame } from './servers.js';

export class MemoryTransport implements Transport {
  #listener: TransportListener | undefined;
  /** Every batch the client wrote, in order, as it was handed over. */
  readonly batches: Uint8Array[][] = [];
  /** Data the peer sent while the client had paused reading. */
  #heldWhilePaused: Uint8Array[] = [];
  isPaused = false;
  /** The client ended its side (after the closing handshake). */
  isEnded = false;
  isDestroyed = false;
  #isClosed = false;
  /** Bytes the test pretends the operating system has not taken yet (see unsentBytes). */
  unsentBytes = 0;
  /** Called after each batch the client wrote (on a later microtask, never inside it). */
  onBatch: ((batch: Uint8Array[]) => void) | undefined;

  listen(listener: TransportListener): void {
    this.#listener = listener;
  }

  get isWritable(): boolean {
    return !this.isEnded && !this.isDestroyed;
  }

  writeBatch(chunks: readonly Uint8Array[], done: BatchCallback): void {
    // Copied: the protocol reuses its output blocks once `done` ran.
    const batch = chunks.map((chunk) => Uint8Array.from(chunk));
    this.batches.push(batch);
    queueMicrotask(() => {
      done(undefined);
      this.onBatch?.(batch);
    });
  }

  pause(): void {
    this.isPaused = true;
  }

  resume(): void {
    this.isPaused = false;
    const held = this.#heldWhilePaused;
    this.#heldWhilePaused = [];
    for (const chunk of held) this.#listener?.onData(chunk);
  }

  end(): void {
    this.isEnded = true;
  }

  destroy(): void {
    if (this.isDestroyed) return;
    this.isDestroyed = true;
    queueMicrotask(() => this.#close());
  }

  /** Everything the client wrote so far, as one buffer. */
  get written(): Buffer {
    return Buffer.concat(this.batches.flat());
  }

  // ------------------------------------------------------------------ the peer's side

  /** The peer sends bytes (held while the client paused reading). */
  send(bytes: Uint8Array | string): void {
    const chunk = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes;
    if (this.isPaused) this.#heldWhilePaused.push(chunk);
    else this.#listener?.onData(chunk);
  }

  /** The peer ends its side of the stream. */
  sendEnd(): void {
    this.#listener?.onEnd();
  }

  /** The stream fails (a reset, say); it closes after the error, as a socket does. */
  fail(error: Error): void {
    this.#listener?.onError(error);
    this.destroy();
  }

  /** The stream closes (after the peer's end, or at once). */
  close(): void {
    this.isDestroyed = true;
    this.#close();
  }

  #close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    this.#listener?.onClose();
  }

  /** The request head the client wrote, with its headers (lower-case names). */
  request(): { requestLine: string; headers: Record<string, string> } {
    const text = this.written.toString('latin1');
    const end = text.indexOf('\r\n\r\n');
    if (end === -1) throw new Error('no complete request head was written');
    const lines = text.slice(0, end).split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    return { requestLine: lines[0] ?? '', headers };
  }

  /** Answers the request with a 101 that accepts it. */
  accept(extraHeaders = ''): void {
    const key = this.request().headers['sec-websocket-key'] ?? '';
    this.send(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n${extraHeaders}\r\n`,
    );
  }

  /** The frames the client wrote (after its request head, if it wrote one), unmasked. */
  frames(): ReturnType<typeof parseClientFrames>['frames'] {
    const bytes = this.written;
    const head = bytes.indexOf('\r\n\r\n');
    return parseClientFrames(head === -1 ? bytes : bytes.subarray(head + 4)).frames;
  }

  /** The peer sends one frame (unmasked, as a server does). */
  sendFrame(opcode: number, payload: Uint8Array | string = new Uint8Array(0)): void {
    this.send(serverFrame(opcode, payload));
  }
}

/** An openTransport option that hands out `transport` (and records the request). */
export function openWith(transport: MemoryTransport): {
  openTransport: () => Promise<Transport>;
  opened: number;
} {
  const hook = {
    opened: 0,
    openTransport: (): Promise<Transport> => {
      hook.opened++;
      return Promise.resolve(transport);
    },
  };
  return hook;
}
