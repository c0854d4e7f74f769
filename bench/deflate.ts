// `npm run bench:deflate`: permessage-deflate (RFC 7692) benchmark of wsx against `ws`.
//
// One file, three roles:
//   npx tsx bench/deflate.ts [options]                         orchestrator (prints the tables)
//   node --import tsx bench/deflate.ts --server                a `ws` WebSocketServer process
//   node --expose-gc --import tsx bench/deflate.ts --client J  one run: one client, one scenario
//
// The server is `ws`'s WebSocketServer with perMessageDeflate on; the request path picks its
// settings (context takeover or not, threshold 0 or 1024 bytes), and it echoes every message.
// Every run is its own client process, pinned to CPU 1 (the server to CPU 0) when taskset is
// there. Rounds are interleaved (every client runs every scenario once per round, the client
// order rotating), and ratios to `ws` are taken within a round, then the median over rounds.
//
// Options:
//   --quick          about a minute: fewer scenarios, shorter windows, 500 idle connections
//   --repeats N      rounds (default 3, --quick 2)
//   --only a,b       scenario ids (see SCENARIOS below)
//   --from-source    import wsx's TypeScript sources through tsx instead of a tsc build
//   --no-pin         do not pin with taskset
//
// Writes bench/results/deflate-latest.json (gitignored like latest.json).

import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { buildWsx } from './build.js';
import { HOST, median, percentile } from './common.js';
import { collect, machineJiffies, processJiffies, textLike } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const resultsDir = join(here, 'results');
const now = (): number => performance.now();

// ------------------------------------------------------------------ shared definitions

/** Settings of the server's WebSocketServer, picked by the request path `/<name>`. */
const SERVER_CONFIGS = {
  /** Context takeover both ways (ws's defaults), threshold 1024 bytes. */
  takeover: { threshold: 1024 },
  /** Context takeover, every message compressed. */
  'takeover-t0': { threshold: 0 },
  /** server_no_context_takeover and client_no_context_takeover, threshold 1024 bytes. */
  nct: { threshold: 1024, serverNoContextTakeover: true, clientNoContextTakeover: true },
  'nct-t0': { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true },
} as const;
type ServerConfig = keyof typeof SERVER_CONFIGS;

/** Clients: `-off` ones do not offer permessage-deflate; the others offer it (the default). */
type ClientName = 'wsx' | 'wsx-whatwg' | 'ws' | 'wsx-off' | 'wsx-whatwg-off' | 'ws-off';
type Kind = 'idle' | 'active' | 'echo' | 'multi';

interface Scenario {
  id: string;
  kind: Kind;
  server: ServerConfig;
  /** Text payload bytes per message (0 for idle). */
  size: number;
  /** Connections (1 for echo). */
  conns: number;
  /** The clients' own `threshold` (default: theirs, 1024 bytes in both libraries). */
  clientThreshold?: number;
  clients: ClientName[];
}

interface Metrics {
  openAllMs?: number;
  heapPerConn?: number;
  rssPerConn?: number;
  externalPerConn?: number;
  /** active: the same 2 s after the last echo. */
  heap2sPerConn?: number;
  rss2sPerConn?: number;
  external2sPerConn?: number;
  msgsPerSec?: number;
  p50us?: number;
  p99us?: number;
  cpuUsPerMsg?: number;
}
type MetricKey = keyof Metrics;

interface RunResult {
  client: ClientName;
  scenario: string;
  round?: number;
  metrics: Metrics;
  /** What the handshake agreed (the first connection's extensions). */
  extensions: string;
  processCpuUs: number;
  othersShare?: number;
  clean?: boolean;
}

interface ClientArgs {
  client: ClientName;
  scenario: Scenario;
  port: number;
  warmupMs: number;
  measureMs: number;
  wsxModule: string;
}

/** Distinct messages the clients cycle through (identical ones would compress to nothing). */
const VARIANTS = 32;
function messagesOf(size: number): string[] {
  return Array.from({ length: VARIANTS }, (_, i) => textLike(size, i + 1));
}

