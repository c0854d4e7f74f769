// `wsx connect` arguments: parsed with node:util parseArgs, checked, and turned into the
// library's ConnectOptions plus what the CLI itself does (input, output, waiting).

import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { closestName } from '../client/option-names.js';
import type { ConnectOptions, TlsOptions } from '../index.js';
import type { BinaryFormat } from './style.js';

/** A mistake in the command line: exit status 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export const CONNECT_HELP = `Usage: wsx connect URL [options]
       wsx URL [options]

Opens a WebSocket connection. On a terminal: an interactive prompt where each line is sent as
a text message and received messages appear above it. Otherwise (pipes): each input line is a
message and each received message is written to stdout on its own line.

Connection:
  -H, --header 'NAME: VALUE'   extra request header (repeatable)
  -s, --subprotocol NAME       offer a subprotocol (repeatable)
      --origin ORIGIN          the Origin header
      --ca FILE                trust this CA certificate (PEM) for wss://
      --cert FILE              client certificate (PEM)
      --key FILE               client private key (PEM)
      --passphrase TEXT        passphrase of --key
  -k, --insecure               do not verify the server certificate
      --ping-interval SECONDS  ping after this much silence (default 20; 0: no keepalive)
      --max-message-size BYTES largest message accepted (default 64M; suffixes K, M)
      --no-compression         do not offer permessage-deflate (offered by default)
      --reconnect              reconnect after a drop, with backoff; prints each attempt

Input and output:
  -x, --execute MESSAGE        send MESSAGE once connected (repeatable), then wait and close;
                               stdin is not read
  -w, --wait SECONDS           after the last message sent (-x or end of input), wait this
                               long for replies, then close (default 0; 2 with -x)
      --binary                 send input lines as binary messages
      --hex                    show binary messages as hex; with --binary, read lines as hex
      --base64                 the same with base64
      --json                   one JSON object per event on stdout (open, message, ping, pong,
                               close, error, reconnecting)
      --show-ping-pong         show pings and pongs
  -v, --verbose                log the handshake and every frame on stderr
  -h, --help                   this help

Interactive commands:
  /ping [TEXT]                 ping and print the round trip
  /close [CODE [REASON]]       close the connection (default 1000)
  /binary HEX                  send a binary message
  /stats                       messages, bytes and round trips so far
  /quit                        close and exit
  /help                        list the commands
  //TEXT                       send "/TEXT"

Exit status: 0 closed normally (by you, or by the server with 1000, 1001 or no code),
1 the connection failed or closed with an error, 2 a usage error.
`;

export interface ConnectSettings {
  url: string;
  options: ConnectOptions;
  execute: string[];
  /** How long to wait for replies after the last message, in ms. */
  waitMs: number;
  sendBinary: boolean;
  /** How binary messages are shown (raw only in pipe output). */
  binaryFormat: BinaryFormat | undefined;
  json: boolean;
  reconnect: boolean;
  showPingPong: boolean;
  verbose: boolean;
  help: boolean;
}

function seconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) {
    throw new UsageError(`${name} needs a number of seconds >= 0, not ${JSON.stringify(text)}`);
  }
  return Math.round(value * 1000);
}

function byteSize(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+)\s*([kKmMgG]?)i?[bB]?$/.exec(text.trim());
  if (match === null) {
    throw new UsageError(
      `--max-message-size needs a byte count like 1048576 or 1M, not ${JSON.stringify(text)}`,
    );
  }
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[match[2]!.toLowerCase()] ?? 1;
  const value = Number(match[1]) * unit;
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new UsageError(`--max-message-size must be at least 1 byte, not ${JSON.stringify(text)}`);
  }
  return value;
}

function readPem(option: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new UsageError(`cannot read the ${option} file ${JSON.stringify(path)} (${code})`);
  }
}

function parseHeaders(values: readonly string[]): [string, string][] {
  return values.map((value) => {
    const colon = value.indexOf(':');
    if (colon <= 0) {
      throw new UsageError(`-H needs 'NAME: VALUE', not ${JSON.stringify(value)}`);
    }
    return [value.slice(0, colon).trim(), value.slice(colon + 1).trim()];
  });
}

/** Adds ws:// to a bare host:port, so `wsx localhost:8080` works. */
export function normalizeUrl(text: string): string {
  return /^[a-zA-Z][a-zA-Z0-9+.-]*:\/\//.test(text) ? text : `ws://${text}`;
}

