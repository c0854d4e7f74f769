// Runs every LuatOS-Air example (examples/luatos-air/*.ts, the seed document's snippets in
// TypeScript) against a real echo server on 127.0.0.1 given through WSX_URL, and checks what
// it prints and that it ends by itself: nothing of it may keep the event loop alive. They run
// one after the other in one child process, since starting Node and tsx once per example was
// most of this suite's time; one also runs alone without WSX_URL, in its own process, to check
// that it starts its own embedded server and that the process ends.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type RunningServer, startEchoServer } from '../../src/cli/serve.js';

const directory = fileURLToPath(new URL('../../examples/luatos-air/', import.meta.url));
const RUNNER = fileURLToPath(new URL('./luatos-air-examples-runner.ts', import.meta.url));

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

interface RunnerResult {
  file: string;
  lines: string[];
  /** Resources still keeping the event loop alive after the example ended. */
  left: string[];
  error?: string;
}

/** Runs `args` with node and tsx (env WSX_URL = `url`); resolves with its stdout. */
function node(args: string[], url: string | undefined): Promise<string> {
  const env = { ...process.env };
  delete env.WSX_URL;
  if (url !== undefined) env.WSX_URL = url;
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', ...args],
      { env, timeout: 60_000 },
      (error, stdout, stderr) => {
        if (error !== null)
          reject(new Error(`${args.join(' ')} failed: ${error.message}\n${stderr}`));
        else resolve(stdout);
      },
    );
  });
}

const lines = (stdout: string): string[] => stdout.split('\n').filter((line) => line !== '');

describe('examples/luatos-air (the seed document, line for line)', { timeout: 120_000 }, () => {
  let server: RunningServer;
  const results = new Map<string, RunnerResult>();
  before(async () => {
    server = await startEchoServer(0, '127.0.0.1');
    // Every example in one process, one after the other (see luatos-air-examples-runner.ts).
    const stdout = await node([RUNNER, ...Object.keys(EXPECTED)], server.url);
    for (const line of lines(stdout)) {
      const result = JSON.parse(line) as RunnerResult;
      results.set(result.file, result);
    }
  });
  after(() => server.close());

  it('has an expected output for every example and no more', () => {
    const examples = readdirSync(directory)
      .filter((name) => name.endsWith('.ts') && !name.startsWith('_'))
      .sort();
    assert.deepEqual(examples, Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file} runs against the server in WSX_URL and ends by itself`, () => {
      const result = results.get(file);
      assert.ok(result !== undefined, `${file} did not run`);
      assert.equal(result.error, undefined);
      assert.deepEqual(result.lines, expected);
      assert.deepEqual(result.left, [], `${file} left these keeping the process alive`);
    });
  }

  it('without WSX_URL an example starts its own embedded echo server, in its own process', async () => {
    assert.deepEqual(lines(await node([`${directory}recv.ts`], undefined)), EXPECTED['recv.ts']);
  });
});
