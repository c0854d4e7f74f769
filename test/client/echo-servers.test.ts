// Interop with three independent server implementations, in-process on 127.0.0.1: npm `ws`,
// npm `websocket` (WebSocket-Node) and `faye-websocket`. The same suite runs against each:
// exact echo at every frame-length boundary (RFC 6455 §5.2: 7-bit, 16-bit and 64-bit
// lengths), subprotocols (§4.1 item 10, §4.2.2), request headers, closing both ways (§7),
// and parallel connections.

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connect, type Message, type WebSocketClient } from '../../src/api/websocket-client.js';
import { cleanClose, reader } from '../helpers/api.js';
import {
  assertSameBytes,
  assertSameText,
  CLOSE_COMMAND,
  type PeerServer,
  randomPayload,
  randomText,
  startFayePeer,
  startWebsocketPeer,
  startWsPeer,
} from '../helpers/peers.js';

const MiB = 1024 * 1024;
/** Around every payload-length encoding switch, plus large messages. */
const SIZES = [0, 1, 125, 126, 65535, 65536, MiB, 16 * MiB];

// Made once and shared by every peer: generating 16 MiB of random text is not free.
const texts = new Map(SIZES.map((size) => [size, randomText(size)]));
const binaries = new Map(SIZES.map((size) => [size, randomPayload(size)]));

const peers: { name: string; start: () => Promise<PeerServer> }[] = [
  { name: 'ws', start: startWsPeer },
  { name: 'websocket', start: startWebsocketPeer },
  { name: 'faye-websocket', start: startFayePeer },
];

function requestFor(server: PeerServer, clientId: string) {
  const request = server.requests.find((entry) => entry.headers['x-client-id'] === clientId);
  assert.ok(request, `the server saw no request from client ${clientId}`);
  return request;
}

let clientCounter = 0;
/** Connects with a unique X-Client-Id header so the test can find its server-side record. */
async function open(
  server: PeerServer,
  options: Parameters<typeof connect>[1] = {},
  url: string = server.url,
): Promise<{ client: WebSocketClient; id: string }> {
  const id = `client-${++clientCounter}`;
  const headers = { ...(options.headers as Record<string, string> | undefined), 'X-Client-Id': id };
  const client = await connect(url, { ...options, headers });
  return { client, id };
}

