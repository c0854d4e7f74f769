// Runs in a child process with --expose-gc (spawned by test/transport/deflate-idle.test.ts):
// opens argv[3] idle wsx connections to argv[2], with permessage-deflate offered (argv[4]
// 'deflate') or not ('plain'), and prints the heap + external bytes they cost, after a GC,
// and what the connections agreed.

import { connect, type WebSocketClient } from '../../src/api/websocket-client.js';

const [url, countText, mode] = process.argv.slice(2);
const count = Number(countText);
const gc = (globalThis as { gc?: () => void }).gc!;

function used(): number {
  gc();
  gc();
  const memory = process.memoryUsage();
  return memory.heapUsed + memory.external + memory.arrayBuffers;
}

async function main(): Promise<void> {
  const options = { pingIntervalMs: 0, perMessageDeflate: mode === 'deflate' };
  // One connection first, so that code loaded on first use is not counted.
  const warm = await connect(url!, options);
  const before = used();
  const clients: WebSocketClient[] = [];
  for (let i = 0; i < count; i++) clients.push(await connect(url!, options));
  const after = used();
  const agreed = new Set(clients.map((client) => client.extensions));
  process.stdout.write(
    `${JSON.stringify({ perConnectionBytes: (after - before) / count, agreed: [...agreed] })}\n`,
  );
  for (const client of [warm, ...clients]) client.terminate();
  process.exit(0);
}

void main();
