// Shared pieces of the benchmark: scenario names, frame builders used by the raw server and
// the raw reference clients, the handshake accept key, and small statistics helpers.
// Nothing here imports a WebSocket library.

import { createHash } from 'node:crypto';

export const HOST = '127.0.0.1';

/**
 * Clients the benchmark knows. The three wsx faces: `wsx` (the modern `connect()` API),
 * `wsx-whatwg` (its WHATWG `WebSocket`) and `wsx-nodemcu` (the NodeMCU dialect). `raw` is a
 * hand-rolled reference (the server's ceiling). A `-next` suffix is the same face imported
 * from a candidate source tree (run.ts --candidate); `wsx-iter` reads through `for await`.
 */
export type ClientName =
  | 'wsx'
  | 'wsx-whatwg'
  | 'wsx-nodemcu'
  | 'wsx-iter'
  | 'wsx-next'
  | 'wsx-whatwg-next'
  | 'wsx-nodemcu-next'
  | 'wsx-iter-next'
  | 'ws'
  | 'ws+bu'
  | 'undici'
  | 'raw';

/** The wsx faces, in table order. */
export const FACES = ['wsx', 'wsx-whatwg', 'wsx-nodemcu'] as const;

export type ScenarioKind = 'upload' | 'download' | 'echo' | 'handshake' | 'idle';

export interface Scenario {
  /** Stable id, e.g. `upload-1024`. */
  id: string;
  kind: ScenarioKind;
  /** Payload bytes per message; for handshake and idle, the number of connections. */
  size: number;
  clients: ClientName[];
}

/** Everything a run can report; which ones depends on the scenario kind (see METRICS). */
export interface Metrics {
  /** Messages per second (round trips for echo). */
  msgsPerSec?: number;
  /** Payload megabytes (10^6 bytes) per second, one direction. */
  mbPerSec?: number;
  /** Client CPU time (user + system, all threads) per MB of payload, in ms. */
  cpuMsPerMB?: number;
  /** Client CPU time per message or round trip, in µs. */
  cpuUsPerMsg?: number;
  /** Echo: round-trip latency percentiles in µs. */
  p50us?: number;
  p99us?: number;
  /** Handshake: completed open + close cycles per second, and the median open time. */
  handshakesPerSec?: number;
  openP50us?: number;
  /** Handshake: client CPU per open + close cycle in µs. */
  cpuUsPerHandshake?: number;
  /** Idle: time to open all connections (ms), and memory per open connection (bytes). */
  openAllMs?: number;
  heapPerConn?: number;
  rssPerConn?: number;
  externalPerConn?: number;
}

export type MetricKey = keyof Metrics;

export interface MetricSpec {
  key: MetricKey;
  label: string;
  /** True when a bigger value is better (rates); false for times, CPU and memory. */
  higherIsBetter: boolean;
  format: (value: number) => string;
}

