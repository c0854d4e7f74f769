// Just enough of Lua's `log`, `json` and `os` libraries for the translated LuatOS examples, and
// where to connect: the URL given as the first argument or in WSX_URL, else an embedded echo
// server started here (src/cli/serve.ts). Not part of the dialect.

import { startEchoServer } from '../../src/cli/serve.js';

/** A value as Lua's log would print it: nil for undefined, bytes as hex. */
function luaText(value: unknown): string {
  if (value === undefined || value === null) return 'nil';
  if (value instanceof Uint8Array) return `<binary ${Buffer.from(value).toString('hex')}>`;
  return String(value);
}

/** log.info(tag, ...) prints `I/user.<tag> value value ...`, as LuatOS does. */
export const log = {
  info: (tag: string, ...values: unknown[]): void => {
    console.log([`I/user.${tag}`, ...values.map(luaText)].join(' '));
  },
};

export const json = { encode: (value: unknown): string => JSON.stringify(value) };

export const os = { date: (): string => new Date().toString() };

/** The server to talk to, and a function that stops it if this process started it. */
export async function exampleServer(): Promise<{ url: string; stop: () => Promise<void> }> {
  const given = process.argv[2] ?? process.env.WSX_URL;
  if (given !== undefined && given !== '') return { url: given, stop: async () => {} };
  const server = await startEchoServer();
  return { url: server.url, stop: () => server.close() };
}

/** A whole number from the environment, or the fallback. */
export function setting(name: string, fallback: number): number {
  const value = Number(process.env[name]);
  return Number.isInteger(value) && value >= 0 && process.env[name] !== '' ? value : fallback;
}
