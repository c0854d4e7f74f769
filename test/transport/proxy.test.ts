// HTTP CONNECT proxies against in-process fake proxies (test/helpers/proxies.ts): ws:// and
// wss:// through the tunnel, Basic credentials, 407, other refusals with their body, garbage
// answers, an unreachable proxy, a proxy that never answers (openTimeoutMs), bytes that come
// with the 200, an https:// proxy, proxy URL parsing, and no password in any message or log.

import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { connect } from '../../src/api/websocket-client.js';
import { isWebSocketError, ProxyError, TransportError } from '../../src/core/errors.js';
import { connectRequest } from '../../src/transport/http-connect.js';
import { parseProxyUrl } from '../../src/transport/proxy-url.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startTlsWsPeer } from '../helpers/peers.js';
import { connectFailure, echoThrough, fakeHttpProxy, tlsFixture } from '../helpers/proxies.js';
import { echoServer } from '../helpers/servers.js';

const ca = tlsFixture('ca.crt');

async function tlsPeer(t: TestContext) {
  const peer = await startTlsWsPeer({
    key: tlsFixture('server.key'),
    cert: tlsFixture('server.crt'),
  });
  t.after(() => peer.close());
  return peer;
}

describe('HTTP CONNECT', () => {
  it('carries ws:// through the tunnel, asking for host:port', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeHttpProxy(t);
    assert.equal(await echoThrough(server.url, { proxy: proxy.url }), 'through the proxy');
    const port = new URL(server.url).port;
    assert.equal(proxy.requests[0]?.requestLine, `CONNECT 127.0.0.1:${port} HTTP/1.1`);
    assert.equal(proxy.requests[0]?.headers.host, `127.0.0.1:${port}`);
    assert.equal(proxy.requests[0]?.headers['proxy-authorization'], undefined);
  });

  it('carries wss:// with TLS to the target: its name for SNI and the certificate check', async (t) => {
    const peer = await tlsPeer(t);
    const proxy = await fakeHttpProxy(t);
    const url = `wss://localhost:${peer.port}/secure`;
    assert.equal(await echoThrough(url, { proxy: proxy.url, tls: { ca } }), 'through the proxy');
    assert.equal(peer.requests[0]?.servername, 'localhost');
    assert.equal(proxy.requests[0]?.requestLine, `CONNECT localhost:${peer.port} HTTP/1.1`);
  });

  it('checks the target certificate over the tunnel (unknown CA fails with ERR_TLS)', async (t) => {
    const peer = await tlsPeer(t);
    const proxy = await fakeHttpProxy(t);
    const error = await connectFailure(`wss://localhost:${peer.port}/`, { proxy: proxy.url });
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, 'ERR_TLS');
    assert.equal(error.phase, 'tls');
  });

  it('sends Basic credentials from the proxy URL (percent-decoded)', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeHttpProxy(t, { credentials: 'al ice:p@ss:wörd' });
    const url = `http://al%20ice:p%40ss%3Aw%C3%B6rd@127.0.0.1:${proxy.port}`;
    assert.equal(await echoThrough(server.url, { proxy: url }), 'through the proxy');
    const expected = `Basic ${Buffer.from('al ice:p@ss:wörd').toString('base64')}`;
    assert.equal(proxy.requests[0]?.headers['proxy-authorization'], expected);
  });

  it('407 without credentials: ProxyError ERR_PROXY_AUTH with status and body', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeHttpProxy(t, { credentials: 'alice:secret' });
    const error = await connectFailure(server.url, { proxy: proxy.url });
    assert.ok(error instanceof ProxyError, String(error));
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, 'ERR_PROXY_AUTH');
    assert.equal(error.phase, 'proxy');
    assert.equal(error.status, 407);
    assert.equal(error.bodyText, 'proxy credentials needed');
    assert.match(error.message, /wants credentials/);
    assert.equal(error.proxy, proxy.url);
  });

  it('407 for a wrong password: the message and logs never show the password', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeHttpProxy(t, { credentials: 'alice:secret' });
    const lines: string[] = [];
    const url = `http://alice:hunter2@127.0.0.1:${proxy.port}`;
    const error = await connectFailure(server.url, {
      proxy: url,
      logger: (line) => lines.push(line),
    });
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, 'ERR_PROXY_AUTH');
    assert.match(error.message, /refused the user name or password/);
    assert.equal(error.proxy, `http://alice@127.0.0.1:${proxy.port}`);
    assert.ok(
      lines.some((line) => line.includes(`through proxy http://alice@127.0.0.1:${proxy.port}`)),
    );
    const everything = [error.message, error.proxy, String(error.stack), ...lines].join('\n');
    assert.ok(!everything.includes('hunter2'), everything);
  });

  it('other refusals: ERR_PROXY_REFUSED with the status and the start of the body', async (t) => {
    const body = 'x'.repeat(10_000);
    const proxy = await fakeHttpProxy(t, {
      answer: `HTTP/1.1 403 Forbidden\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      keepOpen: true,
    });
    const error = await connectFailure('ws://127.0.0.1:9/', { proxy: proxy.url });
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, 'ERR_PROXY_REFUSED');
    assert.equal(error.status, 403);
    assert.equal(error.body.length, 4096);
    assert.match(error.message, /HTTP 403 Forbidden/);
  });

  it('a target the proxy cannot reach: 502 from the proxy', async (t) => {
    const proxy = await fakeHttpProxy(t);
    const error = await connectFailure('ws://127.0.0.1:9/', { proxy: proxy.url });
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, 'ERR_PROXY_REFUSED');
    assert.equal(error.status, 502);
    assert.equal(error.bodyText, 'unreachable');
  });

  it('a chunked refusal body is decoded; a body until close is read to the end', async (t) => {
    const chunked = await fakeHttpProxy(t, {
      answer: 'HTTP/1.1 403 No\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      keepOpen: true,
    });
    const first = await connectFailure('ws://127.0.0.1:9/', { proxy: chunked.url });
    assert.ok(first instanceof ProxyError);
    assert.equal(first.bodyText, 'hello');
    const untilClose = await fakeHttpProxy(t, { answer: 'HTTP/1.0 403 No\r\n\r\nbye' });
    const second = await connectFailure('ws://127.0.0.1:9/', { proxy: untilClose.url });
    assert.ok(second instanceof ProxyError);
    assert.equal(second.bodyText, 'bye');
  });

  it('an answer that is not HTTP: ERR_PROXY_PROTOCOL', async (t) => {
    const proxy = await fakeHttpProxy(t, { answer: '\u0005\u0000garbage\r\n\r\n' });
    const error = await connectFailure('ws://127.0.0.1:9/', { proxy: proxy.url });
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, 'ERR_PROXY_PROTOCOL');
  });

  it('a proxy that closes without answering: ERR_CONNECTION_LOST in phase proxy', async (t) => {
    const proxy = await fakeHttpProxy(t, { answer: '' });
    const error = await connectFailure('ws://127.0.0.1:9/', { proxy: proxy.url });
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, 'ERR_CONNECTION_LOST');
    assert.equal(error.phase, 'proxy');
  });

  it('an unreachable proxy: ERR_CONNECT in phase proxy, naming the proxy', async () => {
    // Nothing listens on a port right after its server closed.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await connectFailure('ws://127.0.0.1:9/', {
      proxy: `http://u:pw@127.0.0.1:${port}`,
    });
    assert.ok(isWebSocketError(error) && error instanceof TransportError);
    assert.equal(error.code, 'ERR_CONNECT');
    assert.equal(error.phase, 'proxy');
    assert.match(error.message, new RegExp(`proxy http://u@127\\.0\\.0\\.1:${port}`));
    assert.ok(!error.message.includes('pw'));
  });

  it('openTimeoutMs covers the proxy step', async (t) => {
    const proxy = await fakeHttpProxy(t, { answer: 'HTTP/1.1 200', keepOpen: true });
    const clock = new FakeClock();
    const pending = connectFailure('ws://127.0.0.1:9/', {
      proxy: proxy.url,
      openTimeoutMs: 500,
      clock,
    });
    for (let i = 0; i < 100 && proxy.requests.length === 0; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(proxy.requests.length, 1);
    clock.advance(500);
    const error = await pending;
    assert.ok(isWebSocketError(error));
    assert.equal(error.code, 'ERR_OPEN_TIMEOUT');
  });

  it('an abort while the proxy has not answered: ERR_ABORTED', async (t) => {
    const proxy = await fakeHttpProxy(t, { answer: '', keepOpen: true });
    const abort = new AbortController();
    const pending = connectFailure('ws://127.0.0.1:9/', { proxy: proxy.url, signal: abort.signal });
    for (let i = 0; i < 100 && proxy.requests.length === 0; i++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(proxy.requests.length, 1);
    abort.abort();
    const error = await pending;
    assert.ok(isWebSocketError(error));
    assert.equal(error.code, 'ERR_ABORTED');
  });

  it('bytes that arrive with the 200 reach the WebSocket (here: the 101 itself)', async (t) => {
    const server = await echoServer(t);
    const port = new URL(server.url).port;
    // The proxy answers for the server: 200 and, in the same write, a refusal of the upgrade.
    const proxy = await fakeHttpProxy(t, {
      answer: `HTTP/1.1 200 OK\r\n\r\nHTTP/1.1 418 Teapot\r\nContent-Length: 3\r\n\r\ntea`,
      keepOpen: true,
    });
    const error = await connectFailure(`ws://127.0.0.1:${port}/`, { proxy: proxy.url });
    assert.ok(isWebSocketError(error));
    assert.equal(error.code, 'ERR_HANDSHAKE_STATUS');
    assert.equal((error as { status?: number }).status, 418);
  });

  it('an https:// proxy: TLS to the proxy (proxyTls), then TLS to the target inside', async (t) => {
    const peer = await tlsPeer(t);
    const plain = await fakeHttpProxy(t);
    // A TLS front for the fake proxy: decrypts and forwards to it.
    const sockets = new Set<Socket>();
    const front = createTlsServer(
      { key: tlsFixture('server.key'), cert: tlsFixture('server.crt') },
      (socket) => {
        const upstream = netConnect({ host: '127.0.0.1', port: plain.port });
        sockets.add(socket).add(upstream);
        socket.pipe(upstream).pipe(socket);
        socket.on('error', () => upstream.destroy());
        upstream.on('error', () => socket.destroy());
      },
    );
    front.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const socket of sockets) socket.destroy();
      front.close();
    });
    const { port } = front.address() as { port: number };
    const url = `wss://localhost:${peer.port}/`;
    const proxy = `https://localhost:${port}`;
    assert.equal(
      await echoThrough(url, { proxy, proxyTls: { ca }, tls: { ca } }),
      'through the proxy',
    );
    const error = await connectFailure(url, { proxy, tls: { ca } });
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, 'ERR_TLS');
    assert.equal(error.phase, 'proxy');
  });

  it('proxy: false connects directly even when the environment names a proxy', async (t) => {
    const server = await echoServer(t);
    const saved = process.env.HTTP_PROXY;
    process.env.HTTP_PROXY = 'http://127.0.0.1:9';
    t.after(() => {
      if (saved === undefined) delete process.env.HTTP_PROXY;
      else process.env.HTTP_PROXY = saved;
    });
    assert.equal(await echoThrough(server.url, { proxy: false }), 'through the proxy');
    const error = await connectFailure(server.url, {});
    assert.ok(error instanceof TransportError);
    assert.equal(error.phase, 'proxy');
  });
});

