// Tests for src/cli/connect-options.ts: `wsx connect` arguments to ConnectOptions and CLI
// settings. Pure parsing (plus reading PEM files); the command itself is in connect-command.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseArgs } from 'node:util';
import {
  argumentMessage,
  CONNECT_HELP,
  normalizeUrl,
  parseConnectArgs,
  UsageError,
} from '../../src/cli/connect-options.js';

function usage(args: string[], message: string | RegExp): void {
  assert.throws(
    () => parseConnectArgs(args),
    (error: unknown) => {
      assert.ok(error instanceof UsageError);
      assert.equal(error.name, 'UsageError');
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    },
  );
}

describe('normalizeUrl', () => {
  it('adds ws:// to a bare host or host:port', () => {
    assert.equal(normalizeUrl('localhost:8080'), 'ws://localhost:8080');
    assert.equal(normalizeUrl('example.com/chat'), 'ws://example.com/chat');
    assert.equal(normalizeUrl('[::1]:9000'), 'ws://[::1]:9000');
  });

  it('keeps any URL that has a scheme, whatever it is', () => {
    for (const url of ['ws://a', 'wss://a:1/x', 'http://a', 'WS://A', 'git+ssh://h', 'a.b-c://x']) {
      assert.equal(normalizeUrl(url), url);
    }
  });

  it('a scheme must start with a letter and be followed by ://', () => {
    assert.equal(normalizeUrl('1ws://x'), 'ws://1ws://x');
    assert.equal(normalizeUrl('mailto:x'), 'ws://mailto:x');
  });
});

