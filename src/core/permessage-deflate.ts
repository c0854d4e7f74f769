// permessage-deflate negotiation, client side (RFC 7692 §5, §7.1): checks the user's options,
// writes the offer for Sec-WebSocket-Extensions, and reads the server's answer into the
// parameters both sides agreed on. Does no compression itself (that goes through the
// DeflateCodecPort in ports.ts) and never throws on what the server sends: a bad answer comes
// back as a HandshakeError for the caller to fail the connection with.
//
// Names (of extensions and of parameters) are compared exactly, case included. Neither
// RFC 6455 §9.1 nor RFC 7692 says extension tokens are case-insensitive (unlike HTTP header
// names), the registered names are lower case, and ws and python-websockets compare them
// exactly too; a server that changes their case is told so in the error message.

import {
  argumentError,
  describeValue,
  ErrorCode,
  type HandshakeError,
  NegotiationError,
} from './errors.js';
import { type ExtensionItem, type ExtensionParam, parseExtensionList } from './extension-header.js';

/** The registered extension name (RFC 7692 §6). */
export const PERMESSAGE_DEFLATE = 'permessage-deflate';

/** What users pass as `perMessageDeflate` (instead of `true`). */
export interface PerMessageDeflateOptions {
  /**
   * The client's window offer (RFC 7692 §7.1.2.2): `true` (default) offers
   * `client_max_window_bits` without a value, so the server may pick any window 8-15 for the
   * client; a number 8-15 offers that value and the client never uses a larger window;
   * `false` leaves the parameter out (the client then uses a window of 15).
   */
  clientMaxWindowBits?: number | boolean | undefined;
  /** 8-15: ask the server to compress with a window of at most 2^n bytes (RFC 7692 §7.1.2.1). */
  serverMaxWindowBits?: number | undefined;
  /** Offer `client_no_context_takeover`: the client resets its compressor after each message. */
  clientNoContextTakeover?: boolean | undefined;
  /** Ask the server to reset its compressor after each message (`server_no_context_takeover`). */
  serverNoContextTakeover?: boolean | undefined;
  /** Messages shorter than this many bytes are sent uncompressed (default 1024 bytes). */
  threshold?: number | undefined;
  /** zlib compression level 0-9 (default 6). */
  level?: number | undefined;
  /** zlib memory level 1-9 (default 8). */
  memLevel?: number | undefined;
}

/** Checked options with every default filled in. */
export interface ResolvedDeflateOptions {
  /** `true`: offered without a value; a number: offered with it; `false`: not offered. */
  readonly clientMaxWindowBits: number | boolean;
  /** Offered as server_max_window_bits when set. */
  readonly serverMaxWindowBits: number | undefined;
  readonly clientNoContextTakeover: boolean;
  readonly serverNoContextTakeover: boolean;
  /** Bytes: shorter messages are sent uncompressed. */
  readonly threshold: number;
  readonly level: number;
  readonly memLevel: number;
}

/** The parameters both sides agreed on in the handshake (RFC 7692 §7.1). */
export interface AgreedDeflate {
  /** The server resets its compressor after each message: the client may reset its inflater. */
  readonly serverNoContextTakeover: boolean;
  /** The client must reset its compressor after each message. */
  readonly clientNoContextTakeover: boolean;
  /** 8-15: the largest window the server compresses with (15 when it did not say). */
  readonly serverMaxWindowBits: number;
  /** 8-15: the largest window the client may compress with. */
  readonly clientMaxWindowBits: number;
}

/** The defaults of the options that are not part of the offer. */
export const DeflateDefaults = {
  /** Messages shorter than this are sent uncompressed (the same default as ws). */
  thresholdBytes: 1024,
  /** zlib's own default level (what Z_DEFAULT_COMPRESSION stands for). */
  level: 6,
  /** zlib's own default memory level. */
  memLevel: 8,
} as const;

const OPTION_NAMES: readonly (keyof PerMessageDeflateOptions)[] = [
  'clientMaxWindowBits',
  'serverMaxWindowBits',
  'clientNoContextTakeover',
  'serverNoContextTakeover',
  'threshold',
  'level',
  'memLevel',
];

