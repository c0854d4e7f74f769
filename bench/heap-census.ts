// What one idle connection keeps on the heap, object by object. Opens `--count` idle
// connections of one client against the benchmark server, takes a heap snapshot before and
// after (each after a full GC), and prints, per kind of object (constructor name, closure
// name, array, string...), how many more there are per connection and how many bytes they
// hold (V8's shallow size). Run it on a compiled wsx (the bench build), as the benchmark does:
//
//   npx tsx bench/heap-census.ts --client wsx --module .tmp/bench-build/<hash>/index.js
//   npx tsx bench/heap-census.ts --client ws --count 2000 --top 40
//
// Clients: wsx, wsx-whatwg, wsx-nodemcu (need --module), ws. Needs --expose-gc, which it
// passes to itself by re-running under `node --expose-gc --import tsx` when missing.

import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { writeHeapSnapshot } from 'node:v8';
import { type Library, ws, wsxModern, wsxNodeMcu, wsxWhatwg } from './libs.js';

const { values: args } = parseArgs({
  options: {
    client: { type: 'string', default: 'wsx' },
    module: { type: 'string' },
    count: { type: 'string', default: '2000' },
    top: { type: 'string', default: '30' },
    /** Kinds (as printed, e.g. "object:Object", comma-separated) to break down by retainer. */
    detail: { type: 'string', default: '' },
    port: { type: 'string' },
  },
});

