// The types of a reconnecting client: what the Supervisor (supervisor.ts) takes as options,
// drives as connections and tells its face. Types only.

import type { WebSocketError } from '../core/errors.js';
import type { HeadersInit } from '../core/handshake.js';
import type { CloseInfo, Connection, ConnectionHandler } from './connection.js';
import type { ConnectOptions, EngineOptions, ResolvedOptions } from './options.js';
import type { ReconnectOptions } from './retry-schedule.js';
import type { StatsRecorder } from './stats.js';

/** A value, or a function (sync or async) computing it anew for every attempt. */
export type Provider<T> = T | (() => T | Promise<T>);

export interface ReconnectingOptions
  extends Omit<ConnectOptions, 'headers' | 'protocols' | 'signal'>,
    ReconnectOptions {
  headers?: Provider<HeadersInit | undefined>;
  protocols?: Provider<string | readonly string[] | undefined>;
}

/** What the supervisor takes: the reconnecting options plus the dialects' engine settings. */
export interface SupervisorOptions
  extends ReconnectingOptions,
    Pick<EngineOptions, 'deliverFrames' | 'emptyKeepalivePings'> {
  /**
   * Giving up keeps the offline queue for a later restart (ReconnectingWebSocket, as
   * partysocket does); without it, giving up rejects what is queued (the dialects).
   */
  keepQueueWhenGivingUp?: boolean | undefined;
}

/**
 * The connection the supervisor drives: wsx's own Connection, or an adapter around another
 * WebSocket implementation (ReconnectingWebSocket's `WebSocket` option).
 */
export type SupervisedConnection = Pick<
  Connection,
  | 'options'
  | 'readyState'
  | 'bufferedAmount'
  | 'protocol'
  | 'extensions'
  | 'start'
  | 'close'
  | 'send'
  | 'holdReceived'
>;

/** Creates each connection; the default builds wsx's own Connection. */
export type ConnectionFactory<C extends SupervisedConnection> = (
  options: ResolvedOptions,
  handler: ConnectionHandler,
  stats: StatsRecorder,
) => C;

export interface ReconnectingEvent {
  attempt: number;
  delayMs: number;
  reason: string;
}

/** What a face hears from the supervisor. */
export interface SupervisorHandler<C extends SupervisedConnection = Connection>
  extends Omit<ConnectionHandler, 'onOpen' | 'onClose'> {
  /** A connection opened and the onOpen hook ran; queued messages are being sent. */
  onOpen(connection: C): void;
  /** A connection closed; `willRetry` says whether another attempt follows. */
  onClose(info: CloseInfo, willRetry: boolean): void;
  onReconnecting(event: ReconnectingEvent): void;
  /** An attempt failed before any connection existed (a provider threw, or a bad URL). */
  onAttemptFailed?(error: unknown, willRetry: boolean): void;
  /** No more attempts: the policy said stop, maxRetries was reached, or the options are invalid. */
  onGiveUp(reason: string, error: WebSocketError | undefined): void;
}
