// The WHATWG face: a `WebSocket` class that behaves as the WHATWG WebSockets Standard
// (https://websockets.spec.whatwg.org/) describes, so code written for browsers or undici runs
// unchanged. It converts arguments the WebIDL way, keeps its own ready state, queues every
// event as a task, and counts bufferedAmount as the standard asks. No protocol logic: frames,
// handshakes and closing all go through client/connection.

import { type CloseInfo, Connection, type ConnectionHandler } from '../client/connection.js';
import { CONNECT_OPTIONS, checkOptions } from '../client/option-names.js';
import { type ConnectOptions, resolveOptions } from '../client/options.js';
import { TaskQueue, type TaskQueueOwner } from '../client/task-queue.js';
import { ReadyState } from '../core/constants.js';
import {
  AbortError,
  ErrorCode,
  isWebSocketError,
  NegotiationError,
  type WebSocketError,
  type WsxError,
} from '../core/errors.js';
import { CloseEvent, defineWebSocketShape, ErrorEvent, HandlerAttributes } from './dom-events.js';
import { SendOrder } from './send-order.js';
import { sizeOf, toProtocolList, toSendValue } from './webidl.js';
import {
  type BinaryType,
  binaryTypeOf,
  closeArguments,
  errorEvent,
  faceArguments,
  messageEvent,
  urlArgument,
} from './whatwg-face.js';

export type { ConnectOptions } from '../client/options.js';
export {
  CloseEvent,
  type CloseEventInit,
  ErrorEvent,
  type ErrorEventInit,
  type EventInit,
} from './dom-events.js';
export type { BinaryType } from './whatwg-face.js';

/** The `error` event of a WebSocket: `error` is the wsx error that failed the connection. */
export interface WebSocketErrorEvent extends ErrorEvent {
  readonly error: WsxError;
}

/**
 * Node's global `MessageEvent`, exported so that code importing it from undici
 * (`import { WebSocket, MessageEvent } from 'undici'`) only changes the module name.
 */
export const MessageEvent: typeof globalThis.MessageEvent = globalThis.MessageEvent;
export type MessageEvent = globalThis.MessageEvent;

export interface WebSocketEventMap {
  open: Event;
  message: MessageEvent;
  error: WebSocketErrorEvent;
  close: CloseEvent;
}

type Handler<E> = ((this: WebSocket, event: E) => unknown) | null;
type Listener<K extends keyof WebSocketEventMap> =
  | ((this: WebSocket, event: WebSocketEventMap[K]) => unknown)
  | { handleEvent(event: WebSocketEventMap[K]): unknown }
  | null;
type ListenerOptions = { capture?: boolean; once?: boolean; signal?: AbortSignal } | boolean;

const { CONNECTING, OPEN, CLOSING, CLOSED } = ReadyState;

// Typed overloads for the four event types; the methods themselves are EventTarget's.
export interface WebSocket {
  addEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: Listener<K>,
    options?: ListenerOptions,
  ): void;
  addEventListener(type: string, listener: Listener<'open'>, options?: ListenerOptions): void;
  removeEventListener<K extends keyof WebSocketEventMap>(
    type: K,
    listener: Listener<K>,
    options?: ListenerOptions,
  ): void;
  removeEventListener(type: string, listener: Listener<'open'>, options?: ListenerOptions): void;
}

/** What WebSocketEvents may do inside a WebSocket (set by its static block). */
let friend: {
  onOpen(ws: WebSocket): void;
  onMessage(ws: WebSocket, data: string | Uint8Array, isBinary: boolean): void;
  onError(ws: WebSocket, error: WebSocketError): void;
  onClose(ws: WebSocket, info: CloseInfo): void;
  afterTasks(ws: WebSocket): void;
};

const NO_PROTOCOLS: readonly string[] = Object.freeze([]);

