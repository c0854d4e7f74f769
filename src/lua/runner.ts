// runLua: runs one device script in its own Lua state (wasmoon), with the firmware globals
// over the dialects, until it ends by itself, calls os.exit, fails, times out or is stopped.
// Output lines are captured; the exit promise gives the status a shell would see.

import { readFile } from 'node:fs/promises';
import type { Logger } from '../client/options.js';
import { Bridge, sharedFactory } from './bridge.js';
import { parseConnectTo } from './connect-to.js';
import { Host } from './host.js';
import { WebSocketHost } from './host-websocket.js';
import { PRELUDE_CORE } from './prelude-core.js';
import { PRELUDE_LIBS } from './prelude-libs.js';
import { PRELUDE_WEBSOCKET } from './prelude-websocket.js';

export type LuaDialect = 'luatos' | 'luatos-air' | 'nodemcu';

export interface RunLuaOptions {
  /** Path of the script; read when the run starts. Give this or `source`. */
  file?: string | undefined;
  /** The script itself (a Lua string is bytes: a Uint8Array is taken as it is). */
  source?: string | Uint8Array | undefined;
  /** The name in error messages when `source` is given (default `script.lua`). */
  name?: string | undefined;
  /** The script's arguments: `arg[1]`, `arg[2]`, ... and `...` in the main chunk. */
  args?: readonly string[] | undefined;
  /** Rules `HOST:PORT:HOST2:PORT2`, as curl's --connect-to. */
  connectTo?: readonly string[] | undefined;
  /** Stop the script after this many milliseconds: its connections close, status 124. */
  timeoutMs?: number | undefined;
  /** Only this firmware's globals; without it, all of them. */
  dialect?: LuaDialect | undefined;
  /** The engine's frame log on the error stream. */
  debug?: boolean | undefined;
  /** Write nothing to stdout and stderr (lines are still captured). */
  quiet?: boolean | undefined;
  /** Receives each output line as it is written. */
  onLine?: ((line: string, stream: 'out' | 'err') => void) | undefined;
  /** How many of the last output lines `lines` keeps (default 1,000; 0 keeps none). */
  keepLines?: number | undefined;
}

/** The default of `keepLines`: a script that prints forever must not fill memory. */
const KEEP_LINES = 1000;
/** Text written without a newline is cut into lines of at most this many characters. */
const MAX_LINE_CHARS = 64 * 1024;

/** Why a script ended. */
export type LuaEndReason = 'end' | 'exit' | 'error' | 'timeout' | 'stopped';

/** Exit statuses: os.exit's code, 1 for a Lua error, 124 for --timeout, 130 for stop(). */
export const LuaExit = { Ok: 0, Error: 1, Timeout: 124, Stopped: 130 } as const;

export interface LuaRun {
  /** Resolves with the exit status once the script has ended. */
  readonly exit: Promise<number>;
  /**
   * The last `keepLines` lines the script printed (print, log, io.write) and the error report,
   * in order.
   */
  readonly lines: readonly string[];
  readonly reason: LuaEndReason | undefined;
  /** The Lua error message and traceback when the script failed. */
  readonly error: string | undefined;
  /** Ends the script now: its connections close, the status is 130. */
  stop(): void;
}

const encoder = new TextEncoder();

/** Removes a `#!` first line (keeping the line count) and a UTF-8 byte order mark. */
function scriptBytes(source: string | Uint8Array): Uint8Array {
  let bytes = typeof source === 'string' ? encoder.encode(source) : source;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
  if (bytes[0] === 0x23) {
    const newline = bytes.indexOf(0x0a);
    bytes = newline < 0 ? new Uint8Array(0) : bytes.subarray(newline);
  }
  return bytes;
}

/** A traceback without the runner's own frames. */
function cleanTraceback(message: string): string {
  return message
    .split('\n')
    .filter(
      (line) =>
        !line.includes('[wsx]') &&
        !line.includes('(...tail calls...)') &&
        // The host functions, which a script reaches only through the runner's own Lua.
        !/^\t\[C\]: in (field|upvalue|local) '/.test(line),
    )
    .join('\n');
}

class Run implements LuaRun {
  #lines: string[] = [];
  reason: LuaEndReason | undefined;
  error: string | undefined;
  readonly exit: Promise<number>;
  readonly #options: RunLuaOptions;
  #resolve!: (status: number) => void;
  #partial = { out: '', err: '' };
  #bridge: Bridge | undefined;
  #host: Host | undefined;
  #sockets: WebSocketHost | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #isCheckScheduled = false;
  readonly #keepLines: number;

  get lines(): readonly string[] {
    const lines = this.#lines;
    return lines.length > this.#keepLines ? lines.slice(lines.length - this.#keepLines) : lines;
  }

