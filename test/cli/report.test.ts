// How the CLI words errors and close codes, and what each reporter writes where.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  describeCloseCode,
  describeError,
  JsonReporter,
  PipeReporter,
  TerminalReporter,
} from '../../src/cli/report.js';
import { makePalette } from '../../src/cli/style.js';
import { ErrorCode, PayloadTooBigError, UnexpectedStatusError } from '../../src/index.js';

const encoder = new TextEncoder();

describe('describeError', () => {
  it('a refused handshake: status, text and the body start on one line, at most 200 chars', () => {
    const body = encoder.encode(`line one\r\n  line two\n${'x'.repeat(300)}`);
    const text = describeError(new UnexpectedStatusError(403, 'Forbidden', {}, body));
    assert.ok(
      text.startsWith(
        'the server refused the WebSocket upgrade: HTTP 403 Forbidden: line one line two xxx',
      ),
    );
    assert.ok(!text.includes('\n'));
    assert.ok(text.endsWith('x…'));
    assert.equal(
      text.length,
      'the server refused the WebSocket upgrade: HTTP 403 Forbidden: '.length + 201,
    );
    const empty = describeError(new UnexpectedStatusError(500, '', {}, new Uint8Array(0)));
    assert.equal(empty, 'the server refused the WebSocket upgrade: HTTP 500');
  });

  it('a message over the limit names the flag that raises it', () => {
    const error = new PayloadTooBigError(
      ErrorCode.MessageTooBig,
      'the server sent a message of more than 10 bytes (maxMessageBytes); raise the limit if such messages are expected',
      10,
    );
    assert.match(
      describeError(error),
      /\(ERR_MESSAGE_TOO_BIG\); with wsx: --max-message-size BYTES raises it$/,
    );
  });

  it('other errors: message and code; non-errors as text', () => {
    assert.equal(describeError(new Error('plain')), 'plain');
    assert.equal(describeError('odd'), 'odd');
  });
});

it('describeCloseCode names the codes', () => {
  assert.equal(describeCloseCode(1000), '1000 (normal closure)');
  assert.equal(describeCloseCode(1006), '1006 (connection dropped without a Close frame)');
  assert.equal(describeCloseCode(4000), '4000 (application code)');
  assert.equal(describeCloseCode(1234), '1234 (unknown code)');
});

describe('reporters', () => {
  const close = { code: 1000, reason: '', wasClean: true, cause: 'user' };

  it('PipeReporter: messages on stdout only, the rest on stderr', () => {
    const out: (string | Uint8Array)[] = [];
    const err: string[] = [];
    const reporter = new PipeReporter(
      (data) => out.push(data),
      (line) => err.push(line),
      {
        binaryFormat: undefined,
        showPingPong: false,
        verbose: false,
      },
    );
    reporter.open('ws://x/', '');
    reporter.message({ data: 'text', isBinary: false });
    reporter.message({ data: Uint8Array.of(1, 2), isBinary: true });
    reporter.ping(new Uint8Array(0));
    reporter.close(close);
    reporter.close({ ...close, code: 4001, cause: 'server' });
    // We failed the connection: the line says which code we sent, not only 1006.
    reporter.close({ code: 1006, reason: '', wasClean: false, cause: 'protocol', sentCode: 1009 });
    assert.deepEqual(out, ['text\n', Uint8Array.of(1, 2), '\n']);
    assert.deepEqual(err, [
      'closed: 4001 (application code), clean, closed by the server',
      'closed: we sent 1009 (message too big), not clean, cause: protocol',
    ]);
  });

  it('TerminalReporter: marks, binary as hex or base64, control characters escaped', () => {
    const lines: string[] = [];
    const hex = new TerminalReporter((line) => lines.push(line), makePalette(false), {
      binaryFormat: undefined,
      showPingPong: true,
    });
    hex.message({ data: 'hi\u001b[2J', isBinary: false });
    hex.message({ data: Uint8Array.of(0, 255), isBinary: true });
    hex.pong(encoder.encode('ab'));
    const b64 = new TerminalReporter((line) => lines.push(line), makePalette(false), {
      binaryFormat: 'base64',
      showPingPong: false,
    });
    b64.message({ data: Uint8Array.of(0, 255), isBinary: true });
    b64.pong(encoder.encode('ab'));
    assert.deepEqual(lines, [
      '< hi\\x1b[2J',
      '< [binary, 2 bytes] 00ff',
      '% pong received (2 bytes 61 62)',
      '< [binary, 2 bytes] AP8=',
    ]);
  });

  it('every reporter shows the extensions the server accepted on open', () => {
    const json: string[] = [];
    new JsonReporter((line) => json.push(line), 'hex').open(
      'ws://x/',
      'chat',
      'permessage-deflate',
    );
    const opened = JSON.parse(json[0]!);
    assert.deepEqual(
      [opened.event, opened.protocol, opened.extensions],
      ['open', 'chat', 'permessage-deflate'],
    );
    const err: string[] = [];
    const pipe = new PipeReporter(
      () => {},
      (line) => err.push(line),
      { binaryFormat: undefined, showPingPong: false, verbose: true },
    );
    pipe.open('ws://x/', '', 'permessage-deflate');
    assert.deepEqual(err, ['connected to ws://x/ (permessage-deflate)']);
    const printed: string[] = [];
    const terminal = new TerminalReporter((line) => printed.push(line), makePalette(false), {
      binaryFormat: undefined,
      showPingPong: false,
    });
    terminal.open('ws://x/', '', 'permessage-deflate');
    assert.match(printed[0]!, /^connected to ws:\/\/x\/, permessage-deflate; \/help/);
  });

  it('JsonReporter: one object per event', () => {
    const lines: string[] = [];
    const reporter = new JsonReporter((line) => lines.push(line), 'hex');
    reporter.message({ data: Uint8Array.of(0, 255), isBinary: true });
    reporter.reconnecting(2, 750, 'the server closed with 1012');
    reporter.error(new UnexpectedStatusError(401, 'Unauthorized', {}, encoder.encode('no')));
    const [message, reconnecting, error] = lines.map((line) => JSON.parse(line));
    assert.deepEqual(
      {
        event: message.event,
        binary: message.binary,
        data: message.data,
        encoding: message.encoding,
      },
      { event: 'message', binary: true, data: '00ff', encoding: 'hex' },
    );
    assert.deepEqual(
      { attempt: reconnecting.attempt, delayMs: reconnecting.delayMs },
      { attempt: 2, delayMs: 750 },
    );
    assert.deepEqual(
      { code: error.code, status: error.status, body: error.body },
      { code: 'ERR_HANDSHAKE_STATUS', status: 401, body: 'no' },
    );
  });
});