/**
 * A WebSocket with the WHATWG API: `new WebSocket(url, protocols)`, `send`, `close`, the
 * open/message/error/close events and `on*` handlers. A third argument (Node only) takes the
 * options of `connect()`.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: see the interface above
export class WebSocket extends EventTarget {
  static readonly CONNECTING = CONNECTING;
  static readonly OPEN = OPEN;
  static readonly CLOSING = CLOSING;
  static readonly CLOSED = CLOSED;
  declare readonly CONNECTING: typeof CONNECTING;
  declare readonly OPEN: typeof OPEN;
  declare readonly CLOSING: typeof CLOSING;
  declare readonly CLOSED: typeof CLOSED;
  /** Event handler attributes (defined on the prototype below). */
  declare onopen: Handler<Event>;
  declare onmessage: Handler<MessageEvent>;
  declare onerror: Handler<WebSocketErrorEvent>;
  declare onclose: Handler<CloseEvent>;

  readonly #connection: Connection;
  #url: URL;
  readonly #offeredProtocols: readonly string[];
  #state: ReadyState = CONNECTING;
  #protocol = '';
  #extensions = '';
  #binaryType: BinaryType = 'blob';
  /** The on* attributes; made when the first one is set (most code uses addEventListener). */
  #handlers: HandlerAttributes | undefined;
  // Event tasks, run in order once the current call returned ("queue a task").
  readonly #tasks: TaskQueue;
  #error: WebSocketError | undefined;
  // bufferedAmount: bytes handed to the connection and not yet written, bytes waiting behind a
  // Blob, and bytes of dropped sends (the standard never subtracts those).
  #writingBytes = 0;
  #droppedBytes = 0;
  /** Keeps send order behind Blobs; made on the first send (idle connections send nothing). */
  #sendOrder: SendOrder | undefined;

  constructor(url: string | URL, protocols?: string | Iterable<string>, options?: ConnectOptions);
  constructor(url: string | URL, options?: ConnectOptions);
  constructor(url: string | URL, protocols?: unknown, options?: ConnectOptions) {
    super();
    // biome-ignore lint/complexity/noArguments: WebIDL tells a missing argument from undefined
    if (arguments.length === 0) throw new TypeError('WebSocket: the url argument is required');
    const target = urlArgument(url);
    const { settings, offered } = faceArguments(protocols, options);
    checkOptions(settings, CONNECT_OPTIONS, 'new WebSocket()');
    const offeredList = toProtocolList(offered);
    // One shared empty list for the many connections that offer no subprotocol.
    this.#offeredProtocols = offeredList.length === 0 ? NO_PROTOCOLS : offeredList;
    const resolved = resolveOptions(target.url, {
      ...settings,
      protocols: this.#offeredProtocols,
    });
    this.#url = resolved.target.url;
    const events = new WebSocketEvents(this);
    this.#tasks = new TaskQueue(events);
    this.#connection = new Connection(resolved, events);
    this.#connection.start();
  }

  /** The URL, serialized, with http(s) mapped to ws(s); after redirects, the final one. */
  get url(): string {
    return this.#url.href;
  }
  get readyState(): ReadyState {
    this.#noticeClosing();
    return this.#state;
  }
  /** Bytes passed to send() not yet written to the socket, plus every byte of dropped sends. */
  get bufferedAmount(): number {
    return this.#writingBytes + (this.#sendOrder?.waitingBytes ?? 0) + this.#droppedBytes;
  }
  /** The extensions the server accepted ('' until open). */
  get extensions(): string {
    return this.#extensions;
  }
  /** The subprotocol the server chose ('' until open). */
  get protocol(): string {
    return this.#protocol;
  }
  get binaryType(): BinaryType {
    return this.#binaryType;
  }
  set binaryType(value: BinaryType) {
    this.#binaryType = binaryTypeOf(value, this.#binaryType);
  }

  /**
   * Sends a string as text, or a Blob, ArrayBuffer or ArrayBufferView as binary. Throws an
   * InvalidStateError DOMException while connecting; once closing, data is dropped (and still
   * counted in bufferedAmount).
   */
  send(data: string | Blob | ArrayBufferLike | ArrayBufferView): void {
    // biome-ignore lint/complexity/noArguments: WebIDL tells a missing argument from undefined
    if (arguments.length === 0)
      throw new TypeError('WebSocket.send: the data argument is required');
    const value = toSendValue(data);
    if (this.#state === CONNECTING) {
      throw new DOMException('the WebSocket is not open yet; wait for open', 'InvalidStateError');
    }
    this.#noticeClosing();
    if (this.#state !== OPEN) {
      this.#droppedBytes += sizeOf(value);
      return;
    }
    (this.#sendOrder ?? this.#makeSendOrder()).send(value);
  }

  #makeSendOrder(): SendOrder {
    const order = new SendOrder(
      (data, bytes) => this.#write(data, bytes),
      (error) => {
        // Data that cannot be sent closes the connection (error, then close 1006).
        this.#droppedBytes += order.clear();
        this.#connection.terminate(error);
      },
    );
    this.#sendOrder = order;
    return order;
  }

  /**
   * Starts the closing handshake (code 1000 or 3000-4999, reason up to 123 UTF-8 bytes); while
   * connecting it fails the connection instead. Does nothing once closing.
   */
  close(code?: number, reason?: string): void {
    const checked = closeArguments(code, reason);
    let closeCode = checked.code;
    const closeReason = checked.reason ?? '';
    this.#noticeClosing();
    const state = this.#state;
    if (state === CLOSING || state === CLOSED) return;
    this.#state = CLOSING;
    if (state === CONNECTING) {
      // Not open as far as the application knows: fail the connection (error, close 1006).
      const message = 'close() was called before the WebSocket opened';
      this.#connection.terminate(new AbortError(ErrorCode.Aborted, message));
      return;
    }
    // No code and no reason: a Close frame without a body. A reason alone goes with 1000.
    if (closeCode === undefined && closeReason !== '') closeCode = 1000;
    // Messages sent before close() still go out first (the standard's note on close()).
    const finalCode = closeCode;
    if (this.#sendOrder === undefined) this.#connection.close(finalCode, closeReason);
    else this.#sendOrder.after(() => this.#connection.close(finalCode, closeReason));
  }

  // ------------------------------------------------------------------ sending

  #write(data: string | Uint8Array, knownBytes: number): void {
    let bytes = 0;
    try {
      bytes = this.#connection.send(data, typeof data !== 'string', (error) => {
        // Bytes that never reached the socket stay counted, as the standard says.
        if (error === undefined) this.#writingBytes -= bytes;
      });
    } catch (error) {
      // The server started closing before our state caught up: drop, as in CLOSING.
      if (!isWebSocketError(error) || error.code !== ErrorCode.InvalidState) throw error;
      this.#droppedBytes += knownBytes;
      return;
    }
    this.#writingBytes += bytes;
  }

  // ------------------------------------------------------------------ events

  #onOpen(): void {
    const { protocol, extensions } = this.#connection;
    // The standard fails the connection when subprotocols were offered and none was chosen.
    if (this.#offeredProtocols.length > 0 && protocol === '') {
      const offered = this.#offeredProtocols.join(', ');
      const message = `the server chose none of the offered subprotocols (${offered})`;
      this.#connection.terminate(new NegotiationError(ErrorCode.UnexpectedSubprotocol, message));
      return;
    }
    this.#queueTask(() => {
      if (this.#state !== CONNECTING) return; // close() came first and failed the connection
      this.#state = OPEN;
      // After redirects (option followRedirects), url is the URL that answered.
      this.#url = this.#connection.options.target.url;
      this.#extensions = extensions;
      this.#protocol = protocol;
      this.dispatchEvent(new Event('open'));
    });
  }

  #deliver(data: string | Uint8Array, isBinary: boolean): void {
    if (this.#state !== OPEN) return;
    this.dispatchEvent(messageEvent(data, isBinary, this.#binaryType, this.#url.origin));
  }

  #closed(info: CloseInfo): void {
    this.#state = CLOSED;
    const error = info.error ?? this.#error;
    if (error !== undefined) this.dispatchEvent(errorEvent(error));
    const { wasClean, code, reason } = info;
    this.dispatchEvent(new CloseEvent('close', { wasClean, code, reason }));
  }

  #queueTask(task: () => void): void {
    this.#tasks.push(task);
  }

  /**
   * The engine reports no event when the server's Close arrives; once every earlier event was
   * dispatched, a closing connection reads as CLOSING ("the closing handshake is started").
   */
  #noticeClosing(): void {
    if (this.#state !== OPEN || this.#tasks.isRunning || this.#tasks.hasPending) return;
    if (this.#connection.readyState >= CLOSING) this.#state = CLOSING;
  }

  static {
    friend = {
      onOpen: (ws) => ws.#onOpen(),
      onMessage: (ws, data, isBinary) => {
        // Reading pauses while too many bytes wait for their event.
        const connection = ws.#connection;
        connection.addReceived(data.length);
        ws.#queueTask(() => {
          connection.releaseReceived(data.length);
          ws.#deliver(data, isBinary);
        });
      },
      onError: (ws, error) => {
        ws.#error ??= error;
        ws.#queueTask(() => {
          if (ws.#state === OPEN) ws.#state = CLOSING;
        });
      },
      onClose: (ws, info) => ws.#queueTask(() => ws.#closed(info)),
      afterTasks: (ws) => ws.#noticeClosing(),
    };
    defineWebSocketShape(
      WebSocket,
      'WebSocket',
      (ws) => (ws.#handlers ??= new HandlerAttributes(ws)),
    );
    const tags: [object, string][] = [
      [CloseEvent.prototype, 'CloseEvent'],
      [ErrorEvent.prototype, 'ErrorEvent'],
    ];
    for (const [prototype, value] of tags) {
      Object.defineProperty(prototype, Symbol.toStringTag, { value, configurable: true });
    }
  }
}

/**
 * What the connection reports to one WebSocket. One small object with methods rather than
 * closures: it is kept for the whole life of every connection.
 */
class WebSocketEvents implements ConnectionHandler, TaskQueueOwner {
  readonly #ws: WebSocket;

  constructor(ws: WebSocket) {
    this.#ws = ws;
  }
  onOpen(): void {
    friend.onOpen(this.#ws);
  }
  onMessage(data: string | Uint8Array, isBinary: boolean): void {
    friend.onMessage(this.#ws, data, isBinary);
  }
  onPing(): void {}
  onPong(): void {}
  onError(error: WebSocketError): void {
    friend.onError(this.#ws, error);
  }
  onClose(info: CloseInfo): void {
    friend.onClose(this.#ws, info);
  }
  /** A batch of event tasks ran. */
  afterTasks(): void {
    friend.afterTasks(this.#ws);
  }
}
