// `wsx connect URL` (and `wsx URL`): picks the input (an interactive prompt on a terminal,
// stdin lines in a pipe, or -x messages) and the output (marked lines, bare messages or JSON),
// then runs a Session and returns the exit status.

import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { redactUrl } from '../core/url.js';
import type { Logger, WebSocketClient } from '../index.js';
import {
  CONNECT_HELP,
  type ConnectSettings,
  parseConnectArgs,
  UsageError,
} from './connect-options.js';
import { Repl } from './repl.js';
import { JsonReporter, PipeReporter, type Reporter, TerminalReporter } from './report.js';
import { Session } from './session.js';
import { fromBase64, fromHex, type Palette, paletteFor } from './style.js';

export interface CliIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  env: NodeJS.ProcessEnv;
}

export const processIo = (): CliIo => ({
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
});

/** Runs `wsx connect`; resolves with the exit status. */
export async function connectCommand(
  args: readonly string[],
  io: CliIo = processIo(),
): Promise<number> {
  let settings: ConnectSettings;
  try {
    settings = parseConnectArgs(args);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`wsx: ${error.message}\nTry 'wsx connect --help'.\n`);
    return 2;
  }
  if (settings.help) {
    io.stdout.write(CONNECT_HELP);
    return 0;
  }
  const interactive =
    !settings.json &&
    settings.execute.length === 0 &&
    io.stdin.isTTY === true &&
    io.stdout.isTTY === true;
  return interactive ? runInteractive(settings, io) : runScripted(settings, io);
}

/** Resolves once the stream can take more; at once when it is gone (its reader left). */
function drainer(stream: NodeJS.WriteStream): () => Promise<void> {
  return async () => {
    if (!stream.writableNeedDrain || stream.destroyed) return;
    // once() rejects on 'error' (EPIPE): the writer below already handles that.
    await Promise.race([once(stream, 'drain'), once(stream, 'close')]).catch(() => {});
  };
}

/** Writes to stdout until its reader goes away (`wsx URL | head`), then writes nothing. */
function stdoutWriter(io: CliIo, onGone: () => void): (data: string | Uint8Array) => void {
  io.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    onGone();
  });
  return (data) => {
    if (!io.stdout.destroyed) io.stdout.write(data);
  };
}

function errLine(io: CliIo, palette: Palette): (line: string) => void {
  // Nobody reads stderr any more (its reader left, 2>&- ...): the session goes on without it.
  io.stderr.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
  return (line) => {
    if (!io.stderr.destroyed) io.stderr.write(`${palette.dim(line)}\n`);
  };
}

function verboseLogger(
  settings: ConnectSettings,
  print: (line: string) => void,
): Logger | undefined {
  return settings.verbose ? (line: string) => print(`[wsx] ${line}`) : undefined;
}

/** Turns an input line into a message: text, or bytes with --binary (raw, hex or base64). */
function toMessage(settings: ConnectSettings, line: string): string | Uint8Array {
  if (!settings.sendBinary) return line;
  if (settings.binaryFormat === 'hex') return fromHex(line);
  if (settings.binaryFormat === 'base64') return fromBase64(line);
  return new TextEncoder().encode(line);
}

