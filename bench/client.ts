// One benchmark run in its own process: one client, one scenario. Started by run.ts as
// `node --expose-gc --import tsx bench/client.ts '<json ClientArgs>'`; prints one JSON line
// (a RunResult) on stdout and exits. Every loop is bounded by a deadline and the whole
// process by a watchdog. The libraries are reached through the adapters of libs.ts, so every
// scenario below is written once for all of them.

import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ClientName,
  HOST,
  type Metrics,
  maskedFrames,
  payloadOf,
  percentile,
  type RunResult,
  type ScenarioKind,
} from './common.js';
import {
  type Conn,
  type Library,
  type OnMessage,
  undici,
  ws,
  wsxModern,
  wsxNodeMcu,
  wsxWhatwg,
} from './libs.js';
import { collect } from './measure.js';

export interface ClientArgs {
  client: ClientName;
  kind: ScenarioKind;
  /** Payload bytes per message; for handshake and idle, the number of connections. */
  size: number;
  port: number;
  scenario: string;
  warmupMs: number;
  measureMs: number;
  /** Module (file URL) to import wsx from (default: this checkout's src/index.ts). */
  wscModule?: string;
  /** Module (file URL) the `-next` clients import wsx from. */
  candidateModule?: string;
}

/** Payload bytes per batch of sends in the upload loop; two batches may be in flight. */
const BATCH_BYTES = 256 * 1024;
const MAX_BATCH_MESSAGES = 4096;
/** Hard cap on a run's lifetime beyond its own budget. */
const WATCHDOG_MS = 60_000;
/** Idle: connections being opened at the same time. */
const OPEN_CONCURRENCY = 50;
/** Handshake: cycles before the measured ones (code warm-up). */
const HANDSHAKE_WARMUP = 20;

const args = JSON.parse(process.argv[2] ?? '{}') as ClientArgs;
const now = (): number => performance.now();

setTimeout(
  () => {
    process.stderr.write(`client ${args.client} ${args.scenario}: watchdog fired\n`);
    process.exit(2);
  },
  args.warmupMs + args.measureMs + WATCHDOG_MS,
).unref();

function uploadBatch(size: number): number {
  return Math.max(1, Math.min(MAX_BATCH_MESSAGES, Math.floor(BATCH_BYTES / size)));
}

/** CPU time of this process (all threads, user + system) when the measured window opened. */
let cpuAtStart: NodeJS.CpuUsage | undefined;

function startWindow(): void {
  cpuAtStart = process.cpuUsage();
}

/** CPU µs since startWindow(). */
function windowCpuUs(): number {
  const cpu = process.cpuUsage(cpuAtStart);
  return cpu.user + cpu.system;
}

function finish(result: { metrics: Metrics; messages: number; elapsedMs: number }): never {
  const whole = process.cpuUsage();
  const full: RunResult = {
    client: args.client,
    scenario: args.scenario,
    ...result,
    processCpuUs: whole.user + whole.system,
  };
  process.stdout.write(`${JSON.stringify(full)}\n`);
  process.exit(0);
}

/** Rates and CPU cost of a throughput window. */
function throughput(messages: number, bytes: number, elapsedMs: number): Metrics {
  const cpuUs = windowCpuUs();
  return {
    msgsPerSec: (messages * 1000) / elapsedMs,
    mbPerSec: (bytes * 1000) / elapsedMs / 1e6,
    cpuMsPerMB: cpuUs / 1000 / Math.max(1e-9, bytes / 1e6),
    cpuUsPerMsg: cpuUs / Math.max(1, messages),
  };
}

