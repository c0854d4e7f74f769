// 10,000 send() calls on a ReconnectingWebSocket that is not connected: once with a queue that
// holds them all, once with partysocket's `maxEnqueuedMessages: 10` (9,990 refused at once).
// Prints the median and best process CPU time of 15 rounds (CPU time, not wall time, so that a
// busy machine changes the numbers less). Run: npx tsx bench/offline-queue.ts
import { ReconnectingWebSocket, type ReconnectingWebSocketOptions } from '../src/index.js';

const cases: [string, ReconnectingWebSocketOptions][] = [
  ['queue holds all 10,000', { maxQueuedMessages: 10_000 }],
  ['maxEnqueuedMessages 10', { maxEnqueuedMessages: 10 }],
];
for (const [label, options] of cases) {
  const times: number[] = [];
  for (let round = 0; round < 15; round++) {
    const ws = new ReconnectingWebSocket('ws://127.0.0.1:9/', { ...options, startClosed: true });
    const start = process.cpuUsage();
    for (let i = 0; i < 10_000; i++) void ws.send(`message-${i}`);
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
    ws.close();
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(`${label}: median ${median.toFixed(1)} ms CPU, best ${times[0]!.toFixed(1)} ms`);
}
