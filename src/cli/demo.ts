// What `npm start` runs: starts the embedded echo server on a free port, then shows each way of
// using wsx against it, printing what happens as it happens: a LuatOS device script run as
// Lua by `wsx run`, the LuatOS-Air start() loop with its heartbeat, the NodeMCU createClient()
// example, the modern API, and a ReconnectingWebSocket that survives a server restart. Stops
// the server and exits 0 when every part did what it should.

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { websocket as luatosAir } from '../dialects/luatos-air.js';
import { NodeMcuStatus, websocket as nodemcu } from '../dialects/nodemcu.js';
import { connect, isWebSocketError, ReconnectingWebSocket } from '../index.js';
import { describeCloseCode } from './report.js';
import { type RunningServer, startServer } from './serve.js';
import { paletteFor } from './style.js';

const paint = paletteFor(process.stdout);
const started = Date.now();

function stamp(): string {
  return paint.dim(`${((Date.now() - started) / 1000).toFixed(2).padStart(6)}s`);
}
function heading(number: number, title: string, explain: string): void {
  console.log(`\n${paint.bold(`${number}. ${title}`)}\n${paint.dim(explain)}`);
}
function say(who: string, text: string, colour = paint.info): void {
  console.log(`${stamp()} ${colour(who.padEnd(10))} ${text}`);
}
const inbound = (who: string, text: string): void => say(who, `< ${text}`, paint.incoming);
const outbound = (who: string, text: string): void => say(who, `> ${text}`, paint.outgoing);
const expected = (who: string, text: string): void =>
  say(who, `${paint.warn('(deliberate failure, expected)')} ${text}`, paint.warn);

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Lets the server report the last section's closes before the next section starts. */
async function settle(): Promise<void> {
  for (let i = 0; i < 100 && server.connections > 0; i++) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

let server: RunningServer;
let onServerLine: ((line: string) => void) | undefined;
async function startDemoServer(port = 0): Promise<RunningServer> {
  return startServer({
    port,
    log: (line) => {
      say('server', line, paint.dim);
      onServerLine?.(line);
    },
  });
}

// ------------------------------------------------------------------ 1. LuatOS as Lua

/** The LuatOS document's example as a Lua file, unchanged (the Lua runner's copy). */
const LUATOS_SCRIPT = fileURLToPath(new URL('../../examples/lua/luatos/echo.lua', import.meta.url));

function wsxCommand(): string[] {
  const here = fileURLToPath(import.meta.url);
  const main = here.replace(/demo\.(ts|js)$/, 'main.$1');
  return here.endsWith('.ts') ? ['--import', 'tsx', main] : [main];
}

async function luatosAsLua(url: string): Promise<void> {
  const { port } = new URL(url);
  heading(
    1,
    'LuatOS device script, as Lua, through `wsx run`',
    'The example of the LuatOS websocket document, unchanged. It talks to echo.airtun.air32.cn;\n' +
      '--connect-to sends that host to the local server. The script loops forever, as device\n' +
      'code does, so --timeout stops it after 2 s.',
  );
  const args = [
    'run',
    LUATOS_SCRIPT,
    '--connect-to',
    `echo.airtun.air32.cn:80:127.0.0.1:${port}`,
    '--timeout',
    '2',
  ];
  say(
    '$',
    `wsx ${args.join(' ').replace(LUATOS_SCRIPT, 'examples/lua/luatos/echo.lua')}`,
    paint.bold,
  );
  const child = spawn(process.execPath, [...wsxCommand(), ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => say('lua', line, paint.outgoing));
  }
  const status = await withTimeout(
    new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code))),
    15_000,
    'wsx run',
  );
  say('demo', 'conack: connected; sent: the message left; recv: the echo came back', paint.dim);
  if (status === 124) say('wsx run', 'exit status 124: stopped by --timeout, as intended');
  else if (status === 0) say('wsx run', 'exit status 0: the script ended');
  else throw new Error(`wsx run exited with status ${status}`);
}

// ------------------------------------------------------------------ 2. LuatOS-Air

