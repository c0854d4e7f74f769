// `wsx serve` as a child process: prints its URL and each connection, echo/broadcast/flood
// modes, --tls with a generated certificate and its fingerprint, clean stop on Ctrl-C (SIGINT),
// usage errors.

import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { connect, type Message, type WebSocketClient } from '../../src/index.js';
import { finished, startWsx, Transcript, wsx } from './cli-harness.js';

async function serve(t: TestContext, args: string[] = []) {
  const child = startWsx(t, ['serve', '--port', '0', ...args]);
  const out = new Transcript(child.stdout!);
  const [, url = ''] = await out.waitFor(/listening on (wss?:\/\/[^\s]+)/);
  return { child, url, out };
}

async function client(t: TestContext, url: string, options = {}): Promise<WebSocketClient> {
  const ws = await connect(url, options);
  t.after(() => ws.terminate());
  return ws;
}

/** The next message, or a rejection after 5 s (so a missing message fails, not hangs). */
function nextMessage(ws: WebSocketClient): Promise<Message> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no message within 5 s')), 5000);
    ws.once('message', (message) => {
      clearTimeout(timer);
      resolve(message);
    });
  });
}

describe('wsx serve', { concurrency: 3 }, () => {
  it('echoes, answers "close" with 4000, prints each connection, stops on SIGINT with 0', async (t) => {
    const server = await serve(t);
    assert.match(server.url, /^ws:\/\/127\.0\.0\.1:\d+\/$/);
    const ws = await client(t, server.url, { protocols: ['chat'] });
    assert.equal(ws.protocol, 'chat');
    const echo = nextMessage(ws);
    await ws.send('hello');
    assert.deepEqual(await echo, { data: 'hello', isBinary: false });
    const bytes = nextMessage(ws);
    await ws.send(new Uint8Array([1, 2, 3]));
    assert.deepEqual((await bytes).data, new Uint8Array([1, 2, 3]));
    await ws.send('close');
    const info = await ws.closed;
    assert.equal(info.code, 4000);
    const second = await client(t, server.url);
    await server.out.waitFor(/\+ #2 connected/);
    const done = finished(server.child);
    server.child.kill('SIGINT');
    const result = await done;
    assert.equal(result.code, 0);
    assert.equal((await second.closed).code, 1001, 'open clients get 1001 on stop');
    const log = server.out.text;
    assert.match(log, /\+ #1 connected from 127\.0\.0\.1:\d+ \(subprotocol chat\)/);
    assert.match(log, /- #1 closed 4000 "you asked me to"/);
    assert.match(log, /stopping: closing 1 connection\(s\)\nstopped\n/);
  });

  it('--deflate accepts permessage-deflate and prints it per connection; off by default', async (t) => {
    const plain = await serve(t);
    const offered = await client(t, plain.url);
    assert.equal(offered.extensions, '', 'the default server declines compression');
    const server = await serve(t, ['--deflate']);
    const ws = await client(t, server.url);
    assert.match(ws.extensions, /^permessage-deflate/);
    const text = 'compress me '.repeat(200);
    const echo = nextMessage(ws);
    await ws.send(text);
    assert.equal((await echo).data, text);
    assert.ok(ws.stats().bytesOut < text.length / 4, 'the message went out compressed');
    await server.out.waitFor(/\+ #1 connected from \S+ \(permessage-deflate[^)]*\)/);
  });

  it('--mode broadcast sends every message to every client', async (t) => {
    const server = await serve(t, ['--mode', 'broadcast']);
    const a = await client(t, server.url);
    const b = await client(t, server.url);
    const atA = nextMessage(a);
    const atB = nextMessage(b);
    await a.send('to everyone');
    assert.equal((await atA).data, 'to everyone');
    assert.equal((await atB).data, 'to everyone');
  });

  it('--mode flood sends numbered messages without end', async (t) => {
    const server = await serve(t, ['--mode', 'flood']);
    const ws = await client(t, server.url);
    let expected = 1;
    for await (const message of ws) {
      assert.equal(message.data, `flood ${expected}`);
      if (++expected > 5000) break;
    }
    // A client that vanishes mid-flood does not stall the server for the next one.
    const vanishing = await client(t, server.url);
    await nextMessage(vanishing);
    await vanishing.terminate();
    const next = await client(t, server.url);
    assert.equal((await nextMessage(next)).data, 'flood 1');
  });

  it('--tls serves wss:// with a new certificate, prints its fingerprint and where it is', async (t) => {
    const server = await serve(t, ['--tls']);
    assert.match(server.url, /^wss:\/\/127\.0\.0\.1:\d+\/$/);
    const [, fingerprint = '', path = ''] = await server.out.waitFor(
      /fingerprint: ([0-9A-F:]{95})\nsaved to (\S+);/,
    );
    const pem = readFileSync(path, 'utf8');
    assert.equal(new X509Certificate(pem).fingerprint256, fingerprint);
    const ws = await client(t, server.url, { tls: { ca: pem } });
    const echo = nextMessage(ws);
    await ws.send('secure');
    assert.equal((await echo).data, 'secure');
    await assert.rejects(connect(server.url), { code: 'ERR_TLS' });
    await ws.close();
    const done = finished(server.child);
    server.child.kill('SIGINT');
    assert.equal((await done).code, 0);
    assert.equal(existsSync(path), false, 'the certificate made for the run is removed on stop');
  });

  it('--host ::1 listens on the IPv6 loopback and prints a bracketed URL', async (t) => {
    const probe = createServer().listen(0, '::1');
    const hasIpv6 = await new Promise<boolean>((resolve) => {
      probe.once('listening', () => resolve(true));
      probe.once('error', () => resolve(false));
    });
    probe.close();
    if (!hasIpv6) {
      t.skip('no IPv6 loopback on this machine');
      return;
    }
    const server = await serve(t, ['--host', '::1']);
    assert.match(server.url, /^ws:\/\/\[::1\]:\d+\/$/);
    const ws = await client(t, server.url);
    const echo = nextMessage(ws);
    await ws.send('six');
    assert.equal((await echo).data, 'six');
  });

  it('usage errors exit 2; --help exits 0', async (t) => {
    const [mode, port, unknown, help] = await Promise.all([
      wsx(t, ['serve', '--mode', 'shout']),
      wsx(t, ['serve', '--port', '70000']),
      wsx(t, ['serve', 'extra']),
      wsx(t, ['serve', '--help']),
    ]);
    assert.equal(mode.code, 2);
    assert.match(mode.stderr, /--mode is echo, broadcast or flood, not "shout"/);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /--port needs a port number/);
    assert.equal(unknown.code, 2);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--port PORT .*default 8080/);
  });
});
