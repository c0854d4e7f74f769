// Waits for a socket that is connecting to be ready ('connect' for TCP, 'secureConnect' for
// TLS), turning an error or an abort into a wsx error and destroying what was opened.

import type { Socket } from 'node:net';
import type { WebSocketError } from '../core/errors.js';

export interface ReadyOptions {
  event: 'connect' | 'secureConnect';
  signal: AbortSignal | undefined;
  /** The wsx error for a socket error. */
  failure: (error: Error) => WebSocketError;
  /** The wsx error for an abort. */
  aborted: (signal: AbortSignal) => WebSocketError;
  /** A socket under this one (a tunnel), destroyed with it on failure. */
  under?: Socket | undefined;
}

/** Resolves with `socket` once ready; rejects (and destroys it) on an error or an abort. */
export function socketReady(socket: Socket, options: ReadyOptions): Promise<Socket> {
  const { event, signal } = options;
  return new Promise<Socket>((resolve, reject) => {
    const settle = (error: WebSocketError | undefined): void => {
      socket.removeListener(event, onReady);
      socket.removeListener('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) {
        resolve(socket);
        return;
      }
      socket.destroy();
      options.under?.destroy();
      reject(error);
    };
    const onReady = (): void => settle(undefined);
    const onError = (error: Error): void => settle(options.failure(error));
    const onAbort = (): void => settle(options.aborted(signal!));
    socket.once(event, onReady);
    socket.once('error', onError);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}
