// Helpers of the LuatOS-Air dialect that are not the client object: the `cert` table turned
// into TLS settings (decision A1), the reasons `recv()` gives when it fails (A5, firmware
// section 2.2 in English), and argument checks (A4, A7, G6). No protocol logic: the engine
// reads the certificates, frames and decides what a failure was; this file translates names
// and refuses arguments the engine could not use.

import { readFileSync } from 'node:fs';
import { type Clock, timerDelayMs } from '../client/clock.js';
import type { CloseInfo } from '../client/connection.js';
import {
  type ConnectOptions,
  type ConnectTo,
  type Logger,
  resolveOptions,
} from '../client/options.js';
import { payloadBytes } from '../client/payload.js';
import { isValidWireCloseCode, validateUserClose } from '../core/close.js';
import { CloseCode, MAX_CONTROL_PAYLOAD } from '../core/constants.js';
import { argumentError, describe, ErrorCode } from '../core/errors.js';
import { isControlOpcode, isKnownOpcode } from '../core/frame.js';
import type { ProxyOption } from '../transport/proxy.js';
import type { TlsOptions } from '../transport/transport.js';
import { isLuaTruthy, toPayload } from './lua-conventions.js';

/** A certificate or key: a path to a PEM file, the PEM text itself, or its bytes. */
export type CertSource = string | Uint8Array;

/**
 * The `cert` table of `websocket.new(url, cert)`, read only for `wss://` URLs.
 *
 * - `caCert`: the CA that must have signed the server's certificate. When it is given, the
 *   server's certificate chain is verified; when it is missing, nothing is verified (the
 *   seed document says so).
 * - `clientCert`, `clientKey`: the client certificate and its private key, for servers that
 *   ask for one.
 * - `clientPassword`: the passphrase of an encrypted `clientKey`.
 * - `insist`: what to do when the server's certificate was issued for another host name.
 *   Only the number `0` refuses the connection; anything else, including leaving it out,
 *   connects anyway (the firmware's lenient default). The chain is verified in both cases.
 */
export interface LuatOsAirCert {
  caCert?: CertSource | null | undefined;
  clientCert?: CertSource | null | undefined;
  clientKey?: CertSource | null | undefined;
  clientPassword?: string | null | undefined;
  insist?: number | boolean | null | undefined;
}

const FILE_FIELDS = ['caCert', 'clientCert', 'clientKey'] as const;

/** Checks the shape of a `cert` table at `websocket.new` time; files are read at connect. */
export function checkCert(cert: unknown): LuatOsAirCert | undefined {
  if (cert === undefined || cert === null) return undefined;
  if (typeof cert !== 'object' || Array.isArray(cert)) {
    throw argumentError(`cert must be a table (an object) or nil, not ${describe(cert)}`);
  }
  const table = cert as Record<string, unknown>;
  for (const field of FILE_FIELDS) {
    const value = table[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
      throw argumentError(
        `cert.${field} must be a file path or PEM text (a string), not ${describe(value)}`,
      );
    }
  }
  const password = table.clientPassword;
  if (password !== undefined && password !== null && typeof password !== 'string') {
    throw argumentError(`cert.clientPassword must be a string, not ${describe(password)}`);
  }
  const insist = table.insist;
  if (
    insist !== undefined &&
    insist !== null &&
    typeof insist !== 'number' &&
    typeof insist !== 'boolean'
  ) {
    throw argumentError(`cert.insist must be 0 or 1, not ${describe(insist)}`);
  }
  return table as LuatOsAirCert;
}

/** PEM text is used as it is; any other string names a file, read now. */
function readCertSource(value: CertSource, field: string): string | Uint8Array {
  if (typeof value !== 'string') return value;
  if (value.includes('-----BEGIN')) return value;
  try {
    return readFileSync(value);
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'read error';
    throw argumentError(
      `cert.${field}: cannot read the file ${JSON.stringify(value)} (${code}); give a readable path or the PEM text itself`,
      error,
    );
  }
}

