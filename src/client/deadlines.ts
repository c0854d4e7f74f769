// The two deadlines of one connection: openTimeoutMs (from start() to the 101, redirects
// included) and closeTimeoutMs (from the first Close frame to the end of the transport), and
// the timeout errors they report. 0 switches a deadline off. Timers run on the injected clock.

import { ErrorCode, TimeoutError } from '../core/errors.js';
import { armTimer, type Clock, type TimerHandle } from './clock.js';

export interface DeadlineLimits {
  openTimeoutMs: number;
  closeTimeoutMs: number;
  clock: Clock;
}

export class Deadlines {
  /** Holds the limits in effect (options change when a redirect is followed). */
  readonly #host: { readonly options: DeadlineLimits };
  #openTimer: TimerHandle | undefined;
  #closeTimer: TimerHandle | undefined;
  #isStopped = false;

  constructor(host: { readonly options: DeadlineLimits }) {
    this.#host = host;
  }

  /** Arms the open deadline (when openTimeoutMs is not 0). */
  startOpen(onTimeout: () => void): void {
    const { openTimeoutMs, clock } = this.#host.options;
    if (openTimeoutMs === 0 || this.#isStopped) return;
    this.#openTimer = armTimer(
      clock,
      () => {
        this.#openTimer = undefined;
        onTimeout();
      },
      openTimeoutMs,
    );
  }

  /** True once the open deadline ran out (false when there is none). */
  get hasOpenExpired(): boolean {
    return this.#openTimer === undefined && this.#host.options.openTimeoutMs > 0;
  }

  /** The connection opened: the open deadline is over. */
  stopOpen(): void {
    if (this.#openTimer === undefined) return;
    this.#host.options.clock.clearTimeout(this.#openTimer);
    this.#openTimer = undefined;
  }

  /** Arms the close deadline once (when closeTimeoutMs is not 0); `onTimeout` gets the ms. */
  startClose(onTimeout: (ms: number) => void): void {
    if (this.#closeTimer !== undefined || this.#isStopped) return;
    const { closeTimeoutMs: ms, clock } = this.#host.options;
    if (ms === 0) return;
    this.#closeTimer = armTimer(
      clock,
      () => {
        this.#closeTimer = undefined;
        onTimeout(ms);
      },
      ms,
    );
  }

  /** The connection is over: no deadline fires any more. */
  stop(): void {
    this.#isStopped = true;
    this.stopOpen();
    if (this.#closeTimer !== undefined) this.#host.options.clock.clearTimeout(this.#closeTimer);
    this.#closeTimer = undefined;
  }
}

/** The error of a connection that did not open within openTimeoutMs. */
export function openTimeoutError(ms: number, isConnected: boolean): TimeoutError {
  return new TimeoutError(
    ErrorCode.OpenTimeout,
    `the WebSocket did not open within ${ms} ms (openTimeoutMs) ${isConnected ? 'while waiting for the handshake response' : 'while connecting'}`,
    'open',
    ms,
  );
}

/** The error of a closing handshake that did not complete within closeTimeoutMs. */
export function closeTimeoutError(ms: number): TimeoutError {
  return new TimeoutError(
    ErrorCode.CloseTimeout,
    `the server did not complete the closing handshake within ${ms} ms (closeTimeoutMs)`,
    'close',
    ms,
  );
}

/** The error of a peer that answered no keepalive Ping within pongTimeoutMs. */
export function pongTimeoutError(pingIntervalMs: number, pongTimeoutMs: number): TimeoutError {
  return new TimeoutError(
    ErrorCode.PongTimeout,
    `no pong and no data within ${pongTimeoutMs} ms of a keepalive ping (after ${pingIntervalMs} ms of silence): the peer or the network path is dead`,
    'pong',
    pongTimeoutMs,
  );
}
