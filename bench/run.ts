// `npm run bench`: compares the three wsx faces (modern connect(), WHATWG WebSocket, NodeMCU
// dialect) with ws (with and without bufferutil), undici's WebSocket and a raw reference
// client. One server process (bench/server.ts) for the whole run; every (scenario, client,
// round) is its own client process (bench/client.ts), run one at a time. Rounds are
// interleaved (every client runs every scenario once per round, in a rotating order), and
// ratios are taken to ws within the same round, then the median over rounds. Prints markdown
// tables and writes bench/results/latest.json.
//
// Options:
//   --repeats N          rounds (default 3; medians over rounds are reported)
//   --warmup MS          warm-up per throughput run (default 200)
//   --measure MS         measured window per throughput run (default 600)
//   --handshakes N       sequential handshakes per handshake run (default 400)
//   --idle N             idle connections per idle run (default 2000)
//   --only a,b           scenario ids to run, e.g. upload-64,echo-64,idle-2000
//   --clients a,b        restrict the clients (wsx, wsx-whatwg, wsx-nodemcu, wsx-iter, ws,
//                        ws+bu, undici, raw)
//   --retries N          extra runs to replace contaminated ones (default 0; see below)
//   --quiet-wait MS      wait at most this long for idle CPUs before each run (default 300)
//   --profile            run the clients with --cpu-prof (bench/results/profiles/<run>/)
//   --profile-interval US  sampling interval of --profile in µs (default 1000, Node's)
//   --wsx-src PATH       measure the wsx tree of PATH (a src/index.ts) instead of this checkout's
//   --from-source        import wsx's TypeScript sources through tsx instead of building them
//                        with tsc first (the default build is cached in .tmp/bench-build/)
//   --candidate PATH     add `-next` clients (wsx-next, wsx-whatwg-next, wsx-nodemcu-next)
//                        importing wsx from PATH (e.g. a worktree's src/index.ts) and report
//                        next/base ratios: try a change against the current code
//   --baseline           also write bench/results/baseline-YYYY-MM-DD.json
//   --iter               also run `wsx-iter` (wsx read through `for await`) in the downloads
//   --no-pin             do not pin the server to CPU 0 and the clients to CPU 1 (taskset)
//   --quick              about a minute: fewer scenarios, short windows, still 3 rounds
//
// The raw reference client runs only in the first round: it shows the server's ceiling,
// it is not a contender.
//
// Shared machines: before each run we wait (briefly) for the CPUs to be idle, and during each
// run we measure from /proc how much CPU other processes took. A run is "clean" when they
// took at most 10% of the capacity; with --retries, contaminated runs are run again at the
// end of their round's slot, and medians use clean runs when there are any. Memory figures
// do not depend on the load; rates do, which is why ratios are taken within a round.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildWsx, treeHash } from './build.js';
import {
  type ClientName,
  formatSize,
  METRICS,
  type MetricKey,
  median,
  type RunResult,
  type Scenario,
} from './common.js';
import { machineJiffies, processJiffies } from './measure.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const resultsDir = join(here, 'results');

// ------------------------------------------------------------------ options

function flag(name: string): boolean {
  return process.argv.includes(`--${name}`);
}
function option(name: string): string | undefined {
  const index = process.argv.indexOf(`--${name}`);
  return index === -1 ? undefined : process.argv[index + 1];
}
function numberOption(name: string, fallback: number, minimum = 1): number {
  const value = option(name);
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < minimum) {
    throw new Error(`--${name} needs a number >= ${minimum}`);
  }
  return parsed;
}

