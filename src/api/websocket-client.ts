// The modern face: `await connect(url)`, promise-returning send/ping/close, async iteration
// over messages with receive backpressure, typed events and AbortSignal. No protocol logic:
// everything goes through client/connection.

import { type CloseInfo, Connection, type ConnectionHandler } from '../client/connection.js';
import { TypedEmitter } from '../client/events.js';
import { Inbox } from '../client/inbox.js';
import { CONNECT_OPTIONS, checkOptions } from '../client/option-names.js';
import { type ConnectOptions, resolveOptions } from '../client/options.js';
import { payloadBytes } from '../client/payload.js';
import type { ConnectionStats } from '../client/stats.js';
import type { Message } from '../core/assembler.js';
import { validateUserClose } from '../core/close.js';
import type { ReadyState } from '../core/constants.js';
import type { ResponseHeaders, WebSocketError } from '../core/errors.js';
import { type SendData, toSendable } from './data.js';

export type { CloseCause, CloseCauseKind, ClosePhase } from '../client/close-cause.js';
export type { CloseInfo } from '../client/connection.js';
export type { ConnectOptions } from '../client/options.js';
export type { ConnectionStats } from '../client/stats.js';

export type { BinaryMessage, Message, TextMessage } from '../core/assembler.js';

/** The events of a WebSocketClient and the arguments their listeners get. */
export interface WebSocketClientEvents {
  message: [message: Message];
  ping: [data: Uint8Array];
  pong: [data: Uint8Array];
  error: [error: WebSocketError];
  close: [info: CloseInfo];
}

const noop = (): void => {};

/** What ClientEvents may do inside a WebSocketClient (set by its static block). */
let friend: {
  receive(client: WebSocketClient, message: Message): void;
  emit(client: WebSocketClient, event: 'ping' | 'pong' | 'error', value: unknown): void;
  close(client: WebSocketClient, info: CloseInfo, handler: ClientEvents): void;
};

/**
 * Opens a WebSocket connection. Resolves once the handshake completed; rejects with a
 * WebSocketError (bad URL or option, DNS, TCP, TLS, refused handshake, timeout, abort).
 */
export function connect(url: string | URL, options?: ConnectOptions): Promise<WebSocketClient> {
  let client: WebSocketClient;
  try {
    client = new WebSocketClient(url, options);
  } catch (error) {
    return Promise.reject(error);
  }
  return client.opened.then(() => client);
}