// ------------------------------------------------------------------ server role

function serve(): void {
  // Loaded only here: the orchestrator never imports a WebSocket library.
  void import('ws').then(({ WebSocketServer }) => {
    const servers = new Map<string, InstanceType<typeof WebSocketServer>>(
      Object.entries(SERVER_CONFIGS).map(([name, settings]) => {
        const wss = new WebSocketServer({
          noServer: true,
          clientTracking: false,
          perMessageDeflate: { ...settings },
        });
        wss.on('connection', (ws) => {
          ws.on('error', () => ws.terminate());
          ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
        });
        return [`/${name}`, wss] as const;
      }),
    );
    const http = createServer((_req, res) => res.writeHead(426).end());
    http.on('upgrade', (req, socket, head) => {
      socket.on('error', () => socket.destroy());
      const wss = servers.get(req.url ?? '');
      if (wss === undefined) {
        socket.destroy();
        return;
      }
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
    });
    http.listen(0, HOST, () => {
      const address = http.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      process.stdout.write(`${JSON.stringify({ port })}\n`);
    });
    const shutdown = (): void => process.exit(0);
    setTimeout(shutdown, 30 * 60_000).unref();
    process.stdin.on('end', shutdown);
    process.stdin.on('error', shutdown);
    process.stdin.resume();
    process.on('SIGTERM', shutdown);
  });
}

// ------------------------------------------------------------------ client role

interface Conn {
  send(text: string): void;
  terminate(): void;
  readonly extensions: string;
}
type Open = (url: string, onMessage: (length: number) => void) => Promise<Conn>;

/** The client's `perMessageDeflate` option: false for `-off`, else true or {threshold}. */
function deflateOption(args: ClientArgs): boolean | { threshold: number } {
  if (args.client.endsWith('-off')) return false;
  const threshold = args.scenario.clientThreshold;
  return threshold === undefined ? true : { threshold };
}

async function opener(args: ClientArgs, fail: (error: unknown) => void): Promise<Open> {
  const perMessageDeflate = deflateOption(args);
  const base = args.client.replace(/-off$/, '');
  if (base === 'ws') {
    const { default: WebSocket } = await import('ws');
    return (url, onMessage) =>
      new Promise((resolve, reject) => {
        const socket = new WebSocket(url, { perMessageDeflate });
        let opened = false;
        socket.on('message', (data: Buffer) => onMessage(data.length));
        socket.on('error', (error) => (opened ? fail(error) : reject(error)));
        socket.once('open', () => {
          opened = true;
          resolve({
            send: (text) => socket.send(text),
            terminate: () => socket.terminate(),
            extensions: socket.extensions,
          });
        });
      });
  }
  const wsx = (await import(args.wsxModule)) as typeof import('../src/index.js');
  if (base === 'wsx') {
    return async (url, onMessage) => {
      const ws = await wsx.connect(url, { perMessageDeflate });
      let ending = false;
      ws.on('message', ({ data }) => onMessage(data.length));
      ws.on('close', (info) => {
        if (!ending && info.error !== undefined) fail(info.error);
      });
      return {
        send: (text) => void ws.send(text),
        terminate: () => {
          ending = true;
          void ws.terminate();
        },
        extensions: ws.extensions,
      };
    };
  }
  return (url, onMessage) =>
    new Promise((resolve, reject) => {
      const ws = new wsx.WebSocket(url, { perMessageDeflate });
      let opened = false;
      let ending = false;
      ws.addEventListener('message', (event) => onMessage((event.data as string).length));
      ws.addEventListener('error', (event) => {
        const error = (event as { error?: unknown }).error ?? new Error('WebSocket error');
        if (!opened) reject(error);
        else if (!ending) fail(error);
      });
      ws.addEventListener('open', () => {
        opened = true;
        resolve({
          send: (text) => ws.send(text),
          // The WHATWG API has no way to drop a connection without a Close frame.
          terminate: () => {
            ending = true;
            ws.close();
          },
          extensions: ws.extensions,
        });
      });
    });
}

