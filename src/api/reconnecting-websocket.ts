// The reconnecting WHATWG face: `new ReconnectingWebSocket(url, protocols, options)` behaves
// like a WebSocket that comes back after every drop (a drop-in for partysocket's and
// reconnecting-websocket's class), and its send() also returns a promise. Retry policy,
// backoff and the offline queue all live in client/reconnect (Supervisor); this file only
// converts arguments, keeps the face's ready state and turns supervisor calls into events,
// each dispatched after the call that caused it has returned.

import type { CloseInfo } from '../client/connection.js';
import { checkOptions } from '../client/option-names.js';
import { resolveOptions } from '../client/options.js';
import {
  type ConnectionFactory,
  type Provider,
  type ReconnectingOptions,
  type SupervisedConnection,
  Supervisor,
  type SupervisorHandler,
} from '../client/reconnect.js';
import type { ConnectionStats } from '../client/stats.js';
import { TaskQueue } from '../client/task-queue.js';
import { ReadyState } from '../core/constants.js';
import { argumentError, ErrorCode, QueueError } from '../core/errors.js';
import { defineWebSocketShape, ErrorEvent, HandlerAttributes } from './dom-events.js';
import { ForeignConnection } from './foreign-connection.js';
import { fromPartysocket, partysocketDebug } from './partysocket-options.js';
import {
  GiveUpEvent,
  hookSocket,
  ReconnectEvent,
  ReconnectingCloseEvent,
  type ReconnectingWebSocketEventMap,
  sendPromise,
} from './reconnecting-events.js';
import {
  RECONNECTING_WEBSOCKET_OPTIONS,
  type ReconnectingProtocols,
  type ReconnectingWebSocketOptions,
} from './reconnecting-options.js';
import { SendOrder } from './send-order.js';
import { messageOf, toProtocolList, toSendValue } from './webidl.js';
import {
  type BinaryType,
  binaryTypeOf,
  closeArguments,
  errorEvent,
  faceArguments,
  messageEvent,
  urlArgument,
} from './whatwg-face.js';

export type { WebSocketConstructor, WebSocketLike } from './foreign-connection.js';
export type { PartysocketOptions } from './partysocket-options.js';
export {
  GiveUpEvent,
  type OpenHookSocket,
  ReconnectEvent,
  ReconnectingCloseEvent,
  type ReconnectingWebSocketEventMap,
} from './reconnecting-events.js';

export type {
  ReconnectingProtocols,
  ReconnectingWebSocketOptions,
} from './reconnecting-options.js';

type Handler<E> = ((this: ReconnectingWebSocket, event: E) => unknown) | null;
type Listener<E> =
  | ((this: ReconnectingWebSocket, event: E) => unknown)
  | { handleEvent(event: E): unknown }
  | null;
type ListenerOptions = { capture?: boolean; once?: boolean; signal?: AbortSignal } | boolean;

const { CONNECTING, OPEN, CLOSING, CLOSED } = ReadyState;

/** close() and reconnect() arguments, checked as WebSocket.close() does; code 1000 by default. */
function stopArguments(code: unknown, reason: unknown): [number, string | undefined] {
  const checked = closeArguments(code, reason);
  return [checked.code ?? 1000, checked.reason];
}

export interface ReconnectingWebSocket {
  addEventListener<K extends keyof ReconnectingWebSocketEventMap>(
    type: K,
    listener: Listener<ReconnectingWebSocketEventMap[K]>,
    options?: ListenerOptions,
  ): void;
  addEventListener(type: string, listener: Listener<Event>, options?: ListenerOptions): void;
  removeEventListener<K extends keyof ReconnectingWebSocketEventMap>(
    type: K,
    listener: Listener<ReconnectingWebSocketEventMap[K]>,
    options?: ListenerOptions,
  ): void;
  removeEventListener(type: string, listener: Listener<Event>, options?: ListenerOptions): void;
}

