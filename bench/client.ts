// One benchmark run in its own process: one client library, one scenario, one connection.
// Started by run.ts as `node --import tsx bench/client.ts '<json ClientArgs>'`; prints one
// JSON line (a RunResult) on stdout and exits. Every loop is bounded by a deadline and the
// whole process by a watchdog.
//
// Fairness: every client gets the same payload object, the same time budget and the same
// in-flight budget (two batches of about BATCH_BYTES each, see uploadBatch()), and each one
// waits for writes in the way its API offers:
//   wsx    send() promise of the last message of each batch
//   ws     send() callback of the last message of each batch
//   undici bufferedAmount, polled once per event-loop turn (setImmediate)
//   raw    socket.write() callback of a pre-masked block (the ceiling of this server)

import { connect as netConnect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setImmediate as nextTurn } from 'node:timers/promises';
import {
  type ClientName,
  HOST,
  maskedFrames,
  payloadOf,
  percentile,
  type RunResult,
  type ScenarioKind,
} from './common.js';

export interface ClientArgs {
  client: ClientName;
  kind: ScenarioKind;
  size: number;
  port: number;
  scenario: string;
  warmupMs: number;
  measureMs: number;
  /** Module to import wsx from (default: this checkout's src/index.ts). */
  wscModule?: string;
  /** Module the `wsx-next` client imports wsx from. */
  candidateModule?: string;
}

/** Payload bytes per batch of sends in the upload loop; two batches may be in flight. */
const BATCH_BYTES = 256 * 1024;
const MAX_BATCH_MESSAGES = 4096;
/** Hard cap on a run's lifetime beyond its own budget. */
const WATCHDOG_MS = 20_000;

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

function finish(result: Omit<RunResult, 'client' | 'scenario' | 'cpuUsPerMsg'>): never {
  const cpu = process.cpuUsage(cpuAtStart);
  const full: RunResult = {
    client: args.client,
    scenario: args.scenario,
    ...result,
    cpuUsPerMsg: (cpu.user + cpu.system) / Math.max(1, result.messages),
  };
  const whole = process.cpuUsage();
  full.processCpuUs = whole.user + whole.system;
  process.stdout.write(`${JSON.stringify(full)}\n`);
  process.exit(0);
}