describe('proxy URLs', () => {
  it('parses schemes, default ports, credentials and hides the password', () => {
    const http = parseProxyUrl('http://user:p%40ss@proxy.test:3128');
    assert.deepEqual(
      { ...http },
      {
        protocol: 'http',
        hostname: 'proxy.test',
        port: 3128,
        username: 'user',
        password: 'p@ss',
        display: 'http://user@proxy.test:3128',
      },
    );
    assert.equal(parseProxyUrl('proxy.test:8080').protocol, 'http');
    assert.equal(parseProxyUrl('proxy.test').port, 80);
    assert.equal(parseProxyUrl('https://proxy.test').port, 443);
    assert.equal(parseProxyUrl('socks5://proxy.test').port, 1080);
    assert.equal(parseProxyUrl('SOCKS5H://[::1]').hostname, '::1');
  });

  it('refuses other schemes and bad URLs without echoing the password', () => {
    assert.throws(() => parseProxyUrl('ftp://proxy.test'), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => parseProxyUrl('socks4://proxy.test'), /socks5:/);
    assert.throws(
      () => parseProxyUrl('http://user:hunter2@exa mple'),
      (error: Error) => !error.message.includes('hunter2') && error.message.includes('***'),
    );
    // Passwords with a slash or an @, and URLs without a scheme, stay hidden too.
    for (const bad of [
      'http://user:pa/ss@ex ample:1',
      'user:s3cr3t@ho st:1',
      'http://user:p@ss@ex ample:1',
    ]) {
      assert.throws(
        () => parseProxyUrl(bad),
        (error: Error) =>
          !/pa\/ss|s3cr3t|p@ss/.test(error.message) && error.message.includes('***'),
        bad,
      );
    }
    assert.throws(() => parseProxyUrl(`socks5://${'u'.repeat(256)}:p@h`), /255 bytes/);
  });

  it('the connect() option is checked up front', async () => {
    await assert.rejects(connect('ws://127.0.0.1:9/', { proxy: 'gopher://x' }), {
      code: 'ERR_INVALID_ARGUMENT',
    });
    await assert.rejects(connect('ws://127.0.0.1:9/', { proxy: 42 as unknown as string }), {
      code: 'ERR_INVALID_ARGUMENT',
    });
  });

  it('an unusable proxy in the environment names the variable', async (t) => {
    const saved = process.env.HTTPS_PROXY;
    process.env.HTTPS_PROXY = 'ftp://x';
    t.after(() => {
      if (saved === undefined) delete process.env.HTTPS_PROXY;
      else process.env.HTTPS_PROXY = saved;
    });
    await assert.rejects(connect('wss://127.0.0.1:9/'), /environment variable HTTPS_PROXY/);
  });

  it('builds the CONNECT request with brackets for IPv6', () => {
    const proxy = parseProxyUrl('http://a:b@p.test');
    assert.equal(
      connectRequest(proxy, { secure: true, hostname: '::1', port: 443 }),
      'CONNECT [::1]:443 HTTP/1.1\r\nHost: [::1]:443\r\nProxy-Authorization: Basic YTpi\r\n\r\n',
    );
  });
});
