// Runs in a child process (spawned by test/client/hostile-deflate.test.ts): connects a wsx
// client with permessage-deflate to argv[2] and samples this process's RSS until the
// connection closed or argv[5] ms passed. Prints one JSON line: RSS growth over the baseline
// taken after the handshake, how the connection ended, and what the client counted.
//   mode 'read':  read every message (a bomb must fail the connection with 1009)
//   mode 'slow':  never read (receive backpressure must bound memory)
//   mode 'send':  send argv[4] compressible messages of 1 MiB each to a server that never reads
// argv[3]: maxMessageBytes.

import { connect } from '../../src/api/websocket-client.js';

const [url, mode, maxMessageText, maxMsText] = process.argv.slice(2);
const maxMs = Number(maxMsText);

async function main(): Promise<void> {
  const started = performance.now();
  const ws = await connect(url!, {
    pingIntervalMs: 0,
    closeTimeoutMs: 60_000,
    maxMessageBytes: Number(maxMessageText),
    perMessageDeflate: { threshold: 0 },
  });
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  let messages = 0;
  let closedAt = 0;
  let info: Awaited<typeof ws.closed> | undefined;
  void ws.closed.then((value) => {
    info = value;
    closedAt = performance.now();
  });
  if (mode === 'read') ws.on('message', () => messages++);
  let sent = 0;
  let maxBuffered = 0;
  if (mode === 'send') {
    const big = 'x'.repeat(1024 * 1024);
    void (async () => {
      for (let i = 0; i < 10_000 && info === undefined; i++) {
        // Each send is awaited only up to the high-water mark: what a careful sender does.
        const sending = ws.send(`${i}${big}`).catch(() => {});
        sent++;
        maxBuffered = Math.max(maxBuffered, ws.bufferedAmount);
        if (ws.bufferedAmount > 8 * 1024 * 1024) await sending;
      }
    })();
  }
  for (let i = 0; i < maxMs / 20 + 1; i++) {
    peak = Math.max(peak, process.memoryUsage.rss());
    if (info !== undefined || performance.now() - started > maxMs) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  peak = Math.max(peak, process.memoryUsage.rss());
  const result = {
    growthBytes: peak - baseline,
    isClosed: info !== undefined,
    closeMs: info === undefined ? undefined : closedAt - started,
    errorCode: info?.error?.code,
    code: info?.code,
    messages,
    sent,
    maxBuffered,
    bytesIn: ws.stats().bytesIn,
    bytesOut: ws.stats().bytesOut,
  };
  ws.terminate();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

void main();
