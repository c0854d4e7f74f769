// The `wsx` command line: `wsx connect URL` (or `wsx URL`), `wsx serve`, `wsx run FILE.lua`.
// Exit status: 0 closed normally, 1 the connection failed or closed with an error, 2 a usage
// error (`wsx run` has its own, see docs/lua.md).

import { readFileSync } from 'node:fs';

// Each subcommand's code is loaded only when it runs, so that `wsx run` does not pay for the
// interactive client and the server (and `wsx serve` not for the Lua VM).
const connectCommand = async (args: readonly string[]): Promise<number> =>
  (await import('./connect-command.js')).connectCommand(args);

export const MAIN_HELP = `wsx: a WebSocket client for the terminal

Usage:
  wsx connect URL [options]     connect; interactive on a terminal, line by line in pipes
  wsx URL [options]             the same
  wsx serve [options]           a local echo, broadcast or flood server to try things on
  wsx run FILE.lua [options]    run a LuatOS, LuatOS-Air or NodeMCU device script
  wsx --help | --version

  wsx serve --help and wsx run --help list the options of those commands; the options
  of wsx connect follow.

Examples:
  wsx serve --port 8080
  wsx ws://127.0.0.1:8080/                       type lines, see replies; /help for commands
  echo hello | wsx ws://127.0.0.1:8080/          prints "hello"
  wsx ws://127.0.0.1:8080/ -x ping -w 1 --json   send, wait a second, print events as JSON

Exit status: 0 closed normally, 1 the connection failed or closed with an error, 2 a usage
error (wsx run: see wsx run --help). Docs: docs/cli.md.
`;

export function version(): string {
  // ../../package.json from both src/cli and dist/cli.
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** Runs the command line; resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const [first, ...rest] = argv;
  switch (first) {
    case undefined:
      process.stderr.write(MAIN_HELP);
      return 2;
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(`${MAIN_HELP}\n${(await import('./connect-options.js')).CONNECT_HELP}`);
      return 0;
    case '-V':
    case '--version':
    case 'version':
      process.stdout.write(`wsx ${version()}\n`);
      return 0;
    case 'connect':
      return connectCommand(rest);
    case 'serve':
      return (await import('./serve.js')).serveCommand(rest);
    case 'run':
      return (await import('../lua/command.js')).runCommand(rest);
    default:
      if (
        first.startsWith('-') ||
        first.includes('://') ||
        /^[\w.-]+:\d+/.test(first) ||
        first.startsWith('[')
      ) {
        // wsx URL [options], or options before the URL
        return connectCommand(argv);
      }
      process.stderr.write(`wsx: unknown command ${JSON.stringify(first)}\nTry 'wsx --help'.\n`);
      return 2;
  }
}