/** Options of ws's perMessageDeflate that wsx does not have, and what to use instead. */
const OTHER_LIBRARY_OPTIONS: Readonly<Record<string, string>> = {
  zlibDeflateOptions: 'set level and memLevel directly',
  zlibInflateOptions: 'wsx has no inflate options; maxMessageBytes limits inflated messages',
  concurrencyLimit: 'all connections share one zlib queue with at most 10 jobs at a time',
};

/**
 * Checks the `perMessageDeflate` option and fills in defaults. `undefined` means `defaultOn`;
 * `false` turns the extension off (undefined is returned); `true` takes every default.
 * Throws InvalidArgumentError (ERR_INVALID_ARGUMENT) naming the option at fault.
 */
let defaultSettings: ResolvedDeflateOptions | undefined;

export function resolveDeflateOptions(
  value: boolean | PerMessageDeflateOptions | undefined,
  defaultOn: boolean,
): ResolvedDeflateOptions | undefined {
  if (value === undefined) value = defaultOn;
  if (value === false) return undefined;
  // Every connection with the defaults shares one object.
  if (value === true) return (defaultSettings ??= Object.freeze(resolveDeflateOptions({}, true)!));
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw argumentError(
      `perMessageDeflate must be true, false or an options object (got ${describeValue(value)})`,
    );
  }
  const options = value as Record<string, unknown>;
  for (const name of Object.keys(options)) {
    if ((OPTION_NAMES as readonly string[]).includes(name)) continue;
    throw argumentError(`unknown option ${JSON.stringify(name)} in perMessageDeflate${hint(name)}`);
  }
  const clientMaxWindowBits =
    options.clientMaxWindowBits === undefined ? true : options.clientMaxWindowBits;
  if (typeof clientMaxWindowBits !== 'boolean' && !isWindowBits(clientMaxWindowBits)) {
    throw argumentError(
      `perMessageDeflate.clientMaxWindowBits must be true, false or an integer from 8 to 15 (got ${shown(clientMaxWindowBits)})`,
    );
  }
  const serverMaxWindowBits = options.serverMaxWindowBits;
  if (serverMaxWindowBits !== undefined && !isWindowBits(serverMaxWindowBits)) {
    throw argumentError(
      `perMessageDeflate.serverMaxWindowBits must be an integer from 8 to 15 (got ${shown(serverMaxWindowBits)})`,
    );
  }
  return {
    clientMaxWindowBits,
    serverMaxWindowBits,
    clientNoContextTakeover: flag(options, 'clientNoContextTakeover'),
    serverNoContextTakeover: flag(options, 'serverNoContextTakeover'),
    threshold: integer(
      options,
      'threshold',
      0,
      Number.MAX_SAFE_INTEGER,
      DeflateDefaults.thresholdBytes,
    ),
    level: integer(options, 'level', 0, 9, DeflateDefaults.level),
    memLevel: integer(options, 'memLevel', 1, 9, DeflateDefaults.memLevel),
  };
}

/** A hint for an unknown option name: the known one it resembles, or the list of all. */
function hint(name: string): string {
  const other = OTHER_LIBRARY_OPTIONS[name];
  if (other !== undefined) return ` (${other})`;
  // The RFC's spelling (client_max_window_bits) or another case of a known name.
  const squeeze = (text: string) => text.replace(/[-_]/g, '').toLowerCase();
  const known = OPTION_NAMES.find((option) => squeeze(option) === squeeze(name));
  return known === undefined
    ? `; the options are ${OPTION_NAMES.join(', ')}`
    : ` (did you mean ${JSON.stringify(known)}?)`;
}

function isWindowBits(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 8 && (value as number) <= 15;
}

/** How a refused option value is named: numbers are shown, anything else by its type. */
function shown(value: unknown): string {
  return typeof value === 'number' ? String(value) : describeValue(value);
}

function flag(options: Record<string, unknown>, name: string): boolean {
  const value = options[name] === undefined ? false : options[name];
  if (typeof value !== 'boolean') {
    throw argumentError(
      `perMessageDeflate.${name} must be true or false (got ${describeValue(value)})`,
    );
  }
  return value;
}

function integer(
  options: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  const value = options[name] === undefined ? fallback : options[name];
  if (!Number.isInteger(value) || (value as number) < min || (value as number) > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw argumentError(
      `perMessageDeflate.${name} must be an integer ${range} (got ${shown(value)})`,
    );
  }
  return value as number;
}

