// The events ReconnectingWebSocket adds to the WHATWG set (a close event that also says why
// and whether another attempt follows, `reconnecting` shaped like a CustomEvent, `giveup`),
// the send() promise that never counts as an unhandled rejection, and the view of a new
// connection that the onOpen hook gets. No retry, backoff or queue logic: that is
// client/reconnect's; argument handling shared with WebSocket is in whatwg-face.ts.

import type { CloseCause } from '../client/close-cause.js';
import type { ReconnectingEvent, SupervisedConnection } from '../client/reconnect.js';
import type { WebSocketError } from '../core/errors.js';
import { argumentError } from '../core/errors.js';
import { CloseEvent, type CloseEventInit, type ErrorEvent, type EventInit } from './dom-events.js';
import type { Settle } from './send-order.js';
import { toSendValue } from './webidl.js';

export interface ReconnectingCloseEventInit extends CloseEventInit {
  cause?: CloseCause | undefined;
  willRetry?: boolean;
  error?: WebSocketError | undefined;
}

/** A CloseEvent for one dropped connection, plus wsx's cause and the retry decision. */
export class ReconnectingCloseEvent extends CloseEvent {
  /** What ended the connection and in which phase (undefined when built by hand). */
  readonly cause: CloseCause | undefined;
  /** True when another connection attempt follows this close. */
  readonly willRetry: boolean;
  /** The error that failed the connection, if one did. */
  readonly error: WebSocketError | undefined;
  constructor(type: string, init: ReconnectingCloseEventInit = {}) {
    super(type, init);
    this.cause = init.cause;
    this.willRetry = Boolean(init.willRetry);
    this.error = init.error;
  }
}

export interface ReconnectEventInit extends EventInit {
  detail: ReconnectingEvent;
}

/** Fired before waiting for the next attempt: which retry it is, how long the wait, and why. */
export class ReconnectEvent extends Event {
  readonly #detail: ReconnectingEvent;
  constructor(type: string, init: ReconnectEventInit) {
    super(type, init);
    this.#detail = { ...init.detail };
  }
  /** `{ attempt, delayMs, reason }`, as a CustomEvent would carry it. */
  get detail(): ReconnectingEvent {
    return this.#detail;
  }
  /** Retry number, 1 for the first retry after a healthy connection. */
  get attempt(): number {
    return this.#detail.attempt;
  }
  /** Milliseconds until the attempt starts. */
  get delayMs(): number {
    return this.#detail.delayMs;
  }
  /** Why the previous connection ended, in words. */
  get reason(): string {
    return this.#detail.reason;
  }
}

export interface GiveUpEventInit extends EventInit {
  reason: string;
  error?: WebSocketError | undefined;
}

/** Fired once no more attempts will be made (until reconnect() is called). */
export class GiveUpEvent extends Event {
  readonly reason: string;
  /** The error of the last failed connection, when there was one. */
  readonly error: WebSocketError | undefined;
  constructor(type: string, init: GiveUpEventInit) {
    super(type, init);
    this.reason = init.reason;
    this.error = init.error;
  }
}

export interface ReconnectingWebSocketEventMap {
  open: Event;
  message: MessageEvent;
  error: ErrorEvent;
  close: ReconnectingCloseEvent;
  reconnecting: ReconnectEvent;
  giveup: GiveUpEvent;
}

// ------------------------------------------------------------------ the onOpen hook

/** What the onOpen hook gets: the new connection, before queued messages go out. */
export interface OpenHookSocket {
  /** The URL this connection was opened with. */
  readonly url: string;
  /** The subprotocol the server chose ('' for none). */
  readonly protocol: string;
  readonly extensions: string;
  /** Sends ahead of every queued message; resolves once written to the socket. */
  send(data: string | ArrayBufferLike | ArrayBufferView): Promise<void>;
  /** Closes this connection (the client then reconnects or gives up as for any close). */
  close(code?: number, reason?: string): void;
}

const ignore = (): void => {};

/**
 * A promise whose rejection never counts as unhandled: WHATWG-style callers ignore it. The
 * handler is attached before `start` runs, so that a send refused at once (a full queue) does
 * not go through Node's unhandled-rejection bookkeeping, which made mass refusals slow.
 */
export function sendPromise(start: (settle: Settle) => void): Promise<void> {
  let settle: Settle = ignore;
  const promise = new Promise<void>((resolve, reject) => {
    settle = (error) => (error === undefined ? resolve() : reject(error));
  });
  promise.catch(ignore);
  start(settle);
  return promise;
}

export function hookSocket(connection: SupervisedConnection): OpenHookSocket {
  return {
    url: connection.options.target.url.href,
    protocol: connection.protocol,
    extensions: connection.extensions,
    send: (data) =>
      sendPromise((settle) => {
        const value = toSendValue(data);
        if (value instanceof Blob) {
          settle(argumentError('the onOpen hook sends strings, ArrayBuffers or views, not Blobs'));
          return;
        }
        try {
          connection.send(value, typeof value !== 'string', settle);
        } catch (error) {
          settle(error as Error);
        }
      }),
    close: (code, reason) => connection.close(code, reason),
  };
}
