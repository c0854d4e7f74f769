// Runs in a child process (spawned by test/transport/deflate-codec.test.ts): inflates about
// 1 MiB of compressed zeros (about 1 GiB inflated) through the zlib codec, written in 64 KiB
// pieces then flushed, with a sink that stops once it saw more than argv[2] bytes. Samples
// this process's RSS while zlib runs and for a while after the stop. Prints one JSON line.

import { deflateRawSync, constants as zlibConstants } from 'node:zlib';
import { createZlibDeflatePort } from '../../src/transport/deflate-codec.js';

const limitBytes = Number(process.argv[2]);
const SETTLE_MS = 300;

// Sync-flushed pieces of a raw DEFLATE stream can be joined: each one is 16 MiB of zeros.
const piece = deflateRawSync(Buffer.alloc(16 * 1024 * 1024), {
  finishFlush: zlibConstants.Z_SYNC_FLUSH,
});
const bomb = Buffer.concat(Array.from({ length: 64 }, () => piece));
const bombInflatedBytes = 64 * 16 * 1024 * 1024;

const port = createZlibDeflatePort();
let outputBytes = 0;
let calls = 0;
let callsAfterStop = 0;
let isStopped = false;
let stoppedAt = 0;
let isFlushed = false;
let maxChunkBytes = 0;
const baseline = process.memoryUsage.rss();
let peak = baseline;

const inflater = port.createInflater(15, {
  onOutput: (chunk) => {
    calls++;
    if (isStopped) callsAfterStop++;
    outputBytes += chunk.byteLength;
    maxChunkBytes = Math.max(maxChunkBytes, chunk.byteLength);
    if (outputBytes > limitBytes) {
      isStopped = true;
      stoppedAt = performance.now();
      return false;
    }
    return true;
  },
  onFlushed: () => {
    isFlushed = true;
  },
  onInvalid: () => {},
});
for (let offset = 0; offset < bomb.length; offset += 64 * 1024) {
  inflater.write(bomb.subarray(offset, offset + 64 * 1024));
}
inflater.flush();

const started = performance.now();
const timer = setInterval(() => {
  peak = Math.max(peak, process.memoryUsage.rss());
  const now = performance.now();
  const isDone = (isStopped && now - stoppedAt > SETTLE_MS) || isFlushed || now - started > 20_000;
  if (!isDone) return;
  clearInterval(timer);
  inflater.close();
  const result = {
    compressedBytes: bomb.length,
    bombInflatedBytes,
    outputBytes,
    calls,
    callsAfterStop,
    maxChunkBytes,
    isFlushed,
    liveStreams: port.liveStreams,
    growthBytes: peak - baseline,
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}, 2);