/** The Sec-WebSocket-Extensions value that offers permessage-deflate (RFC 7692 §7.1). */
export function formatDeflateOffer(resolved: ResolvedDeflateOptions): string {
  const parts = [PERMESSAGE_DEFLATE];
  if (resolved.clientMaxWindowBits === true) parts.push('client_max_window_bits');
  else if (resolved.clientMaxWindowBits !== false) {
    parts.push(`client_max_window_bits=${resolved.clientMaxWindowBits}`);
  }
  if (resolved.serverMaxWindowBits !== undefined) {
    parts.push(`server_max_window_bits=${resolved.serverMaxWindowBits}`);
  }
  if (resolved.clientNoContextTakeover) parts.push('client_no_context_takeover');
  if (resolved.serverNoContextTakeover) parts.push('server_no_context_takeover');
  return parts.join('; ');
}

// ----------------------------------------------------------- the server's answer (RFC 7692 §7.1)

const PARAMETERS = [
  'server_no_context_takeover',
  'client_no_context_takeover',
  'server_max_window_bits',
  'client_max_window_bits',
] as const;
type Parameter = (typeof PARAMETERS)[number];

/** RFC 7692 §7.1.2: a window is 8 to 15, in decimal without leading zeros. */
const WINDOW_BITS_VALUE = /^(?:8|9|1[0-5])$/;

/**
 * Checks the server's Sec-WebSocket-Extensions against what `resolved` offered and returns
 * the agreed parameters; undefined when the server lists no extension (it declined, and the
 * connection runs uncompressed); a NegotiationError when the answer cannot be accepted
 * (RFC 7692 §5: the client must then fail the connection): an extension that was not offered
 * or permessage-deflate twice (ERR_HANDSHAKE_EXTENSION), or a malformed header, an unknown,
 * repeated or malformed parameter, or one that does not fit the offer
 * (ERR_HANDSHAKE_EXTENSION_PARAMS).
 */
export function parseDeflateResponse(
  headerValue: string,
  resolved: ResolvedDeflateOptions,
): AgreedDeflate | HandshakeError | undefined {
  const list = parseExtensionList(headerValue);
  if (typeof list === 'string') {
    return paramsError(
      `the server's Sec-WebSocket-Extensions ${JSON.stringify(headerValue)} is malformed: ${list} (RFC 6455 §9.1)`,
    );
  }
  let accepted: ExtensionItem | undefined;
  for (const item of list) {
    if (item.name !== PERMESSAGE_DEFLATE) {
      const caseOnly =
        item.name.toLowerCase() === PERMESSAGE_DEFLATE
          ? '; extension names are case-sensitive'
          : '';
      return new NegotiationError(
        ErrorCode.UnexpectedExtension,
        `the server accepted extension ${JSON.stringify(item.name)}, which the client did not offer (it offered only ${PERMESSAGE_DEFLATE}${caseOnly})`,
      );
    }
    if (accepted !== undefined) {
      return new NegotiationError(
        ErrorCode.UnexpectedExtension,
        `the server accepted ${PERMESSAGE_DEFLATE} twice in ${JSON.stringify(headerValue)}, but the client offered it once`,
      );
    }
    accepted = item;
  }
  return accepted === undefined ? undefined : agree(accepted.params, resolved);
}

