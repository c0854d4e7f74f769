// `wsx connect` / `wsx URL` in pipes: stdout holds the messages only, --json events, -x/-w,
// binary input and output (raw, hex, base64), headers, subprotocols, origin, keepalive pings,
// the message size limit, the verbose log, --reconnect, and the exit status of each ending.

import assert from 'node:assert/strict';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createNetServer } from 'node:net';
import { describe, it } from 'node:test';
import { fakeHttpProxy } from '../helpers/proxies.js';
import { finished, recordingServer, startWsx, Transcript, wsx } from './cli-harness.js';

function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('wsx connect in pipes', { concurrency: 3 }, () => {
  it('sends each stdin line and prints each reply on its own line, nothing else', async (t) => {
    const server = await recordingServer(t);
    const result = await wsx(t, [server.url], { input: 'hello\nwörld ✓\n\nlast' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'hello\nwörld ✓\n\nlast\n');
    assert.equal(result.stderr, '');
    assert.deepEqual(
      server.received.map((m) => m.data),
      ['hello', 'wörld ✓', '', 'last'],
    );
    assert.ok(server.received.every((m) => !m.isBinary));
  });

  it('wsx connect URL is the same as wsx URL, and host:port gets ws://', async (t) => {
    const server = await recordingServer(t);
    const viaConnect = await wsx(t, ['connect', server.url], { input: 'a\n' });
    assert.equal(viaConnect.stdout, 'a\n');
    const bare = await wsx(t, [`127.0.0.1:${server.port}`], { input: 'b\n' });
    assert.equal(bare.code, 0, bare.stderr);
    assert.equal(bare.stdout, 'b\n');
  });

  it('--json writes one object per event', async (t) => {
    const server = await recordingServer(t, (socket) => {
      socket.on('message', (data) => {
        socket.send(data.toString());
        socket.send(Buffer.from([0, 1, 254, 255]));
      });
    });
    const result = await wsx(t, [server.url, '--json', '-x', 'hi', '-w', '0.5', '-s', 'chat']);
    assert.equal(result.code, 0, result.stderr);
    const events = jsonLines(result.stdout);
    assert.deepEqual(
      events.map((e) => e.event),
      ['open', 'message', 'message', 'close'],
    );
    assert.equal(events[0]!.protocol, 'chat');
    assert.deepEqual(
      { data: events[1]!.data, binary: events[1]!.binary },
      { data: 'hi', binary: false },
    );
    assert.deepEqual(
      { data: events[2]!.data, binary: events[2]!.binary, encoding: events[2]!.encoding },
      { data: 'AAH+/w==', binary: true, encoding: 'base64' },
    );
    assert.deepEqual(
      { code: events[3]!.code, clean: events[3]!.clean, cause: events[3]!.cause },
      { code: 1000, clean: true, cause: 'user' },
    );
    assert.equal(typeof events[0]!.time, 'string');
  });

  it('a proxy refusal shows what the proxy said, as a refused upgrade shows its body', async (t) => {
    const body = 'blocked by policy 42';
    const proxy = await fakeHttpProxy(t, {
      answer: `HTTP/1.1 403 Forbidden\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    });
    const result = await wsx(t, ['ws://device.example/', '-x', 'hi'], {
      env: { HTTP_PROXY: proxy.url, http_proxy: '', NO_PROXY: '', no_proxy: '' },
    });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /\(ERR_PROXY_REFUSED\); the proxy said: blocked by policy 42\n$/);
  });

  it('never prints the password of the URL (--json, -v, the connected line)', async (t) => {
    const server = await recordingServer(t);
    const url = server.url.replace('ws://', 'ws://user:s3cr3t@');
    const json = await wsx(t, [url, '--json', '-x', 'hi', '-w', '0.2']);
    assert.equal(json.code, 0, json.stderr);
    assert.equal(jsonLines(json.stdout)[0]!.url, url.replace('s3cr3t', '***'));
    const verbose = await wsx(t, [url, '-v', '-x', 'hi', '-w', '0.2']);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stderr, /connected to ws:\/\/user:\*\*\*@/);
    for (const output of [json.stdout, json.stderr, verbose.stdout, verbose.stderr]) {
      assert.doesNotMatch(output, /s3cr3t/);
    }
  });

  it('--json reports a failed connection as an error event then a close event, exit 1', async (t) => {
    const result = await wsx(t, ['ws://127.0.0.1:1/', '--json']);
    assert.equal(result.code, 1);
    const [event, close, ...rest] = jsonLines(result.stdout);
    assert.equal(event!.event, 'error');
    assert.equal(event!.code, 'ERR_CONNECT');
    assert.deepEqual(
      [close!.event, close!.code, close!.clean, close!.cause],
      ['close', 1006, false, 'connect'],
    );
    assert.deepEqual(rest, []);
  });

  it('-x sends each message in order without reading stdin, -w waits for late replies', async (t) => {
    const server = await recordingServer(t, (socket) => {
      socket.on('message', (data) => {
        if (data.toString() === 'two') setTimeout(() => socket.send('late'), 300);
      });
    });
    const result = await wsx(t, [server.url, '-x', 'one', '--execute', 'two', '-w', '1.5'], {
      input: 'from stdin\n',
    });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(
      server.received.map((m) => m.data),
      ['one', 'two'],
    );
    assert.equal(result.stdout, 'late\n');
  });

  it('without -w, the end of input closes at once: a reply due later is not waited for', async (t) => {
    const server = await recordingServer(t, (socket) => {
      socket.on('message', () => setTimeout(() => socket.send('late'), 1000));
    });
    const started = Date.now();
    const result = await wsx(t, [server.url], { input: 'x\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, '');
    assert.ok(Date.now() - started < 15_000);
  });

  it('when the reader of stdout leaves (| head), closes normally with exit 0', async (t) => {
    let onClose: (code: number) => void = () => {};
    const closed = new Promise<number>((resolve) => (onClose = resolve));
    const server = await recordingServer(t, (socket) => {
      socket.on('close', onClose);
      const flood = (): void => {
        if (socket.readyState !== socket.OPEN) return;
        for (let i = 0; i < 100; i++) socket.send('x'.repeat(1000));
        setImmediate(flood);
      };
      flood();
    });
    const child = startWsx(t, [server.url, '-w', '30']);
    const stderr = new Transcript(child.stderr!);
    const result = new Promise<number | null>((resolve) => child.on('close', resolve));
    child.stdout!.once('data', () => child.stdout!.destroy());
    assert.equal(await result, 0, stderr.text);
    assert.equal(await closed, 1000);
  });

  it('--binary sends lines as binary; binary replies are written raw', async (t) => {
    const server = await recordingServer(t);
    const result = await wsx(t, [server.url, '--binary'], { input: 'abc\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(server.received[0]!.isBinary, true);
    assert.deepEqual(result.stdoutBytes, Buffer.from('abc\n'));
  });

  it('--binary --hex reads hex lines and shows binary replies as hex', async (t) => {
    const server = await recordingServer(t);
    const result = await wsx(t, [server.url, '--binary', '--hex'], { input: '00 01 fe ff\nzz\n' });
    assert.equal(result.code, 1, 'a line that could not be sent makes the exit status 1');
    assert.deepEqual(server.received[0]!.data, Buffer.from([0, 1, 254, 255]));
    assert.equal(server.received.length, 1, 'the bad line is not sent');
    assert.equal(result.stdout, '0001feff\n');
    assert.match(result.stderr, /not hex bytes: "zz"/);
  });

  it('--binary --base64 reads and shows base64', async (t) => {
    const server = await recordingServer(t);
    const result = await wsx(t, [server.url, '--binary', '--base64'], { input: 'AAH+/w==\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(server.received[0]!.data, Buffer.from([0, 1, 254, 255]));
    assert.equal(result.stdout, 'AAH+/w==\n');
  });

  it('-H, -s (repeatable) and --origin reach the server', async (t) => {
    const server = await recordingServer(t, undefined, {
      handleProtocols: (offered) => (offered.has('v2') ? 'v2' : false),
    });
    const result = await wsx(t, [
      server.url,
      '-H',
      'X-Token: abc 123',
      '--header',
      'X-Other:two',
      '-s',
      'v1',
      '--subprotocol',
      'v2',
      '--origin',
      'https://example.test',
      '--json',
      '-x',
      'hi',
      '-w',
      '0.2',
    ]);
    assert.equal(result.code, 0, result.stderr);
    const headers = server.requests[0]!.headers;
    assert.equal(headers['x-token'], 'abc 123');
    assert.equal(headers['x-other'], 'two');
    assert.equal(headers.origin, 'https://example.test');
    assert.equal(headers['sec-websocket-protocol'], 'v1, v2');
    assert.equal(jsonLines(result.stdout)[0]!.protocol, 'v2');
  });

  it('--ping-interval pings after that much silence; --show-ping-pong prints the pongs', async (t) => {
    const server = await recordingServer(t);
    const result = await wsx(t, [
      server.url,
      '--ping-interval',
      '0.2',
      '--show-ping-pong',
      '-x',
      'hi',
      '-w',
      '1.2',
    ]);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(server.pings.length >= 2, `server saw ${server.pings.length} pings`);
    assert.match(result.stderr, /pong received/);
    const quiet = await wsx(t, [server.url, '--ping-interval', '0.2', '-x', 'hi', '-w', '0.6']);
    assert.doesNotMatch(quiet.stderr, /pong/);
  });

  it('--max-message-size refuses a bigger message: exit 1 and a clear error', async (t) => {
    const server = await recordingServer(t, (socket) => socket.send('x'.repeat(2000)));
    const result = await wsx(t, [server.url, '--max-message-size', '1K', '-w', '5'], { input: '' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /ERR_MESSAGE_TOO_BIG/);
    assert.match(result.stderr, /more than 1024 bytes/);
    const roomy = await wsx(t, [server.url, '--max-message-size', '2K', '-x', 'a', '-w', '0.3']);
    assert.equal(roomy.code, 0, roomy.stderr);
    assert.ok(roomy.stdout === `${'x'.repeat(2000)}\n`, 'the 2000-byte message is printed');
  });

  it('-v logs the handshake and each frame on stderr, stdout unchanged', async (t) => {
    const server = await recordingServer(t);
    const result = await wsx(t, [server.url, '-v'], { input: 'hi\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'hi\n');
    assert.match(result.stderr, /\[wsx\] = connecting to ws:\/\/127\.0\.0\.1/);
    assert.match(result.stderr, /\[wsx\] = response header upgrade: websocket/);
    assert.match(result.stderr, /\[wsx\] > text message, 2 chars/);
    assert.match(result.stderr, /\[wsx\] < text message, 2 chars/);
    assert.match(result.stderr, /closed: 1000 \(normal closure\)/);
  });

  it('a reader of stderr that goes away does not stop the session (-v, stderr closed)', async (t) => {
    const server = await recordingServer(t);
    const child = startWsx(t, [server.url, '-v', '-x', 'hi', '-w', '0.3']);
    child.stderr!.destroy();
    const result = await finished(child);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, 'hi\n');
    assert.equal(server.received.length, 1);
  });

  it('-v with NODE_DEBUG=wsx prints each engine line once (the library writes them)', async (t) => {
    const server = await recordingServer(t);
    const result = await wsx(t, [server.url, '-v'], {
      input: 'hi\n',
      env: { NODE_DEBUG: 'wsx' },
    });
    assert.equal(result.code, 0, result.stderr);
    const sent = result.stderr.split('\n').filter((line) => line.includes('> text message'));
    assert.equal(sent.length, 1, result.stderr);
    assert.match(result.stderr, /\[wsx\] = response header upgrade: websocket/);
  });

  it('--reconnect prints each attempt and connects once the server is up', async (t) => {
    // A port that was free a moment ago: nothing listens there until the server starts.
    const probe = createNetServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => probe.once('listening', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const child = startWsx(t, [
      `ws://127.0.0.1:${port}/`,
      '--reconnect',
      '-x',
      'after',
      '-w',
      '0.5',
    ]);
    const err = new Transcript(child.stderr!);
    const done = finished(child);
    await err.waitFor(/reconnecting in [\d.]+ s \(attempt 2;/);
    const server = await recordingServer(t, undefined, { port });
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /reconnecting in [\d.]+ s \(attempt 1; ERR_CONNECT/);
    assert.equal(result.stdout, 'after\n');
    assert.deepEqual(
      server.received.map((m) => m.data),
      ['after'],
    );
  });
});

describe('wsx connect --reconnect giving up', () => {
  it('a refused handshake (401) is not retried: the error once, "giving up", exit 1', async (t) => {
    const http = createHttpServer((_, response) => response.end());
    http.on('upgrade', (_, socket) => {
      socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 7\r\n\r\nno auth');
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => http.close(resolve)));
    const { port } = http.address() as { port: number };
    const result = await wsx(t, [`ws://127.0.0.1:${port}/`, '--reconnect']);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'error: the server refused the WebSocket upgrade: HTTP 401 Unauthorized: no auth\n' +
        'giving up: no more reconnect attempts\n',
    );
  });
});

describe('wsx connect exit status', { concurrency: 3 }, () => {
  it('1 and one clear line when nothing listens', async (t) => {
    const result = await wsx(t, ['ws://127.0.0.1:1/']);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    const lines = result.stderr.trim().split('\n');
    assert.equal(lines.length, 1, result.stderr);
    assert.match(lines[0]!, /^error: could not connect to 127\.0\.0\.1:1 .*ERR_CONNECT/);
  });

  it('1 for a refused handshake, showing the status and the start of the body', async (t) => {
    const http = createHttpServer((_, response) => response.end());
    http.on('upgrade', (_, socket) => {
      socket.end(
        'HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nContent-Length: 37\r\n\r\n' +
          'token expired\nplease log in again  ',
      );
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => http.close(resolve)));
    const { port } = http.address() as { port: number };
    const result = await wsx(t, [`ws://127.0.0.1:${port}/`]);
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      'error: the server refused the WebSocket upgrade: HTTP 401 Unauthorized: token expired please log in again\n',
    );
  });

  it('0 when the server closes with 1000, 1 when it closes with an error code', async (t) => {
    const normal = await recordingServer(t, (socket) => socket.close(1000, 'bye'));
    const ok = await wsx(t, [normal.url, '-w', '5'], { input: '' });
    assert.equal(ok.code, 0, ok.stderr);
    const failing = await recordingServer(t, (socket) => socket.close(4000, 'no thanks'));
    const bad = await wsx(t, [failing.url, '-w', '5'], { input: '' });
    assert.equal(bad.code, 1);
    assert.match(
      bad.stderr,
      /closed: 4000 \(application code\) "no thanks", clean, closed by the server/,
    );
  });

  it('1 when the connection drops without a Close frame', async (t) => {
    const server = await recordingServer(t, (socket) => socket.terminate());
    const result = await wsx(t, [server.url, '-w', '5'], { input: '' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /1006/);
  });

  it('2 for usage errors, each with one line and a hint', async (t) => {
    const cases: [string[], RegExp][] = [
      [['--bogus', 'ws://127.0.0.1:1/'], /unknown option --bogus/],
      [['connect'], /a URL is required/],
      [['ws://a/', 'ws://b/'], /one URL only/],
      [['ws://a/', '--hex', '--base64'], /--hex and --base64 cannot be used together/],
      [['ws://a/', '-w', 'soon'], /--wait needs a number of seconds/],
      [['ws://a/', '--ping-interval=-1'], /--ping-interval needs a number of seconds/],
      [['ws://a/', '--max-message-size', 'lots'], /--max-message-size needs a byte count/],
      [['ws://a/', '--ca', '/nonexistent/ca.pem'], /cannot read the --ca file .*ENOENT/],
      [['ws://a/', '-H', 'no colon'], /-H needs 'NAME: VALUE'/],
      [['ftp://127.0.0.1/'], /ERR_INVALID_URL/],
      [['frobnicate'], /unknown command "frobnicate"/],
    ];
    const results = await Promise.all(cases.map(([args]) => wsx(t, args)));
    results.forEach((result, i) => {
      assert.equal(result.code, 2, `${cases[i]![0].join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, cases[i]![1]);
      assert.equal(result.stdout, '');
    });
  });
});
