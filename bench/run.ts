// `npm run bench`: compares wsx, ws (with and without bufferutil), undici's WebSocket and a
// raw reference client in one run. One server process (bench/server.ts) for the whole run;
// every (scenario, client, repeat) is its own client process (bench/client.ts), run one at a
// time, repeats interleaved so that drift hits every client alike. Prints a markdown table of
// medians with ratios and writes bench/results/latest.json.
//
// Options:
//   --repeats N          runs per client and scenario (default 3; the median is reported)
//   --warmup MS          warm-up per run (default 200)
//   --measure MS         measured window per run (default 600)
//   --only a,b           scenario ids to run, e.g. upload-64,echo-64
//   --clients a,b        restrict the clients (wsx, wsx-iter, ws, ws+bu, undici, raw)
//   --retries N          extra runs to replace contaminated ones (default 24; see below)
//   --profile            run the clients with --cpu-prof (bench/results/profiles/<run>/)
//   --wsx-src PATH       import wsx from PATH instead of this checkout's src/index.ts
//   --candidate PATH     add client `wsx-next` importing wsx from PATH (e.g. a worktree's
//                        src/index.ts) and report wsx-next/wsx: try a hot-path change
//   --baseline           also write bench/results/baseline-YYYY-MM-DD.json
//   --iter               also run `wsx-iter` (wsx read through `for await`) in the downloads
//   --no-pin             do not pin the server to CPU 0 and the clients to CPU 1 (taskset)
//   --quick              --repeats 1 --warmup 100 --measure 300 (a smoke test)
//
// The raw reference client runs only in the first repeat: it shows the server's ceiling,
// it is not a contender.
//
// Shared machines: before each run we wait (briefly) for the CPUs to be idle, and during each
// run we measure from /proc how much CPU other processes took. A run is "clean" when they
// took at most 10% of the capacity; contaminated runs are retried at the end (bounded by
// --retries and a time limit) and medians use clean runs when there are any.

import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type ClientName, formatSize, median, type RunResult, type Scenario } from './common.js';

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
const repeats = Math.min(9, numberOption('repeats', quick ? 1 : 3));
const warmupMs = Math.min(5000, numberOption('warmup', quick ? 100 : 200));
const measureMs = Math.min(10_000, numberOption('measure', quick ? 300 : 600));
const profile = flag('profile');
/** Busy share of all CPUs above which a run waits for the machine to calm down. */
const QUIET_BUSY = 0.15;
/** A run is clean when other processes used at most this share of the CPU capacity. */
const CLEAN_SHARE = 0.1;
/** Extra runs allowed to replace contaminated ones, and no retry starts after this. */
const MAX_RETRIES = Math.min(100, numberOption('retries', 24, 0));
const RETRY_DEADLINE_MS = 200_000;
const only = option('only')?.split(',');
const onlyClients = option('clients')?.split(',') as ClientName[] | undefined;
const wsxSrc = option('wsx-src');
const wscModule = wsxSrc === undefined ? undefined : pathToFileURL(resolvePath(wsxSrc)).href;
const candidate = option('candidate');
const candidateModule =
  candidate === undefined ? undefined : pathToFileURL(resolvePath(candidate)).href;

const UPLOAD: ClientName[] = ['wsx', 'ws', 'ws+bu', 'undici', 'raw'];
const DOWNLOAD: ClientName[] = flag('iter')
  ? ['wsx', 'wsx-iter', 'ws', 'undici', 'raw']
  : ['wsx', 'ws', 'undici', 'raw'];
const ECHO: ClientName[] = ['wsx', 'ws', 'undici', 'raw'];

const allScenarios: Scenario[] = [
  { id: 'upload-64', kind: 'upload', size: 64, clients: UPLOAD },
  { id: 'upload-1024', kind: 'upload', size: 1024, clients: UPLOAD },
  { id: 'upload-16384', kind: 'upload', size: 16384, clients: UPLOAD },
  { id: 'upload-1048576', kind: 'upload', size: 1048576, clients: UPLOAD },
  { id: 'download-64', kind: 'download', size: 64, clients: DOWNLOAD },
  { id: 'download-16384', kind: 'download', size: 16384, clients: DOWNLOAD },
  { id: 'echo-64', kind: 'echo', size: 64, clients: ECHO },
];

