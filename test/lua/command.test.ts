// `wsx run`: its arguments, and the command as a user runs it (a child process through the
// CLI entry), with --connect-to, --timeout, --quiet, --dialect and script arguments.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { parseRunArguments, runCommand } from '../../src/lua/command.js';
import { ROOT, recordingServer } from './helpers.js';

interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

function wsx(args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', 'src/cli/main.ts', ...args],
      { cwd: ROOT, timeout: 20_000 },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== 'number') reject(error);
        else resolve({ status: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}

function script(t: TestContext, source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'wsx-lua-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'device.lua');
  writeFileSync(path, source);
  writeFileSync(join(dir, 'helper.lua'), 'return { twice = function(x) return x * 2 end }\n');
  return path;
}

describe('wsx run arguments', () => {
  it('reads the file, options before or after it, and the script arguments after --', () => {
    assert.deepEqual(
      parseRunArguments([
        '--timeout',
        '1.5',
        'dev.lua',
        '--connect-to',
        'a:1:b:2',
        '--connect-to=c:3:d:4',
        '--dialect=nodemcu',
        '--debug',
        '--quiet',
        '--',
        '--x',
        'y',
      ]),
      {
        file: 'dev.lua',
        args: ['--x', 'y'],
        connectTo: ['a:1:b:2', 'c:3:d:4'],
        timeoutMs: 1500,
        dialect: 'nodemcu',
        debug: true,
        quiet: true,
      },
    );
    assert.equal(parseRunArguments(['--help']), 'help');
  });

  it('refuses what it cannot use, with a message', () => {
    assert.throws(() => parseRunArguments([]), /give the Lua file to run/);
    assert.throws(
      () => parseRunArguments(['a.lua', '--timeout', '0']),
      /--timeout needs a number of seconds above 0/,
    );
    assert.throws(() => parseRunArguments(['a.lua', '--timeout']), /--timeout needs a value/);
    assert.throws(
      () => parseRunArguments(['a.lua', '--dialect', 'esp']),
      /--dialect must be luatos, luatos-air or nodemcu/,
    );
    assert.throws(() => parseRunArguments(['a.lua', '--fast']), /unknown option --fast/);
    assert.throws(
      () => parseRunArguments(['a.lua', '--conect-to', 'x']),
      /unknown option --conect-to \(did you mean --connect-to\?\)/,
    );
    assert.throws(() => parseRunArguments(['a.lua', '--connect-to', 'bogus']), /bogus/);
  });
});

describe('wsx run, as a process', () => {
  it('runs a script against a local server, passes arguments, exits with os.exit', async (t) => {
    const server = await recordingServer(t);
    const path = script(
      t,
      [
        'local helper = require("helper")',
        'print("args", arg[1], arg[2], select("#", ...), helper.twice(21))',
        'local ws = websocket.createClient()',
        'ws:on("connection", function(c) c:send(arg[1]) end)',
        'ws:on("receive", function(c, msg) print("echo", msg) os.exit(7) end)',
        'ws:connect("ws://device.example:8080/")',
      ].join('\n'),
    );
    const outcome = await wsx([
      'run',
      path,
      '--connect-to',
      `device.example:8080:127.0.0.1:${server.port}`,
      '--dialect',
      'nodemcu',
      '--',
      'first',
      'second',
    ]);
    assert.equal(outcome.status, 7, outcome.stderr);
    assert.equal(outcome.stdout, 'args\tfirst\tsecond\t2\t42\necho\tfirst\n');
    assert.deepEqual(server.texts(), ['first']);
  });

  it('--timeout ends a script that loops forever with 124; --quiet hides its output', async (t) => {
    const path = script(t, 'print("started")\nwhile true do sys.wait(10) end');
    const quiet = await wsx(['run', '--quiet', path, '--timeout', '0.2']);
    assert.equal(quiet.status, 124);
    assert.equal(quiet.stdout, '');
  });

  it('a Lua error goes to stderr with file:line, status 1', async (t) => {
    const path = script(t, 'print("ok")\nlocal x = nil .. "a"');
    const failed = await wsx(['run', path]);
    assert.equal(failed.status, 1);
    assert.equal(failed.stdout, 'ok\n');
    assert.match(failed.stderr, /device\.lua:2: attempt to concatenate a nil value/);
  });
});

describe('runCommand', () => {
  it('prints the usage and returns 2 for bad arguments, 0 for --help', async (t) => {
    const written: string[] = [];
    const capture = (chunk: string | Uint8Array): boolean => {
      written.push(String(chunk));
      return true;
    };
    t.mock.method(process.stderr, 'write', capture);
    t.mock.method(process.stdout, 'write', capture);
    assert.equal(await runCommand(['--dialect', 'esp32', 'a.lua']), 2);
    assert.match(written.join(''), /--dialect must be[\s\S]*Usage: wsx run FILE\.lua/);
    assert.equal(await runCommand(['-h']), 0);
    written.length = 0;
    assert.equal(await runCommand(['a.lua', '--connect-to', 'bogus']), 2);
    assert.equal(await runCommand(['no-such-script.lua']), 2);
    assert.match(written.join(''), /cannot read no-such-script\.lua: no such file/);
  });
});