/** An open (or opening) WebSocket connection with a promise-based API. */
export class WebSocketClient
  extends TypedEmitter<WebSocketClientEvents>
  implements AsyncIterable<Message>
{
  readonly #connection: Connection;
  /** Resolves when the connection opened; rejects if it failed first. */
  readonly opened: Promise<void>;
  /** Resolves with how the connection ended; never rejects. */
  readonly closed: Promise<CloseInfo>;
  #closeInfo: CloseInfo | undefined;
  /**
   * Messages received while nobody listened or every iterator was busy; made for the first
   * of them (an idle connection has none).
   */
  #inbox: Inbox<Message> | undefined;
  #iterators = 0;
  /** Pending next() calls, oldest first (callers may call next() without awaiting). */
  #waiters:
    | {
        resolve: (result: IteratorResult<Message>) => void;
        reject: (error: unknown) => void;
      }[]
    | undefined;

  /** Prefer `await connect(url)`; the constructor starts connecting at once. */
  constructor(url: string | URL, options?: ConnectOptions) {
    super();
    checkOptions(options, CONNECT_OPTIONS, 'connect()');
    // connect() follows up to 10 redirects unless told otherwise (anything but an object is
    // passed on as it is, for resolveOptions to refuse).
    const settings =
      options === undefined || (typeof options === 'object' && options !== null)
        ? { ...options, followRedirects: options?.followRedirects ?? 10 }
        : options;
    const resolved = resolveOptions(url, settings);
    const handler = new ClientEvents(this);
    this.opened = new Promise<void>((resolve, reject) => {
      handler.opened = resolve;
      handler.openFailed = reject;
    });
    this.opened.catch(noop);
    this.closed = new Promise<CloseInfo>((resolve) => {
      handler.closed = resolve;
    });
    this.#connection = new Connection(resolved, handler);
    this.#connection.start();
  }

  #makeInbox(): Inbox<Message> {
    const { receiveHighWaterMark, receiveHighWaterBytes } = this.#connection.options;
    this.#inbox = new Inbox<Message>(
      this.#connection,
      {
        highWaterMark: receiveHighWaterMark,
        lowWaterMark: Math.floor(receiveHighWaterMark / 4),
        highWaterBytes: receiveHighWaterBytes,
        lowWaterBytes: Math.floor(receiveHighWaterBytes / 4),
      },
      messageBytes,
    );
    return this.#inbox;
  }

  static {
    friend = {
      receive: (client, message) => client.#receive(message),
      emit: (client, event, value) => client.emit(event, value as never),
      close: (client, info, handler) => {
        client.#closeInfo = info;
        handler.openFailed(info.error);
        client.#endIteration();
        client.emit('close', info);
        handler.closed(info);
      },
    };
  }

  /** The URL, normalized (ws: or wss:); after redirects, the last one requested. */
  get url(): string {
    return this.#connection.options.target.url.href;
  }
  /** The subprotocol the server chose, '' when none. */
  get protocol(): string {
    return this.#connection.protocol;
  }
  /** Extensions the server accepted, '' when none. */
  get extensions(): string {
    return this.#connection.extensions;
  }
  /**
   * Headers of the server's 101 response: lower-case names, repeated ones joined with ", ",
   * except `set-cookie`, which is the list of every Set-Cookie header (as on Node's
   * IncomingMessage).
   */
  get responseHeaders(): ResponseHeaders {
    return this.#connection.responseHeaders;
  }
  /** 0 connecting, 1 open, 2 closing, 3 closed. */
  get readyState(): ReadyState {
    return this.#connection.readyState;
  }
  /** Payload bytes passed to send() and not yet written to the socket. */
  get bufferedAmount(): number {
    return this.#connection.bufferedAmount;
  }
  /** The last measured round trip (keepalive or ping()), in milliseconds. */
  get latencyMs(): number | undefined {
    return this.#connection.latencyMs;
  }

  /** Counters of this connection: messages and bytes each way, round trips, time open. */
  stats(): ConnectionStats {
    return this.#connection.stats.snapshot(this.#connection.options.clock.now());
  }

  /**
   * Sends a message: a string as text, bytes as binary. Resolves when the frame was written to
   * the socket; rejects if the connection is not open or closes first.
   */
  send(data: SendData): Promise<void> {
    try {
      return this.#connection.sendWithBatchPromise(toSendable(data), false);
    } catch (error) {
      const promise = Promise.reject(error);
      // A send nobody awaits must not crash the process; the failure also reaches 'close'.
      promise.catch(noop);
      return promise;
    }
  }

  /** Sends a Ping and resolves with the round-trip time in milliseconds. */
  ping(payload?: SendData): Promise<number> {
    try {
      return this.#connection.ping(payload === undefined ? undefined : toBytes(payload));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** Sends an unsolicited Pong (a one-way heartbeat). */
  pong(payload?: SendData): void {
    this.#connection.pong(payload === undefined ? undefined : toBytes(payload));
  }

  /**
   * Starts the closing handshake (code 1000 or 3000-4999, reason up to 123 bytes) and resolves
   * with how the connection ended. Closing a connecting socket aborts it.
   */
  close(code?: number, reason?: string): Promise<CloseInfo> {
    try {
      validateClose(code, reason);
    } catch (error) {
      return Promise.reject(error);
    }
    this.#connection.close(code ?? 1000, reason ?? '');
    return this.closed;
  }

  /** Drops the connection at once, without a closing handshake. */
  terminate(): Promise<CloseInfo> {
    this.#connection.terminate();
    return this.closed;
  }

  // ------------------------------------------------------------------ receiving

  /**
   * Adds a listener. The first 'message' listener also gets, in order, the messages buffered
   * while nobody listened (and no iterator runs), so none is stranded in the buffer.
   */
  override on<K extends keyof WebSocketClientEvents>(
    event: K,
    listener: (...args: WebSocketClientEvents[K]) => void,
  ): this {
    super.on(event, listener);
    const inbox = this.#inbox;
    if (event === 'message' && this.#iterators === 0 && inbox !== undefined && inbox.size > 0) {
      queueMicrotask(() => {
        for (let guard = inbox.size; guard > 0; guard--) {
          if (this.#iterators !== 0 || this.listenerCount('message') === 0) return;
          const message = inbox.take();
          if (message === undefined) return;
          this.emit('message', message);
        }
      });
    }
    return this;
  }

  #receive(message: Message): void {
    // Decided before emitting: a once() listener removes itself while it runs.
    const isHeard = this.listenerCount('message') > 0;
    this.emit('message', message);
    if (this.#iterators === 0 && isHeard) return;
    const waiter = this.#waiters?.shift();
    if (waiter !== undefined) {
      waiter.resolve({ value: message, done: false });
      return;
    }
    (this.#inbox ?? this.#makeInbox()).push(message);
  }

  #endIteration(): void {
    const waiters = this.#waiters;
    this.#waiters = undefined;
    if (waiters === undefined) return;
    for (const waiter of waiters) waiter.resolve({ value: undefined, done: true });
  }

  #next(): Promise<IteratorResult<Message>> {
    const queued = this.#inbox?.take();
    if (queued !== undefined) return Promise.resolve({ value: queued, done: false });
    if (this.#closeInfo !== undefined) return Promise.resolve({ value: undefined, done: true });
    this.#connection.resume();
    return new Promise((resolve, reject) => {
      (this.#waiters ??= []).push({ resolve, reject });
    });
  }

  /**
   * Iterates over received messages until the connection closes, however it closes: `closed`
   * (or the 'error' event) tells why. Breaking out of the loop closes the connection.
   */
  [Symbol.asyncIterator](): AsyncIterator<Message> {
    this.#iterators++;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      this.#iterators--;
    };
    return {
      next: () => {
        if (done) return Promise.resolve({ value: undefined, done: true });
        return this.#next().then(
          (result) => {
            if (result.done) finish();
            return result;
          },
          (error: unknown) => {
            finish();
            throw error;
          },
        );
      },
      return: async () => {
        finish();
        if (this.#closeInfo === undefined) await this.close();
        return { value: undefined, done: true };
      },
    };
  }
}

/**
 * What the connection reports to one client. One small object with methods rather than six
 * closures: it is kept for the whole life of every connection.
 */
class ClientEvents implements ConnectionHandler {
  readonly #client: WebSocketClient;
  opened: () => void = noop;
  openFailed: (error: unknown) => void = noop;
  closed: (info: CloseInfo) => void = noop;

  constructor(client: WebSocketClient) {
    this.#client = client;
  }
  onOpen(): void {
    this.opened();
    // Settled: drop the promise's resolving functions (kept for the whole connection else).
    this.opened = noop;
    this.openFailed = noop;
  }
  onMessage(data: string | Uint8Array, isBinary: boolean): void {
    friend.receive(this.#client, { data, isBinary } as Message);
  }
  onPing(data: Uint8Array): void {
    friend.emit(this.#client, 'ping', data);
  }
  onPong(data: Uint8Array): void {
    friend.emit(this.#client, 'pong', data);
  }
  onError(error: WebSocketError): void {
    friend.emit(this.#client, 'error', error);
  }
  onClose(info: CloseInfo): void {
    friend.close(this.#client, info, this);
  }
}

/** Bytes of a buffered message, for the inbox's marks: text counts its characters. */
function messageBytes(message: Message): number {
  return message.data.length;
}

function toBytes(data: SendData): Uint8Array {
  return payloadBytes(toSendable(data));
}

function validateClose(code: number | undefined, reason: string | undefined): void {
  const error = validateUserClose(code, reason);
  if (error !== undefined) throw error;
}
