// Runs the `wsx` command as a child process (node + tsx on src/cli/main.ts, as `npm start`
// does) and collects its output and exit status; a local `ws` server that records what it
// received and the request headers. Every child is killed and every server closed by the test.

import { type ChildProcess, spawn } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type ServerOptions, type WebSocket, WebSocketServer } from 'ws';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));
export const TLS_DIR = fileURLToPath(new URL('../fixtures/tls/', import.meta.url));

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
}

export interface RunOptions {
  input?: string | Buffer;
  env?: NodeJS.ProcessEnv;
  /** Kill the child after this long (the test then fails on the missing exit status). */
  timeoutMs?: number;
}

/** Starts `wsx ARGS`; the child is killed after the test if still running. */
export function startWsx(
  t: TestContext,
  args: readonly string[],
  options: RunOptions = {},
): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  if (options.input === undefined) child.stdin?.end();
  else child.stdin?.end(options.input);
  return child;
}

/** Collects a child's output until it exits. */
export function finished(child: ChildProcess, timeoutMs = 20_000): Promise<RunResult> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (chunk: Buffer) => out.push(chunk));
  child.stderr?.on('data', (chunk: Buffer) => err.push(chunk));
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({
        code,
        signal,
        stdout: stdoutBytes.toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        stdoutBytes,
      });
    });
  });
}

/** Runs `wsx ARGS` to the end. */
export function wsx(
  t: TestContext,
  args: readonly string[],
  options: RunOptions = {},
): Promise<RunResult> {
  const child = startWsx(t, args, options);
  return finished(child, options.timeoutMs);
}

/** Keeps everything a stream wrote, and waits for a pattern to show up in it. */
export class Transcript {
  text = '';
  readonly #waiters = new Set<() => void>();
  constructor(stream: NodeJS.ReadableStream) {
    stream.on('data', (chunk: Buffer) => {
      this.text += chunk.toString('utf8');
      for (const wake of this.#waiters) wake();
    });
  }

  /** Resolves with the first match of `pattern` in everything written so far or later. */
  waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(this.text);
        if (match === null) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(match);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(`${pattern} not seen within ${timeoutMs} ms in ${JSON.stringify(this.text)}`),
        );
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }
}

export interface Received {
  data: string | Buffer;
  isBinary: boolean;
}

export interface RecordingServer {
  url: string;
  port: number;
  server: WebSocketServer;
  /** Messages received, over all connections. */
  received: Received[];
  /** Request headers of each upgrade. */
  requests: IncomingMessage[];
  sockets: WebSocket[];
  pings: Buffer[];
}

/**
 * A `ws` server on 127.0.0.1 that records what it gets; `onConnection` decides what it does
 * (default: echo).
 */
export async function recordingServer(
  t: TestContext,
  onConnection?: (socket: WebSocket, request: IncomingMessage) => void,
  options: ServerOptions = {},
): Promise<RecordingServer> {
  const server = new WebSocketServer(
    options.server === undefined ? { host: '127.0.0.1', port: 0, ...options } : options,
  );
  if (options.server === undefined) {
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  }
  const record: RecordingServer = {
    url: '',
    port: 0,
    server,
    received: [],
    requests: [],
    sockets: [],
    pings: [],
  };
  server.on('connection', (socket, request) => {
    record.requests.push(request);
    record.sockets.push(socket);
    socket.on('ping', (data) => record.pings.push(data));
    socket.on('message', (data, isBinary) => {
      record.received.push({ data: isBinary ? (data as Buffer) : data.toString(), isBinary });
    });
    if (onConnection === undefined) {
      socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
    } else onConnection(socket, request);
  });
  const address = (options.server ?? server).address() as AddressInfo;
  record.port = address.port;
  record.url = `${options.server === undefined ? 'ws' : 'wss'}://127.0.0.1:${address.port}/`;
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  );
  return record;
}
