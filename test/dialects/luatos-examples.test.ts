// Runs each translated LuatOS example (examples/luatos/) in its own Node process, as a user
// would with `npx tsx`, against a real npm `ws` echo server on 127.0.0.1 (and once against the
// embedded server the example starts itself), and checks what it printed and how it exited.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import type { WebSocket as WsPeer } from 'ws';
import { type EchoServer, startWsEchoServer } from '../helpers/servers.js';

const EXAMPLES = resolve(import.meta.dirname, '..', '..', 'examples', 'luatos');

interface Run {
  code: number | null;
  lines: string[];
  stderr: string;
}

/** Runs one example to its end; resolves when the process exits. */
function runExample(name: string, env: Record<string, string>): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve(EXAMPLES, name)], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.once('error', fail);
    child.once('close', (code) =>
      done({ code, lines: stdout.split('\n').filter(Boolean), stderr }),
    );
  });
}

async function echoServer(t: TestContext): Promise<{ server: EchoServer; headers: string[] }> {
  const server = await startWsEchoServer();
  t.after(() => server.close());
  const headers: string[] = [];
  server.server.on('connection', (_peer: WsPeer, request: { headers: Record<string, unknown> }) => {
    headers.push(String(request.headers.auth));
  });
  return { server, headers };
}

describe('luatos examples', { timeout: 60_000 }, () => {
  it('echo.ts: the document example connects, echoes its device_id message and ends', async (t) => {
    const { server } = await echoServer(t);
    // What the server receives is ordered by TCP before the example's Close: no timing involved.
    const received: string[] = [];
    server.server.on('connection', (peer: WsPeer) => {
      peer.on('message', (data: Buffer) => received.push(data.toString()));
    });
    const run = await runExample('echo.ts', {
      WSX_URL: server.url,
      WSX_WAIT_MS: '250',
      WSX_ITERATIONS: '2',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.lines[0], 'I/user.wsc conack nil');
    assert.equal(received[0], '{"action":"echo","device_id":"wsc-example"}');
    assert.equal(received.length, 3, 'the conack message and one per round');
    assert.ok(run.lines.includes('I/user.wsc sent nil'));
    for (const line of run.lines) assert.match(line, /^I\/user\.wsc (conack|sent|recv) /);
  });

  it('echo.ts: without a URL it starts the embedded echo server', async () => {
    const run = await runExample('echo.ts', {
      WSX_URL: '',
      WSX_WAIT_MS: '50',
      WSX_ITERATIONS: '1',
    });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.lines[0], 'I/user.wsc conack nil');
  });

  it('functions.ts: every per-function example, with headers and the send forms', async (t) => {
    const { server, headers } = await echoServer(t);
    const run = await runExample('functions.ts', { WSX_URL: server.url });
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.lines[0], 'I/user.websocket event conack nil nil nil');
    assert.equal(run.lines[1], 'I/user.websocket ready true conack true');
    assert.deepEqual(
      run.lines.filter((line) => line.includes(' recv ')),
      [
        'I/user.websocket event recv 123 1 1',
        'I/user.websocket event recv 123 1 1',
        'I/user.websocket event recv 456 1 1',
        'I/user.websocket event recv <binary 373839> 1 2',
        'I/user.websocket event recv 123456789 1 1',
      ],
    );
    assert.equal(run.lines.filter((line) => line.includes(' sent ')).length, 7);
    assert.deepEqual(headers, ['Basic ABCDERG'], 'the string form replaced the table');
  });
});
