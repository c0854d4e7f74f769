// Runs every LuatOS-Air example (examples/luatos-air/*.ts, the seed document's snippets in
// TypeScript) as its own process against a real echo server on 127.0.0.1 given through
// WSX_URL, and checks what it prints. Each example must end by itself; one also runs without
// WSX_URL to check that it starts its own embedded server. Nothing here waits on real time
// (the cost is starting a process per example), so the examples run four at a time.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startEchoServer } from '../../src/cli/serve.js';

const directory = fileURLToPath(new URL('../../examples/luatos-air/', import.meta.url));

/** What each example prints, line by line. */
const EXPECTED: Record<string, string[]> = {
  'new.ts': ['created, state CONNECTING online false'],
  'on.ts': ['hello from on.ts'],
  'connect.ts': ['connected true state OPEN'],
  'send-frame.ts': ['echo true www.openluat.com'],
  'recv.ts': ['recv true ping me back'],
  'close.ts': ['close 1005', 'close 1002'],
  'exit.ts': ['open, state OPEN', 'close 1005', 'start returned, state CLOSED'],
  'state.ts': [
    'new CONNECTING',
    'connecting CONNECTING',
    'connected OPEN',
    'after close() CLOSING',
    'closed CLOSED',
  ],
  'online.ts': ['before connect false', 'after connect true', 'after close() false'],
  'start.ts': ['message hello from start.ts', 'task ended, state CLOSED'],
  'start-proc.ts': ['uart1 <- line 1', 'uart1 <- line 2', 'task ended'],
};

/** Runs one example with node and tsx; resolves with its output lines. */
function run(file: string, url: string | undefined): Promise<string[]> {
  const env = { ...process.env };
  delete env.WSX_URL;
  if (url !== undefined) env.WSX_URL = url;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', `${directory}${file}`],
      { env, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error !== null) {
          reject(new Error(`${file} failed: ${error.message}\n${stderr}`));
          return;
        }
        resolve(stdout.split('\n').filter((line) => line !== ''));
      },
    );
  });
}

const suite = { timeout: 120_000, concurrency: 4 };

describe('examples/luatos-air (the seed document, line for line)', suite, () => {
  let server: RunningServer;
  before(async () => {
    server = await startEchoServer(0, '127.0.0.1');
  });
  after(() => server.close());

  it('has an expected output for every example and no more', () => {
    const examples = readdirSync(directory)
      .filter((name) => name.endsWith('.ts') && !name.startsWith('_'))
      .sort();
    assert.deepEqual(examples, Object.keys(EXPECTED).sort());
  });

  for (const [file, lines] of Object.entries(EXPECTED)) {
    it(`${file} runs against the server in WSX_URL and ends by itself`, async () => {
      assert.deepEqual(await run(file, server.url), lines);
    });
  }

  it('without WSX_URL an example starts its own embedded echo server', async () => {
    assert.deepEqual(await run('recv.ts', undefined), EXPECTED['recv.ts']);
  });
});
