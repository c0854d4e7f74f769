// Shared by the Lua runner tests: an npm `ws` echo server that records what it received and
// the handshake requests, and runScript(), which runs a Lua source or file quietly with every
// host pointed at that server (--connect-to ::127.0.0.1:PORT) and a safety timeout.

import type { IncomingMessage } from 'node:http';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { WebSocket as WsSocket } from 'ws';
import { type LuaRun, type RunLuaOptions, runLua } from '../../src/lua/index.js';
import { echoServer } from '../helpers/servers.js';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Received {
  data: Buffer;
  isBinary: boolean;
}

export interface RecordingServer {
  port: number;
  received: Received[];
  requests: IncomingMessage[];
  sockets: WsSocket[];
  /** Texts of the received messages, in order. */
  texts(): string[];
  /** The received messages as [text, false] or [hex of the bytes, true], in order. */
  messages(): [string, boolean][];
  /** The next connection's socket. */
  nextSocket(): Promise<WsSocket>;
  /** The next message received. */
  nextMessage(): Promise<Received>;
}

/** Every byte value once, 0 to 255: not valid UTF-8. */
export const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

/**
 * An echo server that records every message and request. Some texts are commands instead:
 * "close" is answered with Close 4000, "bye" by dropping TCP, "frag" with the text "abcd" in
 * two frames, "bin" with the 256 byte values as a binary message.
 */
export async function recordingServer(t: TestContext): Promise<RecordingServer> {
  const server = await echoServer(t);
  const recorded: RecordingServer = {
    port: Number(new URL(server.url).port),
    received: [],
    requests: [],
    sockets: [],
    texts: () => recorded.received.map((item) => item.data.toString()),
    messages: () =>
      recorded.received.map((item) => [
        item.data.toString(item.isBinary ? 'hex' : 'utf8'),
        item.isBinary,
      ]),
    nextMessage: () => Promise.reject(new Error('not ready')),
    nextSocket: () =>
      new Promise((resolve) => server.server.once('connection', (socket) => resolve(socket))),
  };
  let waiting: ((item: Received) => void)[] = [];
  recorded.nextMessage = () => new Promise((resolve) => waiting.push(resolve));
  server.server.on('connection', (socket, request) => {
    recorded.requests.push(request);
    recorded.sockets.push(socket);
    socket.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.from(data as ArrayBuffer);
      recorded.received.push({ data: bytes, isBinary });
      const wake = waiting;
      waiting = [];
      for (const resolve of wake) resolve({ data: bytes, isBinary });
      const command = isBinary ? '' : bytes.toString();
      if (command === 'close') socket.close(4000, 'asked');
      else if (command === 'bye') socket.terminate();
      else if (command === 'frag') {
        socket.send('ab', { fin: false });
        socket.send('cd', { fin: true });
      } else if (command === 'bin') socket.send(ALL_BYTES, { binary: true });
    });
  });
  return recorded;
}

export interface ScriptResult {
  status: number;
  lines: readonly string[];
  run: LuaRun;
}

/** Runs Lua source (or `file`) quietly; every host goes to `server` when one is given. */
export async function runScript(
  source: string | undefined,
  options: RunLuaOptions & {
    server?: RecordingServer;
    /** Stops the script (status 130) once a printed line matches: for scripts that loop. */
    stopAt?: RegExp;
    /** Stops the script (status 130) once this settles. */
    stopWhen?: Promise<unknown>;
  } = {},
): Promise<ScriptResult> {
  const { server, stopAt, stopWhen, ...rest } = options;
  const run = runLua({
    source,
    name: 'test.lua',
    quiet: true,
    timeoutMs: 10_000,
    connectTo: server === undefined ? [] : [`::127.0.0.1:${server.port}`],
    onLine: (line) => {
      if (stopAt?.test(line)) setImmediate(() => run.stop());
    },
    ...rest,
  });
  void stopWhen?.then(() => run.stop());
  const status = await run.exit;
  return { status, lines: run.lines, run };
}
