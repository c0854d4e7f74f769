// A self-signed X.509 certificate for `wsx serve --tls`, made with node:crypto alone (no
// openssl needed): an EC P-256 key, and a v3 certificate for localhost, 127.0.0.1 and ::1
// (plus the listening host) valid for 30 days, DER-encoded by hand and signed with ECDSA-SHA256.

import { generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

export interface SelfSigned {
  /** PEM certificate and PEM (PKCS#8) private key. */
  cert: string;
  key: string;
  /** SHA-256 fingerprint, colon-separated hex, as browsers and openssl show it. */
  fingerprint256: string;
}

function length(n: number): number[] {
  if (n < 0x80) return [n];
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return [0x80 | bytes.length, ...bytes];
}

function tlv(tag: number, ...parts: Uint8Array[]): Uint8Array {
  const body = Buffer.concat(parts);
  return Buffer.concat([Uint8Array.from([tag, ...length(body.length)]), body]);
}

const sequence = (...parts: Uint8Array[]): Uint8Array => tlv(0x30, ...parts);
const set = (...parts: Uint8Array[]): Uint8Array => tlv(0x31, ...parts);
const utf8 = (text: string): Uint8Array => tlv(0x0c, Buffer.from(text, 'utf8'));
const octets = (bytes: Uint8Array): Uint8Array => tlv(0x04, bytes);
const bits = (bytes: Uint8Array): Uint8Array => tlv(0x03, Uint8Array.of(0), bytes);
const explicit = (n: number, inner: Uint8Array): Uint8Array => tlv(0xa0 | n, inner);

function integer(bytes: Uint8Array): Uint8Array {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0 && bytes[start + 1]! < 0x80) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, trimmed[0]! >= 0x80 ? Buffer.concat([Uint8Array.of(0), trimmed]) : trimmed);
}

function oid(dotted: string): Uint8Array {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const out = [first * 40 + second];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128))
      groups.unshift(0x80 | (v & 0x7f));
    out.push(...groups);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** UTCTime before 2050, GeneralizedTime from then on (RFC 5280 §4.1.2.5). */
function time(date: Date): Uint8Array {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const compact = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  return date.getUTCFullYear() < 2050
    ? tlv(0x17, Buffer.from(compact.slice(2), 'ascii'))
    : tlv(0x18, Buffer.from(compact, 'ascii'));
}

function ipBytes(address: string): Uint8Array {
  if (isIP(address) === 4) return Uint8Array.from(address.split('.').map(Number));
  // Expand an IPv6 address to 16 bytes.
  const [head = '', tail = ''] = address.split('::');
  const words = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((w) => Number.parseInt(w, 16));
  const headWords = words(head);
  const tailWords = address.includes('::') ? words(tail) : [];
  const all = [
    ...headWords,
    ...new Array(8 - headWords.length - tailWords.length).fill(0),
    ...tailWords,
  ];
  return Uint8Array.from(all.flatMap((w: number) => [w >> 8, w & 0xff]));
}

/** The names the certificate is valid for: DNS names and IP addresses. */
function subjectAltNames(hosts: readonly string[]): Uint8Array {
  const names = hosts.map((host) =>
    isIP(host) === 0 ? tlv(0x82, Buffer.from(host, 'ascii')) : tlv(0x87, ipBytes(host)),
  );
  return sequence(...names);
}

/** Makes a fresh key and a self-signed certificate for the given host names and addresses. */
export function makeSelfSigned(extraHosts: readonly string[] = [], now = new Date()): SelfSigned {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const hosts = [...new Set(['localhost', '127.0.0.1', '::1', ...extraHosts])].filter(
    (host) => host !== '' && host !== '0.0.0.0' && host !== '::',
  );
  const name = sequence(set(sequence(oid('2.5.4.3'), utf8('wsx serve (self-signed)'))));
  const algorithm = sequence(oid('1.2.840.10045.4.3.2')); // ecdsa-with-SHA256
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const extensions = sequence(
    // basicConstraints, critical: not a CA
    sequence(oid('2.5.29.19'), tlv(0x01, Uint8Array.of(0xff)), octets(sequence())),
    // extKeyUsage: TLS server
    sequence(oid('2.5.29.37'), octets(sequence(oid('1.3.6.1.5.5.7.3.1')))),
    // subjectAltName
    sequence(oid('2.5.29.17'), octets(subjectAltNames(hosts))),
  );
  const tbs = sequence(
    explicit(0, integer(Uint8Array.of(2))), // version 3
    integer(serial),
    algorithm,
    name,
    sequence(
      time(new Date(now.getTime() - 3_600_000)),
      time(new Date(now.getTime() + 30 * 86_400_000)),
    ),
    name,
    publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = sequence(tbs, algorithm, bits(signature));
  const base64 = Buffer.from(der)
    .toString('base64')
    .replace(/.{1,64}/g, '$&\n');
  const cert = `-----BEGIN CERTIFICATE-----\n${base64}-----END CERTIFICATE-----\n`;
  return {
    cert,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    fingerprint256: new X509Certificate(der).fingerprint256,
  };
}