function fail(error: unknown): never {
  process.stderr.write(
    `client ${args.client} ${args.scenario} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}

process.on('unhandledRejection', fail);
process.on('uncaughtException', fail);

function url(path: string): string {
  return `ws://${HOST}:${args.port}${path}`;
}

function pathFor(kind: ScenarioKind, size: number): string {
  return kind === 'download' ? `/download?size=${size}` : kind === 'upload' ? '/upload' : '/echo';
}

// ------------------------------------------------------------------ upload

interface UploadStats {
  messages: number;
  bytes: number;
}

/** A one-shot waiter for the upload server's text replies. */
class Replies {
  #waiting: ((stats: UploadStats) => void) | undefined;
  deliver(text: string): void {
    const waiting = this.#waiting;
    this.#waiting = undefined;
    waiting?.(JSON.parse(text) as UploadStats);
  }
  next(): Promise<UploadStats> {
    return new Promise((resolve) => {
      this.#waiting = resolve;
    });
  }
}

/**
 * Upload: `sendFor(ms)` sends as fast as the client allows for `ms` milliseconds and resolves
 * once the last batch was written; `stats()` sends a text command and resolves with the
 * server's counts since the previous command. The measured window ends when those counts
 * arrive, so it includes draining whatever the client still had buffered.
 */
async function runUpload(
  sendFor: (ms: number) => Promise<void>,
  stats: () => Promise<UploadStats>,
): Promise<never> {
  await sendFor(args.warmupMs);
  await stats();
  startWindow();
  const t0 = now();
  await sendFor(args.measureMs);
  const counted = await stats();
  const elapsed = now() - t0;
  return finish({
    metrics: throughput(counted.messages, counted.bytes, elapsed),
    messages: counted.messages,
    elapsedMs: elapsed,
  });
}

async function uploadWith(library: Library): Promise<void> {
  const payload = payloadOf(args.size);
  const replies = new Replies();
  const conn = await library.open(url('/upload'), (_length, text) => {
    if (text !== undefined) replies.deliver(text);
  });
  const batch = uploadBatch(args.size);
  await runUpload(
    (ms) => conn.sendUntil(payload, batch, now() + ms),
    () => {
      const reply = replies.next();
      conn.sendText('stats');
      return reply;
    },
  );
}

// ------------------------------------------------------------------ download

/**
 * Download: call the result for every message. Looks at the clock every 256 messages (one
 * for large ones); warms up for warmupMs after the first message, then measures for
 * measureMs.
 */
function downloadCounter(size: number): (bytes: number) => void {
  const every = size >= 4096 ? 1 : 256;
  let count = 0;
  let bytes = 0;
  let start = 0;
  let t0 = 0;
  let c0 = 0;
  let b0 = 0;
  return (length: number) => {
    count++;
    bytes += length;
    if (count % every !== 0) return;
    const t = now();
    if (start === 0) {
      start = t;
      return;
    }
    if (t0 === 0) {
      if (t - start >= args.warmupMs) {
        t0 = t;
        startWindow();
        c0 = count;
        b0 = bytes;
      }
      return;
    }
    const elapsed = t - t0;
    if (elapsed >= args.measureMs) {
      finish({
        metrics: throughput(count - c0, bytes - b0, elapsed),
        messages: count - c0,
        elapsedMs: elapsed,
      });
    }
  };
}

async function downloadWith(library: Library): Promise<void> {
  const count = downloadCounter(args.size);
  await library.open(url(pathFor('download', args.size)), (length) => count(length));
}

// ------------------------------------------------------------------ echo (ping-pong)

/**
 * Echo: sequential ping-pong. Returns the handler for each echoed message; it records the
 * round trip and calls `send()` for the next one. Call it once with -1 to send the first.
 */
function echoLoop(size: number, send: () => void): (length: number) => void {
  const latencies = new Float64Array(2_000_000);
  let n = 0;
  let sentAt = 0;
  let start = 0;
  let t0 = 0;
  return (length: number) => {
    const t = now();
    if (length >= 0) {
      if (length !== size) fail(new Error(`echo of ${length} bytes, expected ${size}`));
      if (start === 0) start = t;
      else if (t0 === 0) {
        if (t - start >= args.warmupMs) {
          t0 = t;
          startWindow();
        }
      } else {
        latencies[n++] = t - sentAt;
        const elapsed = t - t0;
        if (elapsed >= args.measureMs || n === latencies.length) {
          const sorted = latencies.subarray(0, n).sort();
          const cpuUs = windowCpuUs();
          finish({
            metrics: {
              msgsPerSec: (n * 1000) / elapsed,
              cpuUsPerMsg: cpuUs / n,
              p50us: percentile(sorted, 50) * 1000,
              p99us: percentile(sorted, 99) * 1000,
            },
            messages: n,
            elapsedMs: elapsed,
          });
        }
      }
    }
    sentAt = now();
    send();
  };
}

async function echoWith(library: Library): Promise<void> {
  const payload = payloadOf(args.size);
  let conn: Conn | undefined;
  const onEcho = echoLoop(args.size, () => conn!.send(payload));
  conn = await library.open(url('/echo'), (length) => onEcho(length));
  onEcho(-1);
}

// ------------------------------------------------------------------ handshakes

/**
 * `size` sequential connections, each opened and then closed cleanly before the next one
 * starts. Reports cycles per second and the median time from the constructor (or connect
 * call) to the open event.
 */
async function handshakesWith(library: Library): Promise<void> {
  const ignore: OnMessage = () => {};
  const opens = new Float64Array(args.size);
  let t0 = 0;
  for (let i = -HANDSHAKE_WARMUP; i < args.size; i++) {
    if (i === 0) {
      startWindow();
      t0 = now();
    }
    const started = now();
    const conn = await library.open(url('/echo'), ignore);
    if (i >= 0) opens[i] = now() - started;
    await conn.close();
  }
  const elapsed = now() - t0;
  const cpuUs = windowCpuUs();
  finish({
    metrics: {
      handshakesPerSec: (args.size * 1000) / elapsed,
      openP50us: percentile(opens.sort(), 50) * 1000,
      cpuUsPerHandshake: cpuUs / args.size,
    },
    messages: args.size,
    elapsedMs: elapsed,
  });
}

// ------------------------------------------------------------------ idle connections

/**
 * Opens `size` connections (OPEN_CONCURRENCY at a time) and keeps them idle. Reports the time
 * to open them all, and how much heap, RSS and external memory this process grew by, per
 * connection, once they sit idle. One connection is opened and closed first, so that lazily
 * loaded code is not counted.
 */
async function idleWith(library: Library): Promise<void> {
  const ignore: OnMessage = () => {};
  const target = url('/echo');
  await (await library.open(target, ignore)).close();
  await collect();
  const before = process.memoryUsage();
  const conns: Conn[] = [];
  startWindow();
  const t0 = now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < args.size) {
      next++;
      conns.push(await library.open(target, ignore));
    }
  };
  await Promise.all(Array.from({ length: Math.min(OPEN_CONCURRENCY, args.size) }, worker));
  const openAllMs = now() - t0;
  // Let the last handshakes settle (timers, queued tasks) before measuring.
  await sleep(200);
  await collect();
  const after = process.memoryUsage();
  const n = conns.length;
  const metrics: Metrics = {
    openAllMs,
    heapPerConn: (after.heapUsed - before.heapUsed) / n,
    rssPerConn: (after.rss - before.rss) / n,
    externalPerConn: (after.external - before.external) / n,
  };
  for (const conn of conns) conn.terminate();
  finish({ metrics, messages: n, elapsedMs: openAllMs });
}