/**
 * A WebSocket that reconnects: WHATWG events and methods (`open` for every connection, `close`
 * for every drop), plus `reconnecting` and `giveup` events, `reconnect()`, `retryCount`,
 * `stats()`, and a `send()` that queues while not open and returns a promise.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: typed listener overloads above
export class ReconnectingWebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: typeof CONNECTING;
  declare readonly OPEN: typeof OPEN;
  declare readonly CLOSING: typeof CLOSING;
  declare readonly CLOSED: typeof CLOSED;
  declare onopen: Handler<Event>;
  declare onmessage: Handler<MessageEvent>;
  declare onerror: Handler<ErrorEvent>;
  declare onclose: Handler<ReconnectingCloseEvent>;

  readonly #supervisor: Supervisor<SupervisedConnection>;
  /** partysocket's `debug` output: `('RWS>', 'connect', attempt)` per attempt. */
  readonly #debug: ((...args: unknown[]) => void) | undefined;
  /** The URL when it was given as a value ('' when it is computed per attempt). */
  readonly #staticUrl: string;
  #state: ReadyState = CONNECTING;
  #binaryType: BinaryType = 'blob';
  #protocol = '';
  #extensions = '';
  readonly #handlers = new HandlerAttributes(this);
  readonly #tasks = new TaskQueue();
  /** Between a connection's start and its open: its messages wait for the open event. */
  #isOpening = true;
  #held: (() => void)[] = [];
  readonly #sendOrder = new SendOrder((data, _bytes, settle) =>
    this.#supervisor.send(data, typeof data !== 'string', settle),
  );

  constructor(
    url: Provider<string | URL>,
    protocols?: ReconnectingProtocols | ReconnectingWebSocketOptions,
    options?: ReconnectingWebSocketOptions,
  );
  constructor(url: Provider<string | URL>, options?: ReconnectingWebSocketOptions);
  constructor(
    url: Provider<string | URL>,
    protocols?: ReconnectingProtocols | ReconnectingWebSocketOptions,
    options?: ReconnectingWebSocketOptions,
  ) {
    super();
    // biome-ignore lint/complexity/noArguments: WebIDL tells a missing argument from undefined
    if (arguments.length === 0) throw new TypeError('ReconnectingWebSocket: url is required');
    const given = faceArguments(protocols ?? undefined, options);
    const settings: ReconnectingWebSocketOptions = given.settings ?? {};
    let offered = given.offered;
    checkOptions(settings, RECONNECTING_WEBSOCKET_OPTIONS, 'new ReconnectingWebSocket()');
    const { onOpen, startClosed, WebSocket: construct } = settings;
    const rest = fromPartysocket(settings);
    this.#debug = partysocketDebug(settings);
    if (construct !== undefined && typeof construct !== 'function') {
      throw argumentError('option WebSocket must be a WebSocket class (a constructor)');
    }
    // Values given directly are checked now, as WebSocket does; functions on every attempt.
    if (typeof offered !== 'function') offered = toProtocolList(offered);
    let staticUrl = '';
    if (typeof url !== 'function') staticUrl = urlArgument(url).url.href;
    resolveOptions(staticUrl || 'ws://127.0.0.1/', {
      ...rest,
      headers: typeof rest.headers === 'function' ? undefined : rest.headers,
      protocols: typeof offered === 'function' ? undefined : (offered as string[]),
    });
    this.#staticUrl = staticUrl;
    const hook =
      onOpen === undefined
        ? undefined
        : (connection: SupervisedConnection) => this.#runHook(onOpen, connection);
    const factory: ConnectionFactory<SupervisedConnection> | undefined =
      construct === undefined
        ? undefined
        : (resolved, handler) => new ForeignConnection(resolved, handler, construct);
    this.#supervisor = new Supervisor<SupervisedConnection>(
      typeof url === 'function' ? url : staticUrl,
      {
        ...rest,
        protocols: offered as ReconnectingOptions['protocols'],
        keepQueueWhenGivingUp: true,
      },
      this.#makeHandler(),
      hook,
      factory,
    );
    if (startClosed === true) {
      this.#state = CLOSED;
      this.#supervisor.startIdle();
    } else {
      this.#debug?.('connect', 0);
      this.#supervisor.start();
    }
  }

  /** The URL of the current (or last) connection; before any, the URL given if not a function. */
  get url(): string {
    return this.#supervisor.connection?.options.target.url.href ?? this.#staticUrl;
  }
  /** The face's state: CONNECTING also while waiting for the next attempt. */
  get readyState(): ReadyState {
    if (this.#state === OPEN && !this.#tasks.hasPending) {
      // The server started closing and no earlier event is still waiting: say so.
      const connection = this.#supervisor.connection;
      if (connection !== undefined && connection.readyState >= CLOSING) return CLOSING;
    }
    return this.#state;
  }
  /** Bytes not yet written to a socket: the connection's buffer, the offline queue, Blob reads. */
  get bufferedAmount(): number {
    const connection = this.#supervisor.connection;
    const socketBytes = connection === undefined ? 0 : connection.bufferedAmount;
    return socketBytes + this.#supervisor.queuedBytes + this.#sendOrder.waitingBytes;
  }
  get protocol(): string {
    return this.#protocol;
  }
  get extensions(): string {
    return this.#extensions;
  }
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(value: BinaryType) {
    this.#binaryType = binaryTypeOf(value, this.#binaryType);
  }
  /** Retries since the last healthy connection (partysocket's retryCount). */
  get retryCount(): number {
    return this.#supervisor.attempt;
  }
  /**
   * partysocket's getter: false once close() was called, the client gave up, or it was
   * created with startClosed and not started yet. (The `shouldReconnect` option, a function
   * deciding each retry, is a different thing; it is read from the options only.)
   */
  get shouldReconnect(): boolean {
    return !this.#supervisor.isStopped;
  }

  /**
   * Removes the messages waiting in the offline queue and returns them, oldest first (text as
   * strings, binary as Uint8Array copies), so that they can be sent elsewhere. Their send()
   * promises reject with a QueueError (ERR_QUEUE_DROPPED).
   */
  drainQueuedMessages(): (string | Uint8Array)[] {
    return this.#supervisor.drainQueue(
      () =>
        new QueueError(
          ErrorCode.QueueDropped,
          'the message was taken out by drainQueuedMessages()',
        ),
    );
  }

  /** Counters over every connection, including the offline queue. */
  stats(): ConnectionStats {
    return this.#supervisor.snapshot();
  }

  /**
   * Sends text (a string) or binary data (ArrayBuffer, view or Blob). While not open the
   * message is queued. The promise resolves once the frame was written to a socket and rejects
   * with a QueueError (full, expired, dropped) or ConnectionClosedError; it never counts as an
   * unhandled rejection, so `ws.send(x)` without await is safe.
   */
  send(data: string | Blob | ArrayBufferLike | ArrayBufferView): Promise<void> {
    // biome-ignore lint/complexity/noArguments: WebIDL tells a missing argument from undefined
    if (arguments.length === 0) throw new TypeError('send: the data argument is required');
    const value = toSendValue(data);
    return sendPromise((settle) => this.#sendOrder.send(value, settle));
  }

  /**
   * Closes the connection (code 1000 by default) and stops reconnecting; queued messages are
   * rejected with ConnectionClosedError. reconnect() starts again.
   */
  close(code?: number, reason?: string): void {
    const [closeCode, closeReason] = stopArguments(code, reason);
    // Without a live connection no close event follows (the last drop already had one).
    const connection = this.#supervisor.connection;
    const isLive = connection !== undefined && connection.readyState !== CLOSED;
    this.#supervisor.stop(closeCode, closeReason);
    if (this.#state !== CLOSED) this.#state = isLive ? CLOSING : CLOSED;
  }

  /**
   * Closes the current connection (if any) and connects again at once, with the retry counter
   * reset; also restarts a closed or given-up client.
   */
  reconnect(code?: number, reason?: string): void {
    const [closeCode, closeReason] = stopArguments(code, reason);
    const connection = this.#supervisor.connection;
    const isLive = connection !== undefined && connection.readyState !== CLOSED;
    this.#debug?.('connect', 0);
    this.#supervisor.restart(closeCode, closeReason);
    // The current connection is closing until its close event; then the next one connects.
    this.#state = isLive && this.#state === OPEN ? CLOSING : CONNECTING;
  }

  // ------------------------------------------------------------------ events

  async #runHook(
    hook: NonNullable<ReconnectingWebSocketOptions['onOpen']>,
    connection: SupervisedConnection,
  ): Promise<void> {
    try {
      await hook(hookSocket(connection));
    } catch (error) {
      // The supervisor closes the connection; the application hears why first.
      this.#tasks.push(() =>
        this.dispatchEvent(
          new ErrorEvent('error', { message: `onOpen hook failed: ${messageOf(error)}`, error }),
        ),
      );
      throw error;
    }
  }

  #makeHandler(): SupervisorHandler<SupervisedConnection> {
    const noop = (): void => {};
    return {
      onOpen: (connection) => {
        this.#isOpening = false;
        const held = this.#held;
        this.#held = [];
        this.#tasks.push(() => {
          this.#state = OPEN;
          this.#protocol = connection.protocol;
          this.#extensions = connection.extensions;
          this.dispatchEvent(new Event('open'));
        });
        for (const task of held) this.#tasks.push(task);
      },
      onMessage: (data, isBinary) => {
        // Reading pauses while too many bytes wait for their event.
        const delivered = this.#supervisor.connection?.holdReceived(data.length);
        const task = (): void => {
          delivered?.();
          this.#deliver(data, isBinary);
        };
        // Messages that arrive while the onOpen hook runs follow the open event.
        if (this.#isOpening) this.#held.push(task);
        else this.#tasks.push(task);
      },
      onPing: noop,
      onPong: noop,
      onError: noop,
      onClose: (info, willRetry) => {
        this.#isOpening = true;
        this.#held = [];
        this.#tasks.push(() => this.#closed(info, willRetry));
      },
      onAttemptFailed: (error) => {
        // No connection existed (a provider threw): an error event, no close event.
        this.#tasks.push(() => this.dispatchEvent(errorEvent(error)));
      },
      onReconnecting: (detail) => {
        this.#debug?.('connect', detail.attempt, `in ${detail.delayMs} ms: ${detail.reason}`);
        this.#tasks.push(() => this.dispatchEvent(new ReconnectEvent('reconnecting', { detail })));
      },
      onGiveUp: (reason, error) => {
        this.#tasks.push(() => {
          if (this.#supervisor.isStopped) this.#state = CLOSED;
          this.dispatchEvent(new GiveUpEvent('giveup', { reason, error }));
        });
      },
    };
  }

  #deliver(data: string | Uint8Array, isBinary: boolean): void {
    if (this.#state !== OPEN) return;
    this.dispatchEvent(messageEvent(data, isBinary, this.#binaryType, this.#origin()));
  }

  #origin(): string {
    const href = this.url;
    return href === '' ? '' : new URL(href).origin;
  }

  #closed(info: CloseInfo, willRetry: boolean): void {
    // close() or reconnect() may have come after the supervisor decided: it knows best now.
    const retrying = !this.#supervisor.isStopped;
    this.#state = retrying ? CONNECTING : CLOSED;
    const { error, code, reason, wasClean, cause } = info;
    if (error !== undefined) this.dispatchEvent(errorEvent(error));
    const init = { code, reason, wasClean, cause, willRetry: willRetry && retrying, error };
    this.dispatchEvent(new ReconnectingCloseEvent('close', init));
  }

  static {
    defineWebSocketShape(ReconnectingWebSocket, 'ReconnectingWebSocket', (ws) => ws.#handlers);
  }
}
