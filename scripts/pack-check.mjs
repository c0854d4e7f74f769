#!/usr/bin/env node
// Packs wsx, installs the tarball into an empty project, and checks that both entry points
// import, type-check under NodeNext resolution, and talk to a real server; then that every
// TypeScript example of the README and docs/ (as the tarball ships them) type-checks with
// strict, under moduleResolution NodeNext and under the older "node" (through typesVersions).
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { WebSocketServer } from 'ws';

/**
 * Names that some fragments take from the example before them on the same page, declared
 * here so the fragment type-checks on its own (the page shows them a few lines earlier).
 */
const CONTEXT = {
  'docs/dialects/luatos-air.md': `declare const ws: import('wsx/luatos-air').LuatosAirClient;`,
};

/** Values the examples leave to the reader (a token, a CA certificate). */
const PLACEHOLDERS = `declare function freshToken(): string;
declare const token: string;
declare const myCa: string;
`;

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
  await checkDocExamples(project);

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
    // The installed command: its version, and a device script run by `wsx run` against the
    // same echo server (the script keeps a public URL; --connect-to points it here).
    const bin = join(project, 'node_modules', '.bin', 'wsx');
    const version = await promisify(execFile)(bin, ['--version'], {
      cwd: project,
      timeout: 30_000,
    });
    if (!/\d+\.\d+\.\d+/.test(version.stdout)) {
      throw new Error(`wsx --version printed ${JSON.stringify(version.stdout)}`);
    }
    writeFileSync(
      join(project, 'device.lua'),
      `local ws = websocket.createClient()
ws:on("connection", function(c) c:send("from lua") end)
ws:on("receive", function(c, msg) print("echo", msg) c:close() end)
ws:connect("ws://device.example/")
`,
    );
    const lua = await promisify(execFile)(
      bin,
      [
        'run',
        'device.lua',
        '--connect-to',
        `device.example:80:127.0.0.1:${port}`,
        '--timeout',
        '20',
      ],
      { cwd: project, timeout: 30_000 },
    );
    if (!lua.stdout.includes('echo\tfrom lua')) {
      throw new Error(`wsx run printed ${JSON.stringify(lua.stdout)}`);
    }
    process.stdout.write(
      `pack check: the installed command says "${version.stdout.trim()}", and wsx run echoed a device script\n`,
    );
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

/** The module an import-less fragment of a page uses: the page's dialect, else wsx. */
function moduleOfPage(page) {
  const dialect = /^docs\/dialects\/([a-z-]+)\.md$/.exec(page);
  return dialect === null ? 'wsx' : `wsx/${dialect[1]}`;
}

/** Every \`\`\`ts block of the README and docs/ of the installed package, one file each. */
function writeDocExamples(project) {
  const shipped = join(project, 'node_modules', 'wsx');
  const pages = ['README.md'];
  const walk = (dir) => {
    for (const entry of readdirSync(join(shipped, dir), { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.md')) pages.push(path);
    }
  };
  walk('docs');
  const examples = join(project, 'examples');
  mkdirSync(examples, { recursive: true });
  writeFileSync(join(examples, 'placeholders.d.ts'), PLACEHOLDERS);
  // Every subpath, so that each one's types must resolve under both settings.
  writeFileSync(
    join(examples, 'subpaths.ts'),
    `import { ClientProtocol } from 'wsx/core';
import { websocket as luatos } from 'wsx/luatos';
import { websocket as air } from 'wsx/luatos-air';
import { websocket as nodemcu } from 'wsx/nodemcu';
import { runLua } from 'wsx/lua';
export const all: [typeof ClientProtocol, typeof luatos.create, typeof air.new, typeof nodemcu.createClient, typeof runLua] =
  [ClientProtocol, luatos.create, air.new, nodemcu.createClient, runLua];
`,
  );
  const exported = {};
  const files = [];
  for (const page of pages.sort()) {
    const text = readFileSync(join(shipped, page), 'utf8');
    let index = 0;
    for (const match of text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)) {
      let code = match[1];
      if (!/^import /m.test(code)) {
        // A fragment continues the page's examples: import what it uses from the page's module.
        const module = moduleOfPage(page);
        exported[module] ??= Object.keys(readExports(project, module));
        const used = exported[module].filter((name) => new RegExp(`\\b${name}\\b`).test(code));
        const imports =
          used.length === 0 ? '' : `import { ${used.join(', ')} } from '${module}';\n`;
        code = `${imports}${CONTEXT[page] ?? ''}\n${code}`;
      }
      const name = `${page.replace(/[/.]/g, '_')}_${++index}.ts`;
      writeFileSync(join(examples, name), `${code}\nexport {};\n`);
      files.push(name);
    }
  }
  return files;
}

/** The runtime exports of a module of the installed package, read in a child process. */
function readExports(project, module) {
  const script = `import(${JSON.stringify(module)}).then((m) => console.log(JSON.stringify(Object.fromEntries(Object.keys(m).map((k) => [k, 1])))))`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: project,
      encoding: 'utf8',
    }),
  );
}

async function checkDocExamples(project) {
  const files = writeDocExamples(project);
  if (files.length < 10) throw new Error(`only ${files.length} examples found in the docs`);
  const common = {
    strict: true,
    noEmit: true,
    target: 'ES2022',
    types: ['node'],
    skipLibCheck: false,
    lib: ['ES2023', 'DOM'],
  };
  const settings = {
    NodeNext: { module: 'NodeNext', moduleResolution: 'NodeNext' },
    node: { module: 'ESNext', moduleResolution: 'node' },
  };
  for (const [label, resolution] of Object.entries(settings)) {
    const config = join(project, 'examples', `tsconfig.${label}.json`);
    writeFileSync(
      config,
      JSON.stringify({ compilerOptions: { ...common, ...resolution }, include: ['*.ts'] }),
    );
    const tsc = spawnSync(
      process.execPath,
      [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', config],
      { stdio: 'inherit' },
    );
    if (tsc.status !== 0) {
      throw new Error(
        `the README/docs examples do not type-check with moduleResolution ${label} (see above)`,
      );
    }
    console.log(`pack check: ${files.length} docs examples type-check (moduleResolution ${label})`);
  }
}