const scenarios = allScenarios
  .filter((s) => only === undefined || only.includes(s.id))
  .map((s) => ({
    ...s,
    clients: (candidateModule === undefined
      ? s.clients
      : s.clients.flatMap((c): ClientName[] =>
          c === 'wsx'
            ? ['wsx', 'wsx-next']
            : c === 'wsx-iter'
              ? ['wsx-iter', 'wsx-next-iter']
              : [c],
        )
    ).filter(
      (c) =>
        onlyClients === undefined ||
        onlyClients.includes(c) ||
        (c === 'wsx-next' && onlyClients.includes('wsx')) ||
        (c === 'wsx-next-iter' && onlyClients.includes('wsx-iter')),
    ),
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
  const nodeFlags = profile
    ? [
        // One folder per run: tsx's loader thread writes a profile of its own.
        '--cpu-prof',
        `--cpu-prof-dir=${join(resultsDir, 'profiles', `${client}-${scenario.id}-${repeat}`)}`,
      ]
    : [];
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
    const timer = setTimeout(() => child.kill('SIGKILL'), warmupMs + measureMs + 25_000);
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

/** Busy (user + nice + system + steal) and total jiffies of all CPUs, from /proc/stat. */
function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: irq and softirq are left out of "busy",
    // as loopback traffic of our own processes is partly accounted there.
    const busy = f[0]! + f[1]! + f[2]! + (f[7] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy, total };
  } catch {
    return undefined;
  }
}

/** utime + stime of a process in jiffies, from /proc/<pid>/stat. */
function processJiffies(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

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
  const hash = createHash('sha1');
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts'))
        hash.update(path.slice(root.length)).update(readFileSync(path));
    }
  };
  walk(join(root, 'src'));
  return {
    head: git(['rev-parse', '--short', 'HEAD']),
    dirty: git(['status', '--porcelain', '--', 'src'])
      .split('\n')
      .filter((line) => line !== ''),
    srcSha1: hash.digest('hex').slice(0, 12),
  };
}

// ------------------------------------------------------------------ reporting

interface ClientSummary {
  msgsPerSec: number;
  mbPerSec: number;
  cpuUsPerMsg: number;
  /** Runs with the machine to themselves; the medians use only those when there are any. */
  cleanRuns: number;
  /** No clean run: the medians are over contaminated runs. */
  noisy: boolean;
  p50us?: number;
  p99us?: number;
  runs: RunResult[];
}

interface ScenarioSummary {
  id: string;
  kind: Scenario['kind'];
  size: number;
  clients: Partial<Record<ClientName, ClientSummary>>;
  /** wsx median divided by the other client's median (msgs/s; > 1 means wsx is faster). */
  ratios: Record<string, number>;
}

/** Medians over the clean runs when there are any, else over all runs (flagged `noisy`). */
function summarize(runs: RunResult[]): ClientSummary | undefined {
  if (runs.length === 0) return undefined;
  const clean = runs.filter((r) => r.clean !== false);
  const used = clean.length > 0 ? clean : runs;
  const summary: ClientSummary = {
    msgsPerSec: median(used.map((r) => r.msgsPerSec)),
    mbPerSec: median(used.map((r) => r.mbPerSec)),
    cpuUsPerMsg: median(used.map((r) => r.cpuUsPerMsg)),
    cleanRuns: clean.length,
    noisy: clean.length === 0,
    runs,
  };
  if (used[0]!.p50us !== undefined) {
    summary.p50us = median(used.map((r) => r.p50us!));
    summary.p99us = median(used.map((r) => r.p99us!));
  }
  return summary;
}

function rate(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(0);
}