async function luatosAirStart(url: string): Promise<void> {
  heading(
    2,
    'LuatOS-Air: ws:start() keeps the client connected, with a heartbeat',
    'sys.taskInit(ws.start, ws, 30): start() connects, reconnects after a drop, and pings\n' +
      '"heart" every keepAlive seconds (1 s here instead of 30 so that it shows).',
  );
  const ws = luatosAir.new(url);
  ws.on('open', () => {
    say('luatos-air', 'open');
    ws.send('hello from ws:start()', true);
    outbound('luatos-air', '"hello from ws:start()"');
  });
  ws.on('message', (message) => inbound('luatos-air', JSON.stringify(message)));
  ws.on('close', () => say('luatos-air', 'close'));
  // The server says when each heartbeat arrives; after the second one the task is stopped.
  let heartbeats = 0;
  onServerLine = (line) => {
    if (line.includes('ping received ("heart")') && ++heartbeats === 2) {
      say('demo', 'two heartbeats seen: websocket.exit(ws)', paint.dim);
      luatosAir.exit(ws);
    }
  };
  try {
    // sys.taskInit(ws.start, ws, 30), with 1 s
    await withTimeout(ws.start(1), 10_000, 'ws:start()');
    say('luatos-air', `start() returned; state ${ws.state()}`);
  } finally {
    onServerLine = undefined;
  }
}

// ------------------------------------------------------------------ 3. NodeMCU

const NODEMCU_MEANING: Record<number, string> = {
  [NodeMcuStatus.Closed]: 'closed normally: the application called close()',
  [NodeMcuStatus.ServerClosed]: 'the server closed the connection',
};

function nodemcuStatus(status: number): string {
  const name = Object.entries(NodeMcuStatus).find(([, value]) => value === status)?.[0];
  return `status ${status} (${NODEMCU_MEANING[status] ?? name ?? 'see docs/dialects/nodemcu.md'})`;
}

function nodemcuCreateClient(url: string): Promise<void> {
  heading(
    3,
    'NodeMCU: websocket.createClient()',
    'The document\'s example: on("connection"), on("receive"), on("close"), then connect().',
  );
  return withTimeout(
    new Promise<void>((resolve) => {
      const ws = nodemcu.createClient();
      ws.on('connection', () => {
        say('nodemcu', 'got ws connection');
        ws.send('hello from device code');
        outbound('nodemcu', '"hello from device code"');
      });
      ws.on('receive', (_, msg, opcode) => {
        inbound(
          'nodemcu',
          `got message: ${JSON.stringify(msg)}, opcode ${opcode} (${opcode === 1 ? 'text' : 'binary'})`,
        );
        ws.close();
      });
      ws.on('close', (_, status) => {
        say('nodemcu', `connection closed, ${nodemcuStatus(status)}`);
        resolve();
      });
      ws.connect(url);
    }),
    10_000,
    'the NodeMCU example',
  );
}

// ------------------------------------------------------------------ 4. modern API

async function modernApi(url: string): Promise<void> {
  heading(
    4,
    'The modern API: await connect(), send(), ping(), for await',
    'import { connect } from "wsx"',
  );
  const ws = await connect(url, { protocols: ['demo'] });
  say('connect', `open, subprotocol ${JSON.stringify(ws.protocol)} chosen by the server`);
  await ws.send('hello from the modern API');
  outbound('connect', '"hello from the modern API" (the promise resolved: written to the socket)');
  await ws.send(new Uint8Array([1, 2, 3, 4]));
  outbound('connect', 'binary, 4 bytes');
  say('connect', `ping: round trip ${(await ws.ping()).toFixed(2)} ms`);
  let count = 0;
  for await (const message of ws) {
    inbound(
      'connect',
      message.isBinary ? `binary, ${message.data.length} bytes` : JSON.stringify(message.data),
    );
    if (++count === 2) break; // leaving the loop closes the connection
  }
  const info = await ws.closed;
  say(
    'connect',
    `closed: ${describeCloseCode(info.code)}, clean ${info.wasClean}, by ${info.cause.kind}`,
  );
  const s = ws.stats();
  say(
    'connect',
    `stats: ${s.messagesOut} messages out, ${s.messagesIn} in, ${s.bytesOut + s.bytesIn} bytes on the wire`,
  );
}

