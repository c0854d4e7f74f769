// followRedirects end to end: raw `net` servers answer the upgrade with 3xx, an npm `ws` peer
// at the end records what arrived. A chain with a cross-origin hop (credentials dropped), the
// defaults of each face (connect() follows, WebSocket does not), ws.url after redirects, a
// loop, a refused downgrade, the hop limit, the log lines and the wsx:redirect channel.

import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { WebSocket } from '../../src/api/websocket.js';
import { connect } from '../../src/api/websocket-client.js';
import { RedirectError, UnexpectedStatusError } from '../../src/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startWsPeer } from '../helpers/peers.js';
import { fakeHttpProxy } from '../helpers/proxies.js';
import { readRequest } from '../helpers/servers.js';

interface Redirector {
  /** ws://127.0.0.1:port */
  origin: string;
  port: number;
  /** Request line and headers of every request, in order. */
  requests: { path: string; headers: Record<string, string> }[];
}

/** A server answering every upgrade with `answer(path)`: [status, Location | undefined]. */
async function redirector(
  t: TestContext,
  answer: (path: string, origin: string) => [number, string | undefined],
): Promise<Redirector> {
  const sockets = new Set<Socket>();
  const result: Redirector = { origin: '', port: 0, requests: [] };
  const server = createServer(async (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    const { requestLine, headers } = await readRequest(socket);
    const path = requestLine.split(' ')[1] ?? '';
    result.requests.push({ path, headers });
    const [status, location] = answer(path, result.origin);
    const body = `moved to ${location}`;
    socket.end(
      `HTTP/1.1 ${status} Moved\r\n${location === undefined ? '' : `Location: ${location}\r\n`}Content-Length: ${body.length}\r\n\r\n${body}`,
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  result.port = (server.address() as { port: number }).port;
  result.origin = `ws://127.0.0.1:${result.port}`;
  return result;
}

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));

async function peer(t: TestContext) {
  const server = await startWsPeer();
  t.after(() => server.close());
  return server;
}

async function failure(promise: Promise<{ terminate(): unknown }>): Promise<unknown> {
  try {
    const ws = await promise;
    await ws.terminate();
  } catch (error) {
    return error;
  }
  assert.fail('connect() should have failed');
}

describe('followRedirects with connect()', () => {
  it('follows a chain across origins, dropping credentials at the origin change', async (t) => {
    const final = await peer(t);
    // 127.0.0.1:A/start -> /same (same origin, relative) -> localhost:B/end (another origin).
    const first = await redirector(t, (path) =>
      path === '/start' ? [301, '/same?x=1'] : [307, `http://localhost:${final.port}/end`],
    );
    const lines: string[] = [];
    const hops: Record<string, unknown>[] = [];
    const onHop = (message: unknown): void => {
      hops.push(message as Record<string, unknown>);
    };
    diagnosticsChannel.subscribe('wsx:redirect', onHop);
    t.after(() => diagnosticsChannel.unsubscribe('wsx:redirect', onHop));
    const ws = await connect(`ws://user:pa55@127.0.0.1:${first.port}/start`, {
      headers: { Cookie: 'session=1', 'X-Trace': 'abc' },
      pingIntervalMs: 0,
      logger: (line) => lines.push(line),
    });
    t.after(() => ws.terminate());
    assert.equal(ws.url, `ws://localhost:${final.port}/end`);
    // Same origin: the credentials and the cookie went along.
    const basic = `Basic ${Buffer.from('user:pa55').toString('base64')}`;
    assert.equal(first.requests[0]?.headers.authorization, basic);
    assert.equal(first.requests[1]?.path, '/same?x=1');
    assert.equal(first.requests[1]?.headers.authorization, basic);
    assert.equal(first.requests[1]?.headers.cookie, 'session=1');
    // Another origin: neither.
    const last = final.requests[0]!;
    assert.equal(last.url, '/end');
    assert.equal(last.headers.authorization, undefined);
    assert.equal(last.headers.cookie, undefined);
    assert.equal(last.headers['x-trace'], 'abc');
    assert.deepEqual(
      hops.map((hop) => [hop.status, hop.to, hop.count]),
      [
        [301, `ws://user:***@127.0.0.1:${first.port}/same?x=1`, 1],
        [307, `ws://localhost:${final.port}/end`, 2],
      ],
    );
    assert.deepEqual(hops[1]?.dropped, ['userinfo', 'cookie']);
    const logged = lines.filter((line) => line.startsWith('= redirect'));
    assert.equal(logged.length, 2);
    assert.match(logged[1]!, /not sent there: userinfo, cookie/);
    assert.ok(!lines.join('\n').includes('pa55'));
  });

  it('chooses the proxy again for each hop (NO_PROXY covers only the first)', async (t) => {
    const final = await peer(t);
    const first = await redirector(t, () => [302, `ws://localhost:${final.port}/end`]);
    const proxy = await fakeHttpProxy(t);
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, NO_PROXY: process.env.NO_PROXY };
    process.env.HTTP_PROXY = proxy.url;
    process.env.NO_PROXY = '127.0.0.1';
    t.after(() => {
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    });
    const ws = await connect(`${first.origin}/start`, { pingIntervalMs: 0 });
    await ws.close();
    assert.equal(first.requests.length, 1);
    assert.deepEqual(
      proxy.requests.map((request) => request.requestLine),
      [`CONNECT localhost:${final.port} HTTP/1.1`],
    );
  });

  it('refuses a loop', async (t) => {
    const server = await redirector(t, (path) => [302, path === '/a' ? '/b' : '/a']);
    const error = await failure(connect(`${server.origin}/a`));
    assert.ok(error instanceof RedirectError, String(error));
    assert.equal(error.code, 'ERR_REDIRECT_LOOP');
    assert.deepEqual(error.chain, [`${server.origin}/a`, `${server.origin}/b`]);
    assert.equal(server.requests.length, 2);
  });

  it('refuses wss: to ws:', async (t) => {
    const plain = await redirector(t, () => [302, 'ws://127.0.0.1:9/']);
    // The chain starts on ws:, goes up to wss: (allowed), whose server then points down to ws:.
    const tlsServer = createTlsServer(
      { key: fixture('server.key'), cert: fixture('server.crt') },
      async (socket) => {
        socket.on('error', () => {});
        await readRequest(socket as unknown as Socket);
        socket.end(
          `HTTP/1.1 308 Permanent\r\nLocation: ${plain.origin}/\r\nContent-Length: 0\r\n\r\n`,
        );
      },
    );
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => tlsServer.close(() => resolve())));
    const { port } = tlsServer.address() as { port: number };
    const up = await redirector(t, () => [301, `wss://localhost:${port}/secure`]);
    const error = await failure(connect(`${up.origin}/`, { tls: { ca: fixture('ca.crt') } }));
    assert.ok(error instanceof RedirectError, String(error));
    assert.equal(error.code, 'ERR_REDIRECT_DOWNGRADE');
    assert.equal(error.status, 308);
    assert.equal(plain.requests.length, 0);
  });

  it('stops after followRedirects hops', async (t) => {
    const server = await redirector(t, (path) => [303, `/${Number(path.slice(1)) + 1}`]);
    const error = await failure(connect(`${server.origin}/0`, { followRedirects: 3 }));
    assert.ok(error instanceof RedirectError, String(error));
    assert.equal(error.code, 'ERR_REDIRECT_LIMIT');
    assert.equal(server.requests.length, 4);
    const byDefault = await failure(connect(`${server.origin}/100`));
    assert.ok(byDefault instanceof RedirectError);
    assert.equal(byDefault.code, 'ERR_REDIRECT_LIMIT');
    assert.equal(byDefault.chain.length, 11);
  });

  it('followRedirects: false reports the 3xx itself, with its Location', async (t) => {
    const server = await redirector(t, () => [301, '/elsewhere']);
    const error = await failure(connect(`${server.origin}/`, { followRedirects: false }));
    assert.ok(error instanceof UnexpectedStatusError);
    assert.equal(error.status, 301);
    assert.equal(error.headers.location, '/elsewhere');
    assert.equal(server.requests.length, 1);
  });

  it('a redirect whose body never ends is reported, not followed, at openTimeoutMs', {
    timeout: 10_000,
  }, async (t) => {
    const clock = new FakeClock();
    let requests = 0;
    const sockets: Socket[] = [];
    const server = createServer(async (socket) => {
      requests++;
      sockets.push(socket);
      socket.on('error', () => {});
      await readRequest(socket);
      socket.write('HTTP/1.1 302 Found\r\nLocation: /next\r\n\r\nbody that never ends');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => {
      for (const socket of sockets) socket.destroy();
      server.close();
    });
    const { port } = server.address() as { port: number };
    const pending = failure(connect(`ws://127.0.0.1:${port}/`, { openTimeoutMs: 1000, clock }));
    for (let i = 0; i < 200 && requests === 0; i++) await new Promise((r) => setImmediate(r));
    for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
    clock.advance(1000);
    const error = await pending;
    assert.ok(error instanceof UnexpectedStatusError, String(error));
    assert.equal(error.status, 302);
    assert.equal(error.bodyText, 'body that never ends');
    assert.equal(requests, 1);
  });

  it('a 3xx that is not a redirect (300 Multiple Choices) is reported as is', async (t) => {
    const server = await redirector(t, () => [300, '/x']);
    const error = await failure(connect(`${server.origin}/`));
    assert.ok(error instanceof UnexpectedStatusError);
    assert.equal(error.status, 300);
  });

  it('checks the option', async () => {
    for (const followRedirects of [-1, 1.5, true, '3']) {
      await assert.rejects(
        connect('ws://127.0.0.1:9/', { followRedirects: followRedirects as number }),
        { code: 'ERR_INVALID_ARGUMENT' },
      );
    }
  });
});

