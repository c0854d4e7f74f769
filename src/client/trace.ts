// What a connection tells the outside about itself: log lines for the `logger` option (and
// NODE_DEBUG=wsx), and node:diagnostics_channel messages. Lines are formatted only when a
// logger is on, messages published only when a channel has subscribers; the URL always goes
// out without its password.

import type { WebSocketError } from '../core/errors.js';
import { redactUrl } from '../core/url.js';
import { closeChannel, errorChannel, openChannel, pingChannel } from '../transport/diagnostics.js';
import type { ResolvedOptions } from './options.js';

/** What a closed connection reports (CloseInfo in connection-handler.ts). */
interface ClosedInfo {
  readonly code: number;
  readonly wasClean: boolean;
}

export class ConnectionTrace {
  /** Holds the options in effect (they change when a redirect is followed). */
  readonly #host: { readonly options: ResolvedOptions };

  constructor(host: { readonly options: ResolvedOptions }) {
    this.#host = host;
  }

  /** True when a logger is set and not switched off: only then are log lines formatted. */
  get isLogging(): boolean {
    const logger = this.#host.options.logger;
    return logger !== undefined && logger.enabled !== false;
  }

  /** A line for the logger; callers check isLogging first when the line costs to build. */
  log(line: string): void {
    this.#host.options.logger?.(line);
  }

  /** The log function to hand to helpers, or undefined when nobody listens. */
  get logFunction(): ((line: string) => void) | undefined {
    return this.isLogging ? (line) => this.log(line) : undefined;
  }

  /** The URL as logs and diagnostics channels show it: without its password. */
  publicUrl(): string {
    return redactUrl(this.#host.options.target.url);
  }

  connecting(preferIpv6: boolean): void {
    if (!this.isLogging) return;
    const order = preferIpv6 ? ' (IPv6 addresses first)' : '';
    this.log(`= connecting to ${this.publicUrl()}${order}`);
  }

  opened(protocol: string): void {
    if (openChannel.hasSubscribers) openChannel.publish({ url: this.publicUrl(), protocol });
    if (this.isLogging) this.log(`= open${protocol ? ` (subprotocol ${protocol})` : ''}`);
  }

  messageReceived(data: string | Uint8Array, isBinary: boolean): void {
    if (this.isLogging) this.log(`< ${describeMessage(data, isBinary)}`);
  }

  messageSent(data: string | Uint8Array, isBinary: boolean): void {
    if (this.isLogging) this.log(`> ${describeMessage(data, isBinary)}`);
  }

  endOfStream(): void {
    if (this.isLogging) this.log('< end of stream');
  }

  pingReceived(bytes: number): void {
    if (this.isLogging) this.log(`% ping received (${bytes} bytes), pong sent`);
    if (pingChannel.hasSubscribers) {
      pingChannel.publish({ url: this.publicUrl(), direction: 'received', kind: 'ping' });
    }
  }

  pingSent(): void {
    if (pingChannel.hasSubscribers) {
      pingChannel.publish({ url: this.publicUrl(), direction: 'sent', kind: 'ping' });
    }
  }

  keepalivePing(): void {
    if (this.isLogging) this.log('% keepalive ping');
  }

  pongReceived(rttMs: number): void {
    if (pingChannel.hasSubscribers) {
      const url = this.publicUrl();
      pingChannel.publish({ url, direction: 'received', kind: 'pong', rttMs });
    }
    if (this.isLogging) this.log(`% pong received, round trip ${rttMs.toFixed(1)} ms`);
  }

  closeReceived(code: number, reason: string): void {
    if (this.isLogging) this.log(`x received close ${code} ${JSON.stringify(reason)}`);
  }

  closeSending(code: number | undefined, reason: string | undefined): void {
    if (this.isLogging) this.log(`x sending close ${code ?? ''} ${JSON.stringify(reason ?? '')}`);
  }

  closeTimedOut(ms: number): void {
    if (this.isLogging) this.log(`! close timeout after ${ms} ms`);
  }

  failed(error: WebSocketError): void {
    if (this.isLogging) this.log(`! ${error.code}: ${error.message}`);
    if (errorChannel.hasSubscribers) errorChannel.publish({ url: this.publicUrl(), error });
  }

  closed(info: ClosedInfo): void {
    if (this.isLogging) this.log(`= closed ${info.code}${info.wasClean ? ' (clean)' : ''}`);
    if (closeChannel.hasSubscribers) closeChannel.publish({ url: this.publicUrl(), ...info });
  }
}

/** "text message, 5 chars" / "binary message, 3 bytes". */
export function describeMessage(data: string | Uint8Array, isBinary: boolean): string {
  const size = typeof data === 'string' ? `${data.length} chars` : `${data.length} bytes`;
  return `${isBinary ? 'binary' : 'text'} message, ${size}`;
}