// ------------------------------------------------------------------ 5. reconnecting

async function reconnecting(): Promise<void> {
  heading(
    5,
    'ReconnectingWebSocket survives a server restart',
    'The server is stopped on purpose and started again on the same port. The client reconnects\n' +
      'with backoff, and a message sent while it was offline is queued and delivered.',
  );
  const port = server.port;
  const rws = new ReconnectingWebSocket(server.url, [], { initialDelayMs: 200, maxDelayMs: 400 });
  let opens = 0;
  const done = new Promise<void>((resolve, reject) => {
    rws.addEventListener('open', () => {
      opens++;
      say('reconnect', opens === 1 ? 'open' : `open again (reconnect ${opens - 1})`);
      if (opens === 1) {
        void rws.send('before the restart');
        outbound('reconnect', '"before the restart"');
      }
    });
    rws.addEventListener('message', (event) => {
      inbound('reconnect', JSON.stringify(event.data));
      if (event.data === 'before the restart') void restart();
      else if (event.data === 'sent while offline') {
        say('reconnect', 'the queued message was delivered after the reconnect');
        rws.close();
        resolve();
      }
    });
    rws.addEventListener('close', (event) => {
      const retry = event.willRetry ? ', will reconnect' : '';
      if (event.cause?.phase === 'connecting') {
        say(
          'reconnect',
          `${paint.warn('(expected while the server is down)')} attempt failed${retry}`,
        );
      } else say('reconnect', `close: ${describeCloseCode(event.code)}${retry}`);
    });
    rws.addEventListener('reconnecting', (event) => {
      const why = event.reason.includes('ERR_CONNECT') ? 'connection refused' : event.reason;
      say('reconnect', `reconnecting: attempt ${event.attempt} in ${event.delayMs} ms (${why})`);
    });
    rws.addEventListener('giveup', (event) => reject(new Error(`gave up: ${event.reason}`)));
  });
  const restart = async (): Promise<void> => {
    say('demo', 'stopping the server on purpose', paint.warn);
    await server.close(1001);
    void rws.send('sent while offline');
    outbound('reconnect', `"sent while offline" (queued: ${rws.stats().queuedMessages} waiting)`);
    await new Promise((resolve) => setTimeout(resolve, 700));
    server = await startDemoServer(port);
    say('demo', `server started again on port ${port}`, paint.warn);
  };
  await withTimeout(done, 15_000, 'the reconnect demo');
}

// ------------------------------------------------------------------ 6. an error

async function failure(): Promise<void> {
  heading(6, 'What a failure says', 'Connecting to a port where nothing listens, on purpose.');
  try {
    await connect('ws://127.0.0.1:1/', { openTimeoutMs: 3000 });
    throw new Error('connecting to port 1 should have failed');
  } catch (error) {
    if (!isWebSocketError(error)) throw error;
    expected('connect', `${error.code}: ${error.message}`);
  }
}

// ------------------------------------------------------------------ main

console.log(paint.bold('wsx demo: a local echo server, then each way of using wsx against it'));
server = await startDemoServer();
say('server', `echo server (npm ws package) listening on ${server.url}`);
let status = 0;
try {
  if (existsSync(LUATOS_SCRIPT)) await luatosAsLua(server.url);
  else say('demo', `skipped: ${LUATOS_SCRIPT} is missing`, paint.warn);
  await settle();
  await luatosAirStart(server.url);
  await settle();
  await nodemcuCreateClient(server.url);
  await settle();
  await modernApi(server.url);
  await settle();
  await reconnecting();
  await settle();
  await failure();
  console.log(`\n${paint.bold('done:')} every part worked; see docs/cli.md for the wsx command.`);
} catch (error) {
  console.error(
    paint.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`),
  );
  status = 1;
} finally {
  await server.close();
  say('server', 'stopped');
}
process.exit(status);
