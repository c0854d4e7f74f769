// The modern form of reconnecting: `for await (const ws of connectForever(url))` yields each
// new connection; when one closes, the next is opened after a jittered backoff, as long as
// client/policy (or shouldReconnect) says it can help. No protocol logic here.

import { armTimer, systemClock } from '../client/clock.js';
import type { CloseInfo } from '../client/connection.js';
import {
  CONNECT_OPTIONS,
  checkOptions,
  optionNames,
  pickOptions,
  RECONNECTING_OPTIONS,
} from '../client/option-names.js';
import type { ConnectOptions } from '../client/options.js';
import type { Provider, ReconnectingEvent, ReconnectingOptions } from '../client/reconnect.js';
import { RetrySchedule } from '../client/retry-schedule.js';
import type { HeadersInit } from '../core/handshake.js';
import { redactUrl } from '../core/url.js';
import { reconnectChannel } from '../transport/diagnostics.js';
import { WebSocketClient } from './websocket-client.js';

export interface ConnectForeverOptions extends ReconnectingOptions {
  /** Stops the loop: the current connection is closed and the iteration ends. */
  signal?: AbortSignal | undefined;
  /** Called before each wait for the next attempt. */
  onReconnecting?: ((event: ReconnectingEvent) => void) | undefined;
}

const CONNECT_FOREVER_OPTIONS = optionNames<ConnectForeverOptions>()([
  ...(RECONNECTING_OPTIONS as (keyof ReconnectingOptions)[]),
  'signal',
  'onReconnecting',
]);

async function evaluate<T>(value: Provider<T>): Promise<T> {
  return typeof value === 'function' ? await (value as () => T | Promise<T>)() : value;
}

/**
 * Yields a connected WebSocketClient, and a new one each time the previous one closed and the
 * policy allows a retry. Ends when a connection is closed by the application or the signal
 * aborts; throws the last error when the policy gives up or maxRetries is reached.
 */
export async function* connectForever(
  url: Provider<string | URL>,
  options: ConnectForeverOptions = {},
): AsyncGenerator<WebSocketClient, void, undefined> {
  checkOptions(options, CONNECT_FOREVER_OPTIONS, 'connectForever()');
  const connectOptions = pickOptions<ConnectOptions>(options, CONNECT_OPTIONS);
  const clock = options.clock ?? systemClock;
  const schedule = new RetrySchedule(options);
  const { signal } = options;
  let current: WebSocketClient | undefined;
  const onAbort = (): void => {
    void current?.close();
  };
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    for (;;) {
      if (signal?.aborted) return;
      const [target, headers, protocols] = await Promise.all([
        evaluate(url),
        evaluate<HeadersInit | undefined>(options.headers),
        evaluate<string | readonly string[] | undefined>(options.protocols),
      ]);
      // Invalid URLs and options throw here: no retry can fix them.
      const client = new WebSocketClient(target, { ...connectOptions, headers, protocols, signal });
      current = client;
      let openedAt: number | undefined;
      try {
        await client.opened;
        openedAt = clock.now();
      } catch {
        // The close information below says why.
      }
      if (openedAt !== undefined) yield client;
      const info: CloseInfo = await client.closed;
      if (signal?.aborted) return;
      const step = schedule.next(info, openedAt === undefined ? undefined : clock.now() - openedAt);
      if (!step.retry) {
        const endedByApplication =
          info.cause.kind === 'user' ||
          info.cause.kind === 'aborted' ||
          info.cause.kind === 'close-timeout';
        if (info.error !== undefined && !endedByApplication) throw info.error;
        return;
      }
      const { attempt, delayMs, reason } = step;
      options.onReconnecting?.({ attempt, delayMs, reason });
      if (reconnectChannel.hasSubscribers) {
        reconnectChannel.publish({
          url: redactUrl(client.url),
          attempt,
          delayMs,
          reason,
        });
      }
      await new Promise<void>((resolve) => {
        const timer = armTimer(
          clock,
          () => {
            signal?.removeEventListener('abort', stop);
            resolve();
          },
          delayMs,
        );
        const stop = (): void => {
          clock.clearTimeout(timer);
          resolve();
        };
        signal?.addEventListener('abort', stop, { once: true });
      });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    if (current !== undefined && current.readyState !== 3) await current.close();
  }
}
