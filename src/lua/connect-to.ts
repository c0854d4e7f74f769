// `--connect-to HOST:PORT:HOST2:PORT2`, as curl's option: connections the script makes to
// HOST:PORT go to HOST2:PORT2 instead, while the URL (Host header, TLS server name) stays.
// An empty HOST or PORT matches any; an empty HOST2 or PORT2 keeps the original. IPv6
// addresses are written in brackets. The first matching rule wins.

import type { ConnectTo } from '../client/options.js';
import { argumentError, type InvalidArgumentError } from '../core/errors.js';

interface Rule {
  host: string;
  port: number | undefined;
  toHost: string;
  toPort: number | undefined;
}

function invalid(rule: string, why: string): InvalidArgumentError {
  return argumentError(
    `--connect-to ${JSON.stringify(rule)}: ${why}; expected HOST:PORT:HOST2:PORT2 (any part may be empty, IPv6 in brackets)`,
  );
}

/** Splits on colons outside brackets. */
function fields(rule: string): string[] {
  const parts: string[] = [];
  let current = '';
  let depth = 0;
  for (const char of rule) {
    if (char === '[') depth++;
    if (char === ']') depth--;
    if (char === ':' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += char;
  }
  parts.push(current);
  return parts;
}

function host(text: string): string {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return bare.toLowerCase();
}

function port(text: string, rule: string): number | undefined {
  if (text === '') return undefined;
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > 65535) {
    throw invalid(rule, `${JSON.stringify(text)} is not a port from 1 to 65535`);
  }
  return value;
}

/** Parses the rules; throws InvalidArgumentError naming a bad one. */
export function parseConnectTo(rules: readonly string[]): ConnectTo | undefined {
  if (rules.length === 0) return undefined;
  const parsed: Rule[] = rules.map((rule) => {
    const parts = fields(rule);
    if (parts.length !== 4) throw invalid(rule, `it has ${parts.length} parts, not 4`);
    const [from, fromPort, to, toPort] = parts as [string, string, string, string];
    return {
      host: host(from),
      port: port(fromPort, rule),
      toHost: host(to),
      toPort: port(toPort, rule),
    };
  });
  return (hostname, portNumber) => {
    const name = host(hostname);
    for (const rule of parsed) {
      if (rule.host !== '' && rule.host !== name) continue;
      if (rule.port !== undefined && rule.port !== portNumber) continue;
      return { host: rule.toHost === '' ? hostname : rule.toHost, port: rule.toPort ?? portNumber };
    }
    return undefined;
  };
}
