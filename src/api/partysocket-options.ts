// partysocket's option names for ReconnectingWebSocket, translated into wsx's own
// (docs/reliability.md has the table). No behaviour here beyond the translation: a debug
// logger in partysocket's call shape, and shouldReconnectOnClose as a shouldReconnect function.

import type { Logger } from '../client/options.js';
import type { ReconnectingOptions } from '../client/reconnect.js';
import { argumentError } from '../core/errors.js';
import { ReconnectingCloseEvent } from './reconnecting-events.js';

/** partysocket's option names, accepted with the same meaning (see docs/reliability.md). */
export interface PartysocketOptions {
  /** First retry delay; with these names the delays have no jitter (initialDelayMs). */
  minReconnectionDelay?: number | undefined;
  /** Largest retry delay (maxDelayMs). */
  maxReconnectionDelay?: number | undefined;
  /** Growth of the delay per retry (backoffFactor). */
  reconnectionDelayGrowFactor?: number | undefined;
  /** Uptime that resets the retry counter (minUptimeMs). */
  minUptime?: number | undefined;
  /** Time allowed to open a connection (openTimeoutMs). */
  connectionTimeout?: number | undefined;
  /** Most messages waiting while not open (maxQueuedMessages). */
  maxEnqueuedMessages?: number | undefined;
  /** Return false to stop reconnecting after this close; true to reconnect whatever the code. */
  shouldReconnectOnClose?: ((event: ReconnectingCloseEvent) => boolean) | undefined;
  /**
   * Log through `debugLogger` (default console.log): `('RWS>', 'connect', retryCount)` per
   * attempt, and wsx's debug lines as `('RWS>', line)`.
   */
  debug?: boolean | undefined;
  debugLogger?: ((...args: unknown[]) => void) | undefined;
}

/** What fromPartysocket() reads: partysocket's names next to wsx's own options. */
type WithPartysocket = ReconnectingOptions &
  PartysocketOptions & { onOpen?: unknown; startClosed?: unknown; WebSocket?: unknown };

/**
 * partysocket's debug sink when `debug` is on: `debugLogger` (default console.log), called as
 * `('RWS>', ...args)`; undefined when debugging is off.
 */
export function partysocketDebug(
  settings: PartysocketOptions,
): ((...args: unknown[]) => void) | undefined {
  if (settings.debug !== true) return undefined;
  const { debugLogger } = settings;
  if (debugLogger !== undefined && typeof debugLogger !== 'function') {
    throw argumentError('option debugLogger must be a function');
  }
  const sink = debugLogger ?? console.log.bind(console);
  return (...args: unknown[]) => sink('RWS>', ...args);
}

/** Translates partysocket's names into wsx's; a wsx name given too wins. */
export function fromPartysocket(settings: WithPartysocket): ReconnectingOptions {
  const {
    minReconnectionDelay,
    maxReconnectionDelay,
    reconnectionDelayGrowFactor,
    minUptime,
    connectionTimeout,
    maxEnqueuedMessages,
    shouldReconnectOnClose,
    debug,
    debugLogger,
    startClosed: _startClosed,
    WebSocket: _constructor,
    onOpen: _onOpen,
    ...rest
  } = settings;
  const delayNames = [minReconnectionDelay, maxReconnectionDelay, reconnectionDelayGrowFactor];
  const usesPartysocketDelays = delayNames.some((value) => value !== undefined);
  let logger: Logger | undefined = rest.logger;
  const debugSink = partysocketDebug({ debug, debugLogger });
  if (logger === undefined && debugSink !== undefined) logger = (line: string) => debugSink(line);
  let { shouldReconnect } = rest;
  if (shouldReconnectOnClose !== undefined) {
    if (typeof shouldReconnectOnClose !== 'function') {
      throw argumentError('option shouldReconnectOnClose must be a function');
    }
    const decideByPolicy = shouldReconnect;
    shouldReconnect = (context) => {
      const { code, reason, wasClean, cause, error } = context.info;
      const event = new ReconnectingCloseEvent('close', { code, reason, wasClean, cause, error });
      if (!shouldReconnectOnClose(event)) return false;
      return decideByPolicy === undefined ? true : decideByPolicy(context);
    };
  }
  return {
    ...rest,
    initialDelayMs: rest.initialDelayMs ?? minReconnectionDelay,
    maxDelayMs: rest.maxDelayMs ?? maxReconnectionDelay,
    backoffFactor: rest.backoffFactor ?? reconnectionDelayGrowFactor,
    jitter: rest.jitter ?? (usesPartysocketDelays ? false : undefined),
    minUptimeMs: rest.minUptimeMs ?? minUptime,
    openTimeoutMs: rest.openTimeoutMs ?? connectionTimeout,
    maxQueuedMessages: rest.maxQueuedMessages ?? maxEnqueuedMessages,
    logger,
    shouldReconnect,
  };
}
