// NODE_DEBUG=wsx turns on the debug lines of the `logger` option, on stderr, without any code
// change: checked in a child process against a real echo server, with and without it.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { effectiveLogger, type Logger } from '../../src/client/options.js';
import { echoServer } from '../helpers/servers.js';

const CHILD = fileURLToPath(new URL('../fixtures/debug-child.ts', import.meta.url));

function runChild(url: string, nodeDebug: string | undefined) {
  const env = { ...process.env };
  delete env.NODE_DEBUG;
  if (nodeDebug !== undefined) env.NODE_DEBUG = nodeDebug;
  return new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', CHILD, url],
      { env, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error !== null) reject(new Error(`child failed: ${error.message}\n${stderr}`));
        else resolve({ stdout, stderr });
      },
    );
  });
}

describe('NODE_DEBUG=wsx', { timeout: 60_000 }, () => {
  it('writes the logger lines to stderr, prefixed WSX <pid>', async (t) => {
    const server = await echoServer(t);
    const url = server.url.replace('ws://', 'ws://bob:hunter2@');
    const { stdout, stderr } = await runChild(url, 'net,wsx');
    assert.equal(stdout, 'done\n');
    const lines = stderr
      .split('\n')
      .filter((line) => line.startsWith('WSX '))
      .map((line) => line.replace(/^WSX \d+: /, ''))
      // Whether the server's end of TCP is read before the socket closes is up to the kernel.
      .filter((line) => line !== '< end of stream');
    assert.deepEqual(lines, [
      `= connecting to ${server.url.replace('ws://', 'ws://bob:***@')}`,
      '= open',
      '> text message, 5 chars',
      '< text message, 5 chars',
      'x sending close 1000 ""',
      'x received close 1000 ""',
      '= closed 1000 (clean)',
    ]);
    assert.ok(!stderr.includes('hunter2'), 'the password never reaches the log');
  });

  it('writes nothing without it', async (t) => {
    const server = await echoServer(t);
    const { stdout, stderr } = await runChild(server.url, 'net');
    assert.equal(stdout, 'done\n');
    assert.doesNotMatch(stderr, /WSX/);
  });
});

describe('effectiveLogger', () => {
  it('is the logger option itself when NODE_DEBUG is off', () => {
    const logger: Logger = () => {};
    assert.equal(effectiveLogger(logger, false), logger);
    assert.equal(effectiveLogger(undefined, false), undefined);
  });

  it('with NODE_DEBUG on, feeds the logger too unless it is switched off', () => {
    const lines: string[] = [];
    const logger: Logger = (line) => lines.push(line);
    const both = effectiveLogger(logger, true)!;
    both('one');
    logger.enabled = false;
    both('two');
    assert.deepEqual(lines, ['one']);
    assert.equal(typeof effectiveLogger(undefined, true), 'function');
  });
});