/** Opens `n` connections, 50 at a time. */
async function openMany(open: Open, url: string, n: number, onMessage: (i: number) => void) {
  const conns: Conn[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      const index = next++;
      conns[index] = await open(url, () => onMessage(index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(50, n) }, worker));
  return conns;
}

function perConn(
  before: NodeJS.MemoryUsage,
  after: NodeJS.MemoryUsage,
  n: number,
): { heap: number; rss: number; external: number } {
  return {
    heap: (after.heapUsed - before.heapUsed) / n,
    rss: (after.rss - before.rss) / n,
    external: (after.external - before.external) / n,
  };
}

async function runClient(args: ClientArgs): Promise<void> {
  const { scenario } = args;
  const fail = (error: unknown): never => {
    process.stderr.write(
      `client ${args.client} ${scenario.id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  };
  process.on('unhandledRejection', fail);
  process.on('uncaughtException', fail);
  setTimeout(() => fail(new Error('watchdog fired')), 90_000).unref();
  const open = await opener(args, fail);
  const url = `ws://${HOST}:${args.port}/${scenario.server}`;
  const messages = messagesOf(Math.max(1, scenario.size));
  const offered = !args.client.endsWith('-off');
  let extensions = '';
  const checkAgreed = (conn: Conn): void => {
    extensions = conn.extensions;
    if (offered !== extensions.includes('permessage-deflate')) {
      fail(new Error(`extensions ${JSON.stringify(extensions)} with the offer ${offered}`));
    }
  };
  const finish = (metrics: Metrics): never => {
    const cpu = process.cpuUsage();
    const result: RunResult = {
      client: args.client,
      scenario: scenario.id,
      metrics,
      extensions,
      processCpuUs: cpu.user + cpu.system,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  };

  if (scenario.kind === 'idle' || scenario.kind === 'active') {
    // Warm-up: one connection (with one message for `active`), so lazily loaded code and
    // zlib's own module state are not counted.
    let echoed: () => void = () => {};
    const warm = await open(url, () => echoed());
    checkAgreed(warm);
    if (scenario.kind === 'active') {
      await new Promise<void>((resolve) => {
        echoed = resolve;
        warm.send(messages[0]!);
      });
    }
    warm.terminate();
    await sleep(50);
    await collect();
    const before = process.memoryUsage();
    const n = scenario.conns;
    const t0 = now();
    let pending = n;
    let allEchoed: () => void = () => {};
    const conns = await openMany(open, url, n, () => {
      if (--pending === 0) allEchoed();
    });
    const openAllMs = now() - t0;
    checkAgreed(conns[0]!);
    if (scenario.kind === 'idle') {
      await sleep(200);
      await collect();
      const m = perConn(before, process.memoryUsage(), n);
      return finish({
        openAllMs,
        heapPerConn: m.heap,
        rssPerConn: m.rss,
        externalPerConn: m.external,
      });
    }
    // Every connection sends one message; wait for every echo.
    const echoes = new Promise<void>((resolve) => {
      allEchoed = resolve;
    });
    for (let i = 0; i < n; i++) conns[i]!.send(messages[i % VARIANTS]!);
    await echoes;
    const lastEcho = now();
    await collect();
    const right = perConn(before, process.memoryUsage(), n);
    await sleep(Math.max(0, lastEcho + 2000 - now()));
    await collect();
    const later = perConn(before, process.memoryUsage(), n);
    return finish({
      openAllMs,
      heapPerConn: right.heap,
      rssPerConn: right.rss,
      externalPerConn: right.external,
      heap2sPerConn: later.heap,
      rss2sPerConn: later.rss,
      external2sPerConn: later.external,
    });
  }

  // echo (1 connection) and multi (n connections): strict ping-pong on each connection.
  const n = scenario.conns;
  const latencies = new Float64Array(4_000_000);
  let recorded = 0;
  let phase: 'warm' | 'measure' | 'done' = 'warm';
  const sentAt = new Float64Array(n);
  const sentCount = new Uint32Array(n);
  let conns: Conn[] = [];
  const onEcho = (i: number, length: number): void => {
    if (length !== scenario.size) fail(new Error(`echo of ${length} bytes, not ${scenario.size}`));
    const t = now();
    if (phase === 'measure' && recorded < latencies.length) latencies[recorded++] = t - sentAt[i]!;
    if (phase === 'done') return;
    sendNext(i);
  };
  const sendNext = (i: number): void => {
    sentAt[i] = now();
    const k = sentCount[i]!;
    sentCount[i] = k + 1;
    conns[i]!.send(messages[k % VARIANTS]!);
  };
  let openedAt = 0;
  conns = await (async () => {
    const list: Conn[] = [];
    for (let i = 0; i < n; i++) {
      const index = i;
      list.push(await open(url, (length) => onEcho(index, length)));
    }
    openedAt = now();
    return list;
  })();
  checkAgreed(conns[0]!);
  for (let i = 0; i < n; i++) sendNext(i);
  await sleep(Math.max(0, openedAt + args.warmupMs - now()));
  phase = 'measure';
  const cpu0 = process.cpuUsage();
  const t0 = now();
  recorded = 0;
  await sleep(args.measureMs);
  const elapsed = now() - t0;
  const cpu = process.cpuUsage(cpu0);
  phase = 'done';
  const count = recorded;
  if (count === 0) fail(new Error('no round trip in the measured window'));
  const sorted = latencies.subarray(0, count).sort();
  return finish({
    msgsPerSec: (count * 1000) / elapsed,
    p50us: percentile(sorted, 50) * 1000,
    p99us: percentile(sorted, 99) * 1000,
    cpuUsPerMsg: (cpu.user + cpu.system) / count,
  });
}

// ------------------------------------------------------------------ orchestrator role

function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}

const ON: ClientName[] = ['wsx', 'wsx-whatwg', 'ws'];
const ALL: ClientName[] = ['wsx', 'wsx-off', 'wsx-whatwg', 'wsx-whatwg-off', 'ws', 'ws-off'];

function scenarios(quick: boolean): Scenario[] {
  const idle = quick ? 500 : 1000;
  const all: Scenario[] = [
    { id: `idle-${idle}`, kind: 'idle', server: 'takeover', size: 0, conns: idle, clients: ALL },
    { id: 'active-200', kind: 'active', server: 'takeover', size: 16384, conns: 200, clients: ON },
    { id: 'active-200-nct', kind: 'active', server: 'nct', size: 16384, conns: 200, clients: ON },
    { id: 'echo-16k', kind: 'echo', server: 'takeover', size: 16384, conns: 1, clients: ON },
    { id: 'echo-16k-nct', kind: 'echo', server: 'nct', size: 16384, conns: 1, clients: ON },
    { id: 'echo-1k', kind: 'echo', server: 'takeover', size: 1024, conns: 1, clients: ON },
    {
      id: 'echo-256-t0',
      kind: 'echo',
      server: 'takeover-t0',
      size: 256,
      conns: 1,
      clientThreshold: 0,
      clients: ON,
    },
    { id: 'multi50-16k', kind: 'multi', server: 'takeover', size: 16384, conns: 50, clients: ON },
  ];
  const quickIds = new Set([`idle-${idle}`, 'active-200-nct', 'echo-16k', 'multi50-16k']);
  const only = option('only')?.split(',');
  return all.filter((s) =>
    only !== undefined ? only.includes(s.id) : !quick || quickIds.has(s.id),
  );
}

const children = new Set<ChildProcess>();
function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}

const taskset = ((): string | undefined => {
  if (flag('no-pin') || cpus().length < 2) return undefined;
  for (const path of ['/usr/bin/taskset', '/bin/taskset']) if (existsSync(path)) return path;
  return undefined;
})();

function command(cpu: number, nodeFlags: string[], scriptArgs: string[]): [string, string[]] {
  const self = fileURLToPath(import.meta.url);
  const node = [...nodeFlags, '--import', 'tsx', self, ...scriptArgs];
  return taskset === undefined
    ? [process.execPath, node]
    : [taskset, ['-c', String(cpu), process.execPath, ...node]];
}

function startServer(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const [file, argv] = command(0, [], ['--server']);
    const child = spawn(file, argv, { cwd: root, stdio: ['pipe', 'pipe', 'inherit'] });
    children.add(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start within 10 s')), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve({ child, port: (JSON.parse(out.split('\n')[0]!) as { port: number }).port });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code})`));
    });
  });
}

