// The `wsx` entry: help and version, subcommand dispatch (connect, serve, run) and the exit
// status of each path.

import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, wsx } from './cli-harness.js';

describe('wsx', { concurrency: 3 }, () => {
  it('--help lists the subcommands and every connect option', async (t) => {
    const result = await wsx(t, ['--help']);
    assert.equal(result.code, 0);
    for (const text of [
      'wsx connect URL',
      'wsx serve',
      'wsx run FILE.lua',
      '--header',
      '--subprotocol',
      '--origin',
      '--ca FILE',
      '--cert FILE',
      '--key FILE',
      '--passphrase',
      '--insecure',
      '--execute',
      '--wait',
      '--binary',
      '--hex',
      '--base64',
      '--ping-interval',
      '--reconnect',
      '--show-ping-pong',
      '--max-message-size',
      '--verbose',
      '--json',
      '/ping',
      '/close',
      '/binary',
      '/stats',
      '/quit',
      '/help',
      'Exit status: 0 closed normally, 1 the connection failed',
    ]) {
      assert.ok(result.stdout.includes(text), `--help does not mention ${text}`);
    }
    const connectHelp = await wsx(t, ['connect', '-h']);
    assert.equal(connectHelp.code, 0);
    assert.match(connectHelp.stdout, /^Usage: wsx connect URL \[options\]/);
  });

  it('--version prints the package version', async (t) => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      version: string;
    };
    const result = await wsx(t, ['--version']);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, `wsx ${version}\n`);
  });

  it('an unknown option names the closest one, exit 2', async (t) => {
    const result = await wsx(t, ['ws://127.0.0.1:9/', '--jsn']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /unknown option --jsn \(did you mean --json\?\)/);
    const serve = await wsx(t, ['serve', '--prot', '0']);
    assert.equal(serve.code, 2);
    assert.match(serve.stderr, /unknown option --prot \(did you mean --port\?\)/);
  });

  it('no arguments: the help on stderr, exit 2', async (t) => {
    const result = await wsx(t, []);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^wsx: a WebSocket client for the terminal/);
    assert.equal(result.stdout, '');
  });

  it('run hands the arguments to the Lua runner and exits with its status', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'wsx-cli-test-'));
    const script = join(dir, 'exit.lua');
    writeFileSync(script, 'print("args", arg[1], arg[2])\nos.exit(3)\n');
    const result = await wsx(t, ['run', script, '--', 'one', 'two']);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stdout, /args\tone\ttwo/);
  });
});
