// `wsx run FILE.lua [options] [-- args]`: the run subcommand of the CLI. Parses its own
// arguments and runs the script; the promise gives the process exit status (0, os.exit's
// code, 1 for a Lua error, 2 for bad arguments, 124 after --timeout, 130 on Ctrl-C).

import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { closestName } from '../client/option-names.js';
import { parseConnectTo } from './connect-to.js';
import type { LuaDialect } from './runner.js';

/** Longest wait, after the script ended, for its connections to finish closing. */
const CLOSE_GRACE_MS = 3000;

/**
 * Counts the engine's open connections (its diagnostics channels), so that the command
 * returns only once the connections the script left open have closed: the caller exits the
 * process right after.
 */
function openConnections(): { closed(): Promise<void>; dispose(): void } {
  let open = 0;
  let wake: (() => void) | undefined;
  const onOpen = (): void => {
    open++;
  };
  const onClose = (message: unknown): void => {
    if ((message as { cause?: { phase?: string } }).cause?.phase === 'connecting') return;
    open--;
    if (open <= 0) wake?.();
  };
  subscribe('wsx:open', onOpen);
  subscribe('wsx:close', onClose);
  return {
    closed: () =>
      open <= 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, CLOSE_GRACE_MS);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          }),
    dispose: () => {
      unsubscribe('wsx:open', onOpen);
      unsubscribe('wsx:close', onClose);
    },
  };
}

export const RUN_USAGE = `Usage: wsx run FILE.lua [options] [-- script arguments]

Runs a LuatOS, LuatOS-Air or NodeMCU device script unchanged against a real server.

Options:
  --connect-to HOST:PORT:HOST2:PORT2  connect to HOST2:PORT2 when the script asks for
                                      HOST:PORT (repeatable, as curl's); the URL, the Host
                                      header and the TLS server name stay the original ones
  --timeout SECONDS                   stop the script, close its connections, exit 124
  --dialect luatos|luatos-air|nodemcu only that firmware's globals (default: all of them)
  --debug                             the engine's frame log on stderr
  --quiet                             hide the script's output (errors are still shown)
  -h, --help                          this help
`;

const DIALECTS: readonly string[] = ['luatos', 'luatos-air', 'nodemcu'];
const RUN_OPTIONS: readonly string[] = [
  '--help',
  '--connect-to',
  '--timeout',
  '--dialect',
  '--debug',
  '--quiet',
];

export interface RunArguments {
  file: string;
  args: string[];
  connectTo: string[];
  timeoutMs: number | undefined;
  dialect: LuaDialect | undefined;
  debug: boolean;
  quiet: boolean;
}

/** Parses the arguments after `run`; throws an Error with a message for the user. */
export function parseRunArguments(argv: readonly string[]): RunArguments | 'help' {
  const parsed: Omit<RunArguments, 'file'> & { file: string | undefined } = {
    file: undefined,
    args: [],
    connectTo: [],
    timeoutMs: undefined,
    dialect: undefined,
    debug: false,
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const item = argv[i]!;
    if (item === '--') {
      parsed.args.push(...argv.slice(i + 1));
      break;
    }
    const equals = item.startsWith('--') ? item.indexOf('=') : -1;
    const name = equals > 0 ? item.slice(0, equals) : item;
    const value = (): string => {
      if (equals > 0) return item.slice(equals + 1);
      const next = argv[++i];
      if (next === undefined) throw new Error(`${name} needs a value`);
      return next;
    };
    switch (name) {
      case '-h':
      case '--help':
        return 'help';
      case '--connect-to':
        parsed.connectTo.push(value());
        break;
      case '--timeout': {
        const text = value();
        const seconds = Number(text);
        if (text.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) {
          throw new Error(
            `--timeout needs a number of seconds above 0, not ${JSON.stringify(text)}`,
          );
        }
        parsed.timeoutMs = Math.round(seconds * 1000);
        break;
      }
      case '--dialect': {
        const dialect = value();
        if (!DIALECTS.includes(dialect)) {
          throw new Error(
            `--dialect must be luatos, luatos-air or nodemcu, not ${JSON.stringify(dialect)}`,
          );
        }
        parsed.dialect = dialect as LuaDialect;
        break;
      }
      case '--debug':
        parsed.debug = true;
        break;
      case '--quiet':
        parsed.quiet = true;
        break;
      default:
        if (item.startsWith('-') && item !== '-') {
          const suggestion = closestName(name, RUN_OPTIONS);
          throw new Error(
            `unknown option ${item}${suggestion === undefined ? '' : ` (did you mean ${suggestion}?)`}`,
          );
        }
        // A second plain word is the script's first argument.
        if (parsed.file !== undefined) parsed.args.push(item);
        else parsed.file = item;
    }
  }
  if (parsed.file === undefined) throw new Error('give the Lua file to run');
  // Checked now, so that a bad rule is a usage error (status 2), not a failed script.
  parseConnectTo(parsed.connectTo);
  return { ...parsed, file: parsed.file };
}

export async function runCommand(args: readonly string[]): Promise<number> {
  let parsed: RunArguments | 'help';
  try {
    parsed = parseRunArguments(args);
  } catch (error) {
    process.stderr.write(`wsx run: ${(error as Error).message}\n\n${RUN_USAGE}`);
    return 2;
  }
  if (parsed === 'help') {
    process.stdout.write(RUN_USAGE);
    return 0;
  }
  try {
    await access(parsed.file, constants.R_OK);
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'no such file'
        : (error as Error).message;
    process.stderr.write(`wsx run: cannot read ${parsed.file}: ${reason}\n`);
    return 2;
  }
  const { quiet } = parsed;
  // Loaded here, so that the other wsx commands do not load the Lua VM.
  const { runLua } = await import('./runner.js');
  const connections = openConnections();
  const run = runLua({
    ...parsed,
    quiet: true,
    // The command writes each line as it comes; keeping them would grow with a long run.
    keepLines: 0,
    onLine: (line, stream) => {
      if (stream === 'err') process.stderr.write(`${line}\n`);
      else if (!quiet) process.stdout.write(`${line}\n`);
    },
  });
  const onSignal = (): void => run.stop();
  process.once('SIGINT', onSignal);
  try {
    const status = await run.exit;
    await connections.closed();
    return status;
  } finally {
    process.removeListener('SIGINT', onSignal);
    connections.dispose();
  }
}