function fail(error: unknown): never {
  process.stderr.write(
    `client ${args.client} ${args.scenario} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exit(1);
}

process.on('unhandledRejection', fail);
process.on('uncaughtException', fail);

// ------------------------------------------------------------------ shared drivers

interface UploadStats {
  messages: number;
  bytes: number;
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
    msgsPerSec: (counted.messages * 1000) / elapsed,
    mbPerSec: (counted.bytes * 1000) / elapsed / 1e6,
    messages: counted.messages,
    elapsedMs: elapsed,
  });
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
 * Download: call `onMessage(bytes)` for every message. Looks at the clock every `every`
 * messages; warms up for warmupMs after the first message, then measures for measureMs.
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
        msgsPerSec: ((count - c0) * 1000) / elapsed,
        mbPerSec: ((bytes - b0) * 1000) / elapsed / 1e6,
        messages: count - c0,
        elapsedMs: elapsed,
      });
    }
  };
}

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
          finish({
            msgsPerSec: (n * 1000) / elapsed,
            mbPerSec: (n * size * 1000) / elapsed / 1e6,
            messages: n,
            elapsedMs: elapsed,
            p50us: percentile(sorted, 50) * 1000,
            p99us: percentile(sorted, 99) * 1000,
          });
        }
      }
    }
    sentAt = now();
    send();
  };
}

function url(path: string): string {
  return `ws://${HOST}:${args.port}${path}`;
}

function pathFor(kind: ScenarioKind, size: number): string {
  return kind === 'download' ? `/download?size=${size}` : `/${kind}`;
}

// ------------------------------------------------------------------ wsx

async function runWsc(iterate: boolean, module = args.wscModule): Promise<void> {
  const { WebSocketClient } = (await import(
    module ?? '../src/index.js'
  )) as typeof import('../src/index.js');
  const { kind, size } = args;
  const payload = payloadOf(size);
  // The constructor rather than `await connect()`, so that the 'message' listener is in place
  // before the first frame: with connect(), frames that arrive in the same read as the 101
  // are queued for an async iterator and, past receiveHighWaterMark (16), pause the socket
  // for good when the application only listens to 'message' (see bench/README.md).
  const ws = new WebSocketClient(url(pathFor(kind, size)));
  ws.on('close', (info) => {
    if (info.error !== undefined) fail(info.error);
  });
  if (kind === 'upload') {
    const replies = new Replies();
    ws.on('message', (message) => {
      if (typeof message.data === 'string') replies.deliver(message.data);
    });
    await ws.opened;
    const batch = uploadBatch(size);
    const sendFor = async (ms: number): Promise<void> => {
      const deadline = now() + ms;
      let previous: Promise<void> | undefined;
      while (now() < deadline) {
        for (let i = 1; i < batch; i++) ws.send(payload);
        const last = ws.send(payload);
        if (previous !== undefined) await previous;
        previous = last;
      }
      await previous;
    };
    const stats = (): Promise<UploadStats> => {
      const reply = replies.next();
      ws.send('stats');
      return reply;
    };
    await runUpload(sendFor, stats);
  } else if (kind === 'download') {
    const count = downloadCounter(size);
    if (!iterate) {
      ws.on('message', (message) => count(message.data.length));
      await ws.opened;
      return;
    }
    await ws.opened;
    for await (const message of ws) count(message.data.length);
  } else {
    const onEcho = echoLoop(size, () => {
      ws.send(payload);
    });
    ws.on('message', (message) => onEcho(message.data.length));
    await ws.opened;
    onEcho(-1);
  }
}

// ------------------------------------------------------------------ ws

async function runWs(): Promise<void> {
  const { default: WebSocket } = await import('ws');
  const { kind, size } = args;
  const payload = payloadOf(size);
  const ws = new WebSocket(url(pathFor(kind, size)));
  ws.on('error', fail);
  await new Promise<void>((resolve) => ws.once('open', () => resolve()));
  if (kind === 'upload') {
    const replies = new Replies();
    ws.on('message', (data, isBinary) => {
      if (!isBinary) replies.deliver(String(data));
    });
    const batch = uploadBatch(size);
    const sendBatch = (): Promise<void> =>
      new Promise((resolve, reject) => {
        for (let i = 1; i < batch; i++) ws.send(payload);
        ws.send(payload, (error) => (error ? reject(error) : resolve()));
      });
    const sendFor = async (ms: number): Promise<void> => {
      const deadline = now() + ms;
      let previous: Promise<void> | undefined;
      while (now() < deadline) {
        const last = sendBatch();
        if (previous !== undefined) await previous;
        previous = last;
      }
      await previous;
    };
    const stats = (): Promise<UploadStats> => {
      const reply = replies.next();
      ws.send('stats');
      return reply;
    };
    await runUpload(sendFor, stats);
  } else if (kind === 'download') {
    const count = downloadCounter(size);
    ws.on('message', (data: Buffer) => count(data.length));
  } else {
    const onEcho = echoLoop(size, () => ws.send(payload));
    ws.on('message', (data: Buffer) => onEcho(data.length));
    onEcho(-1);
  }
}

// ------------------------------------------------------------------ undici

async function runUndici(): Promise<void> {
  const { WebSocket } = await import('undici');
  const { kind, size } = args;
  const payload = payloadOf(size);
  const ws = new WebSocket(url(pathFor(kind, size)));
  ws.binaryType = 'arraybuffer';
  ws.addEventListener('error', (event) => fail((event as { error?: unknown }).error ?? event));
  await new Promise<void>((resolve) => ws.addEventListener('open', () => resolve()));
  if (kind === 'upload') {
    const replies = new Replies();
    ws.addEventListener('message', (event) => {
      if (typeof event.data === 'string') replies.deliver(event.data);
    });
    const batch = uploadBatch(size);
    const high = 2 * batch * size;
    const low = batch * size;
    const sendFor = async (ms: number): Promise<void> => {
      const deadline = now() + ms;
      const giveUp = deadline + WATCHDOG_MS;
      while (now() < deadline) {
        for (let i = 0; i < 2 * batch && ws.bufferedAmount < high; i++) ws.send(payload);
        while (ws.bufferedAmount > low && now() < giveUp) await nextTurn();
      }
      while (ws.bufferedAmount > 0 && now() < giveUp) await nextTurn();
    };
    const stats = (): Promise<UploadStats> => {
      const reply = replies.next();
      ws.send('stats');
      return reply;
    };
    await runUpload(sendFor, stats);
  } else if (kind === 'download') {
    const count = downloadCounter(size);
    ws.addEventListener('message', (event) => count((event.data as ArrayBuffer).byteLength));
  } else {
    const onEcho = echoLoop(size, () => ws.send(payload));
    ws.addEventListener('message', (event) => onEcho((event.data as ArrayBuffer).byteLength));
    onEcho(-1);
  }
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

const runners: Record<ClientName, () => Promise<void>> = {
  wsx: () => runWsc(false),
  'wsx-iter': () => runWsc(true),
  'wsx-next': () => runWsc(false, args.candidateModule),
  'wsx-next-iter': () => runWsc(true, args.candidateModule),
  ws: runWs,
  'ws+bu': runWs,
  undici: runUndici,
  raw: runRaw,
};

runners[args.client]().catch(fail);