/** What a client keeps for building the engine options of each connect() or start(). */
export interface EngineSettings {
  url: string;
  cert: LuatOsAirCert | undefined;
  clock: Clock;
  logger: Logger | undefined;
  /** TLS settings applied over what `cert` gives (PC-only). */
  tls: TlsOptions | undefined;
  /** The proxy option (PC-only). */
  proxy?: ProxyOption | undefined;
  proxyTls?: TlsOptions | undefined;
  /** Where to open TCP instead of the URL's host and port (PC-only). */
  connectTo?: ConnectTo | undefined;
}

/**
 * The engine options of one connect() or start(): the firmware's handshake (Origin
 * http://<host>, nothing else added), no idle keepalive (start() sends its own `heart`
 * pings), and TLS from `cert` for wss://. Throws for a bad URL or an unreadable cert file.
 */
export function engineOptions(settings: EngineSettings, openTimeoutMs: number): ConnectOptions {
  const { url, clock, logger, cert, tls, proxy, proxyTls, connectTo } = settings;
  const base: ConnectOptions = {
    openTimeoutMs,
    pingIntervalMs: 0,
    clock,
    logger,
    proxy,
    proxyTls,
    connectTo,
  };
  const { target } = resolveOptions(url, base);
  const options: ConnectOptions = { ...base, origin: `http://${target.url.hostname}` };
  if (target.secure) options.tls = tlsFromCert(cert, tls);
  return options;
}

/** A host-name check that accepts any name: the chain is still verified by node:tls. */
const acceptAnyHostName = (): undefined => undefined;

/**
 * The engine's TLS settings for a `cert` table (decision A1), with `extra` (settings a Lua
 * script cannot make, such as `servername`) applied last. Reads the certificate files now;
 * throws InvalidArgumentError naming the field when one cannot be read.
 */
export function tlsFromCert(
  cert: LuatOsAirCert | undefined,
  extra: TlsOptions | undefined,
): TlsOptions {
  const tls: TlsOptions = {};
  const ca = cert?.caCert;
  if (ca === undefined || ca === null) {
    // The seed document: without caCert the server's certificate is not checked at all.
    tls.rejectUnauthorized = false;
  } else {
    tls.ca = readCertSource(ca, 'caCert');
    tls.rejectUnauthorized = true;
    // insist 0: refuse a certificate for another host name; otherwise connect anyway.
    if (cert?.insist !== 0) tls.checkServerIdentity = acceptAnyHostName;
  }
  if (cert?.clientCert !== undefined && cert.clientCert !== null) {
    tls.cert = readCertSource(cert.clientCert, 'clientCert');
  }
  if (cert?.clientKey !== undefined && cert.clientKey !== null) {
    tls.key = readCertSource(cert.clientKey, 'clientKey');
  }
  if (typeof cert?.clientPassword === 'string') tls.passphrase = cert.clientPassword;
  return { ...tls, ...extra };
}

/**
 * The second value `recv()` gives with `false`, in English. The firmware's own strings are
 * kept where they already were English (`WEBSOCKET_OK`, `Read byte error!`).
 */
export const RecvReason = {
  /** Nothing arrived during the 60 s receive wait; not an error, call `recv()` again. */
  Ok: 'WEBSOCKET_OK',
  /** The connection is closed, was lost, or failed for a reason without its own entry. */
  ReadError: 'Read byte error!',
  /** The server set reserved bits (an extension nobody negotiated). */
  UndefinedExtension: 'The server is using an undefined extension!',
  /** The server sent a fragmented control frame or one longer than 125 bytes. */
  ControlFrame: 'Control frame error!',
  /** The server masked its frames, which only clients may do. */
  MaskedFrame: 'The data frame is masked!',
  /** A message was larger than the engine's limits (maxMessageBytes, maxFragments). */
  TooLong: 'The data frame length exceeds the supported range!',
} as const;
export type RecvReason = (typeof RecvReason)[keyof typeof RecvReason];

/** The reason `recv()` gives after `websocket.exit(ws)`: `EXIT_TASK` and the client's id. */
export function exitReason(id: number): string {
  return `EXIT_TASK${id}`;
}