  constructor(options: RunLuaOptions) {
    this.#options = options;
    this.#keepLines = Math.max(0, Math.floor(options.keepLines ?? KEEP_LINES));
    this.exit = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  #write(stream: 'out' | 'err', text: string): void {
    const pieces = (this.#partial[stream] + text).split('\n');
    let partial = pieces.pop()!;
    // Text that never ends its line is still bounded: it goes out in pieces.
    while (partial.length > MAX_LINE_CHARS) {
      pieces.push(partial.slice(0, MAX_LINE_CHARS));
      partial = partial.slice(MAX_LINE_CHARS);
    }
    this.#partial[stream] = partial;
    for (const line of pieces) this.#line(stream, line);
  }

  #line(stream: 'out' | 'err', line: string): void {
    if (this.#keepLines > 0) {
      this.#lines.push(line);
      // Trimmed in steps, so that keeping the last lines costs O(1) per line.
      if (this.#lines.length >= 2 * this.#keepLines)
        this.#lines = this.#lines.slice(-this.#keepLines);
    }
    this.#options.onLine?.(line, stream);
    if (this.#options.quiet !== true) {
      (stream === 'out' ? process.stdout : process.stderr).write(`${line}\n`);
    }
  }

  async start(): Promise<void> {
    const options = this.#options;
    try {
      const connectTo = parseConnectTo(options.connectTo ?? []);
      const name = options.file ?? options.name ?? 'script.lua';
      const source = options.source ?? (await readFile(options.file ?? ''));
      const engine = await sharedFactory().createEngine({ injectObjects: false });
      if (this.reason !== undefined) {
        engine.global.close();
        return;
      }
      const bridge = new Bridge(engine);
      this.#bridge = bridge;
      bridge.onInternalError = (message) => this.#fail(`wsx internal error: ${message}`);
      const host = new Host(
        bridge,
        {
          write: (stream, text) => this.#write(stream, text),
          fail: (message) => this.#fail(message),
          exit: (code) => this.#end('exit', code),
          changed: () => this.#scheduleCheck(),
        },
        options.file,
      );
      this.#host = host;
      const logger: Logger | undefined =
        options.debug === true ? (line) => this.#write('err', `[wsx] ${line}\n`) : undefined;
      this.#sockets = new WebSocketHost(bridge, host, { connectTo, logger });
      bridge.define('dialect', () => options.dialect ?? 'all');
      const deadline =
        options.timeoutMs === undefined ? undefined : performance.now() + options.timeoutMs;
      if (deadline !== undefined) {
        this.#timer = setTimeout(() => this.#end('timeout', LuaExit.Timeout), options.timeoutMs);
      }
      bridge.installDeadline(
        () =>
          this.reason !== undefined || (deadline !== undefined && performance.now() >= deadline),
      );
      const prelude = bridge.load(
        encoder.encode(PRELUDE_CORE + PRELUDE_LIBS + PRELUDE_WEBSOCKET),
        '=[wsx]',
      );
      const preludeError = typeof prelude === 'string' ? prelude : bridge.call(prelude, []);
      if (preludeError !== undefined) throw new Error(`the Lua prelude failed: ${preludeError}`);
      bridge.setDispatcher('__wsx_dispatch');
      const chunk = bridge.load(scriptBytes(source), `@${name}`);
      if (typeof chunk === 'string') {
        this.#fail(chunk);
        return;
      }
      bridge.dispatch('main', chunk, name, ...(options.args ?? []));
      this.#scheduleCheck();
    } catch (error) {
      this.#fail(`wsx run: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  #fail(message: string): void {
    if (this.reason !== undefined) return;
    this.error = cleanTraceback(message);
    this.#write('err', `${this.error}\n`);
    this.#end('error', LuaExit.Error);
  }

  /**
   * Ends the script once nothing can wake it: no task to start, timer, operation or client.
   * Called after everything that may have ended one of them; while one is left, nothing is
   * scheduled (the echo loop of a live connection costs no extra turn).
   */
  #scheduleCheck(): void {
    if (this.#isCheckScheduled || this.reason !== undefined) return;
    const isBusy = (): boolean =>
      this.#bridge!.isBusy || this.#host!.isBusy || this.#sockets!.isLive;
    if (isBusy()) return;
    this.#isCheckScheduled = true;
    setImmediate(() => {
      this.#isCheckScheduled = false;
      if (this.reason !== undefined || isBusy()) return;
      // One more turn: events queued by the dialects run in the next one.
      setImmediate(() => {
        if (this.reason === undefined && !isBusy()) this.#end('end', LuaExit.Ok);
      });
    });
  }

  #end(reason: LuaEndReason, status: number): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    for (const stream of ['out', 'err'] as const) {
      if (this.#partial[stream] !== '') this.#line(stream, this.#partial[stream]);
      this.#partial[stream] = '';
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    const bridge = this.#bridge;
    if (bridge !== undefined) bridge.isStopped = true;
    this.#host?.finish();
    this.#sockets?.closeAll();
    // Lua may still be unwinding (os.exit, a failing host call): close the state afterwards.
    if (bridge !== undefined) setImmediate(() => bridge.close());
    this.#resolve(status);
  }

  stop(): void {
    this.#end('stopped', LuaExit.Stopped);
  }
}

/**
 * Runs a device script (a LuatOS, LuatOS-Air or NodeMCU Lua file) in its own Lua state.
 * Returns at once; `exit` resolves with the status when the script has ended.
 */
export function runLua(options: RunLuaOptions): LuaRun {
  const run = new Run(options);
  void run.start();
  return run;
}