function agree(
  params: readonly ExtensionParam[],
  offer: ResolvedDeflateOptions,
): AgreedDeflate | HandshakeError {
  const sent = new Map<Parameter, string | undefined>();
  for (const { name, value } of params) {
    const known = PARAMETERS.find((parameter) => parameter === name);
    if (known === undefined) {
      const caseOnly = PARAMETERS.some((parameter) => parameter === name.toLowerCase())
        ? ' (parameter names are case-sensitive)'
        : '';
      return paramsError(
        `the server accepted ${PERMESSAGE_DEFLATE} with unknown parameter ${JSON.stringify(name)}${caseOnly}; RFC 7692 §7.1 defines only ${PARAMETERS.join(', ')}`,
      );
    }
    // RFC 7692 §7: a response with two parameters of the same name is refused.
    if (sent.has(known)) {
      return paramsError(`the server sent ${PERMESSAGE_DEFLATE} parameter ${known} twice`);
    }
    if (known.endsWith('_no_context_takeover')) {
      // §7.1.1.1, §7.1.1.2: these parameters have no value.
      if (value !== undefined) {
        return paramsError(
          `the server sent ${known}=${JSON.stringify(value)}, but ${known} takes no value (RFC 7692 §7.1.1)`,
        );
      }
    } else if (value === undefined || !WINDOW_BITS_VALUE.test(value)) {
      // §7.1.2.1, §7.1.2.2: in a response, both window parameters carry 8 to 15.
      return paramsError(
        `the server sent ${value === undefined ? `${known} without a value` : `${known}=${JSON.stringify(value)}`}; in a response it must be a number from 8 to 15 (RFC 7692 §7.1.2)`,
      );
    }
    sent.set(known, value);
  }

  // §7.1.1.1: a server that accepts an offer with server_no_context_takeover must include it;
  // it may include it unasked.
  const serverNoContextTakeover = sent.has('server_no_context_takeover');
  if (offer.serverNoContextTakeover && !serverNoContextTakeover) {
    return paramsError(
      'the server accepted permessage-deflate without server_no_context_takeover, which the client asked for and a server must confirm (RFC 7692 §7.1.1.1)',
    );
  }
  // §7.1.1.2: the server may ask the client not to take over context even when not offered;
  // when the client offered it, the client keeps to it whatever the answer.
  const clientNoContextTakeover =
    offer.clientNoContextTakeover || sent.has('client_no_context_takeover');

  // §7.1.2.1: a server accepts a server_max_window_bits offer by answering the same or a
  // smaller value; unasked, it may still limit its own window.
  const serverBits = sent.get('server_max_window_bits');
  const serverMaxWindowBits = serverBits === undefined ? 15 : Number(serverBits);
  if (offer.serverMaxWindowBits !== undefined) {
    if (serverBits === undefined) {
      return paramsError(
        `the server accepted permessage-deflate without server_max_window_bits, which the client offered as ${offer.serverMaxWindowBits} and a server must confirm (RFC 7692 §7.1.2.1)`,
      );
    }
    if (serverMaxWindowBits > offer.serverMaxWindowBits) {
      return paramsError(
        `the server sent server_max_window_bits=${serverBits}, larger than the ${offer.serverMaxWindowBits} the client offered (RFC 7692 §7.1.2.1)`,
      );
    }
  }

  // §7.1.2.2: the server may send client_max_window_bits only when the client offered it.
  const clientBits = sent.get('client_max_window_bits');
  if (clientBits !== undefined && offer.clientMaxWindowBits === false) {
    return paramsError(
      `the server sent client_max_window_bits=${clientBits}, but the client did not offer client_max_window_bits (RFC 7692 §7.1.2.2)`,
    );
  }
  // A value in the offer is the client's promise not to use a larger window, whatever the
  // server answers (§7.1.2.2): a larger or missing value in the answer leaves the client at
  // its own; a smaller one binds it.
  const offered = typeof offer.clientMaxWindowBits === 'number' ? offer.clientMaxWindowBits : 15;
  const clientMaxWindowBits =
    clientBits === undefined ? offered : Math.min(offered, Number(clientBits));

  return agreement(
    serverNoContextTakeover,
    clientNoContextTakeover,
    serverMaxWindowBits,
    clientMaxWindowBits,
  );
}

/** The 512 possible agreements, each made once and shared by every connection (frozen). */
const agreements = new Map<number, AgreedDeflate>();

function agreement(
  serverNoContextTakeover: boolean,
  clientNoContextTakeover: boolean,
  serverMaxWindowBits: number,
  clientMaxWindowBits: number,
): AgreedDeflate {
  const key =
    (serverNoContextTakeover ? 1 : 0) |
    (clientNoContextTakeover ? 2 : 0) |
    (serverMaxWindowBits << 2) |
    (clientMaxWindowBits << 6);
  let agreed = agreements.get(key);
  if (agreed === undefined) {
    agreed = Object.freeze({
      serverNoContextTakeover,
      clientNoContextTakeover,
      serverMaxWindowBits,
      clientMaxWindowBits,
    });
    agreements.set(key, agreed);
  }
  return agreed;
}

function paramsError(message: string): NegotiationError {
  return new NegotiationError(ErrorCode.InvalidExtensionParams, message);
}
