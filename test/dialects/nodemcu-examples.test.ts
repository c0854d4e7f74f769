// Runs each NodeMCU example (examples/nodemcu/*.ts) as its own process against a real npm
// `ws` echo server on 127.0.0.1, given as the first argument, and checks what it prints and
// what the server saw. One example also runs without an argument, on the embedded server.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startWsEchoServer } from '../helpers/servers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** Runs one example with tsx; resolves with its output once it exits (bounded by a timeout). */
function runExample(name: string, args: string[] = []): Promise<{ stdout: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', `examples/nodemcu/${name}.ts`, ...args],
      { cwd: ROOT, timeout: 20_000, env: { ...process.env, WSX_EXAMPLE_URL: '' } },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') {
          reject(new Error(`${name} did not finish: ${error.message}\n${stderr}`));
          return;
        }
        if (error !== null) reject(new Error(`${name} failed (${error.code}):\n${stderr}`));
        else resolve({ stdout });
      },
    );
  });
}

async function echoServer(t: TestContext) {
  const server = await startWsEchoServer();
  const requests: IncomingMessage[] = [];
  server.server.on('connection', (_socket, request) => requests.push(request));
  t.after(() => server.close());
  return { url: server.url, requests };
}

const lines = (text: string): string[] => text.trimEnd().split('\n');

describe('NodeMCU examples', { timeout: 60_000 }, () => {
  it('create-client.ts creates and disposes a client', async () => {
    const { stdout } = await runExample('create-client');
    assert.deepEqual(lines(stdout), ['client created and disposed']);
  });

  it('close.ts closes twice without a callback', async () => {
    const { stdout } = await runExample('close');
    assert.deepEqual(lines(stdout), ['closed twice without a connection: nothing happened']);
  });

  it('config.ts sends User-Agent: NodeMCU', async (t) => {
    const server = await echoServer(t);
    const { stdout } = await runExample('config', [server.url]);
    assert.deepEqual(lines(stdout), ['connected with User-Agent NodeMCU', 'connection closed\t0']);
    assert.equal(server.requests.length, 1);
    assert.equal(server.requests[0]!.headers['user-agent'], 'NodeMCU');
  });

  it('connect.ts connects, closes, then reports a URL fault as -1', async (t) => {
    const server = await echoServer(t);
    const { stdout } = await runExample('connect', [server.url]);
    assert.deepEqual(lines(stdout), ['connected', 'connection closed\t0', 'connection closed\t-1']);
    assert.equal(server.requests[0]!.headers['user-agent'], 'ESP8266');
  });

  it('events.ts prints connection, two echoes with their opcodes, and close', async (t) => {
    const server = await echoServer(t);
    const { stdout } = await runExample('events', [server.url]);
    assert.deepEqual(lines(stdout), [
      'got ws connection',
      'got message:\thello\t1',
      'got message:\t[78,79,68,69]\t2',
      'connection closed\t0',
    ]);
    assert.equal(server.requests.length, 1);
  });

  it('send.ts sends hello! and prints the echo', async (t) => {
    const server = await echoServer(t);
    const { stdout } = await runExample('send', [server.url]);
    assert.deepEqual(lines(stdout), ['echo:\thello!\t1', 'connection closed\t0']);
  });

  it('events.ts also runs on the embedded echo server when no URL is given', async () => {
    const { stdout } = await runExample('events');
    assert.equal(lines(stdout).at(-1), 'connection closed\t0');
    assert.equal(lines(stdout).length, 4);
  });
});