function runOne(args: ClientArgs, serverPid: number | undefined): Promise<RunResult | undefined> {
  const env = { ...process.env, WS_NO_BUFFER_UTIL: '1' };
  return new Promise((resolve) => {
    const [file, argv] = command(1, ['--expose-gc'], ['--client', JSON.stringify(args)]);
    const m0 = machineJiffies();
    const s0 = processJiffies(serverPid);
    const self0 = process.cpuUsage();
    const child = spawn(file, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'inherit'] });
    children.add(child);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      const line = out.trim().split('\n').pop();
      if (code !== 0 || line === undefined || line === '') {
        process.stderr.write(`  ${args.client} ${args.scenario.id}: failed (exit ${code})\n`);
        resolve(undefined);
        return;
      }
      const result = JSON.parse(line) as RunResult;
      // Share of the machine that other processes used during the run (see run.ts).
      const m1 = machineJiffies();
      const s1 = processJiffies(serverPid);
      if (m0 !== undefined && m1 !== undefined && s0 !== undefined && s1 !== undefined) {
        const self = process.cpuUsage(self0);
        const toUs = 1e6 / 100;
        const capacity = (m1.total - m0.total) * toUs;
        const ours = (s1 - s0) * toUs + result.processCpuUs + self.user + self.system;
        const others = Math.max(0, (m1.busy - m0.busy) * toUs - ours);
        result.othersShare = capacity > 0 ? Math.round((others / capacity) * 100) / 100 : 0;
        result.clean = result.othersShare <= 0.1;
      }
      resolve(result);
    });
  });
}

