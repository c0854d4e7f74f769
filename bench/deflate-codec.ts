// Benchmark of the permessage-deflate codec on node:zlib (src/transport/deflate-codec.ts):
// throughput of 16 KiB text-like messages at concurrency 1 and 10, memory per idle codec and
// per active inflater/deflater pair, and what freeing the zlib stream at each reset costs.
// Not part of npm test.
//
//   node --expose-gc --import tsx bench/deflate-codec.ts

import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { CodecSink, RawCodec } from '../src/core/ports.js';
import { createZlibDeflatePort, type ZlibDeflatePort } from '../src/transport/deflate-codec.js';
import { textLike as textOf } from './measure.js';

const textLike = (bytes: number, seed: number): Buffer => Buffer.from(textOf(bytes, seed));

const MESSAGE_BYTES = 16 * 1024;
const CODECS = 10;
const MESSAGES_PER_CODEC = 200;
const KiB = 1024;

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) {
  console.error('run with: node --expose-gc --import tsx bench/deflate-codec.ts');
  process.exit(1);
}

function collect(): { sink: CodecSink; done: () => Promise<Buffer> } {
  let parts: Uint8Array[] = [];
  let resolve: ((value: Buffer) => void) | undefined;
  const sink: CodecSink = {
    onOutput: (chunk) => {
      parts.push(chunk);
      return true;
    },
    onFlushed: () => {
      const whole = Buffer.concat(parts);
      parts = [];
      resolve?.(whole);
    },
    onInvalid: (message) => {
      throw new Error(message);
    },
  };
  return {
    sink,
    done: () =>
      new Promise<Buffer>((r) => {
        resolve = r;
      }),
  };
}

/** Runs `codecs` codecs in parallel, each sending `count` messages one after the other. */
async function throughput(
  port: ZlibDeflatePort,
  direction: 'deflate' | 'inflate',
  messages: Buffer[],
): Promise<number> {
  const compressed: Buffer[] = [];
  if (direction === 'inflate') {
    const { sink, done } = collect();
    const deflater = port.createDeflater({ windowBits: 15, level: 6, memLevel: 8 }, sink);
    for (const message of messages) {
      const result = done();
      deflater.write(message);
      deflater.flush();
      deflater.reset();
      compressed.push(await result);
    }
    deflater.close();
  }
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CODECS }, async () => {
      const { sink, done } = collect();
      const codec =
        direction === 'deflate'
          ? port.createDeflater({ windowBits: 15, level: 6, memLevel: 8 }, sink)
          : port.createInflater(15, sink);
      for (let i = 0; i < messages.length; i++) {
        const result = done();
        codec.write(direction === 'deflate' ? messages[i]! : compressed[i]!);
        codec.flush();
        codec.reset();
        await result;
      }
      codec.close();
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  return (CODECS * messages.length * MESSAGE_BYTES) / seconds / 1e6;
}

/** Lets closed zlib handles go (their native close is asynchronous), then collects. */
async function memory(): Promise<{ heap: number; external: number; rss: number }> {
  for (let i = 0; i < 5; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
  }
  const usage = process.memoryUsage();
  return {
    heap: usage.heapUsed,
    external: usage.external + usage.arrayBuffers,
    rss: usage.rss,
  };
}

/** Memory of 1,000 idle codecs of each kind, or of 200 used ones (run in a fresh process). */
async function measureMemory(kind: string): Promise<void> {
  const port = createZlibDeflatePort();
  const noop: CodecSink = { onOutput: () => true, onFlushed: () => {}, onInvalid: () => {} };
  const settings = { windowBits: 15, level: 6, memLevel: 8 };
  const kept: RawCodec[] = [];
  if (kind === 'idle') {
    const before = await memory();
    for (let i = 0; i < 1000; i++) {
      kept.push(port.createInflater(15, noop));
      kept.push(port.createDeflater(settings, noop));
    }
    const after = await memory();
    console.log(
      `idle (never used), 1,000 inflaters + 1,000 deflaters: heap +${((after.heap - before.heap) / 2000).toFixed(0)} B per codec, external +${after.external - before.external} B, RSS +${((after.rss - before.rss) / 2000).toFixed(0)} B per codec`,
    );
    return;
  }
  const count = 200;
  const message = textLike(MESSAGE_BYTES, 7);
  const compressor = collect();
  const deflater = port.createDeflater(settings, compressor.sink);
  const compressedResult = compressor.done();
  deflater.write(message);
  deflater.flush();
  const compressed = await compressedResult;
  deflater.close();
  const base = await memory();
  for (let i = 0; i < count; i++) {
    if (kind !== 'inflater') {
      const d = collect();
      const codec = port.createDeflater(settings, d.sink);
      const result = d.done();
      codec.write(message);
      codec.flush();
      await result;
      kept.push(codec);
    }
    if (kind !== 'deflater') {
      const inf = collect();
      const codec = port.createInflater(15, inf.sink);
      const result = inf.done();
      codec.write(compressed);
      codec.flush();
      await result;
      kept.push(codec);
    }
  }
  const used = await memory();
  console.log(
    `active ${kind} (window 15, memLevel 8, one 16 KiB message each): heap +${((used.heap - base.heap) / count / KiB).toFixed(1)} KiB, external +${((used.external - base.external) / count / KiB).toFixed(1)} KiB, RSS +${((used.rss - base.rss) / count / KiB).toFixed(0)} KiB each (${count} measured)`,
  );
}

/** Time per message of deflate+reset with the stream kept (reset) or made again each time. */
async function resetCost(): Promise<void> {
  for (const size of [64, 1024, MESSAGE_BYTES]) {
    const message = textLike(size, 3);
    const row: string[] = [];
    for (const idleFreeMs of [10_000, 0]) {
      const port = createZlibDeflatePort({ idleFreeMs });
      const { sink, done } = collect();
      const deflater = port.createDeflater({ windowBits: 15, level: 6, memLevel: 8 }, sink);
      const count = 2000;
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        const result = done();
        deflater.write(message);
        deflater.flush();
        deflater.reset();
        await result;
      }
      const micros = ((performance.now() - started) * 1000) / count;
      deflater.close();
      row.push(`${idleFreeMs === 0 ? 'new stream' : 'reset()'} ${micros.toFixed(1)} us`);
    }
    console.log(`deflate ${size} B + reset, per message: ${row.join(', ')}`);
  }
}

async function main(): Promise<void> {
  const messages = Array.from({ length: MESSAGES_PER_CODEC }, (_, i) =>
    textLike(MESSAGE_BYTES, i + 1),
  );
  console.log(
    `${CODECS} codecs x ${MESSAGES_PER_CODEC} messages of ${MESSAGE_BYTES} B (text-like, level 6, window 15), MB/s of uncompressed bytes`,
  );
  for (const concurrency of [1, 10]) {
    const port = createZlibDeflatePort({ concurrency });
    await throughput(port, 'deflate', messages.slice(0, 20)); // warm-up
    const deflate = await throughput(port, 'deflate', messages);
    const inflate = await throughput(port, 'inflate', messages);
    console.log(
      `concurrency ${concurrency}: deflate ${deflate.toFixed(0)} MB/s, inflate ${inflate.toFixed(0)} MB/s`,
    );
  }
  for (const kind of ['idle', 'pair', 'deflater', 'inflater']) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), 'memory', kind],
      { stdio: 'inherit' },
    );
    if (child.status !== 0) process.exit(1);
  }
  await resetCost();
}

if (process.argv[2] === 'memory') await measureMemory(process.argv[3]!);
else await main();