// ------------------------------------------------------------------ raw reference client

/** Hand-written handshake; resolves with the socket and any bytes after the 101 head. */
function rawOpen(path: string): Promise<{ socket: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = netConnect({ host: HOST, port: args.port });
    socket.setNoDelay(true);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: ${HOST}:${args.port}\r\nUpgrade: websocket\r\n` +
          'Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
          'Sec-WebSocket-Version: 13\r\n\r\n',
      );
    });
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.on('error', fail);
      if (!head.subarray(0, 12).toString('latin1').includes('101')) {
        reject(new Error('raw handshake refused'));
        return;
      }
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    socket.on('data', onData);
  });
}

/** Counts unmasked server frames by walking their headers; calls onFrame per data frame. */
function rawFrameCounter(onFrame: (length: number, payload?: Buffer) => void, keep: boolean) {
  let pending: Buffer | undefined;
  let remaining = 0;
  let current = 0;
  let parts: Buffer[] = [];
  return (chunk: Buffer): void => {
    const data = pending === undefined ? chunk : Buffer.concat([pending, chunk]);
    pending = undefined;
    let p = 0;
    while (p < data.length) {
      if (remaining > 0) {
        const take = Math.min(remaining, data.length - p);
        if (keep) parts.push(data.subarray(p, p + take));
        p += take;
        remaining -= take;
        if (remaining === 0) {
          onFrame(current, keep ? Buffer.concat(parts) : undefined);
          parts = [];
        }
        continue;
      }
      if (data.length - p < 2) break;
      const l7 = data[p + 1]! & 0x7f;
      const size = l7 < 126 ? 2 : l7 === 126 ? 4 : 10;
      if (data.length - p < size) break;
      current =
        l7 < 126
          ? l7
          : l7 === 126
            ? data.readUInt16BE(p + 2)
            : data.readUInt32BE(p + 2) * 0x100000000 + data.readUInt32BE(p + 6);
      p += size;
      remaining = current;
      if (current === 0) onFrame(0, keep ? Buffer.alloc(0) : undefined);
    }
    if (p < data.length) pending = data.subarray(p);
  };
}

async function runRaw(): Promise<void> {
  const { kind, size } = args;
  if (kind === 'handshake' || kind === 'idle') throw new Error(`raw runs no ${kind} scenario`);
  const payload = payloadOf(size);
  const { socket, rest } = await rawOpen(pathFor(kind, size));
  if (kind === 'upload') {
    const replies = new Replies();
    const push = rawFrameCounter((_length, body) => replies.deliver(body!.toString()), true);
    socket.on('data', push);
    if (rest.length > 0) push(rest);
    const block = maskedFrames(payload, uploadBatch(size));
    const command = Buffer.from([0x81, 0x80, 0, 0, 0, 0]); // empty masked text frame, zero key
    const sendFor = async (ms: number): Promise<void> => {
      const deadline = now() + ms;
      let previous: Promise<void> | undefined;
      while (now() < deadline) {
        const last = new Promise<void>((resolve) => socket.write(block, () => resolve()));
        if (previous !== undefined) await previous;
        previous = last;
      }
      await previous;
    };
    const stats = (): Promise<UploadStats> => {
      const reply = replies.next();
      socket.write(command);
      return reply;
    };
    await runUpload(sendFor, stats);
  } else if (kind === 'download') {
    const count = downloadCounter(size);
    const push = rawFrameCounter((length) => count(length), false);
    socket.on('data', push);
    if (rest.length > 0) push(rest);
  } else {
    const frame = maskedFrames(payload, 1);
    const onEcho = echoLoop(size, () => socket.write(frame));
    const push = rawFrameCounter((length) => onEcho(length), false);
    socket.on('data', push);
    if (rest.length > 0) push(rest);
    onEcho(-1);
  }
}

// ------------------------------------------------------------------ main

async function libraryFor(client: ClientName): Promise<Library> {
  const next = client.endsWith('-next');
  const module = next
    ? args.candidateModule!
    : (args.wscModule ?? new URL('../src/index.ts', import.meta.url).href);
  const face = next ? client.slice(0, -'-next'.length) : client;
  switch (face) {
    case 'wsx':
      return wsxModern(module, fail);
    case 'wsx-iter':
      return wsxModern(module, fail, true);
    case 'wsx-whatwg':
      return wsxWhatwg(module, fail);
    case 'wsx-nodemcu':
      // The dialect sits beside index.ts (sources) or index.js (the compiled build).
      return wsxNodeMcu(new URL(`dialects/nodemcu${module.slice(-3)}`, module).href, fail);
    case 'ws':
    case 'ws+bu':
      return ws(fail);
    case 'undici':
      return undici(fail);
    default:
      throw new Error(`unknown client ${client}`);
  }
}

async function main(): Promise<void> {
  if (args.client === 'raw') return runRaw();
  const library = await libraryFor(args.client);
  switch (args.kind) {
    case 'upload':
      return uploadWith(library);
    case 'download':
      return downloadWith(library);
    case 'echo':
      return echoWith(library);
    case 'handshake':
      return handshakesWith(library);
    case 'idle':
      return idleWith(library);
  }
}

main().catch(fail);