const quick = flag('quick');
const repeats = Math.min(9, numberOption('repeats', 3));
const warmupMs = Math.min(5000, numberOption('warmup', quick ? 60 : 200));
const measureMs = Math.min(10_000, numberOption('measure', quick ? 200 : 600));
// --quick halves the connection counts: per-connection figures do not depend on them.
const handshakes = Math.min(5000, numberOption('handshakes', quick ? 200 : 400));
const idleConnections = Math.min(10_000, numberOption('idle', quick ? 1000 : 2000));
const quietWaitMs = Math.min(5000, numberOption('quiet-wait', quick ? 0 : 300, 0));
const profile = flag('profile');
const profileIntervalUs = numberOption('profile-interval', 1000, 10);
/** Busy share of all CPUs above which a run waits for the machine to calm down. */
const QUIET_BUSY = 0.15;
/** A run is clean when other processes used at most this share of the CPU capacity. */
const CLEAN_SHARE = 0.1;
/** Extra runs allowed to replace contaminated ones, and no retry starts after this. */
const MAX_RETRIES = Math.min(100, numberOption('retries', 0, 0));
const RETRY_DEADLINE_MS = 400_000;
const only = option('only')?.split(',');
const onlyClients = option('clients')?.split(',');
const wsxSrc = option('wsx-src');
const candidate = option('candidate');
/** Import wsx from its TypeScript sources (through tsx) instead of a tsc build. */
const fromSource = flag('from-source');
/** File URLs the clients import wsx from; set in main() once the trees are built. */
let wscModule: string | undefined;
let candidateModule: string | undefined;

/** ws+bu needs the optional bufferutil addon; without it, it would just be ws again. */
const hasBufferutil = existsSync(join(root, 'node_modules', 'bufferutil', 'package.json'));

const FACES: ClientName[] = ['wsx', 'wsx-whatwg', 'wsx-nodemcu'];
const OTHERS: ClientName[] = ['ws', 'ws+bu', 'undici'];
// NodeMCU has neither a write callback nor bufferedAmount, so it cannot pace an upload.
const UPLOAD: ClientName[] = ['wsx', 'wsx-whatwg', ...OTHERS, 'raw'];
const DOWNLOAD: ClientName[] = [
  ...FACES,
  ...(flag('iter') ? ['wsx-iter' as const] : []),
  ...OTHERS,
  'raw',
];
const ECHO: ClientName[] = [...FACES, ...OTHERS, 'raw'];
const CONNECTIONS: ClientName[] = [...FACES, ...OTHERS];

const allScenarios: Scenario[] = [
  { id: 'upload-64', kind: 'upload', size: 64, clients: UPLOAD },
  { id: 'upload-1024', kind: 'upload', size: 1024, clients: UPLOAD },
  { id: 'upload-65536', kind: 'upload', size: 65536, clients: UPLOAD },
  { id: 'upload-1048576', kind: 'upload', size: 1048576, clients: UPLOAD },
  { id: 'download-64', kind: 'download', size: 64, clients: DOWNLOAD },
  { id: 'download-16384', kind: 'download', size: 16384, clients: DOWNLOAD },
  { id: 'download-1048576', kind: 'download', size: 1048576, clients: DOWNLOAD },
  { id: 'echo-64', kind: 'echo', size: 64, clients: ECHO },
  { id: `handshake-${handshakes}`, kind: 'handshake', size: handshakes, clients: CONNECTIONS },
  { id: `idle-${idleConnections}`, kind: 'idle', size: idleConnections, clients: CONNECTIONS },
];
/** --quick: one scenario per metric of the performance issue, ws+bu only where it masks. */
const QUICK = new Set([
  'upload-65536',
  'download-1048576',
  'echo-64',
  `handshake-${handshakes}`,
  `idle-${idleConnections}`,
]);

function withCandidates(clients: ClientName[]): ClientName[] {
  if (candidate === undefined) return clients;
  return clients.flatMap((c) => (c.startsWith('wsx') ? [c, `${c}-next` as ClientName] : [c]));
}

function wanted(client: ClientName): boolean {
  if (onlyClients === undefined) return true;
  const base = client.endsWith('-next') ? client.slice(0, -'-next'.length) : client;
  return onlyClients.includes(base);
}

const scenarios = allScenarios
  .filter((s) => (only === undefined ? !quick || QUICK.has(s.id) : only.includes(s.id)))
  .map((s) => ({
    ...s,
    clients: withCandidates(s.clients)
      .filter((c) => !quick || c !== 'ws+bu' || s.kind === 'upload')
      .filter((c) => c !== 'ws+bu' || hasBufferutil)
      .filter(wanted),
  }))
  .filter((s) => s.clients.length > 0);