function cell(summary: ScenarioSummary, client: ClientName): string {
  const s = summary.clients[client];
  if (s === undefined) return '—';
  const mark = s.noisy ? ' ⚠' : '';
  if (summary.kind === 'echo') {
    return `${rate(s.msgsPerSec)} RT/s (p50 ${s.p50us!.toFixed(0)} µs, p99 ${s.p99us!.toFixed(0)} µs)${mark}`;
  }
  const mb = s.mbPerSec >= 100 ? s.mbPerSec.toFixed(0) : s.mbPerSec.toFixed(1);
  return `${rate(s.msgsPerSec)}/s, ${mb} MB/s${mark}`;
}

function ratio(summary: ScenarioSummary, other: ClientName): string {
  const value = summary.ratios[other];
  return value === undefined ? '—' : `${value.toFixed(2)}×`;
}

const ALL_COLUMNS: ClientName[] = [
  'wsx',
  'wsx-next',
  'wsx-iter',
  'wsx-next-iter',
  'ws',
  'ws+bu',
  'undici',
  'raw',
];

function columnsOf(summaries: ScenarioSummary[]): ClientName[] {
  return ALL_COLUMNS.filter((c) => summaries.some((s) => s.clients[c] !== undefined));
}

/** Client CPU time per message (µs): what each library costs, whatever else ran. */
function cpuTable(summaries: ScenarioSummary[]): string {
  const columns = columnsOf(summaries);
  const lines = [
    `| scenario | ${columns.join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|`,
  ];
  for (const s of summaries) {
    const cells = columns.map((c) => {
      const value = s.clients[c]?.cpuUsPerMsg;
      return value === undefined ? '—' : value >= 10 ? value.toFixed(0) : value.toFixed(2);
    });
    lines.push(`| ${s.kind} ${formatSize(s.size)} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

function table(summaries: ScenarioSummary[]): string {
  const next = summaries.some((s) => s.clients['wsx-next'] !== undefined);
  const columns = columnsOf(summaries);
  const others: ClientName[] = [
    ...(next ? (['wsx-next'] as const) : []),
    ...(summaries.some((s) => s.ratios['wsx-next-iter'] !== undefined)
      ? (['wsx-next-iter'] as const)
      : []),
    'ws',
    'ws+bu',
    'undici',
  ];
  const ratioNames = others.map((o) =>
    o === 'wsx-next' ? 'wsx-next/wsx' : o === 'wsx-next-iter' ? 'next-iter/iter' : `wsx/${o}`,
  );
  const lines = [
    `| scenario | ${columns.join(' | ')} | ${ratioNames.join(' | ')} |`,
    `|---|${columns.map(() => '---').join('|')}|${others.map(() => '---').join('|')}|`,
  ];
  for (const s of summaries) {
    const name = `${s.kind} ${formatSize(s.size)}`;
    lines.push(
      `| ${name} | ${columns.map((c) => cell(s, c)).join(' | ')} | ${others.map((o) => ratio(s, o)).join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

function versionOf(name: string): string {
  const file = join(root, 'node_modules', name, 'package.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

// ------------------------------------------------------------------ main

async function main(): Promise<void> {
  const started = Date.now();
  const runsOf = (s: Scenario): number =>
    s.clients.reduce((n, c) => n + (c === 'raw' ? 1 : repeats), 0);
  const total = scenarios.reduce((n, s) => n + runsOf(s), 0);
  process.stderr.write(
    `wsx bench: ${scenarios.length} scenarios, ${total} client runs (${repeats} repeats, ` +
      `${warmupMs} ms warm-up + ${measureMs} ms measured each)\n`,
  );
  const busyAtStart = await waitForQuiet(10_000);
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
    repeat: number,
    label: string,
  ): Promise<void> => {
    const busy = await waitForQuiet(1500);
    const result = await watched(server.child.pid, () =>
      runClient(scenario, client, server.port, repeat),
    );
    if (result === undefined) return;
    result.busyBefore = Math.round(busy * 100) / 100;
    const key = `${scenario.id}/${client}`;
    const list = collected.get(key) ?? [];
    list.push(result);
    collected.set(key, list);
    const note =
      result.clean === false ? ` (others ${(result.othersShare! * 100).toFixed(0)}%)` : '';
    process.stderr.write(
      `  [${label}] ${scenario.id.padEnd(15)} ${client.padEnd(8)} ` +
        `${rate(result.msgsPerSec)}/s ${result.mbPerSec.toFixed(1)} MB/s${note}\n`,
    );
  };
  for (let repeat = 0; repeat < repeats; repeat++) {
    for (const scenario of scenarios) {
      // Rotate the order per repeat so that no client always runs first or last.
      const contenders = scenario.clients.filter((c) => c !== 'raw' || repeat === 0);
      const order = contenders.map((_, i) => contenders[(i + repeat) % contenders.length]!);
      for (const client of order) {
        done++;
        await runOne(scenario, client, repeat, `${done}/${total}`);
      }
    }
  }
  // Replace contaminated runs while the budget lasts, the most contaminated pairs first.
  let retries = 0;
  for (let round = 0; round < repeats && retries < MAX_RETRIES; round++) {
    for (const scenario of scenarios) {
      for (const client of scenario.clients) {
        const runs = collected.get(`${scenario.id}/${client}`) ?? [];
        const wanted = client === 'raw' ? 1 : repeats;
        const clean = runs.filter((r) => r.clean !== false).length;
        if (clean >= wanted || retries >= MAX_RETRIES) continue;
        if (Date.now() - started > RETRY_DEADLINE_MS) break;
        retries++;
        await runOne(scenario, client, repeats + round, `retry ${retries}`);
      }
    }
  }
  server.child.stdin!.end();
  server.child.kill('SIGTERM');
  children.delete(server.child);

  const summaries: ScenarioSummary[] = scenarios.map((scenario) => {
    const clients: ScenarioSummary['clients'] = {};
    for (const client of scenario.clients) {
      const summary = summarize(collected.get(`${scenario.id}/${client}`) ?? []);
      if (summary !== undefined) clients[client] = summary;
    }
    const ratios: Record<string, number> = {};
    const wsx = clients.wsx;
    for (const other of ['ws', 'ws+bu', 'undici'] as const) {
      const o = clients[other];
      if (wsx !== undefined && o !== undefined) ratios[other] = wsx.msgsPerSec / o.msgsPerSec;
    }
    // For a candidate the ratio is the other way round: wsx-next / wsx (> 1: candidate faster).
    const candidateSummary = clients['wsx-next'];
    if (wsx !== undefined && candidateSummary !== undefined) {
      ratios['wsx-next'] = candidateSummary.msgsPerSec / wsx.msgsPerSec;
    }
    const iter = clients['wsx-iter'];
    const candidateIter = clients['wsx-next-iter'];
    if (iter !== undefined && candidateIter !== undefined) {
      ratios['wsx-next-iter'] = candidateIter.msgsPerSec / iter.msgsPerSec;
    }
    return { id: scenario.id, kind: scenario.kind, size: scenario.size, clients, ratios };
  });

  const output = table(summaries);
  const cpuOutput = cpuTable(summaries);
  process.stdout.write(`\n${output}\n\n`);
  process.stdout.write(
    'Medians of the runs. MB = 10^6 payload bytes, one direction. Ratios compare msgs/s ' +
      '(> 1: wsx faster). raw = hand-rolled client, the ceiling of the server. ' +
      '⚠ = no run had the CPUs to itself.\n',
  );
  process.stdout.write(
    `\nClient CPU time per message (µs, user + system, all threads; lower is better):\n\n${cpuOutput}\n\n`,
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
      profile,
      pinned: taskset !== undefined,
      wscModule: wscModule ?? 'src/index.ts',
      candidateModule: candidateModule ?? null,
    },
    source: sourceFingerprint(),
    runs: {
      planned: total,
      retries,
      contaminated: [...collected.values()].flat().filter((r) => r.clean === false).length,
    },
    scenarios: summaries,
    table: output,
    cpuTable: cpuOutput,
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
        `(othersShare in the JSON); ${retries} retried. ⚠ marks medians with no clean run.\n`,
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
