// permessage-deflate in the firmware dialects, over real sockets on 127.0.0.1: none offers
// compression by default (their firmware does not), each offers it when the host options
// say `perMessageDeflate: true`, and LuatOS (which reports frames) gets a compressed
// message as one frame, since its frames mean nothing alone (RFC 7692 §6).

import assert from 'node:assert/strict';
import type { IncomingHttpHeaders } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { type LuatosClient, websocket as luatos, MessageBus } from '../../src/dialects/luatos.js';
import { websocket as air } from '../../src/dialects/luatos-air.js';
import { websocket as nodemcu } from '../../src/dialects/nodemcu.js';
import { deflateMessage, deflatePeerServer } from '../helpers/deflate.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { echoServer, serverFrame } from '../helpers/servers.js';

type HostOptions = { perMessageDeflate?: boolean };

/** Opens one connection through each dialect and resolves once it is open. */
const dialects: {
  name: string;
  open(t: TestContext, url: string, options: HostOptions): Promise<string>;
}[] = [
  {
    name: 'luatos',
    async open(t, url, options) {
      const clock = new FakeClock();
      const wsc = luatos.create(undefined, url, undefined, undefined, {
        clock,
        bus: new MessageBus(clock),
        ...options,
      })!;
      t.after(() => wsc.close());
      const opened = new Promise<void>((resolve) =>
        wsc.on((_client, event) => {
          if (event === 'conack') resolve();
        }),
      );
      assert.equal(wsc.connect(), true);
      await opened;
      return 'open';
    },
  },
  {
    name: 'luatos-air',
    async open(t, url, options) {
      const ws = air.new(url, null, options);
      t.after(() => ws.close());
      assert.equal(await ws.connect(5), true);
      return 'open';
    },
  },
  {
    name: 'nodemcu',
    async open(t, url, options) {
      const ws = nodemcu.createClient(options);
      t.after(() => ws.close());
      const opened = new Promise<void>((resolve) => ws.on('connection', () => resolve()));
      ws.connect(url);
      await opened;
      return 'open';
    },
  },
];

describe('dialects and permessage-deflate', { timeout: 30_000 }, () => {
  for (const dialect of dialects) {
    it(`${dialect.name}: no offer by default, an offer with perMessageDeflate: true`, async (t) => {
      const server = await echoServer(t, { perMessageDeflate: true });
      const requests: IncomingHttpHeaders[] = [];
      server.server.on('connection', (_socket, request) => requests.push(request.headers));
      await dialect.open(t, server.url, {});
      await dialect.open(t, server.url, { perMessageDeflate: true });
      assert.equal(requests.length, 2);
      assert.equal(requests[0]!['sec-websocket-extensions'], undefined);
      assert.equal(
        requests[1]!['sec-websocket-extensions'],
        'permessage-deflate; client_max_window_bits',
      );
    });
  }

  it('luatos: a compressed message in three frames is one recv with fin 1', async (t) => {
    const server = await deflatePeerServer(t);
    const clock = new FakeClock();
    const wsc: LuatosClient = luatos.create(undefined, server.url, undefined, undefined, {
      clock,
      bus: new MessageBus(clock),
      perMessageDeflate: true,
    })!;
    t.after(() => wsc.close());
    const received: unknown[][] = [];
    let onRecv: () => void = () => {};
    const opened = new Promise<void>((resolve) =>
      wsc.on((_client, event, ...args) => {
        if (event === 'conack') resolve();
        if (event === 'recv') {
          received.push(args);
          onRecv();
        }
      }),
    );
    assert.equal(wsc.connect(), true);
    await opened;
    const peer = await server.peer;
    const text = 'luatos '.repeat(3000);
    const deflated = deflateMessage(text);
    const third = Math.floor(deflated.length / 3);
    const gotTwo = new Promise<void>((resolve) => {
      onRecv = () => {
        if (received.length === 2) resolve();
      };
    });
    await peer.write(
      Buffer.concat([
        serverFrame(1, deflated.subarray(0, third), { fin: false, rsv: 4 }),
        serverFrame(0, deflated.subarray(third, 2 * third), { fin: false }),
        serverFrame(0, deflated.subarray(2 * third), { fin: true }),
        serverFrame(1, 'plain after it'),
      ]),
    );
    await gotTwo;
    assert.deepEqual(received, [
      [text, 1, 1],
      ['plain after it', 1, 1],
    ]);
  });
});