// ------------------------------------------------------------------ processes

const children = new Set<ChildProcess>();

function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
}
process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** taskset, when present and not disabled: pins the server and the clients to their own CPU. */
const taskset = ((): string | undefined => {
  if (flag('no-pin') || cpus().length < 2) return undefined;
  for (const path of ['/usr/bin/taskset', '/bin/taskset']) if (existsSync(path)) return path;
  return undefined;
})();

/** Command and arguments that run `file` with tsx, pinned to `cpu` when possible. */
function command(file: string, cpu: number, extra: string[] = []): [string, string[]] {
  const node = [...extra, '--import', 'tsx', join(here, file)];
  return taskset === undefined
    ? [process.execPath, node]
    : [taskset, ['-c', String(cpu), process.execPath, ...node]];
}

/** Starts the server process and resolves with it and its port. */
function startServer(): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const [file, args] = command('server.ts', 0);
    const child = spawn(file, args, {
      cwd: root,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    children.add(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start within 10 s')), 10_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line !== undefined) {
        clearTimeout(timer);
        resolve({ child, port: (JSON.parse(line) as { port: number }).port });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited early (${code})`));
    });
  });
}

/** Runs one client process; resolves with its result, or undefined when it failed. */
function runClient(
  scenario: Scenario,
  client: ClientName,
  port: number,
  repeat: number,
): Promise<RunResult | undefined> {
  const env = { ...process.env };
  // `ws` is what `npm install ws` gives you (pure JS masking); `ws+bu` lets ws load the
  // optional native bufferutil addon, which happens to be installed here.
  if (client === 'ws') env.WS_NO_BUFFER_UTIL = '1';
  else delete env.WS_NO_BUFFER_UTIL;
  const nodeFlags = [
    '--expose-gc',
    ...(profile
      ? [
          // One folder per run: tsx's loader thread writes a profile of its own.
          '--cpu-prof',
          `--cpu-prof-interval=${profileIntervalUs}`,
          `--cpu-prof-dir=${join(resultsDir, 'profiles', `${client}-${scenario.id}-${repeat}`)}`,
        ]
      : []),
  ];
  const args = JSON.stringify({
    client,
    kind: scenario.kind,
    size: scenario.size,
    port,
    scenario: scenario.id,
    warmupMs,
    measureMs,
    wscModule,
    candidateModule,
  });
  return new Promise((resolve) => {
    const [file, argv] = command('client.ts', 1, nodeFlags);
    const child = spawn(file, [...argv, args], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.add(child);
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), warmupMs + measureMs + 70_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      children.delete(child);
      const line = out.trim().split('\n').pop();
      if (code !== 0 || line === undefined || line === '') {
        process.stderr.write(`  ${client} ${scenario.id}: failed (exit ${code})\n`);
        resolve(undefined);
        return;
      }
      resolve(JSON.parse(line) as RunResult);
    });
  });
}

// ------------------------------------------------------------------ a quiet machine

/** Share of all CPUs busy (0..1) over the next `ms` milliseconds, by any process. */
async function busyFraction(ms: number): Promise<number> {
  const sample = (): { idle: number; total: number } => {
    let idle = 0;
    let total = 0;
    for (const cpu of cpus()) {
      const t = cpu.times;
      idle += t.idle;
      total += t.user + t.nice + t.sys + t.idle + t.irq;
    }
    return { idle, total };
  };
  const a = sample();
  await new Promise((resolve) => setTimeout(resolve, ms));
  const b = sample();
  const total = b.total - a.total;
  return total <= 0 ? 0 : 1 - (b.idle - a.idle) / total;
}

/**
 * Waits (at most `maxWaitMs`) until other processes leave the CPUs mostly idle, so that a
 * run does not share its two cores with a compiler or a test suite. Returns the last sample.
 */
async function waitForQuiet(maxWaitMs: number): Promise<number> {
  const deadline = Date.now() + maxWaitMs;
  let busy = await busyFraction(100);
  while (busy > QUIET_BUSY && Date.now() < deadline) busy = await busyFraction(250);
  return busy;
}

/** Jiffies per second of /proc/stat and /proc/<pid>/stat (USER_HZ; 100 on Linux). */
const USER_HZ = 100;

/**
 * Measures a run's contamination: the share of the machine's CPU capacity used by anything
 * but the client, the server and this process while `run` was going.
 */
async function watched<T extends RunResult | undefined>(
  serverPid: number | undefined,
  run: () => Promise<T>,
): Promise<T> {
  const m0 = machineJiffies();
  const s0 = processJiffies(serverPid);
  const self0 = process.cpuUsage();
  const result = await run();
  const m1 = machineJiffies();
  const s1 = processJiffies(serverPid);
  const self = process.cpuUsage(self0);
  if (result === undefined || m0 === undefined || m1 === undefined) return result;
  if (s0 === undefined || s1 === undefined || result.processCpuUs === undefined) return result;
  const toUs = 1e6 / USER_HZ;
  const capacity = (m1.total - m0.total) * toUs;
  const ours = (s1 - s0) * toUs + result.processCpuUs + self.user + self.system;
  const others = Math.max(0, (m1.busy - m0.busy) * toUs - ours);
  result.othersShare = capacity > 0 ? Math.round((others / capacity) * 100) / 100 : 0;
  result.clean = result.othersShare <= CLEAN_SHARE;
  return result;
}

/** Which wsx source was measured: git HEAD, changed files under src/, a hash of src/. */
function sourceFingerprint(): { head: string; dirty: string[]; srcSha1: string } {
  const git = (args: string[]): string => {
    try {
      return execFileSync('git', args, { cwd: root, encoding: 'utf8', timeout: 5000 }).trim();
    } catch {
      return '';
    }
  };
  return {
    head: git(['rev-parse', '--short', 'HEAD']),
    dirty: git(['status', '--porcelain', '--', 'src'])
      .split('\n')
      .filter((line) => line !== ''),
    srcSha1: treeHash(join(root, 'src')),
  };
}

/**
 * The module the clients import for the wsx tree whose entry is `entry` (a src/index.ts).
 * By default the tree is compiled with tsc, as the published package is, into
 * .tmp/bench-build/<hash of its sources>/ (kept for the next run; see build.ts): running the
 * sources through tsx would measure tsx's transform too (it adds a name property to every
 * arrow function, about 2.8 KiB per connection). --from-source imports the sources instead.
 */
function moduleFor(entry: string): string {
  if (fromSource) return pathToFileURL(resolvePath(entry)).href;
  return buildWsx(root, entry);
}

// ------------------------------------------------------------------ reporting

interface ClientSummary {
  /** Median of each metric over the runs (clean runs when there are any). */
  metrics: Partial<Record<MetricKey, number>>;
  /** Runs with the machine to themselves; the medians use only those when there are any. */
  cleanRuns: number;
  /** No clean run: the medians are over contaminated runs. */
  noisy: boolean;
  runs: RunResult[];
}

interface ScenarioSummary {
  id: string;
  kind: Scenario['kind'];
  size: number;
  clients: Partial<Record<ClientName, ClientSummary>>;
  /**
   * Per metric and ratio name (e.g. `wsx/ws`): the median over rounds of the two clients'
   * values in the same round. A plain ratio of values: above 1 is better for rates, worse
   * for times, CPU and memory.
   */
  ratios: Partial<Record<MetricKey, Record<string, number>>>;
}

/** Medians over the clean runs when there are any, else over all runs (flagged `noisy`). */
function summarize(kind: Scenario['kind'], runs: RunResult[]): ClientSummary | undefined {
  if (runs.length === 0) return undefined;
  const clean = runs.filter((r) => r.clean !== false);
  const used = clean.length > 0 ? clean : runs;
  const metrics: ClientSummary['metrics'] = {};
  for (const { key } of METRICS[kind]) {
    const values = used.map((r) => r.metrics[key]).filter((v): v is number => v !== undefined);
    if (values.length > 0) metrics[key] = median(values);
  }
  return { metrics, cleanRuns: clean.length, noisy: clean.length === 0, runs };
}

/** The ratios reported: [name, numerator, denominator]. */
function ratioPairs(clients: readonly ClientName[]): [string, ClientName, ClientName][] {
  const pairs: [string, ClientName, ClientName][] = [];
  const has = (c: ClientName): boolean => clients.includes(c);
  for (const face of [...FACES, 'wsx-iter' as const]) {
    if (has(`${face}-next` as ClientName))
      pairs.push([`${face} next/now`, `${face}-next` as ClientName, face]);
  }
  for (const face of [...FACES, 'wsx-iter' as const]) {
    if (has(face)) pairs.push([`${face}/ws`, face, 'ws']);
    const next = `${face}-next` as ClientName;
    if (has(next)) pairs.push([`${next}/ws`, next, 'ws']);
  }
  for (const face of ['wsx', 'wsx-next'] as const) {
    if (!has(face)) continue;
    pairs.push([`${face}/ws+bu`, face, 'ws+bu']);
    pairs.push([`${face}/undici`, face, 'undici']);
  }
  pairs.push(['ws+bu/ws', 'ws+bu', 'ws']);
  pairs.push(['undici/ws', 'undici', 'ws']);
  return pairs.filter(([, a, b]) => has(a) && has(b));
}

const MEMORY = new Set<MetricKey>(['heapPerConn', 'rssPerConn', 'externalPerConn']);
/** Below this many bytes per connection a memory figure is "none": no ratio to it. */
const MIN_MEMORY_BYTES = 256;

/** Median over rounds of a/b, using the run of each client in the same round. */
function roundRatio(runsA: RunResult[], runsB: RunResult[], key: MetricKey): number | undefined {
  const ratios: number[] = [];
  for (const a of runsA) {
    const b = runsB.find((r) => r.round === a.round);
    const va = a.metrics[key];
    const vb = b?.metrics[key];
    if (va === undefined || vb === undefined) continue;
    // Memory that one client does not allocate at all (ws's external memory): no ratio.
    if (MEMORY.has(key) && Math.abs(vb) < MIN_MEMORY_BYTES) continue;
    if (vb !== 0) ratios.push(va / vb);
  }
  return ratios.length === 0 ? undefined : median(ratios);
}

const ALL_COLUMNS: ClientName[] = [
  'wsx',
  'wsx-next',
  'wsx-whatwg',
  'wsx-whatwg-next',
  'wsx-nodemcu',
  'wsx-nodemcu-next',
  'wsx-iter',
  'wsx-iter-next',
  'ws',
  'ws+bu',
  'undici',
  'raw',
];

function columnsOf(summaries: ScenarioSummary[]): ClientName[] {
  return ALL_COLUMNS.filter((c) => summaries.some((s) => s.clients[c] !== undefined));
}

function scenarioName(s: ScenarioSummary): string {
  switch (s.kind) {
    case 'echo':
      return `ping-pong ${formatSize(s.size)}`;
    case 'handshake':
      return `${s.size} sequential handshakes`;
    case 'idle':
      return `${s.size} idle connections`;
    default:
      return `${s.kind} ${formatSize(s.size)}`;
  }
}

/** Medians of every metric, one column per client. */
function valueTable(summaries: ScenarioSummary[]): string {
  const columns = columnsOf(summaries);
  const lines = [
    `| scenario | metric | ${columns.join(' | ')} |`,
    `|---|---|${columns.map(() => '---').join('|')}|`,
  ];
  for (const s of summaries) {
    for (const spec of METRICS[s.kind]) {
      const cells = columns.map((c) => {
        const summary = s.clients[c];
        const value = summary?.metrics[spec.key];
        if (value === undefined) return '—';
        return `${spec.format(value)}${summary!.noisy ? ' ⚠' : ''}`;
      });
      const arrow = spec.higherIsBetter ? '↑' : '↓';
      lines.push(`| ${scenarioName(s)} | ${spec.label} ${arrow} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

/** Ratios of values within each round, median over rounds. */
function ratioTable(summaries: ScenarioSummary[]): string {
  const everyClient = ALL_COLUMNS.filter((c) => summaries.some((s) => s.clients[c]));
  const names = ratioPairs(everyClient).map(([name]) => name);
  const lines = [
    `| scenario | metric | ${names.join(' | ')} |`,
    `|---|---|${names.map(() => '---').join('|')}|`,
  ];
  for (const s of summaries) {
    for (const spec of METRICS[s.kind]) {
      const ratios = s.ratios[spec.key] ?? {};
      const cells = names.map((n) => (ratios[n] === undefined ? '—' : `${ratios[n]!.toFixed(2)}×`));
      const arrow = spec.higherIsBetter ? '↑' : '↓';
      lines.push(`| ${scenarioName(s)} | ${spec.label} ${arrow} | ${cells.join(' | ')} |`);
    }
  }
  return lines.join('\n');
}

function versionOf(name: string): string {
  const file = join(root, 'node_modules', name, 'package.json');
  if (!existsSync(file)) return 'not installed';
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const started = Date.now();
  wscModule = moduleFor(wsxSrc ?? join(root, 'src', 'index.ts'));
  if (candidate !== undefined) candidateModule = moduleFor(candidate);
  const runsOf = (s: Scenario): number =>
    s.clients.reduce((n, c) => n + (c === 'raw' ? 1 : repeats), 0);
  const total = scenarios.reduce((n, s) => n + runsOf(s), 0);
  process.stderr.write(
    `wsx bench: ${scenarios.length} scenarios, ${total} client runs (${repeats} rounds, ` +
      `${warmupMs} ms warm-up + ${measureMs} ms measured per throughput run)\n`,
  );
  const busyAtStart = await waitForQuiet(quick ? 0 : 3000);
  if (busyAtStart > QUIET_BUSY) {
    process.stderr.write(
      `warning: other processes keep ${(busyAtStart * 100).toFixed(0)}% of the CPUs busy; numbers will be noisy\n`,
    );
  }
  const server = await startServer();
  const collected = new Map<string, RunResult[]>();
  let done = 0;
  const runOne = async (
    scenario: Scenario,
    client: ClientName,
    round: number,
    label: string,
  ): Promise<RunResult | undefined> => {
    const busy = await waitForQuiet(quietWaitMs);
    const result = await watched(server.child.pid, () =>
      runClient(scenario, client, server.port, round),
    );
    if (result === undefined) return undefined;
    result.round = round;
    result.busyBefore = Math.round(busy * 100) / 100;
    const note =
      result.clean === false ? ` (others ${(result.othersShare! * 100).toFixed(0)}%)` : '';
    const shown = METRICS[scenario.kind]
      .slice(0, 2)
      .map((spec) => {
        const value = result.metrics[spec.key];
        return value === undefined ? '' : `${spec.label} ${spec.format(value)}`;
      })
      .join(', ');
    process.stderr.write(
      `  [${label}] ${scenario.id.padEnd(16)} ${client.padEnd(12)} ${shown}${note}\n`,
    );
    return result;
  };
  const keep = (scenario: Scenario, client: ClientName, result: RunResult): void => {
    const key = `${scenario.id}/${client}`;
    const list = collected.get(key) ?? [];
    // A clean retry replaces the contaminated run of its round.
    const index = list.findIndex((r) => r.round === result.round);
    if (index === -1) list.push(result);
    else if (list[index]!.clean === false && result.clean !== false) list[index] = result;
    collected.set(key, list);
  };
  for (let round = 0; round < repeats; round++) {
    for (const scenario of scenarios) {
      // Rotate the order per round so that no client always runs first or last.
      const contenders = scenario.clients.filter((c) => c !== 'raw' || round === 0);
      const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]!);
      for (const client of order) {
        done++;
        const result = await runOne(scenario, client, round, `${done}/${total}`);
        if (result !== undefined) keep(scenario, client, result);
      }
    }
  }
  // Run contaminated runs again while the budget lasts (they keep their round).
  let retries = 0;
  for (const scenario of scenarios) {
    for (const client of scenario.clients) {
      for (const run of [...(collected.get(`${scenario.id}/${client}`) ?? [])]) {
        if (run.clean !== false || retries >= MAX_RETRIES) continue;
        if (Date.now() - started > RETRY_DEADLINE_MS) break;
        retries++;
        const result = await runOne(scenario, client, run.round!, `retry ${retries}`);
        if (result !== undefined) keep(scenario, client, result);
      }
    }
  }
  server.child.stdin!.end();
  server.child.kill('SIGTERM');
  children.delete(server.child);

  const summaries: ScenarioSummary[] = scenarios.map((scenario) => {
    const clients: ScenarioSummary['clients'] = {};
    for (const client of scenario.clients) {
      const summary = summarize(scenario.kind, collected.get(`${scenario.id}/${client}`) ?? []);
      if (summary !== undefined) clients[client] = summary;
    }
    const ratios: ScenarioSummary['ratios'] = {};
    for (const { key } of METRICS[scenario.kind]) {
      const byName: Record<string, number> = {};
      for (const [name, a, b] of ratioPairs(Object.keys(clients) as ClientName[])) {
        const value = roundRatio(clients[a]!.runs, clients[b]!.runs, key);
        if (value !== undefined) byName[name] = value;
      }
      ratios[key] = byName;
    }
    return { id: scenario.id, kind: scenario.kind, size: scenario.size, clients, ratios };
  });

  const output = valueTable(summaries);
  const ratioOutput = ratioTable(summaries);
  process.stdout.write(`\n${output}\n\n`);
  process.stdout.write(
    'Medians over the rounds. MB = 10^6 payload bytes, one direction. ↑ = higher is better, ' +
      '↓ = lower is better. Memory is what the client process grew by per open connection. ' +
      'raw = hand-rolled client, the ceiling of the server. ⚠ = no run had the CPUs to itself.\n',
  );
  process.stdout.write(
    `\nRatios of values within the same round, median over rounds (for ↑ metrics above 1 is better, for ↓ below 1):\n\n${ratioOutput}\n\n`,
  );

  const report = {
    date: new Date().toISOString(),
    durationSec: (Date.now() - started) / 1000,
    machine: {
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      busyAtStart: Math.round(busyAtStart * 100) / 100,
      loadavgAtEnd: loadavg(),
    },
    versions: {
      ws: versionOf('ws'),
      undici: versionOf('undici'),
      bufferutil: versionOf('bufferutil'),
    },
    settings: {
      repeats,
      warmupMs,
      measureMs,
      handshakes,
      idleConnections,
      quick,
      profile,
      pinned: taskset !== undefined,
      wscModule: relative(root, fileURLToPath(wscModule)),
      fromSource,
      candidateModule: candidateModule === undefined ? null : fileURLToPath(candidateModule),
    },
    source: sourceFingerprint(),
    runs: {
      planned: total,
      retries,
      contaminated: [...collected.values()].flat().filter((r) => r.clean === false).length,
    },
    scenarios: summaries,
    table: output,
    ratioTable: ratioOutput,
  };
  mkdirSync(resultsDir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  writeFileSync(join(resultsDir, 'latest.json'), json);
  if (flag('baseline')) {
    writeFileSync(join(resultsDir, `baseline-${report.date.slice(0, 10)}.json`), json);
  }
  if (report.runs.contaminated > 0) {
    process.stderr.write(
      `note: ${report.runs.contaminated} run(s) shared the CPUs with other processes ` +
        `(othersShare in the JSON); ${retries} run again. ⚠ marks medians with no clean run.\n`,
    );
  }
  process.stderr.write(
    `done in ${report.durationSec.toFixed(0)} s; wrote bench/results/latest.json\n`,
  );
}

main()
  .catch((error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? error.stack : error}\n`);
    process.exitCode = 1;
  })
  .finally(killAll);
