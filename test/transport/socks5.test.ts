// SOCKS5 (RFC 1928) with no auth or user/password (RFC 1929) against an in-process fake proxy
// (test/helpers/proxies.ts): what the client offers and sends, socks5 (resolved here) against
// socks5h (resolved by the proxy), wss:// through it, and every refusal as a typed error.

import assert from 'node:assert/strict';
import { createServer, connect as netConnect, type Socket } from 'node:net';
import { describe, it } from 'node:test';
import { ProxyError, TransportError } from '../../src/core/errors.js';
import { parseProxyUrl } from '../../src/transport/proxy-url.js';
import { connectRequest, SOCKS5_REPLIES, socks5Connect } from '../../src/transport/socks5.js';
import { startTlsWsPeer } from '../helpers/peers.js';
import { connectFailure, echoThrough, fakeSocksProxy, tlsFixture } from '../helpers/proxies.js';
import { echoServer } from '../helpers/servers.js';

const ca = tlsFixture('ca.crt');

describe('SOCKS5', () => {
  it('no authentication: offers only method 0, sends the IPv4 address and port', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeSocksProxy(t);
    assert.equal(await echoThrough(server.url, { proxy: proxy.url }), 'through the proxy');
    const record = proxy.requests[0]!;
    assert.deepEqual(record.methods, [0]);
    assert.equal(record.addressType, 1);
    assert.equal(record.host, '127.0.0.1');
    assert.equal(record.port, Number(new URL(server.url).port));
  });

  it('user name and password (RFC 1929), offered next to no authentication', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeSocksProxy(t, { credentials: 'bob:s€cret' });
    const url = `socks5://bob:s%E2%82%ACcret@127.0.0.1:${proxy.port}`;
    assert.equal(await echoThrough(server.url, { proxy: url }), 'through the proxy');
    const record = proxy.requests[0]!;
    assert.deepEqual(record.methods, [0, 2]);
    assert.equal(record.username, 'bob');
    assert.equal(record.password, 's€cret');
  });

  it('socks5:// resolves the name here; socks5h:// sends the name to the proxy', async (t) => {
    const server = await echoServer(t);
    const port = new URL(server.url).port;
    const proxy = await fakeSocksProxy(t);
    const url = `ws://localhost:${port}/`;
    assert.equal(await echoThrough(url, { proxy: proxy.url }), 'through the proxy');
    assert.notEqual(proxy.requests[0]!.addressType, 3);
    assert.match(proxy.requests[0]!.host ?? '', /^(127\.0\.0\.1|0{0,4}(:0{0,4})*:0*1)$/);
    const remote = `socks5h://127.0.0.1:${proxy.port}`;
    assert.equal(await echoThrough(url, { proxy: remote }), 'through the proxy');
    assert.equal(proxy.requests[1]!.addressType, 3);
    assert.equal(proxy.requests[1]!.host, 'localhost');
  });

  it('carries wss:// with the target name for SNI and verification', async (t) => {
    const peer = await startTlsWsPeer({
      key: tlsFixture('server.key'),
      cert: tlsFixture('server.crt'),
    });
    t.after(() => peer.close());
    const proxy = await fakeSocksProxy(t);
    const url = `wss://localhost:${peer.port}/`;
    const remote = `socks5h://127.0.0.1:${proxy.port}`;
    assert.equal(await echoThrough(url, { proxy: remote, tls: { ca } }), 'through the proxy');
    assert.equal(peer.requests[0]?.servername, 'localhost');
  });

  it('a wrong password: ERR_PROXY_AUTH, password shown nowhere', async (t) => {
    const proxy = await fakeSocksProxy(t, { credentials: 'bob:right' });
    const url = `socks5://bob:wrong-one@127.0.0.1:${proxy.port}`;
    const error = await connectFailure('ws://127.0.0.1:9/', { proxy: url });
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, 'ERR_PROXY_AUTH');
    assert.equal(error.phase, 'proxy');
    assert.match(error.message, /refused the user name or password/);
    assert.ok(!`${error.message}${error.proxy}${error.stack}`.includes('wrong-one'));
  });

  it('credentials needed but none given: ERR_PROXY_AUTH (no acceptable method)', async (t) => {
    const proxy = await fakeSocksProxy(t, { credentials: 'bob:right' });
    const error = await connectFailure('ws://127.0.0.1:9/', { proxy: proxy.url });
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, 'ERR_PROXY_AUTH');
    assert.match(error.message, /wants credentials/);
  });

  for (const reply of [1, 2, 4, 5, 8, 42]) {
    it(`reply ${reply}: ERR_PROXY_REFUSED with socksReply`, async (t) => {
      const proxy = await fakeSocksProxy(t, { reply });
      const error = await connectFailure('ws://127.0.0.1:9/', { proxy: proxy.url });
      assert.ok(error instanceof ProxyError);
      assert.equal(error.code, 'ERR_PROXY_REFUSED');
      assert.equal(error.socksReply, reply);
      assert.ok(error.message.includes(SOCKS5_REPLIES[reply] ?? 'unknown reply code'));
      assert.match(error.message, /127\.0\.0\.1:9/);
    });
  }

  it('a target the proxy cannot reach: reply 5', async (t) => {
    const proxy = await fakeSocksProxy(t);
    const error = await connectFailure('ws://127.0.0.1:9/', { proxy: proxy.url });
    assert.ok(error instanceof ProxyError);
    assert.equal(error.socksReply, 5);
  });

  it('an HTTP proxy on a socks5:// URL: ERR_PROXY_PROTOCOL with a hint', async (t) => {
    const proxy = await fakeSocksProxy(t, { raw: 'HTTP/1.1 400 Bad Request\r\n\r\n' });
    const error = await connectFailure('ws://127.0.0.1:9/', { proxy: proxy.url });
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, 'ERR_PROXY_PROTOCOL');
    assert.match(error.message, /use http:\/\//);
  });

  it('a method that was not offered: ERR_PROXY_PROTOCOL', async (t) => {
    const proxy = await fakeSocksProxy(t, { method: 2 });
    const error = await connectFailure('ws://127.0.0.1:9/', { proxy: proxy.url });
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, 'ERR_PROXY_PROTOCOL');
  });

  it('a proxy that closes mid-handshake: ERR_CONNECTION_LOST in phase proxy', async (t) => {
    const proxy = await fakeSocksProxy(t, { raw: '\u0005' });
    const error = await connectFailure('ws://127.0.0.1:9/', { proxy: proxy.url });
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, 'ERR_CONNECTION_LOST');
    assert.equal(error.phase, 'proxy');
  });

  it('socks5:// with a name that does not resolve: ERR_DNS before asking the proxy', async (t) => {
    const proxy = await fakeSocksProxy(t);
    const error = await connectFailure('ws://no-such-host.invalid/', { proxy: proxy.url });
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, 'ERR_DNS');
    assert.match(error.message, /socks5h/);
    assert.equal(proxy.requests[0]?.host, undefined);
  });

  it('socks5:// whose proxy resets the connection while the name resolves: a typed error', async (t) => {
    // The proxy accepts; while the target's name is being resolved here, it resets the
    // connection. Only the resolving step is listening then.
    let accepted: (peer: Socket) => void = () => {};
    const peerSocket = new Promise<Socket>((resolve) => {
      accepted = resolve;
    });
    const server = createServer((peer) => {
      peer.on('error', () => {});
      accepted(peer);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => server.close());
    const { port } = server.address() as { port: number };
    const socket: Socket = netConnect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const peer = await peerSocket;
    const proxy = parseProxyUrl(`socks5://127.0.0.1:${port}`);
    const resolve = async (): Promise<{ address: string; family: number }[]> => {
      const closed = new Promise((settle) => socket.once('close', settle));
      peer.resetAndDestroy();
      await closed;
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const target = { hostname: 'slow.example', port: 80, secure: false };
    await assert.rejects(socks5Connect(socket, proxy, target, { resolve }), (error) => {
      assert.ok(error instanceof TransportError);
      assert.equal(error.code, 'ERR_CONNECTION_LOST');
      assert.equal(error.phase, 'proxy');
      assert.match(error.message, /while slow\.example was being resolved/);
      return true;
    });
  });

  it('a host name longer than SOCKS5 can carry: ERR_INVALID_URL, nothing sent', async (t) => {
    const proxy = await fakeSocksProxy(t);
    const host = `${'a'.repeat(63)}.`.repeat(4).concat('test');
    const error = await connectFailure(`ws://${host}/`, {
      proxy: `socks5h://127.0.0.1:${proxy.port}`,
    });
    assert.ok(error instanceof Error);
    assert.equal((error as { code?: string }).code, 'ERR_INVALID_URL');
    assert.deepEqual(proxy.requests[0]?.methods ?? [], []);
  });

  it('encodes CONNECT for IPv4, IPv6 and names', () => {
    assert.deepEqual([...connectRequest('10.1.2.3', 443)], [5, 1, 0, 1, 10, 1, 2, 3, 1, 187]);
    assert.deepEqual([...connectRequest('::1', 80)], [5, 1, 0, 4, ...Array(15).fill(0), 1, 0, 80]);
    assert.deepEqual([...connectRequest('ab.c', 258)], [5, 1, 0, 3, 4, 97, 98, 46, 99, 1, 2]);
  });
});