const REASON_BY_CODE: Partial<Record<ErrorCode, RecvReason>> = {
  [ErrorCode.ReservedBits]: RecvReason.UndefinedExtension,
  [ErrorCode.FragmentedControl]: RecvReason.ControlFrame,
  [ErrorCode.ControlFrameTooLong]: RecvReason.ControlFrame,
  [ErrorCode.MaskedFrame]: RecvReason.MaskedFrame,
  [ErrorCode.MessageTooBig]: RecvReason.TooLong,
  [ErrorCode.TooManyFragments]: RecvReason.TooLong,
  [ErrorCode.InvalidFrameLength]: RecvReason.TooLong,
};

/**
 * What `recv()` reports once a connection ended: the server's close reason after a Close the
 * server started (undefined when its Close frame was empty, the firmware's nil), the matching
 * reason for a protocol error, and `Read byte error!` for everything else (user close,
 * network failure, timeouts).
 */
export function reasonOf(info: CloseInfo): string | undefined {
  const { error } = info;
  if (error !== undefined) return REASON_BY_CODE[error.code] ?? RecvReason.ReadError;
  if (info.cause.kind === 'server') return info.code === 1005 ? undefined : info.reason;
  return RecvReason.ReadError;
}

/** A Lua number of seconds as whole milliseconds for the clock, or throws naming `what`. */
export function secondsToMs(value: unknown, what: string, allowZero: boolean): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    throw argumentError(
      `${what} must be a number of seconds ${allowZero ? '>= 0' : '> 0'}, not ${typeof value === 'number' ? value : describe(value)}`,
    );
  }
  return timerDelayMs(value * 1000);
}

/**
 * Checks `sendFrame(fin, opcode, data)`'s opcode and fin; returns whether FIN is set. Allowed:
 * 0 continuation, 1 text, 2 binary, 9 ping, 10 pong (RFC 6455 §5.2; a control frame is never
 * fragmented, §5.5). Close goes through close(), reserved opcodes need an extension.
 */
export function checkFrame(fin: unknown, opcode: unknown): boolean {
  if (
    typeof opcode !== 'number' ||
    !Number.isInteger(opcode) ||
    opcode < 0 ||
    opcode > 0xf ||
    !isKnownOpcode(opcode) ||
    opcode === 0x8
  ) {
    throw argumentError(
      `sendFrame: opcode ${typeof opcode === 'number' ? opcode : describe(opcode)} is not allowed; use 0 (continuation), 1 (text), 2 (binary), 9 (ping) or 10 (pong)`,
    );
  }
  const isFinal = isLuaTruthy(fin);
  if (isControlOpcode(opcode) && !isFinal) {
    throw argumentError('sendFrame: a ping or pong cannot be fragmented; fin must be true');
  }
  return isFinal;
}

/**
 * `close(code, reason)`'s arguments as the engine takes them: any code that may appear on the
 * wire (the document's example uses 1002), 1000 when only a reason is given.
 */
export function closeArguments(
  code: unknown,
  reason: unknown,
): { code: number | undefined; reason: string | undefined } {
  const closeReason = reason ?? undefined;
  if (code !== undefined && code !== null) {
    if (typeof code !== 'number' || !isValidWireCloseCode(code)) {
      throw argumentError(
        `close code ${typeof code === 'number' ? code : describe(code)} cannot be sent; use 1000-1003, 1007-1014 or 3000-4999`,
      );
    }
  }
  const reasonError = validateUserClose(undefined, closeReason as string | undefined);
  if (reasonError !== undefined) throw reasonError;
  const closeCode =
    typeof code === 'number' ? code : closeReason !== undefined ? CloseCode.Normal : undefined;
  return { code: closeCode, reason: closeReason as string | undefined };
}

/** A Ping or Pong payload as bytes: nil is empty, at most 125 bytes (RFC 6455 §5.5). */
export function controlPayload(data: unknown, what: 'ping' | 'pong'): Uint8Array {
  if (data === undefined || data === null) return new Uint8Array(0);
  const payload = toPayload(data, `the ${what} data`);
  const bytes = payloadBytes(payload);
  if (bytes.length > MAX_CONTROL_PAYLOAD) {
    throw argumentError(`a ${what} carries at most 125 bytes (got ${bytes.length})`);
  }
  return bytes;
}
