// Option objects are closed sets of names: an unknown one (a typo such as `protocol` for
// `protocols`, or an option of another library) is refused with ERR_INVALID_ARGUMENT naming it
// and the closest known name, instead of being ignored. TypeScript catches most of these at
// compile time; this is for plain JavaScript and for objects built at run time.

import { ErrorCode, InvalidArgumentError } from '../core/errors.js';
import type { ConnectOptions } from './options.js';
import type { ReconnectingOptions } from './reconnect.js';

/** The names of T that a list lacks; `never` when it lists them all. */
type Missing<T, Names extends readonly PropertyKey[]> = Exclude<keyof T, Names[number]>;

/**
 * Lists the option names of T at run time: `optionNames<ConnectOptions>()(['protocols', …])`.
 * The type check fails when a name of T is missing, so the list cannot fall behind the type.
 */
export function optionNames<T>() {
  return <const Names extends readonly (keyof T & string)[]>(
    names: Names &
      ([Missing<T, Names>] extends [never] ? unknown : { missingOptions: Missing<T, Names> }),
  ): readonly string[] => names;
}

/** Edit distance (insert, delete, substitute, swap two neighbours), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const rows: number[][] = [];
  for (let i = 0; i <= s.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= t.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1]!;
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[s.length]![t.length]!;
}

/** The known name closest to `name`, when it is close enough to be a likely typo. */
export function closestName(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const d = distance(name, candidate);
    // Up to a third of the longer name may differ (at least two edits).
    const allowed = Math.max(2, Math.floor(Math.max(name.length, candidate.length) / 3));
    if (d <= allowed && d < bestScore) {
      best = candidate;
      bestScore = d;
    }
  }
  if (best !== undefined) return best;
  // A name inside a known one, or the reverse (`timeout`, `maxQueued`), also counts as close.
  const lower = name.toLowerCase();
  return known.find((candidate) => {
    const other = candidate.toLowerCase();
    return (
      Math.min(lower.length, other.length) >= 4 && (other.includes(lower) || lower.includes(other))
    );
  });
}

/**
 * Throws InvalidArgumentError (ERR_INVALID_ARGUMENT) when `options` has an own property that
 * is not one of `known`: `unknown option "protocol" for connect() (did you mean "protocols"?)`.
 */
export function checkOptionNames(options: object, known: readonly string[], where: string): void {
  for (const name of Object.keys(options)) {
    if (known.includes(name)) continue;
    const suggestion = closestName(name, known);
    throw new InvalidArgumentError(
      ErrorCode.InvalidArgument,
      `unknown option ${JSON.stringify(name)} for ${where}${
        suggestion === undefined
          ? `; the options are ${known.join(', ')}`
          : ` (did you mean ${JSON.stringify(suggestion)}?)`
      }`,
    );
  }
}

/** The options of connect(), WebSocketClient and the WebSocket constructor. */
export const CONNECT_OPTIONS = optionNames<ConnectOptions>()([
  'protocols',
  'headers',
  'origin',
  'openTimeoutMs',
  'closeTimeoutMs',
  'maxMessageBytes',
  'maxFragments',
  'maxHandshakeBytes',
  'pingIntervalMs',
  'pongTimeoutMs',
  'maxMissedPongs',
  'receiveHighWaterMark',
  'receiveHighWaterBytes',
  'writeHighWaterBytes',
  'tls',
  'proxy',
  'proxyTls',
  'followRedirects',
  'connectTo',
  'receiveAfterClose',
  'perMessageDeflate',
  'preferIpv6',
  'signal',
  'logger',
  'clock',
  'ports',
]);

/** The options every reconnecting face takes (ReconnectingWebSocket, connectForever). */
export const RECONNECTING_OPTIONS = optionNames<ReconnectingOptions>()([
  ...(CONNECT_OPTIONS.filter((name) => name !== 'signal') as Exclude<
    keyof ConnectOptions,
    'signal'
  >[]),
  'initialDelayMs',
  'backoffFactor',
  'maxDelayMs',
  'jitter',
  'minUptimeMs',
  'maxRetries',
  'tryAgainLaterDelayMs',
  'shouldReconnect',
  'maxQueuedMessages',
  'maxQueuedBytes',
  'queueTtlMs',
  'queueFullPolicy',
  'random',
]);

/** A copy of `options` with only the names in `known` (for passing options on to a face). */
export function pickOptions<T extends object>(options: object, known: readonly string[]): T {
  const picked: Record<string, unknown> = {};
  for (const name of known) {
    if (Object.hasOwn(options, name)) picked[name] = (options as Record<string, unknown>)[name];
  }
  return picked as T;
}

/** checkOptionNames for an options argument that may be anything; non-objects are left alone. */
export function checkOptions(options: unknown, known: readonly string[], where: string): void {
  if (typeof options === 'object' && options !== null) checkOptionNames(options, known, where);
}
