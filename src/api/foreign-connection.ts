// ReconnectingWebSocket's `WebSocket` option (as in partysocket): each connection is made by
// another WHATWG-style WebSocket class (undici's, the `ws` package's, a browser-like mock)
// instead of wsx's engine. This adapter gives such a socket the shape the supervisor drives:
// start, send, close, readyState and the handler calls. No protocol logic: the other class
// does the framing; wsx's reconnect policy, backoff and offline queue still apply.

import type { TimerHandle } from '../client/clock.js';
import { closeCause } from '../client/close-cause.js';
import type { ConnectionHandler } from '../client/connection.js';
import type { ResolvedOptions } from '../client/options.js';
import { ReadyState } from '../core/constants.js';
import {
  ErrorCode,
  InvalidStateError,
  TimeoutError,
  TransportError,
  type WebSocketError,
} from '../core/errors.js';
import { messageOf } from './webidl.js';

/** The part of a WHATWG WebSocket that ReconnectingWebSocket uses. */
export interface WebSocketLike {
  readonly readyState: number;
  readonly bufferedAmount: number;
  readonly protocol: string;
  readonly extensions: string;
  binaryType: string;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: string, listener: (event: never) => void): void;
}

/** A WebSocket class: `new WebSocket(url)` or `new WebSocket(url, protocols)`. */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
) => WebSocketLike;

interface CloseLike {
  code?: number;
  reason?: string;
  wasClean?: boolean;
}

const releaseNothing = (): void => {};

export class ForeignConnection {
  readonly options: ResolvedOptions;
  readonly #handler: ConnectionHandler;
  readonly #construct: WebSocketConstructor;
  #socket: WebSocketLike | undefined;
  #state: ReadyState = ReadyState.CONNECTING;
  #protocol = '';
  #extensions = '';
  #error: WebSocketError | undefined;
  #isClosedByUs = false;
  #wasOpen = false;
  #openTimer: TimerHandle | undefined;
  /** Binary messages that arrived as Blobs are read in order; later messages wait for them. */
  #delivery: Promise<void> = Promise.resolve();

  constructor(
    options: ResolvedOptions,
    handler: ConnectionHandler,
    construct: WebSocketConstructor,
  ) {
    this.options = options;
    this.#handler = handler;
    this.#construct = construct;
  }

  get readyState(): ReadyState {
    return this.#state;
  }
  get bufferedAmount(): number {
    return this.#socket?.bufferedAmount ?? 0;
  }
  get protocol(): string {
    return this.#protocol;
  }
  get extensions(): string {
    return this.#extensions;
  }

