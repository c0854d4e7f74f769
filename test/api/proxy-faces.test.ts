// Every face takes the proxy option and goes through the proxy: WebSocket (Node options),
// ReconnectingWebSocket, connectForever, and the three dialects (an option beside the firmware
// settings). Also the environment end to end: HTTP_PROXY taken for ws://, NO_PROXY skipping it.

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { connectForever } from '../../src/api/connect-forever.js';
import { ReconnectingWebSocket } from '../../src/api/reconnecting-websocket.js';
import { WebSocket } from '../../src/api/websocket.js';
import { connect } from '../../src/api/websocket-client.js';
import { websocket as luatos } from '../../src/dialects/luatos.js';
import { websocket as air } from '../../src/dialects/luatos-air.js';
import { websocket as nodemcu } from '../../src/dialects/nodemcu.js';
import { fakeHttpProxy } from '../helpers/proxies.js';
import { echoServer } from '../helpers/servers.js';

/** Sets environment variables for one test. */
function setEnv(t: TestContext, values: Record<string, string>): void {
  const saved = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(values)) {
    saved.set(name, process.env[name]);
    process.env[name] = value;
  }
  t.after(() => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });
}

function openedOrFailed(target: EventTarget): Promise<string> {
  return new Promise((resolve) => {
    target.addEventListener('open', () => resolve('open'), { once: true });
    target.addEventListener('error', () => resolve('error'), { once: true });
  });
}

describe('the proxy option on every face', () => {
  it('WebSocket', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeHttpProxy(t);
    const ws = new WebSocket(server.url, [], { proxy: proxy.url });
    t.after(() => ws.close());
    assert.equal(await openedOrFailed(ws), 'open');
    assert.equal(proxy.requests.length, 1);
  });

  it('ReconnectingWebSocket', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeHttpProxy(t);
    const ws = new ReconnectingWebSocket(server.url, [], { proxy: proxy.url });
    t.after(() => ws.close());
    assert.equal(await openedOrFailed(ws as unknown as EventTarget), 'open');
    assert.equal(proxy.requests.length, 1);
  });

  it('connectForever', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeHttpProxy(t);
    const abort = new AbortController();
    t.after(() => abort.abort());
    for await (const client of connectForever(server.url, {
      proxy: proxy.url,
      signal: abort.signal,
    })) {
      await client.close();
      break;
    }
    assert.equal(proxy.requests.length, 1);
  });

  it('LuatOS: websocket.create(..., options)', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeHttpProxy(t);
    const wsc = luatos.create(undefined, server.url, undefined, undefined, { proxy: proxy.url });
    assert.ok(wsc !== undefined);
    t.after(() => wsc.close());
    const event = await new Promise<string>((resolve) => {
      wsc.on((_client, name) => {
        if (name === 'conack' || name === 'disconnect') resolve(name);
      });
      wsc.connect();
    });
    assert.equal(event, 'conack');
    assert.equal(proxy.requests.length, 1);
  });

  it('LuatOS-Air: websocket.new(url, cert, options)', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeHttpProxy(t);
    const ws = air.new(server.url, null, { proxy: proxy.url });
    t.after(() => ws.close());
    assert.equal(await ws.connect(), true);
    assert.equal(proxy.requests.length, 1);
  });

  it('NodeMCU: websocket.createClient(options)', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeHttpProxy(t);
    const ws = nodemcu.createClient({ proxy: proxy.url });
    t.after(() => ws.close());
    const event = await new Promise<string>((resolve) => {
      ws.on('connection', () => resolve('connection'));
      ws.on('close', () => resolve('close'));
      ws.connect(server.url);
    });
    assert.equal(event, 'connection');
    assert.equal(proxy.requests.length, 1);
  });
});

describe('the proxy environment end to end', () => {
  it('HTTP_PROXY is used for ws:// and NO_PROXY forms skip it', async (t) => {
    const server = await echoServer(t);
    const port = new URL(server.url).port;
    const proxy = await fakeHttpProxy(t);
    setEnv(t, { HTTP_PROXY: proxy.url, NO_PROXY: '' });
    const through = await connect(server.url, { pingIntervalMs: 0 });
    await through.close();
    assert.equal(proxy.requests.length, 1);
    for (const noProxy of [
      '127.0.0.1',
      `127.0.0.1:${port}`,
      '127.0.0.0/8',
      '*',
      'x.test, 127.0.0.1',
    ]) {
      process.env.NO_PROXY = noProxy;
      const direct = await connect(server.url, { pingIntervalMs: 0 });
      await direct.close();
      assert.equal(proxy.requests.length, 1, `NO_PROXY=${noProxy}`);
    }
    process.env.NO_PROXY = `127.0.0.1:${Number(port) + 1}`;
    const other = await connect(server.url, { pingIntervalMs: 0 });
    await other.close();
    assert.equal(proxy.requests.length, 2);
  });

  it('a connection that connectTo redirects is direct, whatever HTTP_PROXY says', async (t) => {
    const server = await echoServer(t);
    const port = Number(new URL(server.url).port);
    const proxy = await fakeHttpProxy(t);
    setEnv(t, { HTTP_PROXY: proxy.url, http_proxy: '', NO_PROXY: '', no_proxy: '' });
    const ws = await connect('ws://device.example/', {
      pingIntervalMs: 0,
      connectTo: () => ({ host: '127.0.0.1', port }),
    });
    await ws.send('direct');
    for await (const message of ws) {
      assert.equal(message.data, 'direct');
      break;
    }
    await ws.close();
    assert.equal(proxy.requests.length, 0, 'the proxy was not asked');
    // Without connectTo the same environment does use the proxy.
    const through = await connect(server.url, { pingIntervalMs: 0 });
    await through.close();
    assert.equal(proxy.requests.length, 1);
  });

  it('HTTPS_PROXY is not used for ws://; ALL_PROXY is', async (t) => {
    const server = await echoServer(t);
    const proxy = await fakeHttpProxy(t);
    setEnv(t, {
      HTTPS_PROXY: proxy.url,
      HTTP_PROXY: '',
      http_proxy: '',
      NO_PROXY: '',
      no_proxy: '',
    });
    const direct = await connect(server.url, { pingIntervalMs: 0 });
    await direct.close();
    assert.equal(proxy.requests.length, 0);
    setEnv(t, { ALL_PROXY: proxy.url });
    const through = await connect(server.url, { pingIntervalMs: 0 });
    await through.close();
    assert.equal(proxy.requests.length, 1);
  });
});