for (const peer of peers) {
  // The timeout only turns a hang into a failure; the tests never wait on time.
  describe(`interop with npm ${peer.name}`, { timeout: 120_000 }, () => {
    let server: PeerServer;
    const clients: WebSocketClient[] = [];
    const track = <T extends { client: WebSocketClient }>(opened: T): T => {
      clients.push(opened.client);
      return opened;
    };

    before(async () => {
      server = await peer.start();
    });
    after(async () => {
      await Promise.all(clients.map((client) => client.terminate()));
      await server.close();
    });

    test('RFC 6455 §5.6: echoes text of every length class exactly (0 B to 16 MiB)', async () => {
      const { client } = track(await open(server));
      const next = reader(client);
      for (const size of SIZES) {
        const text = texts.get(size)!;
        const received = next();
        await client.send(text);
        const message = await received;
        assert.equal(message.isBinary, false, `${size} B text came back as binary`);
        assertSameText(message.data, text, `text of ${size} UTF-8 bytes`);
      }
      const info = await client.close();
      assert.equal(info.wasClean, true);
    });

    test('RFC 6455 §5.6: echoes binary of every length class exactly (0 B to 16 MiB)', async () => {
      const { client } = track(await open(server));
      const next = reader(client);
      for (const size of SIZES) {
        const bytes = binaries.get(size)!;
        const received = next();
        await client.send(bytes);
        const message = await received;
        assert.equal(message.isBinary, true, `${size} B binary came back as text`);
        assertSameBytes(message.data, bytes, `binary of ${size} bytes`);
      }
      const info = await client.close();
      assert.equal(info.wasClean, true);
    });

    test('next() calls made before any message arrives resolve in order', async () => {
      const { client } = track(await open(server));
      const iterator = client[Symbol.asyncIterator]();
      const pending = [iterator.next(), iterator.next(), iterator.next()];
      await Promise.all([client.send('one'), client.send(new Uint8Array([2])), client.send('3')]);
      const results = await Promise.all(pending);
      assert.deepEqual(
        results.map((result) => [result.done, result.value?.isBinary]),
        [
          [false, false],
          [false, true],
          [false, false],
        ],
      );
      assert.equal(results[0]!.value?.data, 'one');
      assertSameBytes(results[1]!.value?.data, new Uint8Array([2]), 'second message');
      assert.equal(results[2]!.value?.data, '3');
      // Pending calls at a clean close end with done.
      const atClose = [iterator.next(), iterator.next()];
      await client.close();
      for (const result of await Promise.all(atClose)) assert.equal(result.done, true);
    });

    test('RFC 6455 §4.1: the server picks the first offered subprotocol it supports', async () => {
      const first = track(await open(server, { protocols: ['wsx.v2', 'wsx.v1'] }));
      assert.equal(first.client.protocol, 'wsx.v2');
      const firstRequest = requestFor(server, first.id);
      assert.equal(firstRequest.headers['sec-websocket-protocol'], 'wsx.v2, wsx.v1');
      assert.equal(firstRequest.protocol, 'wsx.v2');

      const second = track(await open(server, { protocols: ['nope', 'wsx.v1'] }));
      assert.equal(second.client.protocol, 'wsx.v1');
      assert.equal(requestFor(server, second.id).protocol, 'wsx.v1');

      // A server that supports none of them answers without Sec-WebSocket-Protocol.
      const third = track(await open(server, { protocols: 'nope' }));
      assert.equal(third.client.protocol, '');
      assert.equal(requestFor(server, third.id).protocol, '');

      const none = track(await open(server));
      assert.equal(none.client.protocol, '');
      assert.equal(requestFor(server, none.id).headers['sec-websocket-protocol'], undefined);

      await Promise.all([first, second, third, none].map(({ client }) => client.close()));
    });

    test('extra headers, Origin, path and query reach the server', async () => {
      const { client, id } = track(
        await open(
          server,
          {
            headers: { 'X-Api-Key': 'k3y', 'x-lower-case': ' trimmed value ' },
            origin: 'https://app.example',
          },
          `${server.url}chat/room?x=1&y=%C3%A4`,
        ),
      );
      const request = requestFor(server, id);
      assert.equal(request.url, '/chat/room?x=1&y=%C3%A4');
      assert.equal(request.headers['x-api-key'], 'k3y');
      assert.equal(request.headers['x-lower-case'], 'trimmed value');
      assert.equal(request.headers.origin, 'https://app.example');
      assert.equal(request.headers.host, `127.0.0.1:${server.port}`);
      assert.equal(request.headers['sec-websocket-version'], '13');
      assert.equal(request.headers.authorization, undefined);
      await client.close();
    });

    test('URL userinfo is sent as HTTP Basic credentials (percent-decoded, UTF-8)', async () => {
      const url = new URL(server.url);
      url.username = 'us%40er';
      url.password = 'p%C3%A4ss%3Aword';
      const { client, id } = track(await open(server, {}, url.href));
      const request = requestFor(server, id);
      const expected = Buffer.from('us@er:päss:word', 'utf8').toString('base64');
      assert.equal(request.headers.authorization, `Basic ${expected}`);
      await client.close();
    });

    test('RFC 6455 §7.1.2: the server closes with a code and a reason', async () => {
      const { client, id } = track(await open(server));
      const messages: Message[] = [];
      const iteration = (async () => {
        for await (const message of client) messages.push(message);
      })();
      await client.send('before the close');
      await client.send(`${CLOSE_COMMAND}4001 server says tschüß`);
      const info = await client.closed;
      // A clean close ends the for-await loop without an error.
      await iteration;
      assert.deepEqual({ ...info }, cleanClose(4001, 'server says tschüß'));
      assert.deepEqual(
        messages.map((message) => message.data),
        ['before the close'],
      );
      assert.equal(client.readyState, 3);
      // The client answered with a Close frame; the server saw its own code back.
      const seen = await requestFor(server, id).closed;
      assert.equal(seen.code, 4001);
      await assert.rejects(client.send('too late'), { code: 'ERR_INVALID_STATE' });
    });

    test('RFC 6455 §7.1.2: the client closes with a code and a reason', async () => {
      const { client, id } = track(await open(server));
      const next = reader(client);
      const received = next();
      await client.send('hello');
      assert.equal((await received).data, 'hello');
      const info = await client.close(4002, 'client says ¡adiós!');
      assert.equal(info.wasClean, true);
      assert.equal(info.error, undefined);
      assert.equal(client.readyState, 3);
      assert.deepEqual(await requestFor(server, id).closed, {
        code: 4002,
        reason: 'client says ¡adiós!',
      });
      // Closing again resolves with the same outcome.
      assert.equal(await client.close(), info);
    });

    test('RFC 6455 §5.5.2: ping resolves with a round-trip time', async () => {
      const { client } = track(await open(server));
      const rtt = await client.ping();
      assert.equal(typeof rtt, 'number');
      assert.ok(Number.isFinite(rtt) && rtt >= 0, `rtt ${rtt}`);
      const rtts = await Promise.all([client.ping('a'), client.ping('b'), client.ping()]);
      for (const value of rtts) assert.ok(Number.isFinite(value) && value >= 0);
      await client.close();
    });

    test('5 connections in parallel keep their messages apart', async () => {
      const count = 5;
      const perClient = 20;
      const opened = await Promise.all(
        Array.from({ length: count }, () => open(server).then(track)),
      );
      const ids = opened.map(({ id }) => id);
      assert.equal(new Set(ids).size, count);
      await Promise.all(
        opened.map(async ({ client, id }, index) => {
          const expected: (string | Uint8Array)[] = [];
          for (let i = 0; i < perClient; i++) {
            const size = (index * 997 + i * 4099) % 70000;
            expected.push(i % 2 === 0 ? `${id}#${i}:${randomText(size)}` : randomPayload(size));
          }
          const sending = Promise.all(expected.map((data) => client.send(data)));
          const received: Message[] = [];
          for await (const message of client) {
            received.push(message);
            // Leaving the loop closes the connection with 1000.
            if (received.length === perClient) break;
          }
          await sending;
          assert.equal(received.length, perClient);
          received.forEach((message, i) => {
            const want = expected[i]!;
            if (typeof want === 'string') assertSameText(message.data, want, `${id} message ${i}`);
            else assertSameBytes(message.data, want, `${id} message ${i}`);
          });
          const info = await client.closed;
          assert.equal(info.wasClean, true, `${id} closed uncleanly`);
        }),
      );
      const closes = await Promise.all(ids.map((id) => requestFor(server, id).closed));
      for (const close of closes) assert.equal(close.code, 1000);
    });
  });
}
