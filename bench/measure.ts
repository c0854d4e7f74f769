// Measuring helpers shared by the benchmarks (run.ts, deflate.ts, client.ts, deflate-codec.ts):
// CPU jiffies from /proc, a settled full GC, and compressible text of a known size.

import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/** Busy (user + nice + system + steal) and total jiffies of all CPUs, from /proc/stat. */
export function machineJiffies(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'latin1').split('\n')[0]!;
    const f = line.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal: irq and softirq are left out of "busy",
    // as loopback traffic of our own processes is partly accounted there.
    const busy = f[0]! + f[1]! + f[2]! + (f[7] ?? 0);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    return { busy, total };
  } catch {
    return undefined;
  }
}

/** utime + stime of a process in jiffies, from /proc/<pid>/stat. */
export function processJiffies(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
    const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
    return Number(f[11]) + Number(f[12]);
  } catch {
    return undefined;
  }
}

/** Full garbage collection (the process runs with --expose-gc), twice to settle weak refs. */
export async function collect(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run the client with --expose-gc');
  for (let i = 0; i < 2; i++) {
    gc();
    await sleep(20);
  }
}

/**
 * Deterministic JSON-like text of `bytes` ASCII characters (a small LCG picks keys, numbers
 * and strings), so that deflate has real work to do: it shrinks to about a third.
 */
export function textLike(bytes: number, seed: number): string {
  const words = ['id', 'name', 'value', 'status', 'temperature', 'device', 'ok', 'error', 'time'];
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 8;
  };
  let text = '';
  while (text.length < bytes) {
    text += `{"${words[next() % words.length]}":${next() % 100000},"${words[next() % words.length]}":"${next().toString(36)}"},`;
  }
  return text.slice(0, bytes);
}