  start(): void {
    const { options } = this;
    const url = options.target.url.href;
    let socket: WebSocketLike;
    try {
      socket =
        options.protocols.length > 0
          ? new this.#construct(url, [...options.protocols])
          : new this.#construct(url);
    } catch (error) {
      // The other class refused its arguments: report it as a failed attempt.
      const message = `the WebSocket option's constructor threw: ${messageOf(error)}`;
      this.#error = new TransportError(ErrorCode.ConnectFailed, message, 'tcp', error);
      queueMicrotask(() => this.#finish({ code: 1006, reason: '', wasClean: false }));
      return;
    }
    this.#socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.addEventListener('open', () => this.#onOpen());
    socket.addEventListener('message', (event: { data: unknown }) => this.#onMessage(event.data));
    socket.addEventListener('error', (event: { message?: unknown; error?: unknown }) =>
      this.#onError(event),
    );
    socket.addEventListener('close', (event: CloseLike) => this.#finish(event));
    if (options.openTimeoutMs > 0) {
      this.#openTimer = options.clock.setTimeout(() => {
        this.#openTimer = undefined;
        const ms = options.openTimeoutMs;
        const message = `the connection did not open within ${ms} ms (openTimeoutMs)`;
        this.#error ??= new TimeoutError(ErrorCode.OpenTimeout, message, 'open', ms);
        this.#isClosedByUs = true;
        this.#state = ReadyState.CLOSING;
        socket.close();
      }, options.openTimeoutMs);
    }
  }

  send(data: string | Uint8Array, _isBinary: boolean, callback?: (error?: Error) => void): number {
    const socket = this.#socket;
    if (socket === undefined || this.#state !== ReadyState.OPEN) {
      throw new InvalidStateError(ErrorCode.InvalidState, 'the connection is not open');
    }
    if (socket.readyState !== ReadyState.OPEN) {
      // The other class already started closing: nothing is sent, so the message may wait for
      // the next connection instead of being lost.
      throw new InvalidStateError(ErrorCode.InvalidState, 'the connection is closing');
    }
    socket.send(data);
    // The other class tells nobody when bytes reach the socket: handed over counts as sent.
    if (callback !== undefined) queueMicrotask(() => callback());
    return typeof data === 'string' ? data.length : data.byteLength;
  }

  /**
   * Another implementation cannot be told to stop reading, so nothing is held back here: the
   * bound on undelivered bytes applies to wsx's own engine only.
   */
  holdReceived(_bytes: number): () => void {
    return releaseNothing;
  }

  close(code?: number, reason?: string): void {
    const socket = this.#socket;
    if (this.#state >= ReadyState.CLOSING) return;
    this.#isClosedByUs = true;
    this.#state = ReadyState.CLOSING;
    this.#clearOpenTimer();
    socket?.close(code, reason);
  }

  #onOpen(): void {
    if (this.#state !== ReadyState.CONNECTING) return;
    this.#clearOpenTimer();
    const socket = this.#socket!;
    this.#state = ReadyState.OPEN;
    this.#wasOpen = true;
    this.#protocol = socket.protocol ?? '';
    this.#extensions = socket.extensions ?? '';
    this.#handler.onOpen();
  }

  #onMessage(data: unknown): void {
    if (this.#state !== ReadyState.OPEN) return;
    if (typeof data === 'string') {
      this.#deliver(() => this.#handler.onMessage(data, false));
    } else if (data instanceof ArrayBuffer) {
      this.#deliver(() => this.#handler.onMessage(new Uint8Array(data), true));
    } else if (ArrayBuffer.isView(data)) {
      const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      this.#deliver(() => this.#handler.onMessage(bytes, true));
    } else if (data instanceof Blob) {
      const read = data.arrayBuffer();
      this.#delivery = this.#delivery
        .then(() => read)
        .then(
          (buffer) => this.#handler.onMessage(new Uint8Array(buffer), true),
          () => {},
        );
    }
  }

  /** Delivers at once unless a Blob is still being read ahead of this message. */
  #deliver(task: () => void): void {
    this.#delivery = this.#delivery.then(task);
  }

  #onError(event: { message?: unknown; error?: unknown }): void {
    if (this.#error !== undefined) return;
    const detail = event.error instanceof Error ? event.error.message : event.message;
    const text = typeof detail === 'string' && detail !== '' ? `: ${detail}` : '';
    const message = `the WebSocket reported an error${text}`;
    this.#error = this.#wasOpen
      ? new TransportError(ErrorCode.ConnectionLost, message, 'open', event.error)
      : new TransportError(ErrorCode.ConnectFailed, message, 'handshake', event.error);
  }

  #finish(event: CloseLike): void {
    if (this.#state === ReadyState.CLOSED) return;
    this.#clearOpenTimer();
    const phase = this.#wasOpen
      ? this.#state === ReadyState.OPEN
        ? 'open'
        : 'closing'
      : 'connecting';
    this.#state = ReadyState.CLOSED;
    const error = this.#error;
    const info = {
      code: typeof event.code === 'number' ? event.code : 1006,
      reason: typeof event.reason === 'string' ? event.reason : '',
      wasClean: event.wasClean === true && error === undefined,
      error,
      cause: closeCause(error, this.#isClosedByUs ? 'client' : 'server', phase),
    };
    // Messages still being read (Blobs) are delivered before the close.
    void this.#delivery.then(() => {
      if (error !== undefined) this.#handler.onError(error);
      this.#handler.onClose(info);
    });
  }

  #clearOpenTimer(): void {
    if (this.#openTimer !== undefined) {
      this.options.clock.clearTimeout(this.#openTimer);
      this.#openTimer = undefined;
    }
  }
}
