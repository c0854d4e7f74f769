// Every face that delivers a message later than it arrives (an event on a later turn, a
// callback, the LuatOS-Air inbox) counts it with Connection.holdReceived() (or addReceived()
// and releaseReceived()) until it was delivered, so reading pauses above receiveHighWaterBytes (the bound itself is tested in
// hostile-floods.test.ts). Here: each face holds every message and releases it on delivery.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, type TestContext } from 'node:test';
import { ReconnectingWebSocket } from '../../src/api/reconnecting-websocket.js';
import { WebSocket } from '../../src/api/websocket.js';
import { Connection } from '../../src/client/connection.js';
import { websocket as luatos } from '../../src/dialects/luatos.js';
import { websocket as luatosAir } from '../../src/dialects/luatos-air.js';
import { websocket as nodemcu } from '../../src/dialects/nodemcu.js';
import { deferred } from '../helpers/api.js';
import { acceptHandshake, scripted, serverFrame } from '../helpers/servers.js';

const SIZES = [1000, 70_000, 3];

/** Holds and releases seen through Connection.prototype.holdReceived and addReceived. */
const spy = { holds: 0, heldBytes: 0 };
const original = Connection.prototype.holdReceived;
const originalAdd = Connection.prototype.addReceived;
const originalRelease = Connection.prototype.releaseReceived;

beforeEach(() => {
  spy.holds = 0;
  spy.heldBytes = 0;
  Connection.prototype.holdReceived = function (this: Connection, bytes: number) {
    spy.holds++;
    spy.heldBytes += bytes;
    const release = original.call(this, bytes);
    return () => {
      spy.heldBytes -= bytes;
      release();
    };
  };
  Connection.prototype.addReceived = function (this: Connection, bytes: number) {
    spy.holds++;
    spy.heldBytes += bytes;
    originalAdd.call(this, bytes);
  };
  Connection.prototype.releaseReceived = function (this: Connection, bytes: number) {
    spy.heldBytes -= bytes;
    originalRelease.call(this, bytes);
  };
});
afterEach(() => {
  Connection.prototype.holdReceived = original;
  Connection.prototype.addReceived = originalAdd;
  Connection.prototype.releaseReceived = originalRelease;
});

async function server(t: TestContext): Promise<string> {
  const started = await scripted(t, async (socket) => {
    await acceptHandshake(socket);
    socket.write(Buffer.concat(SIZES.map((size) => serverFrame(2, Buffer.alloc(size, 1)))));
    socket.on('data', () => {});
  });
  return started.url;
}

/** Called by a face for each delivered message: checks the hold and resolves after the last. */
function deliveries() {
  const done = deferred();
  let count = 0;
  return {
    done: done.promise,
    delivered(): void {
      count++;
      // This message was released before its delivery; the ones after it are still held.
      const later = SIZES.slice(count).reduce((sum, size) => sum + size, 0);
      assert.ok(spy.heldBytes <= later, `${spy.heldBytes} bytes still held after ${count}`);
      if (count === SIZES.length) done.resolve();
    },
  };
}

function assertAllReleased(): void {
  assert.equal(spy.holds, SIZES.length, 'every message was held');
  assert.equal(spy.heldBytes, 0, 'every hold was released on delivery');
}

describe('faces that deliver later count undelivered bytes (receiveHighWaterBytes)', () => {
  it('WHATWG WebSocket', async (t) => {
    const url = await server(t);
    const { done, delivered } = deliveries();
    const ws = new WebSocket(url, [], { pingIntervalMs: 0 });
    t.after(() => ws.close());
    ws.onmessage = delivered;
    await done;
    assertAllReleased();
  });

  it('ReconnectingWebSocket', async (t) => {
    const url = await server(t);
    const { done, delivered } = deliveries();
    const ws = new ReconnectingWebSocket(url, { pingIntervalMs: 0 });
    t.after(() => ws.close());
    ws.addEventListener('message', delivered);
    await done;
    assertAllReleased();
  });

  it('NodeMCU receive callback', async (t) => {
    const url = await server(t);
    const { done, delivered } = deliveries();
    const ws = nodemcu.createClient();
    t.after(() => ws.close());
    ws.on('receive', delivered);
    ws.connect(url);
    await done;
    assertAllReleased();
  });

  it('LuatOS recv events', async (t) => {
    const url = await server(t);
    const { done, delivered } = deliveries();
    const wsc = luatos.create(undefined, url, undefined, undefined, { logger: () => {} })!;
    t.after(() => wsc.close());
    wsc.on((_client, event) => {
      if (event === 'recv') delivered();
    });
    wsc.connect();
    await done;
    assertAllReleased();
  });

  it('LuatOS-Air inbox: held until recv() takes the message', async (t) => {
    const url = await server(t);
    const ws = luatosAir.new(url);
    t.after(() => luatosAir.exit(ws));
    assert.equal(await ws.connect(5), true);
    const { done, delivered } = deliveries();
    for (let i = 0; i < SIZES.length; i++) {
      const [ok] = await ws.recv();
      assert.equal(ok, true);
      delivered();
    }
    await done;
    assertAllReleased();
  });
});