interface Spec {
  key: MetricKey;
  label: string;
  up: boolean;
  format: (v: number) => string;
}
const num = (v: number): string =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(2);
const kib = (v: number): string => `${num(v / 1024)} KiB`;
const rate = (v: number): string => (v >= 1000 ? `${(v / 1000).toFixed(2)} k` : v.toFixed(0));
const MEMORY: Spec[] = [
  { key: 'heapPerConn', label: 'heap/conn', up: false, format: kib },
  { key: 'rssPerConn', label: 'RSS/conn', up: false, format: kib },
  { key: 'externalPerConn', label: 'external/conn', up: false, format: kib },
];
const SPECS: Record<Kind, Spec[]> = {
  idle: [{ key: 'openAllMs', label: 'open all, ms', up: false, format: num }, ...MEMORY],
  active: [
    ...MEMORY,
    { key: 'heap2sPerConn', label: 'heap/conn after 2 s', up: false, format: kib },
    { key: 'rss2sPerConn', label: 'RSS/conn after 2 s', up: false, format: kib },
    { key: 'external2sPerConn', label: 'external/conn after 2 s', up: false, format: kib },
  ],
  echo: [
    { key: 'msgsPerSec', label: 'round trips/s', up: true, format: rate },
    { key: 'p50us', label: 'p50 RTT µs', up: false, format: num },
    { key: 'p99us', label: 'p99 RTT µs', up: false, format: num },
    { key: 'cpuUsPerMsg', label: 'CPU µs/round trip', up: false, format: num },
  ],
  multi: [
    { key: 'msgsPerSec', label: 'round trips/s (all)', up: true, format: rate },
    { key: 'p50us', label: 'p50 RTT µs', up: false, format: num },
    { key: 'p99us', label: 'p99 RTT µs', up: false, format: num },
    { key: 'cpuUsPerMsg', label: 'CPU µs/round trip', up: false, format: num },
  ],
};

