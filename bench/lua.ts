// The cost of the Lua runner (docs/lua.md): the same echo loop written in Lua (run by wsx/lua)
// and against the TypeScript dialect, for NodeMCU and LuatOS; the startup of `wsx run` on a
// small script (the built package: run `npm run build` first); and the memory of a Lua state.
//
//   npx tsx bench/lua.ts [--messages N] [--repeats R] [--states S]
//
// The echo server is bench/server.ts in its own process; one message is in flight at a time
// (64 bytes of text), so the figure is round trips per second through each face.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { websocket as luatos } from '../src/dialects/luatos.js';
import { websocket as nodemcu } from '../src/dialects/nodemcu.js';
import { type LuaRun, runLua } from '../src/lua/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const option = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index < 0 ? fallback : Number(process.argv[index + 1]);
};
const MESSAGES = option('messages', 20_000);
const REPEATS = option('repeats', 5);
const STATES = option('states', 200);
const PAYLOAD = 'x'.repeat(64);

function startServer(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'server.ts')], {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve({ child, port: JSON.parse(out.split('\n')[0]!).port });
    });
    child.once('exit', (code) => reject(new Error(`server exited (${code})`)));
  });
}

/**
 * Round trips per second of `loop` (which resolves when MESSAGES echoes came back): per
 * second of wall time, and per second of this process's CPU time, which other work on the
 * machine disturbs less.
 */
async function rate(loop: () => Promise<void>): Promise<[wall: number, cpu: number]> {
  const start = performance.now();
  const cpu = process.cpuUsage();
  await loop();
  const used = process.cpuUsage(cpu);
  return [
    MESSAGES / ((performance.now() - start) / 1000),
    MESSAGES / ((used.user + used.system) / 1e6),
  ];
}

function tsNodeMcu(url: string): Promise<void> {
  return new Promise((resolve) => {
    let count = 0;
    const ws = nodemcu.createClient();
    ws.on('connection', (client) => client.send(PAYLOAD));
    ws.on('receive', (client, message) => {
      if (++count < MESSAGES) client.send(message);
      else client.close();
    });
    ws.on('close', () => resolve());
    ws.connect(url);
  });
}

function tsLuatos(url: string): Promise<void> {
  return new Promise((resolve) => {
    let count = 0;
    const wsc = luatos.create(null, url)!;
    wsc.on((client, event, data) => {
      if (event === 'conack') client.send(PAYLOAD);
      if (event !== 'recv') return;
      if (++count < MESSAGES) client.send(data!);
      else {
        client.close();
        resolve();
      }
    });
    wsc.connect();
  });
}

const LUA_NODEMCU = `
local n, N = 0, tonumber(arg[2])
local ws = websocket.createClient()
ws:on("connection", function(c) c:send(string.rep("x", 64)) end)
ws:on("receive", function(c, msg)
  n = n + 1
  if n < N then c:send(msg) else c:close() end
end)
ws:connect(arg[1])
`;

const LUA_LUATOS = `
local n, N = 0, tonumber(arg[2])
local wsc = websocket.create(nil, arg[1])
wsc:on(function(c, event, data)
  if event == "conack" then c:send(string.rep("x", 64)) end
  if event ~= "recv" then return end
  n = n + 1
  if n < N then c:send(data) else c:close() end
end)
wsc:connect()
`;

async function lua(source: string, url: string): Promise<void> {
  const run = runLua({ source, args: [url, String(MESSAGES)], quiet: true });
  const status = await run.exit;
  if (status !== 0) throw new Error(`the Lua loop failed: ${run.error}`);
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

type Rates = Record<string, { wall: number; cpu: number }>;

async function echo(port: number): Promise<Rates> {
  const url = `ws://127.0.0.1:${port}/echo`;
  // Warm both paths (JIT, the wasm module) before measuring.
  await lua(LUA_NODEMCU, url);
  await tsNodeMcu(url);
  const loops: Record<string, () => Promise<void>> = {
    tsNodemcu: () => tsNodeMcu(url),
    luaNodemcu: () => lua(LUA_NODEMCU, url),
    tsLuatos: () => tsLuatos(url),
    luaLuatos: () => lua(LUA_LUATOS, url),
  };
  const samples: Record<string, [number, number][]> = {};
  for (let i = 0; i < REPEATS; i++) {
    // Interleaved, so that a burst of other work hits every variant alike.
    for (const [name, loop] of Object.entries(loops)) (samples[name] ??= []).push(await rate(loop));
  }
  return Object.fromEntries(
    Object.entries(samples).map(([name, values]) => [
      name,
      { wall: median(values.map((v) => v[0])), cpu: median(values.map((v) => v[1])) },
    ]),
  );
}

/** Wall time of `node dist/cli/main.js run small.lua`, median of REPEATS runs. */
function startup(): number | undefined {
  const bin = join(root, 'dist/cli/main.js');
  if (!existsSync(bin)) return undefined;
  const times: number[] = [];
  for (let i = 0; i < REPEATS; i++) {
    const start = performance.now();
    execFileSync(process.execPath, [bin, 'run', join(here, 'lua-small.lua')], { stdio: 'ignore' });
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Memory added by each of STATES scripts that stay alive (a task waiting on a timer). */
async function memory(): Promise<{ perStateKiB: number; heapKiB: number; externalKiB: number }> {
  const first = runLua({ source: 'print(1)', quiet: true });
  await first.exit;
  global.gc?.();
  const before = process.memoryUsage();
  const runs: LuaRun[] = [];
  for (let i = 0; i < STATES; i++) {
    runs.push(runLua({ source: 'while true do sys.wait(60000) end', quiet: true }));
  }
  // Every state is created and its script waiting.
  await new Promise((resolve) => setTimeout(resolve, 500));
  global.gc?.();
  const after = process.memoryUsage();
  for (const run of runs) run.stop();
  await Promise.all(runs.map((run) => run.exit));
  const kib = (bytes: number): number => Math.round(bytes / STATES / 1024);
  return {
    perStateKiB: kib(after.rss - before.rss),
    heapKiB: kib(after.heapUsed - before.heapUsed),
    externalKiB: kib(after.external + after.arrayBuffers - before.external - before.arrayBuffers),
  };
}

const server = await startServer();
try {
  const rates = await echo(server.port);
  const line = (face: string, ts: string, lua: string): string => {
    const t = rates[ts]!;
    const l = rates[lua]!;
    const r = (value: number): number => Math.round(value);
    return `  ${face}: wall TS ${r(t.wall)}/s Lua ${r(l.wall)}/s (${(l.wall / t.wall).toFixed(2)}), per CPU second TS ${r(t.cpu)} Lua ${r(l.cpu)} (${(l.cpu / t.cpu).toFixed(2)})`;
  };
  console.log(`echo loop, ${MESSAGES} round trips of 64 B, median of ${REPEATS}:`);
  console.log(line('NodeMCU', 'tsNodemcu', 'luaNodemcu'));
  console.log(line('LuatOS', 'tsLuatos', 'luaLuatos'));
  const ms = startup();
  console.log(
    ms === undefined
      ? 'startup: run `npm run build` first'
      : `startup of wsx run (small script): ${Math.round(ms)} ms`,
  );
  const mem = await memory();
  console.log(
    `memory per Lua state (${STATES} live scripts): RSS ${mem.perStateKiB} KiB, JS heap ${mem.heapKiB} KiB, external ${mem.externalKiB} KiB`,
  );
} finally {
  server.child.stdin!.end();
  server.child.kill();
}
