// What `wsx connect` shows: one Reporter per output style. Pipes get the bare messages on
// stdout (everything else on stderr), --json gets one object per event, and the interactive
// prompt gets marked, coloured lines printed above the line being typed.

import { isWebSocketError, type Message, ProxyError, UnexpectedStatusError } from '../index.js';
import { type BinaryFormat, encodeBytes, type Palette, printable, toHex } from './style.js';

export interface CloseReport {
  code: number;
  reason: string;
  wasClean: boolean;
  /** Why it ended, e.g. 'user', 'server', 'connect' (the library's close cause). */
  cause: string;
  /** The code of the Close we sent when we failed the connection (1009, 1002…), if any. */
  sentCode?: number | undefined;
}

export interface Reporter {
  /** `extensions`: what the server's 101 accepted ('' for none), e.g. permessage-deflate. */
  open(url: string, protocol: string, extensions?: string): void;
  message(message: Message): void;
  ping(data: Uint8Array): void;
  pong(data: Uint8Array): void;
  close(info: CloseReport): void;
  error(error: unknown): void;
  reconnecting(attempt: number, delayMs: number, reason: string): void;
  /** A line for the person at the terminal: command results, help. */
  note(text: string): void;
}

const MAX_BODY_CHARS = 200;

/** One line saying what went wrong; a refused handshake shows its status and body start. */
export function describeError(error: unknown): string {
  if (error instanceof UnexpectedStatusError) {
    const body = error.bodyText.replace(/\s+/g, ' ').trim();
    const shown = body.length > MAX_BODY_CHARS ? `${body.slice(0, MAX_BODY_CHARS)}…` : body;
    const status = `HTTP ${error.status}${error.statusText ? ` ${error.statusText}` : ''}`;
    return `the server refused the WebSocket upgrade: ${status}${shown ? `: ${shown}` : ''}`;
  }
  if (error instanceof ProxyError && error.body.length > 0) {
    const body = error.bodyText.replace(/\s+/g, ' ').trim();
    const shown = body.length > MAX_BODY_CHARS ? `${body.slice(0, MAX_BODY_CHARS)}…` : body;
    return `${error.message} (${error.code}); the proxy said: ${shown}`;
  }
  if (isWebSocketError(error)) {
    // The library's advice names its options; at the command line they are flags.
    let hint = '';
    if (error.code === 'ERR_TLS' && /tls\.ca|rejectUnauthorized/.test(error.message)) {
      hint = '; with wsx: --ca FILE trusts that CA, -k skips the check (testing only)';
    } else if (error.code === 'ERR_MESSAGE_TOO_BIG' && error.message.includes('maxMessageBytes')) {
      hint = '; with wsx: --max-message-size BYTES raises it';
    }
    return `${error.message} (${error.code})${hint}`;
  }
  return error instanceof Error ? error.message : String(error);
}

const CLOSE_MEANINGS: Record<number, string> = {
  1000: 'normal closure',
  1001: 'going away',
  1002: 'protocol error',
  1003: 'unsupported data',
  1005: 'no code given',
  1006: 'connection dropped without a Close frame',
  1007: 'invalid payload data',
  1008: 'policy violation',
  1009: 'message too big',
  1010: 'extension required',
  1011: 'server error',
  1012: 'service restart',
  1013: 'try again later',
  1014: 'bad gateway',
  1015: 'TLS handshake failure',
};

/** "1000 normal closure" or "4000 (application code)". */
export function describeCloseCode(code: number): string {
  const meaning = CLOSE_MEANINGS[code] ?? (code >= 3000 ? 'application code' : 'unknown code');
  return `${code} (${meaning})`;
}

function closeLine(info: CloseReport): string {
  const reason = info.reason === '' ? '' : ` ${JSON.stringify(info.reason)}`;
  const how = info.wasClean ? 'clean' : 'not clean';
  const who = closeWho(info.cause);
  if (info.sentCode !== undefined && info.code === 1006) {
    // We failed the connection: the code that says why is the one we sent.
    return `closed: we sent ${describeCloseCode(info.sentCode)}, ${how}, ${who}`;
  }
  return `closed: ${describeCloseCode(info.code)}${reason}, ${how}, ${who}`;
}

function closeWho(cause: string): string {
  if (cause === 'user') return 'closed by us';
  if (cause === 'server') return 'closed by the server';
  return `cause: ${cause}`;
}

function reconnectLine(attempt: number, delayMs: number, reason: string): string {
  return `reconnecting in ${(delayMs / 1000).toFixed(1)} s (attempt ${attempt}; ${reason})`;
}

function payloadText(data: Uint8Array): string {
  return data.length === 0 ? 'empty' : `${data.length} bytes ${toHex(data, ' ')}`;
}

type Write = (text: string | Uint8Array) => void;

interface PipeSettings {
  binaryFormat: BinaryFormat | undefined;
  showPingPong: boolean;
  verbose: boolean;
}

interface TerminalSettings {
  binaryFormat: BinaryFormat | undefined;
  showPingPong: boolean;
}

/** Pipes: stdout holds the messages and nothing else. */
export class PipeReporter implements Reporter {
  readonly out: Write;
  readonly err: (line: string) => void;
  readonly settings: PipeSettings;
  constructor(out: Write, err: (line: string) => void, settings: PipeSettings) {
    this.out = out;
    this.err = err;
    this.settings = settings;
  }