function scenarioName(s: Scenario): string {
  const size = s.size >= 1024 ? `${s.size / 1024} KiB` : `${s.size} B`;
  const cfg = SERVER_CONFIGS[s.server];
  const takeover = 'serverNoContextTakeover' in cfg ? 'no context takeover' : 'context takeover';
  const threshold = cfg.threshold === 0 ? ', threshold 0' : '';
  switch (s.kind) {
    case 'idle':
      return `${s.conns} idle connections`;
    case 'active':
      return `${s.conns} conns, one ${size} echo each, ${takeover}`;
    case 'echo':
      return `ping-pong ${size}, ${takeover}${threshold}`;
    default:
      return `${s.conns} conns ping-pong ${size}, ${takeover}`;
  }
}

/** Median over rounds of a/b from the same round (memory under 256 B per connection: none). */
function roundRatio(a: RunResult[], b: RunResult[], key: MetricKey): number | undefined {
  const ratios: number[] = [];
  for (const x of a) {
    const y = b.find((r) => r.round === x.round);
    const va = x.metrics[key];
    const vb = y?.metrics[key];
    if (va === undefined || vb === undefined || Math.abs(vb) < 256 * Number(key.includes('Conn')))
      continue;
    if (vb !== 0) ratios.push(va / vb);
  }
  return ratios.length === 0 ? undefined : median(ratios);
}

