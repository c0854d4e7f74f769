// The Transport over a Node socket (net or tls, direct or over a proxy tunnel): a batch of
// chunks leaves in one writev (cork, write each, uncork), and the socket's events reach the
// one listener. openNodeTransport opens the socket (open.ts) and wraps it.

import type { Socket } from 'node:net';
import type { BatchCallback, Transport, TransportListener } from './interface.js';
import { type OpenConnectionOptions, openConnection } from './open.js';

export class NodeSocketTransport implements Transport {
  readonly #socket: Socket;
  #listener: TransportListener | undefined;

  /** Wraps an open socket; a socket from a proxy tunnel may come paused, and stays so. */
  constructor(socket: Socket) {
    this.#socket = socket;
  }

  /**
   * The listener's functions go on the socket as they are (no wrapper per connection: idle
   * connections are many), so they must not depend on `this`.
   */
  listen(listener: TransportListener): void {
    const socket = this.#socket;
    const previous = this.#listener;
    if (previous !== undefined) {
      socket.removeListener('data', previous.onData);
      socket.removeListener('end', previous.onEnd);
      socket.removeListener('error', previous.onError);
      socket.removeListener('close', previous.onClose);
    }
    this.#listener = listener;
    socket.on('data', listener.onData);
    socket.on('end', listener.onEnd);
    socket.on('error', listener.onError);
    socket.on('close', listener.onClose);
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
