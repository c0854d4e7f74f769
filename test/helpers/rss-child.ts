// Runs in a child process (spawned by test/client/hostile-floods.test.ts): connects a wsx
// client to argv[2], does what argv[3] says, and samples this process's RSS until the client
// received argv[4] bytes, closed, or argv[5] ms passed. Prints one JSON line: the RSS growth
// over the baseline taken after the handshake, and what the client saw. Nothing else.
//   mode 'idle':      connect and only read (the server floods Pings and never reads)
//   mode 'idle-unpaused': the same with writeHighWaterBytes 0 (no pause for unsent bytes)
//   mode 'close':     connect, wait for the first message, call close(), keep counting
//   mode 'break':     the same, leaving a for-await loop with break instead of close()

import { connect } from '../../src/api/websocket-client.js';

const [url, mode, maxBytesText, maxMsText] = process.argv.slice(2);
const maxBytes = Number(maxBytesText);
const maxMs = Number(maxMsText);

function rss(): number {
  return process.memoryUsage.rss();
}

async function main(): Promise<void> {
  // Keepalive and the close timeout stay out of the way: the bound must come from the fixes.
  const options = {
    pingIntervalMs: 0,
    closeTimeoutMs: 60_000,
    // 'idle-unpaused': reading never pauses for unsent bytes, so only the Pong coalescing counts.
    ...(mode === 'idle-unpaused' ? { writeHighWaterBytes: 0 } : {}),
  };
  let bytesIn: () => number;
  let closed: Promise<unknown>;
  let stop: () => void;
  const started = performance.now();
  let baseline = 0;
  {
    const ws = await connect(url!, options);
    baseline = rss();
    if (mode === 'close') {
      const iterator = ws[Symbol.asyncIterator]();
      await iterator.next();
      void ws.close();
    } else if (mode === 'break') {
      // Leaving the loop closes the connection (the loop then waits for the closing handshake,
      // so it runs on its own while this process samples).
      await new Promise<void>((resolve) => {
        void (async () => {
          for await (const _message of ws) {
            resolve();
            break;
          }
        })();
      });
    }
    bytesIn = () => ws.stats().bytesIn;
    closed = ws.closed;
    stop = () => ws.terminate();
  }
  let peak = rss();
  let isClosed = false;
  void closed.then(() => {
    isClosed = true;
  });
  // Sample until done; a bounded number of samples.
  for (let i = 0; i < maxMs / 20 + 1; i++) {
    peak = Math.max(peak, rss());
    if (isClosed || bytesIn() >= maxBytes || performance.now() - started > maxMs) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  peak = Math.max(peak, rss());
  const result = { growthBytes: peak - baseline, bytesIn: bytesIn(), isClosed };
  stop();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

void main();
