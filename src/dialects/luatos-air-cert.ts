// The `cert` table of a LuatOS-Air `websocket.new(url, cert)` turned into TLS settings, and
// the engine options of each connect() or start() built from it. Certificate files are read
// when a connection starts; an unreadable one is refused naming its field. No protocol logic.

import { readFileSync } from 'node:fs';
import type { Clock } from '../client/clock.js';
import {
  type ConnectOptions,
  type ConnectTo,
  type Logger,
  resolveOptions,
} from '../client/options.js';
import { argumentError, describeValue } from '../core/errors.js';
import type { PerMessageDeflateOptions } from '../core/permessage-deflate.js';
import type { ProxyOption } from '../transport/proxy.js';
import type { TlsOptions } from '../transport/transport.js';

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
export interface LuatosAirCert {
  caCert?: CertSource | null | undefined;
  clientCert?: CertSource | null | undefined;
  clientKey?: CertSource | null | undefined;
  clientPassword?: string | null | undefined;
  insist?: number | boolean | null | undefined;
}

const FILE_FIELDS = ['caCert', 'clientCert', 'clientKey'] as const;

/** Checks the shape of a `cert` table at `websocket.new` time; files are read at connect. */
export function checkCert(cert: unknown): LuatosAirCert | undefined {
  if (cert === undefined || cert === null) return undefined;
  if (typeof cert !== 'object' || Array.isArray(cert)) {
    throw argumentError(`cert must be a table (an object) or nil, not ${describeValue(cert)}`);
  }
  const table = cert as Record<string, unknown>;
  for (const field of FILE_FIELDS) {
    const value = table[field];
    if (value === undefined || value === null) continue;
    if (typeof value !== 'string' && !(value instanceof Uint8Array)) {
      throw argumentError(
        `cert.${field} must be a file path or PEM text (a string), not ${describeValue(value)}`,
      );
    }
  }
  const password = table.clientPassword;
  if (password !== undefined && password !== null && typeof password !== 'string') {
    throw argumentError(`cert.clientPassword must be a string, not ${describeValue(password)}`);
  }
  const insist = table.insist;
  if (
    insist !== undefined &&
    insist !== null &&
    typeof insist !== 'number' &&
    typeof insist !== 'boolean'
  ) {
    throw argumentError(`cert.insist must be 0 or 1, not ${describeValue(insist)}`);
  }
  return table as LuatosAirCert;
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
  cert: LuatosAirCert | undefined;
  clock: Clock;
  logger: Logger | undefined;
  /** TLS settings applied over what `cert` gives (PC-only). */
  tls: TlsOptions | undefined;
  /** The proxy option (PC-only). */
  proxy?: ProxyOption | undefined;
  proxyTls?: TlsOptions | undefined;
  /** Where to open TCP instead of the URL's host and port (PC-only). */
  connectTo?: ConnectTo | undefined;
  /** permessage-deflate (PC-only): none unless set. */
  perMessageDeflate?: boolean | PerMessageDeflateOptions | undefined;
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
    perMessageDeflate: settings.perMessageDeflate ?? false,
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
  cert: LuatosAirCert | undefined,
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
