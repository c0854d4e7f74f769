// Reading a proxy's answer to a tunnel request (HTTP CONNECT or SOCKS5) from its socket, and
// the errors a proxy exchange reports (phase 'proxy', the proxy shown without its password).

import type { Socket } from 'node:net';
import {
  AbortError,
  ErrorCode,
  type ProxyCode,
  ProxyError,
  type ProxyRefusal,
  TransportError,
  type WebSocketError,
} from '../core/errors.js';
import type { ProxyEndpoint } from './proxy-url.js';

/** What a step of a proxy exchange decided after some bytes arrived. */
export type ExchangeStep = { done: true; rest: Uint8Array } | WebSocketError | undefined;

/**
 * Feeds the socket's bytes to `step` until it is done or fails; `atEnd` decides when the proxy
 * closes first. On success the socket is paused and unread bytes are put back.
 */
export function readExchange(
  socket: Socket,
  proxy: ProxyEndpoint,
  signal: AbortSignal | undefined,
  step: (chunk: Uint8Array) => ExchangeStep,
  atEnd: () => WebSocketError,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let settled = false;
    const settle = (outcome: ExchangeStep): void => {
      if (outcome === undefined || settled) return;
      settled = true;
      socket.removeListener('data', onData);
      socket.removeListener('end', onEnd);
      socket.removeListener('close', onEnd);
      socket.removeListener('error', onError);
      signal?.removeEventListener('abort', onAbort);
      if ('done' in outcome) {
        socket.pause();
        if (outcome.rest.length > 0) socket.unshift(outcome.rest);
        resolve();
      } else {
        socket.destroy();
        reject(outcome);
      }
    };
    const onData = (chunk: Uint8Array): void => {
      let outcome: ExchangeStep;
      try {
        outcome = step(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
      } catch (error) {
        // A bug of ours must not escape from a socket event; it fails this connection only.
        outcome = new TransportError(
          ErrorCode.ConnectionLost,
          `reading the answer of the proxy ${proxy.display} failed: ${(error as Error).message}`,
          'proxy',
          error,
        );
      }
      settle(outcome);
    };
    const onEnd = (): void => settle(atEnd());
    const onError = (error: Error): void => {
      settle(
        new TransportError(
          ErrorCode.ConnectionLost,
          `the connection to the proxy ${proxy.display} failed during the tunnel request: ${error.message}`,
          'proxy',
          error,
        ),
      );
    };
    const onAbort = (): void => settle(abortReason(signal!));
    socket.on('data', onData);
    socket.once('end', onEnd);
    socket.once('close', onEnd);
    socket.once('error', onError);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The proxy closed before answering completely. */
export function proxyClosedEarly(proxy: ProxyEndpoint, what: string): WebSocketError {
  return new TransportError(
    ErrorCode.ConnectionLost,
    `the proxy ${proxy.display} closed the connection before answering the ${what}`,
    'proxy',
  );
}

/** A ProxyError for `proxy`; `refusal.proxy` is filled in. */
export function proxyError(
  code: ProxyCode,
  message: string,
  proxy: ProxyEndpoint,
  refusal: Omit<ProxyRefusal, 'proxy'> = {},
  cause?: unknown,
): ProxyError {
  return new ProxyError(code, message, { ...refusal, proxy: proxy.display }, cause);
}

export function abortReason(signal: AbortSignal): WebSocketError {
  return new AbortError(
    ErrorCode.Aborted,
    'the operation was aborted while going through the proxy',
    {
      cause: signal.reason,
    },
  );
}