/** Sends the input (stdin lines or -x messages), waits -w, closes; stdout only for output. */
async function runScripted(settings: ConnectSettings, io: CliIo): Promise<number> {
  const palette = paletteFor(io.stderr, io.env);
  const err = errLine(io, palette);
  // When the reader of stdout leaves, close the connection normally.
  const write = stdoutWriter(io, () => void session.stop(1000).catch(() => {}));
  const reporter: Reporter = settings.json
    ? new JsonReporter(
        (line) => write(`${line}\n`),
        settings.binaryFormat === 'hex' ? 'hex' : 'base64',
      )
    : new PipeReporter(write, err, settings);
  const session: Session = new Session(
    { ...settings, drained: drainer(io.stdout) },
    reporter,
    verboseLogger(settings, err),
  );
  let interrupts = 0;
  const onSignal = (): void => {
    if (++interrupts === 1) void session.stop(1000).catch(() => {});
    else session.terminate();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const running = session.run();
  /** Input lines that could not be sent (bad hex or base64): the exit status says so. */
  const badLines = { count: 0 };
  const input = (async () => {
    if (settings.execute.length > 0) {
      for (const text of settings.execute) {
        if (!(await sendOrReport(session, reporter, settings, text, badLines))) return;
      }
    } else {
      const lines = createInterface({
        input: io.stdin,
        terminal: false,
        crlfDelay: Number.POSITIVE_INFINITY,
      });
      try {
        for await (const line of lines) {
          if (!(await sendOrReport(session, reporter, settings, line, badLines))) break;
        }
      } finally {
        lines.close();
      }
    }
    if (session.isStopping || (await session.whenOpen()) === undefined) return;
    await sleepUnlessOver(settings.waitMs, running);
    await session.stop(1000).catch(() => {});
  })();
  try {
    const status = await running;
    input.catch(() => {});
    // A line that was skipped is an error even when the connection closed normally.
    return status === 0 && badLines.count > 0 ? 1 : status;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    io.stdin.pause();
    io.stdin.unref?.();
  }
}

async function sendOrReport(
  session: Session,
  reporter: Reporter,
  settings: ConnectSettings,
  line: string,
  badLines: { count: number },
): Promise<boolean> {
  let message: string | Uint8Array;
  try {
    message = toMessage(settings, line);
  } catch (error) {
    reporter.error(error);
    badLines.count++;
    return true; // skip the bad line, keep going (the exit status will be 1)
  }
  return session.send(message);
}

/** Waits `ms`, or less when the session ends first. */
function sleepUnlessOver(ms: number, over: Promise<unknown>): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    void over.finally(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

// ------------------------------------------------------------------ interactive

const COMMAND_HELP = `commands:
  /ping [TEXT]            ping and print the round trip
  /close [CODE [REASON]]  close the connection (default 1000)
  /binary HEX             send a binary message, e.g. /binary 01 02 ff
  /stats                  messages, bytes and round trips so far
  /quit                   close and exit (also Ctrl-D, Ctrl-C)
  /help                   this list
  //TEXT                  send a line that starts with /`;

async function runInteractive(settings: ConnectSettings, io: CliIo): Promise<number> {
  const palette = paletteFor(io.stdout, io.env);
  let interrupts = 0;
  let session: Session | undefined;
  const repl = new Repl({
    input: io.stdin,
    output: io.stdout,
    prompt: palette.outgoing('> '),
    onLine: (line) => {
      if (session !== undefined) handleLine(session, reporter, settings, palette, line, repl);
    },
    onEnd: () => {
      void sleepUnlessOver(settings.waitMs, running).then(() =>
        session?.stop(1000).catch(() => {}),
      );
    },
    onInterrupt: () => {
      if (++interrupts === 1) {
        reporter.note(palette.dim('closing (Ctrl-C again to drop the connection)'));
        void session?.stop(1000).catch(() => {});
      } else session?.terminate();
    },
  });
  const reporter = new TerminalReporter((line) => repl.printAbove(line), palette, settings);
  session = new Session(
    { ...settings, drained: async () => {} },
    reporter,
    verboseLogger(settings, (line) => repl.printAbove(palette.dim(line))),
  );
  reporter.note(palette.dim(`connecting to ${redactUrl(settings.url)}…`));
  repl.start();
  const running = session.run();
  try {
    return await running;
  } finally {
    repl.close();
    io.stdin.pause();
    io.stdin.unref?.();
  }
}

function handleLine(
  session: Session,
  reporter: Reporter,
  settings: ConnectSettings,
  palette: Palette,
  line: string,
  repl: Repl,
): void {
  const send = (data: string | Uint8Array): void => {
    if (session.client === undefined) {
      reporter.note(
        palette.warn(
          settings.reconnect
            ? 'not connected: queued until reconnected'
            : 'not connected yet: sent once the connection opens',
        ),
      );
    }
    void session.send(data);
  };
  if (!line.startsWith('/') || line.startsWith('//')) {
    if (line === '') return;
    try {
      send(line.startsWith('//') ? line.slice(1) : toMessage(settings, line));
    } catch (error) {
      reporter.error(error);
    }
    return;
  }
  const [command = '', ...rest] = line.slice(1).split(' ');
  const argument = rest.join(' ').trim();
  const client: WebSocketClient | undefined = session.client;
  const needClient = (): WebSocketClient | undefined => {
    if (client === undefined) reporter.note(palette.warn('not connected'));
    return client;
  };
  switch (command) {
    case 'help':
      reporter.note(COMMAND_HELP);
      return;
    case 'quit':
    case 'exit':
      void session.stop(1000).catch(() => {});
      repl.close();
      return;
    case 'close': {
      const [codeText, ...reasonWords] = argument === '' ? [] : argument.split(' ');
      const code = codeText === undefined ? 1000 : Number(codeText);
      session.stop(code, reasonWords.join(' ')).catch((error: unknown) => reporter.error(error));
      return;
    }
    case 'ping': {
      const open = needClient();
      if (open === undefined) return;
      open.ping(argument === '' ? undefined : argument).then(
        (ms) => reporter.note(palette.info(`% pong: round trip ${ms.toFixed(2)} ms`)),
        (error: unknown) => reporter.error(error),
      );
      return;
    }
    case 'binary':
      try {
        send(fromHex(argument));
      } catch (error) {
        reporter.error(error);
      }
      return;
    case 'stats': {
      const open = needClient();
      if (open !== undefined) reporter.note(formatStats(open));
      return;
    }
    default:
      reporter.note(
        palette.warn(`unknown command /${command}; /help lists them, //${command} sends the text`),
      );
  }
}

function formatStats(client: WebSocketClient): string {
  const s = client.stats();
  const ms = (value: number | undefined): string =>
    value === undefined ? '-' : `${value.toFixed(2)} ms`;
  return [
    `messages in ${s.messagesIn}, out ${s.messagesOut}; bytes in ${s.bytesIn}, out ${s.bytesOut}`,
    `round trip last ${ms(s.rttLastMs)}, median ${ms(s.rttP50Ms)}, p99 ${ms(s.rttP99Ms)}`,
    `open for ${(s.connectedMs / 1000).toFixed(1)} s`,
  ].join('\n');
}
