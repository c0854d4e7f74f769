// Micro-benchmark of client masking (RFC 6455 §5.3): wsx's applyMask (src/core/frame.ts)
// against the byte-at-a-time loop that undici and ws's JS fallback use, plus the native
// bufferutil addon as a reference when it is installed. Single process, single core.
//
//   npx tsx bench/mask.ts [--baseline]
//
// Each cell is the median of 3 rounds; a round masks about ROUND_BYTES bytes (at least 4
// calls) in place. "+2" rows use a view that starts 2 bytes past a 4-byte boundary, which is
// what FrameWriter hands applyMask for payloads after a 6- or 14-byte header in its pool.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { applyMask } from '../src/core/frame.js';
import { formatSize, median } from './common.js';

const SIZES = [16, 125, 1024, 16 * 1024, 256 * 1024, 4 * 1024 * 1024];
const ROUND_BYTES = 48 * 1024 * 1024;
const ROUNDS = 3;
const KEY = new Uint8Array([0x37, 0xfa, 0x21, 0x3d]);

/** The byte loop of undici's and ws's pure-JS paths. */
function byteLoop(data: Uint8Array, key: Uint8Array): void {
  for (let i = 0; i < data.length; i++) data[i] = data[i]! ^ key[i & 3]!;
}

type Masker = (data: Uint8Array, key: Uint8Array) => void;

function loadBufferutil(): Masker | undefined {
  try {
    const require = createRequire(import.meta.url);
    const bufferutil = require('bufferutil') as { unmask(buffer: Buffer, mask: Buffer): void };
    return (data, key) => bufferutil.unmask(data as Buffer, key as Buffer);
  } catch {
    return undefined;
  }
}

/** GB/s (10^9 bytes per second) of `mask` over `data`, median of ROUNDS rounds. */
function measure(mask: Masker, data: Uint8Array, key: Uint8Array): number {
  const calls = Math.max(4, Math.floor(ROUND_BYTES / data.length));
  for (let i = 0; i < Math.min(calls, 2000); i++) mask(data, key); // warm-up
  const rates: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const start = performance.now();
    for (let i = 0; i < calls; i++) mask(data, key);
    const seconds = (performance.now() - start) / 1000;
    rates.push((calls * data.length) / seconds / 1e9);
  }
  return median(rates);
}

function view(size: number, misalign: number): Uint8Array {
  const backing = new Uint8Array(size + 8);
  for (let i = 0; i < backing.length; i++) backing[i] = i & 0xff;
  return backing.subarray(misalign, misalign + size);
}

const native = loadBufferutil();
const nativeKey = Buffer.from(KEY);
const rows: Record<string, number | string>[] = [];
const header = [
  'payload',
  'byte loop',
  'applyMask',
  'applyMask +2',
  'applyMask / byte loop',
  ...(native ? ['bufferutil (native)'] : []),
];
const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];

for (const size of SIZES) {
  const bytes = measure(byteLoop, view(size, 0), KEY);
  const wsx = measure(applyMask, view(size, 0), KEY);
  const wsxOff = measure(applyMask, view(size, 2), KEY);
  const row: Record<string, number | string> = {
    size,
    byteLoopGBps: bytes,
    applyMaskGBps: wsx,
    applyMaskMisalignedGBps: wsxOff,
  };
  const cells = [
    formatSize(size),
    bytes.toFixed(2),
    wsx.toFixed(2),
    wsxOff.toFixed(2),
    `${(wsx / bytes).toFixed(1)}×`,
  ];
  if (native) {
    const b = view(size, 0);
    const n = measure((data) => native(data, nativeKey), b, KEY);
    row.bufferutilGBps = n;
    cells.push(n.toFixed(2));
  }
  rows.push(row);
  lines.push(`| ${cells.join(' | ')} |`);
  process.stderr.write(`  ${formatSize(size)} done\n`);
}

const table = lines.join('\n');
process.stdout.write(`\nmasking throughput, GB/s (10^9 B/s), single core\n\n${table}\n`);

const here = dirname(fileURLToPath(import.meta.url));
const resultsDir = join(here, 'results');
mkdirSync(resultsDir, { recursive: true });
const report = { date: new Date().toISOString(), node: process.version, rows, table };
const json = `${JSON.stringify(report, null, 2)}\n`;
writeFileSync(join(resultsDir, 'mask-latest.json'), json);
if (process.argv.includes('--baseline')) {
  writeFileSync(join(resultsDir, `mask-baseline-${report.date.slice(0, 10)}.json`), json);
}
