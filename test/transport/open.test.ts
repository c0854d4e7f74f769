// Tests for src/transport/open.ts: which way openConnection goes (direct for connectTo, proxy
// false or NO_PROXY; through the option's or the environment's proxy otherwise), the log line,
// and TLS to the target over the tunnel for wss://.

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { ErrorCode, InvalidArgumentError, TransportError } from '../../src/core/errors.js';
import { parseWebSocketUrl } from '../../src/core/url.js';
import { openConnection } from '../../src/transport/open.js';
import { fakeHttpProxy, tlsFixture } from '../helpers/proxies.js';
import { closedPort, scripted } from '../helpers/servers.js';
import { rejection, tlsTestServer } from '../helpers/sockets.js';

/** A TCP server counting connections, closed (with its sockets) after the test. */
async function target(t: TestContext): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const server = await scripted(t, () => {
    accepted++;
  });
  return { port: server.port, accepted: () => accepted };
}

describe('openConnection', () => {
  it('goes through the proxy option and logs it without the password', async (t) => {
    const proxy = await fakeHttpProxy(t);
    const { port } = await target(t);
    const lines: string[] = [];
    const socket = await openConnection({
      target: parseWebSocketUrl(`ws://127.0.0.1:${port}/`),
      proxy: `http://user:s3cret@127.0.0.1:${proxy.port}`,
      log: (line) => lines.push(line),
      env: {},
    });
    t.after(() => socket.destroy());
    assert.deepEqual(lines, [`= through proxy http://user@127.0.0.1:${proxy.port}`]);
    assert.equal(proxy.requests[0]?.requestLine, `CONNECT 127.0.0.1:${port} HTTP/1.1`);
  });

  it("follows the environment by default ('env'), and NO_PROXY sends it direct", async (t) => {
    const proxy = await fakeHttpProxy(t);
    const { port } = await target(t);
    const url = parseWebSocketUrl(`ws://127.0.0.1:${port}/`);
    const through = await openConnection({ target: url, env: { HTTP_PROXY: proxy.url } });
    t.after(() => through.destroy());
    assert.equal(proxy.connections, 1);
    const direct = await openConnection({
      target: url,
      env: { HTTP_PROXY: proxy.url, NO_PROXY: '127.0.0.0/8' },
    });
    t.after(() => direct.destroy());
    assert.equal(direct.remotePort, port);
    assert.equal(proxy.connections, 1);
  });

  it('proxy: false and a connectTo address go direct whatever the environment says', async (t) => {
    const unreachable = `http://127.0.0.1:${await closedPort()}`;
    const { port } = await target(t);
    const lines: string[] = [];
    const off = await openConnection({
      target: parseWebSocketUrl(`ws://127.0.0.1:${port}/`),
      proxy: false,
      env: { HTTP_PROXY: unreachable },
      log: (line) => lines.push(line),
    });
    t.after(() => off.destroy());
    const mapped = await openConnection({
      target: parseWebSocketUrl('ws://staging.test/'),
      proxy: unreachable,
      connectTo: () => ({ host: '127.0.0.1', port }),
      log: (line) => lines.push(line),
    });
    t.after(() => mapped.destroy());
    assert.equal(mapped.remotePort, port);
    assert.deepEqual(lines, []);
  });

  it('a connectTo that throws is reported by the direct path, not sent to the proxy', async () => {
    const error = await rejection(
      openConnection({
        target: parseWebSocketUrl('ws://staging.test/'),
        proxy: 'http://127.0.0.1:1',
        connectTo: () => {
          throw new Error('no map');
        },
      }),
    );
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, ErrorCode.ConnectFailed);
    assert.match(error.message, /option connectTo failed for staging\.test:80: no map/);
  });

  it('an unusable proxy in the environment rejects (never throws) naming the variable', async () => {
    const opening = openConnection({
      target: parseWebSocketUrl('wss://echo.test/'),
      env: { HTTPS_PROXY: 'ftp://p' },
    });
    const error = await rejection(opening);
    assert.ok(error instanceof InvalidArgumentError);
    assert.match(error.message, /the environment variable HTTPS_PROXY has the scheme "ftp:"/);
  });

  it('wss:// through a proxy: TLS to the target over the tunnel', async (t) => {
    const proxy = await fakeHttpProxy(t);
    const port = await tlsTestServer(t);
    const socket = (await openConnection({
      target: parseWebSocketUrl(`wss://127.0.0.1:${port}/`),
      proxy: proxy.url,
      tls: { ca: tlsFixture('ca.crt') },
    })) as TLSSocket;
    t.after(() => socket.destroy());
    assert.equal(socket.authorized, true);
    assert.equal(proxy.requests[0]?.requestLine, `CONNECT 127.0.0.1:${port} HTTP/1.1`);
  });

  it('wss:// through a proxy: an untrusted certificate fails in phase tls', async (t) => {
    const proxy = await fakeHttpProxy(t);
    const port = await tlsTestServer(t);
    const error = await rejection(
      openConnection({ target: parseWebSocketUrl(`wss://127.0.0.1:${port}/`), proxy: proxy.url }),
    );
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, ErrorCode.TlsFailed);
    assert.equal(error.phase, 'tls');
  });

  it('wss:// through a proxy: unusable TLS options are a TLS failure', async (t) => {
    const proxy = await fakeHttpProxy(t);
    const port = await tlsTestServer(t);
    const error = await rejection(
      openConnection({
        target: parseWebSocketUrl(`wss://127.0.0.1:${port}/`),
        proxy: proxy.url,
        tls: { key: 'not a key', cert: 'not a cert' },
      }),
    );
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, ErrorCode.TlsFailed);
  });
});
