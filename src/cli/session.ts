// One `wsx connect` session over the public API: connect() once, or connectForever() with
// --reconnect. Messages go to the Reporter as they arrive (read through the async iterator, so
// a slow stdout pauses reading instead of buffering without bound); sends made while no
// connection is open wait for the next one. The session ends with the exit status.

import { closeCause } from '../client/close-cause.js';
import { redactUrl } from '../core/url.js';
import {
  type CloseInfo,
  type ConnectOptions,
  connect,
  connectForever,
  isWebSocketError,
  type Logger,
  type WebSocketClient,
} from '../index.js';
import { isNodeDebugOn } from '../transport/debug-log.js';
import type { CloseReport, Reporter } from './report.js';

export interface SessionSettings {
  url: string;
  options: ConnectOptions;
  reconnect: boolean;
  showPingPong: boolean;
  json: boolean;
  /** Resolves when the output can take more (stdout drained). */
  drained(): Promise<void>;
}

/** 0 closed normally, 1 failed or closed with an error, 2 usage error. */
export function exitStatusFor(info: CloseInfo | undefined): number {
  if (info === undefined) return 1;
  if (info.error !== undefined) return 1;
  if (info.cause.kind === 'user') return 0;
  return info.wasClean && [1000, 1001, 1005].includes(info.code) ? 0 : 1;
}

function isUsageError(error: unknown): boolean {
  return (
    isWebSocketError(error) &&
    (error.code === 'ERR_INVALID_URL' || error.code === 'ERR_INVALID_ARGUMENT')
  );
}

export class Session {
  readonly #settings: SessionSettings;
  readonly #reporter: Reporter;
  #client: WebSocketClient | undefined;
  #lastClose: CloseInfo | undefined;
  #waitingForOpen: (() => void)[] = [];
  #stopRequested = false;
  readonly #abort = new AbortController();
  #opens = 0;
  #isOver = false;
  readonly #logger: Logger | undefined;

  constructor(settings: SessionSettings, reporter: Reporter, logger: Logger | undefined) {
    this.#settings = settings;
    this.#reporter = reporter;
    this.#logger = logger;
    // With NODE_DEBUG=wsx the library already writes its lines to stderr: -v adds only the
    // command's own lines then, instead of printing every engine line twice.
    if (logger !== undefined && !isNodeDebugOn) {
      this.#settings.options = { ...settings.options, logger };
    }
  }

  /** The open connection, if any. */
  get client(): WebSocketClient | undefined {
    return this.#client?.readyState === 1 ? this.#client : undefined;
  }

  get isStopping(): boolean {
    return this.#stopRequested;
  }

  /** Connects and runs until the last connection closed; resolves with the exit status. */
  async run(): Promise<number> {
    try {
      if (!this.#settings.reconnect) {
        let client: WebSocketClient;
        try {
          client = await connect(this.#settings.url, {
            ...this.#settings.options,
            // Replies still in flight when the input ends are printed, not dropped.
            receiveAfterClose: true,
            signal: this.#abort.signal,
          });
        } catch (error) {
          this.#reporter.error(error);
          // A JSON reader gets its close event, as after every error once connected.
          if (this.#settings.json && isWebSocketError(error)) {
            const { kind } = closeCause(error, undefined, 'connecting');
            this.#reporter.close({ code: 1006, reason: '', wasClean: false, cause: kind });
          }
          return isUsageError(error) ? 2 : 1;
        }
        await this.#serve(client);
      } else {
        const forever = connectForever(this.#settings.url, {
          ...this.#settings.options,
          receiveAfterClose: true,
          signal: this.#abort.signal,
          onReconnecting: ({ attempt, delayMs, reason }) =>
            this.#reporter.reconnecting(attempt, delayMs, reason),
        });
        try {
          for await (const client of forever) await this.#serve(client);
        } catch (error) {
          // The last connection's error was reported when it closed, if it had opened.
          if (error !== this.#lastClose?.error) this.#reporter.error(error);
          this.#reporter.note('giving up: no more reconnect attempts');
          return isUsageError(error) ? 2 : 1;
        }
      }
      if (this.#settings.reconnect && this.#stopRequested && this.#lastClose === undefined) {
        return 0;
      }
      return exitStatusFor(this.#lastClose);
    } finally {
      this.#client = undefined;
      this.#markOver();
    }
  }

  async #serve(client: WebSocketClient): Promise<void> {
    this.#client = client;
    const reporter = this.#reporter;
    if (this.#logger !== undefined) {
      // The verbose handshake log: the server's 101 response headers.
      for (const [name, value] of Object.entries(client.responseHeaders)) {
        this.#logger(`= response header ${name}: ${value}`);
      }
    }
    // What is printed never shows the URL's password (as the library's own log lines).
    reporter.open(redactUrl(client.url), client.protocol, client.extensions);
    if (this.#settings.showPingPong || this.#settings.json) {
      client.on('ping', (data) => reporter.ping(data));
      client.on('pong', (data) => reporter.pong(data));
    }
    this.#opens++;
    if (this.#stopRequested) void client.close();
    for (const wake of this.#waitingForOpen.splice(0)) wake();
    for await (const message of client) {
      reporter.message(message);
      await this.#settings.drained();
    }
    const info = await client.closed;
    this.#lastClose = info;
    // Failures to open are reported here too (for --reconnect, each failed attempt).
    if (info.error !== undefined && info.cause.kind !== 'user') reporter.error(info.error);
    const report: CloseReport = {
      code: info.code,
      reason: info.reason,
      wasClean: info.wasClean,
      cause: info.cause.kind,
    };
    const sentCode = info.cause.phase === 'connecting' ? undefined : info.error?.closeCode;
    if (sentCode !== undefined) report.sentCode = sentCode;
    reporter.close(report);
    if (this.#client === client) this.#client = undefined;
  }

  /** Resolves with the open connection, waiting for one if needed; undefined when over. */
  async whenOpen(): Promise<WebSocketClient | undefined> {
    for (;;) {
      const client = this.client;
      if (client !== undefined) return client;
      if (this.#isOver || this.#stopRequested) return undefined;
      if (!this.#settings.reconnect && this.#opens > 0) return undefined;
      await new Promise<void>((resolve) => this.#waitingForOpen.push(resolve));
    }
  }

  #markOver(): void {
    this.#isOver = true;
    for (const wake of this.#waitingForOpen.splice(0)) wake();
  }

  /** Sends one message on the open connection, waiting for a connection with --reconnect. */
  async send(data: string | Uint8Array): Promise<boolean> {
    const client = await this.whenOpen();
    if (client === undefined) return false;
    const sent = client.send(data);
    sent.catch(() => {}); // a failed send shows up as the close
    if (client.bufferedAmount > 1024 * 1024) await sent.catch(() => {});
    return true;
  }

  /** Closes the connection and stops reconnecting. */
  stop(code?: number, reason?: string): Promise<void> {
    this.#stopRequested = true;
    const client = this.#client;
    if (client === undefined || client.readyState === 3) {
      this.#abort.abort();
      this.#markOver();
      return Promise.resolve();
    }
    return client.close(code, reason).then(
      () => undefined,
      (error: unknown) => {
        this.#stopRequested = false; // a bad code or reason: nothing was sent
        throw error;
      },
    );
  }

  /** Drops the connection without a closing handshake (second Ctrl-C). */
  terminate(): void {
    this.#stopRequested = true;
    this.#abort.abort();
    void this.#client?.terminate();
    this.#markOver();
  }
}
