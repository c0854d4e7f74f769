#!/usr/bin/env node
// Packs wsx, installs the tarball into an empty project, and checks that both entry points
// import, type-check under NodeNext resolution, and talk to a real server.
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { WebSocketServer } from 'ws';

const root = resolve(import.meta.dirname, '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const work = mkdtempSync(join(tmpdir(), 'wsx-pack-'));
try {
  const packed = execFileSync(npm, ['pack', '--json', '--pack-destination', work], {
    cwd: root,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const tarball = join(work, JSON.parse(packed)[0].filename);
  const project = join(work, 'consumer');
  execFileSync('mkdir', ['-p', project]);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'consumer', type: 'module', private: true }),
  );
  // A TypeScript consumer on Node has @types/node: the TLS option types refer to node:tls.
  execFileSync(npm, ['install', '--no-audit', '--no-fund', tarball, '@types/node@20'], {
    cwd: project,
    stdio: 'inherit',
  });

  writeFileSync(
    join(project, 'check.mjs'),
    `import { connect, WebSocket, isWebSocketError } from 'wsx';
import { ClientProtocol, parseWebSocketUrl } from 'wsx/core';
import { websocket as luatos } from 'wsx/luatos';
import { websocket as luatosAir } from 'wsx/luatos-air';
import { websocket as nodemcu } from 'wsx/nodemcu';
const url = process.argv[2];
if (typeof luatos.create !== 'function' || typeof luatosAir.new !== 'function' || typeof nodemcu.createClient !== 'function') throw new Error('dialect exports missing');
const device = nodemcu.createClient();
await new Promise((resolve, reject) => {
  device.on('connection', (ws) => ws.send('from nodemcu'));
  device.on('receive', (ws, message) => { if (message === 'from nodemcu') ws.close(); else reject(new Error('bad echo')); });
  device.on('close', () => resolve());
  device.connect(url);
});
if (typeof ClientProtocol !== 'function' || typeof parseWebSocketUrl !== 'function') throw new Error('wsx/core exports missing');
const ws = await connect(url);
await ws.send('packed');
for await (const message of ws) { if (message.data !== 'packed') throw new Error('bad echo'); break; }
const whatwg = new WebSocket(url);
await new Promise((resolve, reject) => { whatwg.onopen = resolve; whatwg.onerror = reject; });
whatwg.close();
try { await connect('ftp://nope'); } catch (error) { if (!isWebSocketError(error) || error.code !== 'ERR_INVALID_URL') throw error; }
console.log('pack check: ok');
`,
  );
  writeFileSync(
    join(project, 'check.ts'),
    `import { connect, type CloseInfo, type WebSocketClient } from 'wsx';
import { ClientProtocol, type ProtocolEvent } from 'wsx/core';
export async function use(url: string): Promise<CloseInfo> {
  const ws: WebSocketClient = await connect(url, { openTimeoutMs: 1000 });
  const event: ProtocolEvent | undefined = undefined;
  void event; void ClientProtocol;
  return ws.close(1000, 'bye');
}
`,
  );
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        types: ['node'],
        skipLibCheck: false,
        lib: ['ES2023', 'DOM'],
      },
      files: ['check.ts'],
    }),
  );
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project],
    { stdio: 'inherit' },
  );
  if (tsc.status !== 0) throw new Error('the packed types do not type-check in a consumer project');

  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  server.on('connection', (socket) =>
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary })),
  );
  const { port } = server.address();
  // The server lives in this process, so the consumer must run asynchronously.
  try {
    const run = await promisify(execFile)(
      process.execPath,
      ['check.mjs', `ws://127.0.0.1:${port}/`],
      { cwd: project, timeout: 30_000 },
    );
    process.stdout.write(run.stdout);
  } catch (error) {
    throw new Error(
      `the packed package did not work in a consumer project: ${error.stderr ?? error.message}`,
    );
  } finally {
    for (const client of server.clients) client.terminate();
    server.close();
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
