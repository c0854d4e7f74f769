// The Transport over a Node socket (net or tls, direct or over a proxy tunnel): a batch of
// chunks leaves in one writev (cork, write each, uncork), and the socket's events reach the
// one listener. openNodeTransport opens the socket (open.ts) and wraps it.

import type { Socket } from 'node:net';
import type { BatchCallback, Transport, TransportListener } from './interface.js';
import { type OpenConnectionOptions, openConnection } from './open.js';
import { kListener, type ListenedSocket } from './socket-reads.js';

// One set of socket listeners for every connection, instead of closures per connection (idle
// connections are many): `this` is the socket, which holds its transport's listener.
function onSocketData(this: ListenedSocket, chunk: Uint8Array): void {
  this[kListener]!.onData(chunk);
}
function onSocketEnd(this: ListenedSocket): void {
  this[kListener]!.onEnd();
}
function onSocketError(this: ListenedSocket, error: Error): void {
  this[kListener]!.onError(error);
}
function onSocketClose(this: ListenedSocket): void {
  this[kListener]!.onClose();
}

export class NodeSocketTransport implements Transport {
  readonly #socket: ListenedSocket;

  /** Wraps an open socket; a socket from a proxy tunnel may come paused, and stays so. */
  constructor(socket: Socket) {
    this.#socket = socket;
  }

  listen(listener: TransportListener): void {
    const socket = this.#socket;
    const isListening = socket[kListener] !== undefined;
    socket[kListener] = listener;
    if (isListening) return;
    socket.on('data', onSocketData);
    socket.on('end', onSocketEnd);
    socket.on('error', onSocketError);
    socket.on('close', onSocketClose);
  }

  get isWritable(): boolean {
    return !this.#socket.destroyed && this.#socket.writable;
  }

  get unsentBytes(): number {
    return this.#socket.writableLength;
  }

  writeBatch(chunks: readonly Uint8Array[], done: BatchCallback): void {
    const socket = this.#socket;
    const last = chunks.length - 1;
    if (last > 0) socket.cork();
    for (let i = 0; i < last; i++) socket.write(chunks[i]!);
    socket.write(chunks[last]!, done);
    if (last > 0) socket.uncork();
  }

  pause(): void {
    this.#socket.pause();
  }

  resume(): void {
    this.#socket.resume();
  }

  end(): void {
    this.#socket.end();
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

/** Opens a socket to the target (through a proxy when one applies) and wraps it. */
export function openNodeTransport(options: OpenConnectionOptions): Promise<Transport> {
  return openConnection(options).then((socket) => new NodeSocketTransport(socket));
}