describe('parseConnectArgs', () => {
  it('a lone URL gives defaults', () => {
    assert.deepEqual(parseConnectArgs(['localhost:1']), {
      url: 'ws://localhost:1',
      options: {},
      execute: [],
      waitMs: 0,
      sendBinary: false,
      binaryFormat: undefined,
      json: false,
      reconnect: false,
      showPingPong: false,
      verbose: false,
      help: false,
    });
  });

  it('--help wins over everything else, even a missing URL', () => {
    for (const args of [['-h'], ['--help', 'a', 'b'], ['--hex', '--base64', '--help']]) {
      const settings = parseConnectArgs(args);
      assert.equal(settings.help, true);
      assert.equal(settings.url, '');
    }
  });

  it('needs exactly one URL', () => {
    usage([], 'a URL is required');
    usage(['ws://a', 'ws://b'], 'one URL only (got ws://a ws://b)');
  });

  it('turns connection flags into ConnectOptions', () => {
    const settings = parseConnectArgs([
      'wss://h/p',
      '-H',
      'X-One: 1',
      '--header',
      ' X-Two :  a: b ',
      '-s',
      'chat',
      '--subprotocol',
      'json',
      '--origin',
      'https://o',
      '-k',
      '--ping-interval',
      '1.5',
      '--max-message-size',
      '2K',
    ]);
    assert.deepEqual(settings.options, {
      headers: [
        ['X-One', '1'],
        ['X-Two', 'a: b'],
      ],
      protocols: ['chat', 'json'],
      origin: 'https://o',
      tls: { rejectUnauthorized: false },
      pingIntervalMs: 1500,
      maxMessageBytes: 2048,
    });
  });

  it('a header needs a name before the colon', () => {
    usage(['a', '-H', 'no colon'], `-H needs 'NAME: VALUE', not "no colon"`);
    usage(['a', '-H', ': value'], `-H needs 'NAME: VALUE', not ": value"`);
  });

  it('--ping-interval and --wait take seconds >= 0 and round to milliseconds', () => {
    assert.equal(parseConnectArgs(['a', '--ping-interval', '0']).options.pingIntervalMs, 0);
    assert.equal(parseConnectArgs(['a', '-w', '0.0004']).waitMs, 0);
    assert.equal(parseConnectArgs(['a', '-w', '0.0005']).waitMs, 1);
    for (const bad of ['', ' ', '-1', 'abc', 'Infinity', 'NaN', '1s']) {
      usage(
        ['a', `--ping-interval=${bad}`],
        `--ping-interval needs a number of seconds >= 0, not ${JSON.stringify(bad)}`,
      );
      usage(
        ['a', `--wait=${bad}`],
        `--wait needs a number of seconds >= 0, not ${JSON.stringify(bad)}`,
      );
    }
  });

  it('--wait defaults to 2 seconds with -x, 0 without; an explicit value wins', () => {
    const executed = parseConnectArgs(['a', '-x', 'one', '--execute', 'two']);
    assert.deepEqual(executed.execute, ['one', 'two']);
    assert.equal(executed.waitMs, 2000);
    assert.equal(parseConnectArgs(['a', '-x', 'one', '-w', '0']).waitMs, 0);
    assert.equal(parseConnectArgs(['a', '-w', '3']).waitMs, 3000);
  });

  it('--no-compression turns permessage-deflate off; it is left to the default otherwise', () => {
    assert.equal(parseConnectArgs(['a', '--no-compression']).options.perMessageDeflate, false);
    assert.equal('perMessageDeflate' in parseConnectArgs(['a']).options, false);
  });

  it('--max-message-size takes bytes with K, M, G suffixes (1024-based)', () => {
    const size = (text: string) =>
      parseConnectArgs(['a', '--max-message-size', text]).options.maxMessageBytes;
    assert.equal(size('1'), 1);
    assert.equal(size('1048576'), 1048576);
    assert.equal(size('64k'), 64 * 1024);
    assert.equal(size('1M'), 1024 ** 2);
    assert.equal(size('1MiB'), 1024 ** 2);
    assert.equal(size('1 mb'), 1024 ** 2);
    assert.equal(size('2G'), 2 * 1024 ** 3);
    assert.equal(size(' 5 '), 5);
    for (const bad of ['0', '0K', '-1', '1.5M', 'M', '1T', '', '99999999999999999999']) {
      usage(['a', `--max-message-size=${bad}`], /^--max-message-size /);
    }
    usage(['a', '--max-message-size', '0'], '--max-message-size must be at least 1 byte, not "0"');
    usage(
      ['a', '--max-message-size', '1T'],
      '--max-message-size needs a byte count like 1048576 or 1M, not "1T"',
    );
  });

  it('output flags: --binary, --hex, --base64, --json, --reconnect, --show-ping-pong, -v', () => {
    const settings = parseConnectArgs([
      'a',
      '--binary',
      '--hex',
      '--json',
      '--reconnect',
      '--show-ping-pong',
      '-v',
    ]);
    assert.equal(settings.sendBinary, true);
    assert.equal(settings.binaryFormat, 'hex');
    assert.equal(settings.json, true);
    assert.equal(settings.reconnect, true);
    assert.equal(settings.showPingPong, true);
    assert.equal(settings.verbose, true);
    assert.equal(parseConnectArgs(['a', '--base64']).binaryFormat, 'base64');
    usage(['a', '--hex', '--base64'], '--hex and --base64 cannot be used together');
  });

  describe('TLS files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsx-connect-options-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };
    const ca = file('ca.pem', 'CA PEM');
    const cert = file('cert.pem', 'CERT PEM');
    const key = file('key.pem', 'KEY PEM');

    it('--ca, --cert, --key are read as text; --passphrase passes through', () => {
      const settings = parseConnectArgs([
        'wss://h',
        '--ca',
        ca,
        '--cert',
        cert,
        '--key',
        key,
        '--passphrase',
        'secret',
      ]);
      assert.deepEqual(settings.options.tls, {
        ca: 'CA PEM',
        cert: 'CERT PEM',
        key: 'KEY PEM',
        passphrase: 'secret',
      });
    });

    it('--cert and --key go together', () => {
      usage(['wss://h', '--cert', cert], '--cert and --key go together');
      usage(['wss://h', '--key', key], '--cert and --key go together');
    });

    it('a file that cannot be read is a usage error naming the option, path and reason', () => {
      const missing = join(dir, 'missing.pem');
      usage(
        ['wss://h', '--ca', missing],
        `cannot read the --ca file ${JSON.stringify(missing)} (ENOENT)`,
      );
      usage(
        ['wss://h', '--key', dir],
        `cannot read the --key file ${JSON.stringify(dir)} (EISDIR)`,
      );
    });
  });

  it('parseArgs complaints become usage errors; unknown options get a suggestion', () => {
    usage(
      ['a', '--pingInterval', '3'],
      'unknown option --pingInterval (did you mean --ping-interval?)',
    );
    usage(['a', '--zzzzzzzzzzzzzz'], 'unknown option --zzzzzzzzzzzzzz');
    usage(['a', '--origin'], /--origin/);
    usage(['a', '--json=yes'], /--json/);
  });

  it('the help text lists every flag the parser accepts', () => {
    for (const flag of ['--header', '--subprotocol', '--max-message-size', '--show-ping-pong']) {
      assert.ok(CONNECT_HELP.includes(flag), flag);
    }
  });
});

describe('argumentMessage', () => {
  const flags = ['--port', '--host', '--help'];
  const parseError = (args: string[]): unknown => {
    try {
      parseArgs({ args, options: { port: { type: 'string' } }, strict: true });
    } catch (error) {
      return error;
    }
    assert.fail('parseArgs accepted the arguments');
  };

  it('names an unknown option and the closest known flag', () => {
    assert.equal(
      argumentMessage(parseError(['--prot', '1']), flags),
      'unknown option --prot (did you mean --port?)',
    );
  });

  it('says nothing more when no flag is close', () => {
    assert.equal(
      argumentMessage(parseError(['--qqqqqqqqqq']), flags),
      'unknown option --qqqqqqqqqq',
    );
  });

  it("passes other errors' messages through unchanged", () => {
    const missing = parseError(['--port']) as Error;
    assert.equal(argumentMessage(missing, flags), missing.message);
    assert.equal(argumentMessage(new Error("Unknown option '--x'"), flags), "Unknown option '--x'");
    const coded = Object.assign(new Error('odd'), { code: 'ERR_PARSE_ARGS_UNKNOWN_OPTION' });
    assert.equal(argumentMessage(coded, flags), 'odd');
  });
});