function rate(value: number): string {
  if (value >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (value >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(0);
}
function number(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}
function kib(value: number): string {
  return `${number(value / 1024)} KiB`;
}

const THROUGHPUT: MetricSpec[] = [
  { key: 'msgsPerSec', label: 'msgs/s', higherIsBetter: true, format: rate },
  { key: 'mbPerSec', label: 'MB/s', higherIsBetter: true, format: number },
  { key: 'cpuMsPerMB', label: 'CPU ms/MB', higherIsBetter: false, format: number },
];

/** The metrics each scenario kind reports, in table order. */
export const METRICS: Record<ScenarioKind, MetricSpec[]> = {
  upload: THROUGHPUT,
  download: THROUGHPUT,
  echo: [
    { key: 'msgsPerSec', label: 'round trips/s', higherIsBetter: true, format: rate },
    { key: 'p50us', label: 'p50 RTT µs', higherIsBetter: false, format: number },
    { key: 'p99us', label: 'p99 RTT µs', higherIsBetter: false, format: number },
    { key: 'cpuUsPerMsg', label: 'CPU µs/round trip', higherIsBetter: false, format: number },
  ],
  handshake: [
    { key: 'handshakesPerSec', label: 'handshakes/s', higherIsBetter: true, format: number },
    { key: 'openP50us', label: 'open p50 µs', higherIsBetter: false, format: number },
    { key: 'cpuUsPerHandshake', label: 'CPU µs/handshake', higherIsBetter: false, format: number },
  ],
  idle: [
    { key: 'openAllMs', label: 'open all, ms', higherIsBetter: false, format: number },
    { key: 'heapPerConn', label: 'heap/conn', higherIsBetter: false, format: kib },
    { key: 'rssPerConn', label: 'RSS/conn', higherIsBetter: false, format: kib },
    { key: 'externalPerConn', label: 'external/conn', higherIsBetter: false, format: kib },
  ],
};

/** What one client child process reports for one run (printed as one JSON line). */
export interface RunResult {
  client: ClientName;
  scenario: string;
  /** Round (0-based) this run belongs to; set by run.ts. */
  round?: number;
  metrics: Metrics;
  /** Messages, round trips or handshakes counted in the measured window. */
  messages: number;
  /** Length of the measured window in ms. */
  elapsedMs: number;
  /** CPU time of the whole client process, start to finish (µs, all threads). */
  processCpuUs?: number;
  /** Share of all CPUs other processes kept busy just before the run (set by run.ts). */
  busyBefore?: number;
  /**
   * Share of the machine's CPU capacity that processes other than the client, the server and
   * run.ts used during the run (set by run.ts from /proc; absent elsewhere).
   */
  othersShare?: number;
  /** othersShare stayed below the threshold: the run had the machine to itself. */
  clean?: boolean;
}

export function formatSize(bytes: number): string {
  if (bytes >= 1 << 20) return `${bytes / (1 << 20)} MiB`;
  if (bytes >= 1024) return `${bytes / 1024} KiB`;
  return `${bytes} B`;
}

// ------------------------------------------------------------------ frames

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

export function acceptKey(key: string): string {
  return createHash('sha1')
    .update(key + GUID)
    .digest('base64');
}

function headerLength(payloadLength: number, masked: boolean): number {
  const base = payloadLength < 126 ? 2 : payloadLength < 65536 ? 4 : 10;
  return masked ? base + 4 : base;
}

function writeHeader(
  out: Buffer,
  at: number,
  opcode: number,
  payloadLength: number,
  masked: boolean,
): number {
  out[at] = 0x80 | opcode;
  const maskBit = masked ? 0x80 : 0;
  if (payloadLength < 126) {
    out[at + 1] = maskBit | payloadLength;
    return at + 2;
  }
  if (payloadLength < 65536) {
    out[at + 1] = maskBit | 126;
    out.writeUInt16BE(payloadLength, at + 2);
    return at + 4;
  }
  out[at + 1] = maskBit | 127;
  out.writeUInt32BE(Math.floor(payloadLength / 0x100000000), at + 2);
  out.writeUInt32BE(payloadLength >>> 0, at + 6);
  return at + 10;
}

/** One unmasked (server-to-client) frame. */
export function serverFrame(opcode: number, payload: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(headerLength(payload.length, false) + payload.length);
  const at = writeHeader(out, 0, opcode, payload.length, false);
  out.set(payload, at);
  return out;
}

/**
 * `count` identical masked (client-to-server) binary frames back to back, for the raw
 * reference client. One fixed key is fine for a ceiling measurement: the bytes are only
 * ever parsed by our own server.
 */
export function maskedFrames(payload: Uint8Array, count: number): Buffer {
  const frameLength = headerLength(payload.length, true) + payload.length;
  const out = Buffer.allocUnsafe(frameLength * count);
  const key = [0x12, 0x34, 0x56, 0x78];
  let at = 0;
  for (let f = 0; f < count; f++) {
    at = writeHeader(out, at, 2, payload.length, true);
    for (let k = 0; k < 4; k++) out[at + k] = key[k]!;
    at += 4;
    for (let i = 0; i < payload.length; i++) out[at + i] = payload[i]! ^ key[i & 3]!;
    at += payload.length;
  }
  return out;
}

/** `count` identical unmasked binary frames back to back (what the download server blasts). */
export function serverFrames(payload: Uint8Array, count: number): Buffer {
  const one = serverFrame(2, payload);
  const out = Buffer.allocUnsafe(one.length * count);
  for (let f = 0; f < count; f++) out.set(one, f * one.length);
  return out;
}

/** A deterministic payload (content does not matter to any code path measured). */
export function payloadOf(size: number): Buffer {
  const out = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + 7) & 0xff;
  return out;
}

// ------------------------------------------------------------------ statistics

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The p-th percentile (0..100) of a sorted array, nearest rank. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}