if ((globalThis as { gc?: unknown }).gc === undefined) {
  const child = spawnSync(
    process.execPath,
    ['--expose-gc', '--import', 'tsx', process.argv[1]!, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

const details = new Set(args.detail.split(',').filter((key) => key !== ''));

interface Kind {
  count: number;
  bytes: number;
}

/** Per "type:name" key, how many nodes of the snapshot there are and their shallow size. */
function census(file: string): Map<string, Kind> {
  const snapshot = JSON.parse(readFileSync(file, 'utf8')) as {
    snapshot: {
      meta: {
        node_fields: string[];
        node_types: [string[]];
        edge_fields: string[];
        edge_types: [string[]];
      };
    };
    nodes: number[];
    edges: number[];
    strings: string[];
  };
  const {
    node_fields: fields,
    node_types: types,
    edge_fields: edgeFields,
    edge_types: edgeTypes,
  } = snapshot.snapshot.meta;
  const width = fields.length;
  const typeAt = fields.indexOf('type');
  const nameAt = fields.indexOf('name');
  const sizeAt = fields.indexOf('self_size');
  const typeNames = types[0];
  const kinds = new Map<string, Kind>();
  const { nodes, strings, edges } = snapshot;
  const keys: string[] = new Array(nodes.length / width);
  for (let i = 0; i < nodes.length; i += width) {
    const type = typeNames[nodes[i + typeAt]!]!;
    let name = strings[nodes[i + nameAt]!]!;
    if (type === 'string' || type === 'concatenated string' || type === 'sliced string') {
      name = '';
    } else if (name.length > 60) name = `${name.slice(0, 60)}…`;
    const key = `${type}:${name}`;
    keys[i / width] = key;
    const kind = kinds.get(key) ?? { count: 0, bytes: 0 };
    kind.count++;
    kind.bytes += nodes[i + sizeAt]!;
    kinds.set(key, kind);
  }
  if (details.size === 0) return kinds;
  // Break the detail kinds down by what holds them: "holder kind .edge name".
  const edgeWidth = edgeFields.length;
  const edgeCountAt = fields.indexOf('edge_count');
  const edgeTypeAt = edgeFields.indexOf('type');
  const edgeNameAt = edgeFields.indexOf('name_or_index');
  const edgeToAt = edgeFields.indexOf('to_node');
  let e = 0;
  for (let i = 0; i < nodes.length; i += width) {
    const holder = keys[i / width]!;
    const end = e + nodes[i + edgeCountAt]! * edgeWidth;
    for (; e < end; e += edgeWidth) {
      const to = nodes[e + edgeToAt]!;
      const target = keys[edges[e + edgeToAt]! / width]!;
      void to;
      if (!details.has(target)) continue;
      const edgeType = edgeTypes[0][edges[e + edgeTypeAt]!]!;
      if (edgeType === 'weak') continue;
      const edgeName =
        edgeType === 'element' || edgeType === 'hidden'
          ? `[${edgeType}]`
          : strings[edges[e + edgeNameAt]!]!;
      const key = `  ${target} <- ${holder} .${edgeName}`;
      const kind = kinds.get(key) ?? { count: 0, bytes: 0 };
      kind.count++;
      kinds.set(key, kind);
    }
  }
  return kinds;
}

async function collect(): Promise<void> {
  const gc = (globalThis as unknown as { gc: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((done) => setTimeout(done, 20));
  }
}

async function library(): Promise<Library> {
  const fail = (error: unknown): void => {
    console.error('connection failed:', error);
  };
  const module = args.module === undefined ? '' : pathToFileURL(resolvePath(args.module)).href;
  switch (args.client) {
    case 'wsx':
      return wsxModern(module, fail);
    case 'wsx-whatwg':
      return wsxWhatwg(module, fail);
    case 'wsx-nodemcu':
      return wsxNodeMcu(module.replace(/index\.js$/, 'dialects/nodemcu.js'), fail);
    case 'ws':
      return ws(fail);
    default:
      throw new Error(`unknown client ${args.client}`);
  }
}

/** Starts bench/server.ts unless --port names one that runs; resolves with its port. */
async function serverPort(): Promise<number> {
  if (args.port !== undefined) return Number(args.port);
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(import.meta.dirname, 'server.ts')],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve) => {
    child.stdout!.once('data', (line: Buffer) => {
      // The server exits when this process does (its stdin closes).
      resolve((JSON.parse(String(line)) as { port: number }).port);
    });
  });
}

const port = await serverPort();
const target = `ws://127.0.0.1:${port}/echo`;
const lib = await library();
const count = Number(args.count);
await (await lib.open(target, () => {})).close();
await collect();
const dir = tmpdir();
const beforeFile = writeHeapSnapshot(join(dir, `census-before-${process.pid}.heapsnapshot`));
const heapBefore = process.memoryUsage().heapUsed;
const conns = [];
for (let i = 0; i < count; i += 50) {
  const batch = [];
  for (let j = i; j < Math.min(count, i + 50); j++) batch.push(lib.open(target, () => {}));
  conns.push(...(await Promise.all(batch)));
}
await new Promise((done) => setTimeout(done, 200));
await collect();
const heapAfter = process.memoryUsage().heapUsed;
const afterFile = writeHeapSnapshot(join(dir, `census-after-${process.pid}.heapsnapshot`));
const before = census(beforeFile);
const after = census(afterFile);
rmSync(beforeFile);
rmSync(afterFile);
const rows: { key: string; count: number; bytes: number }[] = [];
let totalBytes = 0;
let totalCount = 0;
for (const [key, kind] of after) {
  const old = before.get(key) ?? { count: 0, bytes: 0 };
  const row = {
    key,
    count: (kind.count - old.count) / count,
    bytes: (kind.bytes - old.bytes) / count,
  };
  totalBytes += row.bytes;
  totalCount += row.count;
  if (key.startsWith('  ')) continue;
  if (Math.abs(row.count) >= 0.5 || Math.abs(row.bytes) >= 8) rows.push(row);
}
const holders = [...after]
  .filter(([key]) => key.startsWith('  '))
  .map(([key, kind]) => ({ key, count: (kind.count - (before.get(key)?.count ?? 0)) / count }))
  .filter((row) => Math.abs(row.count) >= 0.5)
  .sort((a, b) => a.key.localeCompare(b.key) || b.count - a.count);
rows.sort((a, b) => b.bytes - a.bytes);
console.log(
  `${args.client}: ${count} idle connections; per connection: heapUsed ${((heapAfter - heapBefore) / count).toFixed(0)} B, ` +
    `snapshot ${totalBytes.toFixed(0)} B in ${totalCount.toFixed(1)} objects`,
);
console.log('objects/conn  bytes/conn  kind');
for (const row of rows.slice(0, Number(args.top))) {
  console.log(
    `${row.count.toFixed(2).padStart(12)}  ${row.bytes.toFixed(0).padStart(10)}  ${row.key}`,
  );
}
if (holders.length > 0) console.log('\nreferences per connection (holder .edge):');
for (const row of holders) console.log(`${row.count.toFixed(2).padStart(6)} ${row.key}`);
for (const conn of conns) conn.terminate();
process.exit(0);
