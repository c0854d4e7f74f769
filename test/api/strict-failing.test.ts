// Failing strictly (RFC 6455 §7.1.7), through every face: when a valid message and a frame
// that breaks the protocol arrive in the same read, the application gets the message first,
// and the answer it sends at once from its handler leaves before the Close that fails the
// connection. A ping behind the offending frame is not answered. Each face runs an echo app
// against a raw scripted server, which writes the message, a text frame with an RSV bit set
// and a ping in one write: either after the client said it is ready, or together with the
// 101 response (the frames then wait one turn behind the open, see Connection).

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { ReconnectingWebSocket } from '../../src/api/reconnecting-websocket.js';
import { WebSocket } from '../../src/api/websocket.js';
import { connect } from '../../src/api/websocket-client.js';
import { websocket as luatos } from '../../src/dialects/luatos.js';
import { websocket as air } from '../../src/dialects/luatos-air.js';
import { websocket as nodemcu } from '../../src/dialects/nodemcu.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Peer } from '../helpers/hostile.js';
import { acceptFor, readRequest, scripted, serverFrame } from '../helpers/servers.js';

/** An echo app on one face: says 'ready' once open, echoes every text message at once. */
interface Face {
  name: string;
  /** Starts the app; returns its cleanup. */
  start(url: string): () => void;
}

const FACES: Face[] = [
  {
    name: 'connect() with a message listener',
    start(url) {
      const client = connect(url, { pingIntervalMs: 0 });
      client.then(
        (ws) => {
          ws.on('message', (message) => {
            ws.send(message.data).catch(() => {});
          });
          ws.send('ready').catch(() => {});
        },
        () => {},
      );
      return () => void client.then((ws) => ws.terminate()).catch(() => {});
    },
  },
  {
    name: 'connect() with for await',
    start(url) {
      const client = connect(url, { pingIntervalMs: 0 });
      client.then(
        async (ws) => {
          ws.send('ready').catch(() => {});
          for await (const message of ws) ws.send(message.data).catch(() => {});
        },
        () => {},
      );
      return () => void client.then((ws) => ws.terminate()).catch(() => {});
    },
  },
  {
    name: 'WHATWG WebSocket',
    start(url) {
      const ws = new WebSocket(url, { pingIntervalMs: 0 });
      ws.onopen = () => ws.send('ready');
      ws.onmessage = (event) => ws.send(event.data as string);
      ws.onerror = () => {};
      return () => ws.close();
    },
  },
  {
    name: 'ReconnectingWebSocket',
    start(url) {
      // A fake clock: the retry after the failure never comes.
      const ws = new ReconnectingWebSocket(url, { pingIntervalMs: 0, clock: new FakeClock() });
      ws.addEventListener('open', () => {
        ws.send('ready').catch(() => {});
      });
      ws.addEventListener('message', (event) => {
        ws.send(event.data as string).catch(() => {});
      });
      return () => ws.close();
    },
  },
  {
    name: 'LuatOS',
    start(url) {
      const wsc = luatos.create(undefined, url)!;
      wsc.on((client, event, data) => {
        if (event === 'conack') client.send('ready');
        else if (event === 'recv') client.send(data as string);
      });
      wsc.connect();
      return () => wsc.close();
    },
  },
  {
    name: 'LuatOS-Air with a recv() loop',
    start(url) {
      const ws = air.new(url);
      ws.on('error', () => {});
      void (async () => {
        if (!(await ws.connect())) return;
        ws.send('ready', true);
        for (let guard = 0; guard < 10; guard++) {
          const [ok, message] = await ws.recv();
          if (!ok) return;
          ws.send(message, true);
        }
      })();
      return () => ws.close();
    },
  },
  {
    name: 'NodeMCU',
    start(url) {
      const ws = nodemcu.createClient();
      ws.on('connection', (client) => client.send('ready', 1));
      ws.on('receive', (client, message, opcode) => client.send(message, opcode));
      ws.connect(url);
      return () => ws.close();
    },
  },
];

/** The valid message, the offending frame (RSV2 set) and a ping, as one server write. */
const FRAMES = Buffer.concat([
  serverFrame(0x1, 'hello'),
  serverFrame(0x1, 'bad', { rsv: 2 }),
  serverFrame(0x9, 'too late'),
]);

/**
 * A raw server for one connection; `together` writes the 101 and the frames in one write,
 * otherwise the frames follow once the client's 'ready' arrived. Resolves with the Peer once
 * the client's Close arrived (or the connection ended).
 */
async function serve(
  t: TestContext,
  together: boolean,
): Promise<{ url: string; peer: Promise<Peer> }> {
  let done: (peer: Peer) => void = () => {};
  const peer = new Promise<Peer>((resolve) => {
    done = resolve;
  });
  let isFirst = true;
  const server = await scripted(t, async (socket: Socket) => {
    if (!isFirst) return void socket.destroy();
    isFirst = false;
    const { headers, rest } = await readRequest(socket);
    const head = Buffer.from(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${acceptFor(headers['sec-websocket-key'] ?? '')}\r\n\r\n`,
    );
    const client = new Peer(socket, rest);
    if (together) socket.write(Buffer.concat([head, FRAMES]));
    else {
      socket.write(head);
      await client.waitFor(() => client.messages.length >= 1);
      socket.write(FRAMES);
    }
    await client.waitForClose();
    done(client);
  });
  return { url: server.url, peer };
}

for (const face of FACES) {
  describe(`${face.name} fails strictly`, () => {
    for (const together of [false, true]) {
      const when = together ? 'in the same write as the 101' : 'after the open';
      it(`answers the message before the failing Close (frames ${when})`, async (t) => {
        const { url, peer: whenClosed } = await serve(t, together);
        const stop = face.start(url);
        t.after(stop);
        const peer = await whenClosed;
        const texts = peer.messages.map((m) => m.payload.toString());
        assert.deepEqual(
          texts,
          ['ready', 'hello'],
          "the app's echo of 'hello' left before the Close",
        );
        assert.equal(peer.close?.code, 1002, 'then the Close that fails the connection');
        assert.deepEqual(peer.pongs, [], 'the ping behind the offending frame is not answered');
        assert.deepEqual(peer.framesAfterClose, [], 'nothing after the Close');
        assert.deepEqual(peer.clientErrors, []);
      });
    }
  });
}