async function orchestrate(): Promise<void> {
  const quick = flag('quick');
  const repeats = Math.max(1, Math.min(9, Number(option('repeats') ?? (quick ? 2 : 3))));
  const warmupMs = quick ? 150 : 300;
  const measureMs = quick ? 400 : 1000;
  const list = scenarios(quick);
  const wsxModule = flag('from-source')
    ? pathToFileURL(join(root, 'src', 'index.ts')).href
    : buildWsx(root, join(root, 'src', 'index.ts'));
  const total = list.reduce((n, s) => n + s.clients.length * repeats, 0);
  process.stderr.write(
    `wsx deflate bench: ${list.length} scenarios, ${total} client runs (${repeats} rounds)\n`,
  );
  const started = Date.now();
  const server = await startServer();
  const runs = new Map<string, RunResult[]>();
  let done = 0;
  for (let round = 0; round < repeats; round++) {
    for (const scenario of list) {
      const order = scenario.clients.map(
        (_, i) => scenario.clients[(i + round) % scenario.clients.length]!,
      );
      for (const client of order) {
        done++;
        const result = await runOne(
          { client, scenario, port: server.port, warmupMs, measureMs, wsxModule },
          server.child.pid,
        );
        if (result === undefined) continue;
        result.round = round;
        const key = `${scenario.id}/${client}`;
        runs.set(key, [...(runs.get(key) ?? []), result]);
        const shown = SPECS[scenario.kind]
          .slice(0, 2)
          .map((s) => `${s.label} ${s.format(result.metrics[s.key] ?? Number.NaN)}`)
          .join(', ');
        const note =
          result.clean === false ? ` (others ${(result.othersShare! * 100).toFixed(0)}%)` : '';
        process.stderr.write(
          `  [${done}/${total}] ${scenario.id.padEnd(15)} ${client.padEnd(15)} ${shown}${note}\n`,
        );
      }
    }
  }
  server.child.stdin!.end();
  server.child.kill('SIGTERM');
  children.delete(server.child);

  // Values: medians over all runs (memory does not depend on the load; rates do, hence the
  // contaminated-run count below and the same-round ratios).
  const columns = ALL.filter((c) => list.some((s) => s.clients.includes(c)));
  const lines = [
    `| scenario | metric | ${columns.join(' | ')} |`,
    `|---|---|${columns.map(() => '---').join('|')}|`,
  ];
  const ratioNames = ['wsx/ws', 'wsx-whatwg/ws', 'wsx on/off', 'wsx-whatwg on/off', 'ws on/off'];
  const ratioPairs: Record<string, [ClientName, ClientName]> = {
    'wsx/ws': ['wsx', 'ws'],
    'wsx-whatwg/ws': ['wsx-whatwg', 'ws'],
    'wsx on/off': ['wsx', 'wsx-off'],
    'wsx-whatwg on/off': ['wsx-whatwg', 'wsx-whatwg-off'],
    'ws on/off': ['ws', 'ws-off'],
  };
  const ratioLines = [
    `| scenario | metric | ${ratioNames.join(' | ')} |`,
    `|---|---|${ratioNames.map(() => '---').join('|')}|`,
  ];
  const summary: Record<string, unknown> = {};
  for (const s of list) {
    const values: Record<string, Metrics> = {};
    for (const spec of SPECS[s.kind]) {
      const cells = columns.map((c) => {
        const vs = (runs.get(`${s.id}/${c}`) ?? [])
          .map((r) => r.metrics[spec.key])
          .filter((v): v is number => v !== undefined);
        if (vs.length === 0) return '—';
        const m = median(vs);
        (values[c] ??= {})[spec.key] = m;
        return spec.format(m);
      });
      const ratios = ratioNames.map((name) => {
        const [a, b] = ratioPairs[name]!;
        const r = roundRatio(
          runs.get(`${s.id}/${a}`) ?? [],
          runs.get(`${s.id}/${b}`) ?? [],
          spec.key,
        );
        return r === undefined ? '—' : `${r.toFixed(2)}×`;
      });
      const arrow = spec.up ? '↑' : '↓';
      lines.push(`| ${scenarioName(s)} | ${spec.label} ${arrow} | ${cells.join(' | ')} |`);
      ratioLines.push(`| ${scenarioName(s)} | ${spec.label} ${arrow} | ${ratios.join(' | ')} |`);
    }
    summary[s.id] = values;
  }
  const sizes = [16384, 1024, 256].map((size) => {
    const text = messagesOf(size)[1]!;
    return `${size} B → ${deflateRawSync(Buffer.from(text)).length} B`;
  });
  const all = [...runs.values()].flat();
  const contaminated = all.filter((r) => r.clean === false).length;
  const agreed = [
    ...new Set(all.map((r) => `${r.scenario}/${r.client}: ${r.extensions || '(none)'}`)),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n\n`);
  process.stdout.write(
    `Ratios within the same round, median over ${repeats} rounds (↑: above 1 is better; ↓: below 1 is better):\n\n${ratioLines.join('\n')}\n\n`,
  );
  process.stdout.write(
    `Messages: JSON-like text, ${VARIANTS} variants; one message alone deflates as ${sizes.join(', ')}.\n` +
      `${contaminated} of ${all.length} runs shared the CPUs with other processes (>10%): rates are noisy, memory is not.\n`,
  );
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(
    join(resultsDir, 'deflate-latest.json'),
    `${JSON.stringify(
      {
        date: new Date().toISOString(),
        durationSec: (Date.now() - started) / 1000,
        machine: {
          node: process.version,
          cpus: cpus().length,
          cpuModel: cpus()[0]?.model,
          loadavgAtEnd: loadavg(),
          pinned: taskset !== undefined,
        },
        settings: { quick, repeats, warmupMs, measureMs, wsxModule, servers: SERVER_CONFIGS },
        agreed,
        contaminated,
        summary,
        table: lines.join('\n'),
        ratioTable: ratioLines.join('\n'),
        runs: all,
      },
      null,
      2,
    )}\n`,
  );
  process.stderr.write(
    `done in ${((Date.now() - started) / 1000).toFixed(0)} s; wrote bench/results/deflate-latest.json\n`,
  );
}

// ------------------------------------------------------------------ entry

const clientIndex = process.argv.indexOf('--client');
if (flag('server')) {
  serve();
} else if (clientIndex !== -1) {
  void runClient(JSON.parse(process.argv[clientIndex + 1]!) as ClientArgs);
} else {
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
  orchestrate()
    .catch((error: unknown) => {
      process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : error}\n`);
      process.exitCode = 1;
    })
    .finally(killAll);
}