/** Parses `wsx connect` arguments; throws UsageError. */
export function parseConnectArgs(args: readonly string[]): ConnectSettings {
  let parsed: ReturnType<typeof parseConnect>;
  try {
    parsed = parseConnect(args);
  } catch (error) {
    throw new UsageError(argumentMessage(error, CONNECT_FLAGS));
  }
  const { values, positionals } = parsed;
  const blank: ConnectSettings = {
    url: '',
    options: {},
    execute: [],
    waitMs: 0,
    sendBinary: false,
    binaryFormat: undefined,
    json: false,
    reconnect: false,
    showPingPong: false,
    verbose: false,
    help: true,
  };
  if (values.help === true) return blank;
  if (positionals.length !== 1) {
    throw new UsageError(
      positionals.length === 0
        ? 'a URL is required'
        : `one URL only (got ${positionals.join(' ')})`,
    );
  }
  if (values.hex === true && values.base64 === true) {
    throw new UsageError('--hex and --base64 cannot be used together');
  }
  const tls: TlsOptions = {};
  const ca = readPem('--ca', values.ca);
  const cert = readPem('--cert', values.cert);
  const key = readPem('--key', values.key);
  if (ca !== undefined) tls.ca = ca;
  if (cert !== undefined) tls.cert = cert;
  if (key !== undefined) tls.key = key;
  if (values.passphrase !== undefined) tls.passphrase = values.passphrase;
  if (values.insecure === true) tls.rejectUnauthorized = false;
  if ((cert === undefined) !== (key === undefined)) {
    throw new UsageError('--cert and --key go together');
  }
  const options: ConnectOptions = {};
  const headers = parseHeaders(values.header ?? []);
  if (headers.length > 0) options.headers = headers;
  if (values.subprotocol !== undefined) options.protocols = values.subprotocol;
  if (values.origin !== undefined) options.origin = values.origin;
  if (Object.keys(tls).length > 0) options.tls = tls;
  const pingInterval = seconds('--ping-interval', values['ping-interval']);
  if (pingInterval !== undefined) options.pingIntervalMs = pingInterval;
  const maxMessage = byteSize(values['max-message-size']);
  if (maxMessage !== undefined) options.maxMessageBytes = maxMessage;
  if (values['no-compression'] === true) options.perMessageDeflate = false;
  const execute = values.execute ?? [];
  const wait = seconds('--wait', values.wait);
  return {
    url: normalizeUrl(positionals[0]!),
    options,
    execute,
    waitMs: wait ?? (execute.length > 0 ? 2000 : 0),
    sendBinary: values.binary === true,
    binaryFormat: values.hex === true ? 'hex' : values.base64 === true ? 'base64' : undefined,
    json: values.json === true,
    reconnect: values.reconnect === true,
    showPingPong: values['show-ping-pong'] === true,
    verbose: values.verbose === true,
    help: false,
  };
}

/** parseArgs' complaint in one line; an unknown option gets the closest known one. */
export function argumentMessage(error: unknown, flags: readonly string[]): string {
  const { code, message } = error as { code?: string; message: string };
  const unknown = /^Unknown option '([^']+)'/.exec(message)?.[1];
  if (code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || unknown === undefined) return message;
  const suggestion = closestName(unknown, flags);
  return `unknown option ${unknown}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`;
}

const CONNECT_OPTIONS = {
  header: { type: 'string', short: 'H', multiple: true },
  subprotocol: { type: 'string', short: 's', multiple: true },
  origin: { type: 'string' },
  ca: { type: 'string' },
  cert: { type: 'string' },
  key: { type: 'string' },
  passphrase: { type: 'string' },
  insecure: { type: 'boolean', short: 'k' },
  execute: { type: 'string', short: 'x', multiple: true },
  wait: { type: 'string', short: 'w' },
  binary: { type: 'boolean' },
  hex: { type: 'boolean' },
  base64: { type: 'boolean' },
  'ping-interval': { type: 'string' },
  reconnect: { type: 'boolean' },
  'show-ping-pong': { type: 'boolean' },
  'max-message-size': { type: 'string' },
  'no-compression': { type: 'boolean' },
  json: { type: 'boolean' },
  verbose: { type: 'boolean', short: 'v' },
  help: { type: 'boolean', short: 'h' },
} as const;

const CONNECT_FLAGS = Object.keys(CONNECT_OPTIONS).map((name) => `--${name}`);

function parseConnect(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: CONNECT_OPTIONS,
  });
}
