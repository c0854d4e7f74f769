// Summarizes V8 .cpuprofile files (from `npm run bench -- --profile`, or any
// `node --cpu-prof` run): self time per function and per source file, heaviest first.
//
//   npx tsx bench/profile-summary.ts bench/results/profiles/wsx-upload-64-0.cpuprofile [--top 25]

import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

const topIndex = process.argv.indexOf('--top');
const top = topIndex === -1 ? 25 : Math.min(500, Number(process.argv[topIndex + 1]) || 25);
const files = process.argv
  .slice(2)
  .filter((arg, i, all) => arg !== '--top' && all[i - 1] !== '--top');

function shortUrl(url: string): string {
  if (url === '') return '(native)';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  return path.startsWith('/') ? relative(process.cwd(), path) : path;
}

for (const file of files) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  // Self time per node: the sum of the time deltas of the samples that landed on it.
  const selfMicros = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const id = samples[i]!;
    // V8 attributes delta[i+1] to sample i; the last sample gets its own delta.
    const delta = deltas[i + 1] ?? deltas[i] ?? 0;
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + delta);
  }
  let total = 0;
  for (const value of selfMicros.values()) total += value;
  const byFunction = new Map<string, number>();
  const byFile = new Map<string, number>();
  for (const node of profile.nodes) {
    const micros = selfMicros.get(node.id) ?? 0;
    if (micros === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = shortUrl(url);
    const name = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + micros);
    byFile.set(where, (byFile.get(where) ?? 0) + micros);
  }
  const print = (title: string, map: Map<string, number>, limit: number): void => {
    process.stdout.write(`\n  ${title}\n`);
    const rows = [...map.entries()].sort((a, b) => b[1] - a[1]).slice(0, limit);
    for (const [name, micros] of rows) {
      const share = ((micros / total) * 100).toFixed(1).padStart(5);
      process.stdout.write(`  ${share}%  ${(micros / 1000).toFixed(1).padStart(8)} ms  ${name}\n`);
    }
  };
  process.stdout.write(`\n${file}: ${(total / 1000).toFixed(0)} ms sampled\n`);
  print('self time by function', byFunction, top);
  print('self time by file', byFile, Math.min(top, 15));
}