  open(url: string, protocol: string, extensions = ''): void {
    if (!this.settings.verbose) return;
    const sub = protocol ? ` (subprotocol ${protocol})` : '';
    this.err(`connected to ${url}${sub}${extensions ? ` (${extensions})` : ''}`);
  }
  message({ data, isBinary }: Message): void {
    if (!isBinary) {
      this.out(`${data as string}\n`);
      return;
    }
    const format = this.settings.binaryFormat;
    if (format === undefined) {
      this.out(data as Uint8Array);
      this.out('\n');
    } else {
      this.out(`${encodeBytes(data as Uint8Array, format)}\n`);
    }
  }
  ping(data: Uint8Array): void {
    if (this.settings.showPingPong) this.err(`ping received (${payloadText(data)})`);
  }
  pong(data: Uint8Array): void {
    if (this.settings.showPingPong) this.err(`pong received (${payloadText(data)})`);
  }
  close(info: CloseReport): void {
    const normal = info.wasClean && [1000, 1001, 1005].includes(info.code);
    if (this.settings.verbose || !normal) this.err(closeLine(info));
  }
  error(error: unknown): void {
    this.err(`error: ${describeError(error)}`);
  }
  reconnecting(attempt: number, delayMs: number, reason: string): void {
    this.err(reconnectLine(attempt, delayMs, reason));
  }
  note(text: string): void {
    this.err(text);
  }
}

/** --json: one object per line on stdout. */
export class JsonReporter implements Reporter {
  readonly out: (line: string) => void;
  readonly binaryFormat: BinaryFormat;
  constructor(out: (line: string) => void, binaryFormat: BinaryFormat) {
    this.out = out;
    this.binaryFormat = binaryFormat;
  }

  #emit(event: Record<string, unknown>): void {
    this.out(JSON.stringify({ time: new Date().toISOString(), ...event }));
  }
  #bytes(data: Uint8Array): Record<string, unknown> {
    return { data: encodeBytes(data, this.binaryFormat), encoding: this.binaryFormat };
  }
  open(url: string, protocol: string, extensions = ''): void {
    this.#emit({ event: 'open', url, protocol, extensions });
  }
  message({ data, isBinary }: Message): void {
    if (isBinary)
      this.#emit({ event: 'message', binary: true, ...this.#bytes(data as Uint8Array) });
    else this.#emit({ event: 'message', binary: false, data });
  }
  ping(data: Uint8Array): void {
    this.#emit({ event: 'ping', ...this.#bytes(data) });
  }
  pong(data: Uint8Array): void {
    this.#emit({ event: 'pong', ...this.#bytes(data) });
  }
  close(info: CloseReport): void {
    this.#emit({
      event: 'close',
      code: info.code,
      reason: info.reason,
      clean: info.wasClean,
      cause: info.cause,
      ...(info.sentCode === undefined ? {} : { sentCode: info.sentCode }),
    });
  }
  error(error: unknown): void {
    const code = isWebSocketError(error) ? error.code : undefined;
    const extra: Record<string, unknown> = {};
    if (error instanceof UnexpectedStatusError) {
      extra.status = error.status;
      extra.body = error.bodyText.slice(0, 1000);
    }
    this.#emit({ event: 'error', code, message: describeError(error), ...extra });
  }
  reconnecting(attempt: number, delayMs: number, reason: string): void {
    this.#emit({ event: 'reconnecting', attempt, delayMs, reason });
  }
  note(text: string): void {
    this.#emit({ event: 'note', text });
  }
}

/** The interactive prompt: marked lines (`<` in, `>` out), coloured when allowed. */
export class TerminalReporter implements Reporter {
  readonly print: (line: string) => void;
  readonly palette: Palette;
  readonly settings: TerminalSettings;
  constructor(print: (line: string) => void, palette: Palette, settings: TerminalSettings) {
    this.print = print;
    this.palette = palette;
    this.settings = settings;
  }

  open(url: string, protocol: string, extensions = ''): void {
    const sub = protocol ? `, subprotocol ${protocol}` : '';
    const ext = extensions ? `, ${extensions}` : '';
    this.print(this.palette.info(`connected to ${url}${sub}${ext}; /help lists the commands`));
  }
  message({ data, isBinary }: Message): void {
    const { incoming } = this.palette;
    if (!isBinary) {
      this.print(incoming(`< ${printable(data as string)}`));
      return;
    }
    const bytes = data as Uint8Array;
    const format = this.settings.binaryFormat === 'base64' ? 'base64' : 'hex';
    this.print(incoming(`< [binary, ${bytes.length} bytes] ${encodeBytes(bytes, format)}`));
  }
  ping(data: Uint8Array): void {
    if (this.settings.showPingPong)
      this.print(this.palette.dim(`% ping received (${payloadText(data)})`));
  }
  pong(data: Uint8Array): void {
    if (this.settings.showPingPong)
      this.print(this.palette.dim(`% pong received (${payloadText(data)})`));
  }
  close(info: CloseReport): void {
    const normal = info.wasClean && [1000, 1001, 1005].includes(info.code);
    this.print((normal ? this.palette.info : this.palette.warn)(closeLine(info)));
  }
  error(error: unknown): void {
    this.print(this.palette.error(`error: ${describeError(error)}`));
  }
  reconnecting(attempt: number, delayMs: number, reason: string): void {
    this.print(this.palette.warn(reconnectLine(attempt, delayMs, reason)));
  }
  note(text: string): void {
    this.print(text);
  }
}