describe('followRedirects with WebSocket', () => {
  function outcome(ws: WebSocket): Promise<{ opened: boolean; error?: unknown; url: string }> {
    return new Promise((resolve) => {
      let error: unknown;
      ws.onerror = (event) => {
        error = (event as { error?: unknown }).error;
      };
      ws.onopen = () => {
        resolve({ opened: true, url: ws.url });
        ws.close();
      };
      ws.onclose = () => resolve({ opened: false, error, url: ws.url });
    });
  }

  it('does not follow by default, as browsers do', async (t) => {
    const final = await peer(t);
    const server = await redirector(t, () => [302, `ws://127.0.0.1:${final.port}/`]);
    const result = await outcome(new WebSocket(`${server.origin}/`));
    assert.equal(result.opened, false);
    assert.ok(result.error instanceof UnexpectedStatusError);
    assert.equal(final.requests.length, 0);
  });

  it('follows when asked; url is the final URL once open', async (t) => {
    const final = await peer(t);
    const server = await redirector(t, () => [302, `ws://127.0.0.1:${final.port}/there`]);
    const ws = new WebSocket(`${server.origin}/here`, [], { followRedirects: 2 });
    assert.equal(ws.url, `${server.origin}/here`);
    const result = await outcome(ws);
    assert.equal(result.opened, true);
    assert.equal(result.url, `ws://127.0.0.1:${final.port}/there`);
  });
});
