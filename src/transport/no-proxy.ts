// Which proxy the environment asks for: HTTPS_PROXY for wss://, HTTP_PROXY for ws://, ALL_PROXY
// for both, and NO_PROXY for the hosts that go direct. The NO_PROXY rules follow curl and
// Python's urllib: host suffixes, `*`, ports, IP literals and CIDR ranges. Pure: the caller
// passes the environment.

import { isIP } from 'node:net';

/** Environment variables, as in `process.env`. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** A proxy chosen from the environment, and the variable it came from (for messages). */
export interface EnvironmentProxy {
  url: string;
  variable: string;
}

/** Where a connection goes: enough of the target to choose a proxy. */
export interface ProxyTarget {
  secure: boolean;
  /** Host name or IP literal, IPv6 without brackets. */
  hostname: string;
  port: number;
}

/** The first set variable among `names` (an empty value counts as unset). */
function firstSet(env: Environment, names: readonly string[]): EnvironmentProxy | undefined {
  for (const variable of names) {
    const value = env[variable]?.trim();
    if (value !== undefined && value !== '') return { url: value, variable };
  }
  return undefined;
}

/**
 * The proxy the environment asks for to reach `target`, or undefined to go direct. Lower-case
 * names win over upper-case ones. Upper-case HTTP_PROXY is ignored when REQUEST_METHOD is set:
 * a CGI program gets it from the request's `Proxy:` header, which any client can send.
 */
export function proxyFromEnvironment(
  target: ProxyTarget,
  env: Environment,
): EnvironmentProxy | undefined {
  const noProxy = firstSet(env, ['no_proxy', 'NO_PROXY']);
  if (noProxy !== undefined && matchesNoProxy(target.hostname, target.port, noProxy.url)) {
    return undefined;
  }
  const isCgi = (env.REQUEST_METHOD ?? '') !== '';
  const names = target.secure
    ? ['https_proxy', 'HTTPS_PROXY']
    : isCgi
      ? ['http_proxy']
      : ['http_proxy', 'HTTP_PROXY'];
  return firstSet(env, [...names, 'all_proxy', 'ALL_PROXY']);
}

/**
 * True when NO_PROXY (a comma- or space-separated list) says `hostname:port` goes direct.
 * Entries: `*` (everything), a host name that also covers its subdomains (`example.com`,
 * `.example.com`, `*.example.com`), an IP address (`10.1.2.3`, `::1`, `[::1]`), a CIDR range
 * (`10.0.0.0/8`, `fe80::/10`), each optionally with `:port` to cover only that port.
 * Host names are compared without case and without a trailing dot; names are never resolved,
 * so an IP entry or range only covers URLs that use an IP address.
 */
export function matchesNoProxy(hostname: string, port: number, noProxy: string): boolean {
  const host = normalizeHost(hostname);
  for (const raw of noProxy.split(/[\s,]+/)) {
    if (raw === '') continue;
    if (raw === '*') return true;
    const entry = splitPort(raw);
    if (entry === undefined) continue;
    if (entry.port !== undefined && entry.port !== port) continue;
    if (entry.host.includes('/')) {
      if (inCidr(host, entry.host)) return true;
      continue;
    }
    let name = normalizeHost(entry.host);
    if (isIP(name) !== 0) {
      if (sameAddress(host, name)) return true;
      continue;
    }
    if (name.startsWith('*')) name = name.slice(1);
    if (name.startsWith('.')) name = name.replace(/^\.+/, '');
    if (name === '') continue;
    if (host === name || host.endsWith(`.${name}`)) return true;
  }
  return false;
}

function normalizeHost(host: string): string {
  let value = host.toLowerCase();
  if (value.startsWith('[') && value.endsWith(']')) value = value.slice(1, -1);
  if (value.endsWith('.') && isIP(value.slice(0, -1)) === 0) value = value.slice(0, -1);
  return value;
}

/** Splits `host:port`, `[v6]:port`, a bare IPv6 address or a CIDR; undefined if malformed. */
function splitPort(entry: string): { host: string; port: number | undefined } | undefined {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(entry);
  if (bracketed !== null) return withPort(bracketed[1]!, bracketed[2]);
  const colons = entry.split(':').length - 1;
  // More than one colon: an IPv6 address or range, which carries no port without brackets.
  if (colons !== 1) return { host: entry, port: undefined };
  const [host, port] = entry.split(':') as [string, string];
  return withPort(host, port);
}

function withPort(
  host: string,
  port: string | undefined,
): { host: string; port: number | undefined } | undefined {
  if (port === undefined) return { host, port: undefined };
  if (!/^\d{1,5}$/.test(port)) return undefined;
  return { host, port: Number(port) };
}

function sameAddress(a: string, b: string): boolean {
  const left = addressBytes(a);
  const right = addressBytes(b);
  return left !== undefined && right !== undefined && left.every((byte, i) => byte === right[i]);
}

/** True when the IP literal `host` lies in `range` (`address/bits`). */
function inCidr(host: string, range: string): boolean {
  const slash = range.indexOf('/');
  const base = addressBytes(normalizeHost(range.slice(0, slash)));
  const bitsText = range.slice(slash + 1);
  const address = addressBytes(host);
  if (base === undefined || address === undefined || !/^\d{1,3}$/.test(bitsText)) return false;
  let bits = Number(bitsText);
  if (bits > base.length * 8) return false;
  // Compare as IPv6, IPv4 as IPv4-mapped (::ffff:a.b.c.d): an IPv4 range covers both forms.
  if (base.length === 4) bits += 96;
  const left = asIpv6(address);
  const right = asIpv6(base);
  for (let bit = 0; bit < bits; bit++) {
    const mask = 0x80 >> (bit & 7);
    if ((left[bit >> 3]! & mask) !== (right[bit >> 3]! & mask)) return false;
  }
  return true;
}

function asIpv6(bytes: number[]): number[] {
  return bytes.length === 16 ? bytes : [...Array<number>(10).fill(0), 255, 255, ...bytes];
}

/** The bytes of an IPv4 (4) or IPv6 (16) literal; undefined for anything else. */
export function addressBytes(text: string): number[] | undefined {
  const family = isIP(text);
  if (family === 4) return text.split('.').map(Number);
  if (family !== 6) return undefined;
  let value = text;
  const bytes: number[] = [];
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(value);
  let tail: number[] = [];
  if (v4 !== null) {
    tail = v4[1]!.split('.').map(Number);
    value = `${value.slice(0, v4.index)}0:0`;
  }
  const [head, rest] = value.includes('::') ? value.split('::') : [value, undefined];
  const left = head === '' ? [] : head!.split(':');
  const right = rest === undefined || rest === '' ? [] : rest.split(':');
  const zeros = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...Array<string>(zeros).fill('0'), ...right];
  for (const group of groups) {
    const number = Number.parseInt(group, 16);
    bytes.push(number >> 8, number & 0xff);
  }
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}
