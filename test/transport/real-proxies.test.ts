// Through real proxies from Debian, started by the test on a free loopback port and stopped
// after it: tinyproxy (HTTP CONNECT, with and without BasicAuth) and microsocks (SOCKS5, with
// and without user/password). Skipped with a message when a binary is not installed
// (`apt-get install tinyproxy microsocks`; .ci/run installs both).

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { connect } from '../../src/api/websocket-client.js';
import { ProxyError } from '../../src/core/errors.js';
import { startTlsWsPeer } from '../helpers/peers.js';
import { startMicrosocks, startTinyproxy, tlsFixture } from '../helpers/proxies.js';
import { echoServer } from '../helpers/servers.js';

const ca = tlsFixture('ca.crt');

async function echoThrough(url: string, options: Parameters<typeof connect>[1]): Promise<void> {
  const ws = await connect(url, { pingIntervalMs: 0, ...options });
  try {
    const next = ws[Symbol.asyncIterator]();
    const payload = new Uint8Array(70_000).map((_, i) => i & 0xff);
    await ws.send('hello through a real proxy');
    assert.equal((await next.next()).value?.data, 'hello through a real proxy');
    await ws.send(payload);
    assert.deepEqual((await next.next()).value?.data, payload);
    const info = await ws.close(1000, 'bye');
    assert.equal(info.wasClean, true);
  } finally {
    await ws.terminate();
  }
}

async function tlsPeer(t: TestContext) {
  const peer = await startTlsWsPeer({
    key: tlsFixture('server.key'),
    cert: tlsFixture('server.crt'),
  });
  t.after(() => peer.close());
  return peer;
}

function withCredentials(url: string, credentials: string): string {
  return url.replace('://', `://${credentials}@`);
}

describe('tinyproxy (HTTP CONNECT)', () => {
  it('ws:// and wss:// without authentication', async (t) => {
    const proxy = await startTinyproxy(t);
    if (proxy === undefined) return;
    const server = await echoServer(t);
    await echoThrough(server.url, { proxy });
    const peer = await tlsPeer(t);
    await echoThrough(`wss://localhost:${peer.port}/`, { proxy, tls: { ca } });
    assert.equal(peer.requests[0]?.servername, 'localhost');
  });

  it('BasicAuth: the right password works; none (407) or a wrong one (401) is ERR_PROXY_AUTH', async (t) => {
    const proxy = await startTinyproxy(t, 'alice:s3cret');
    if (proxy === undefined) return;
    const peer = await tlsPeer(t);
    const url = `wss://localhost:${peer.port}/`;
    await echoThrough(url, { proxy: withCredentials(proxy, 'alice:s3cret'), tls: { ca } });
    for (const [given, status] of [
      [proxy, 407],
      [withCredentials(proxy, 'alice:wrong'), 401],
    ] as const) {
      const error = await connect(url, { proxy: given, tls: { ca } }).then(
        (ws) => ws.terminate().then(() => assert.fail('should not open')),
        (error: unknown) => error,
      );
      assert.ok(error instanceof ProxyError, String(error));
      assert.equal(error.code, 'ERR_PROXY_AUTH');
      assert.equal(error.status, status);
      assert.ok(!error.message.includes('wrong'));
    }
  });
});

describe('microsocks (SOCKS5)', () => {
  it('ws:// with socks5:// and wss:// with socks5h:// (the proxy resolves localhost)', async (t) => {
    const address = await startMicrosocks(t);
    if (address === undefined) return;
    const server = await echoServer(t);
    await echoThrough(server.url, { proxy: `socks5://${address}` });
    const peer = await tlsPeer(t);
    await echoThrough(`wss://localhost:${peer.port}/`, {
      proxy: `socks5h://${address}`,
      tls: { ca },
    });
  });

  it('user/password: the right one works, a wrong one is ERR_PROXY_AUTH', async (t) => {
    const address = await startMicrosocks(t, 'bob:pa55');
    if (address === undefined) return;
    const server = await echoServer(t);
    await echoThrough(server.url, { proxy: `socks5://bob:pa55@${address}` });
    const error = await connect(server.url, { proxy: `socks5://bob:nope@${address}` }).then(
      (ws) => ws.terminate().then(() => assert.fail('should not open')),
      (error: unknown) => error,
    );
    assert.ok(error instanceof ProxyError, String(error));
    assert.equal(error.code, 'ERR_PROXY_AUTH');
  });
});
