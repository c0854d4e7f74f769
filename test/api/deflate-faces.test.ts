// permessage-deflate (RFC 7692) through the faces, over real sockets on 127.0.0.1: the modern
// API (send promises, order, bufferedAmount, stats), the WHATWG WebSocket (extensions,
// bufferedAmount, the order of messages and close, close() behind a message being
// compressed) and ReconnectingWebSocket (compression again after a reconnect).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { WebSocket as WsPeer } from 'ws';
import { WebSocket } from '../../src/api/websocket.js';
import { connect } from '../../src/api/websocket-client.js';
import { reconnectingClient, turn } from '../helpers/api.js';
import {
  compressedFrame,
  deflateMessage,
  deflatePeerServer,
  inflateMessage,
} from '../helpers/deflate.js';
import type { Peer } from '../helpers/hostile.js';
import { echoServer, serverFrame } from '../helpers/servers.js';

const MiB = 1024 * 1024;
/** Each message deflates on its own, so the test can inflate each alone. */
const OWN_WINDOW = {
  perMessageDeflate: { clientNoContextTakeover: true },
  pingIntervalMs: 0,
} as const;

function repetitive(size: number): string {
  return 'compress me, '.repeat(Math.ceil(size / 13)).slice(0, size);
}

/** The data frames the peer got: [opcode, rsv, payload as the application sent it]. */
function dataFrames(peer: Peer): [number, number, string][] {
  return peer.frames
    .filter((frame) => frame.opcode < 8)
    .map((frame) => [
      frame.opcode,
      frame.rsv,
      (frame.rsv === 4 ? inflateMessage(frame.payload) : frame.payload).toString('latin1'),
    ]);
}

/** Bounded wait for a condition that follows a write callback (a few turns at most). */
async function settles(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await turn();
  assert.ok(check(), what);
}

describe('modern API with permessage-deflate', { timeout: 30_000 }, () => {
  it('a send promise resolves once the compressed frame was written; bufferedAmount and bytesOut count it', async (t) => {
    const server = await deflatePeerServer(t);
    const ws = await connect(server.url, OWN_WINDOW);
    t.after(() => ws.terminate());
    assert.equal(ws.extensions, 'permessage-deflate');
    const peer = await server.peer;
    const big = repetitive(MiB);
    const before = ws.stats().bytesOut;
    const sent = ws.send(big);
    assert.equal(ws.bufferedAmount, MiB, 'payload bytes count until written');
    await sent;
    const wire = ws.stats().bytesOut - before;
    // Written when the promise resolved: its bytes were counted, and they are the compressed ones.
    assert.ok(wire > 0, 'the promise resolved before the compressed frame was written');
    assert.ok(wire < MiB / 20, `${wire} bytes on the wire for 1 MiB of repetitive text`);
    assert.equal(ws.bufferedAmount, 0);
    assert.ok(await peer.waitFor(() => peer.frames.length === 1));
    assert.equal(peer.frames[0]!.rsv, 4, 'RSV1: compressed');
    assert.deepEqual(
      peer.frames.map((frame) => frame.opcode),
      [1],
    );
    // The header: 2 bytes, a 16-bit length and the mask key.
    assert.equal(peer.frames[0]!.payload.length + 2 + 2 + 4, wire, 'bytesOut is the frame');
    assert.equal(inflateMessage(peer.frames[0]!.payload).toString(), big);
  });

  it('sends of one turn keep their order around a compressed one, and so do later ones', async (t) => {
    const server = await deflatePeerServer(t);
    const ws = await connect(server.url, OWN_WINDOW);
    t.after(() => ws.terminate());
    const peer = await server.peer;
    const big = repetitive(256 * 1024);
    const settled: string[] = [];
    const track = (name: string, promise: Promise<void>) =>
      promise.then(() => {
        settled.push(name);
      });
    const sends = [
      track('one', ws.send('one')),
      track('big', ws.send(big)),
      track('two', ws.send(new Uint8Array([2]))),
    ];
    await turn();
    // A later turn, while the big message may still be compressing: it waits behind it.
    sends.push(track('three', ws.send('three')));
    await Promise.all(sends);
    assert.deepEqual(settled, ['one', 'big', 'two', 'three']);
    assert.equal(ws.bufferedAmount, 0);
    assert.ok(await peer.waitFor(() => peer.frames.length === 4));
    assert.deepEqual(dataFrames(peer), [
      [1, 0, 'one'],
      [1, 4, big],
      [2, 0, '\x02'],
      [1, 0, 'three'],
    ]);
  });
});

describe('modern API: the end of input behind a compressed message', { timeout: 30_000 }, () => {
  for (const ending of ['end', 'destroy'] as const) {
    it(`a compressed message, the Close and the end of TCP at once (${ending}): message, then the Close`, async (t) => {
      const server = await deflatePeerServer(t);
      const ws = await connect(server.url, OWN_WINDOW);
      t.after(() => ws.terminate());
      const peer = await server.peer;
      const messages: string[] = [];
      ws.on('message', (message) => messages.push(String(message.data)));
      const text = repetitive(200_000);
      peer.socket.write(
        Buffer.concat([
          compressedFrame(1, text),
          serverFrame(1, 'plain'),
          serverFrame(8, Buffer.from([0x0f, 0xa1, 0x6f, 0x6b])),
        ]),
      );
      if (ending === 'end') peer.socket.end();
      else peer.socket.destroySoon();
      const info = await ws.closed;
      assert.deepEqual(messages, [text, 'plain']);
      assert.equal(info.code, 4001);
      assert.equal(info.reason, 'ok');
      assert.equal(info.error, undefined);
    });
  }
});

describe('WHATWG WebSocket with permessage-deflate', { timeout: 30_000 }, () => {
  async function opened(url: string): Promise<WebSocket> {
    const ws = new WebSocket(url, OWN_WINDOW);
    await new Promise((resolve, reject) => {
      ws.onopen = resolve;
      ws.onerror = reject;
    });
    return ws;
  }

  it('extensions, bufferedAmount up then back to 0, the message compressed', async (t) => {
    const server = await deflatePeerServer(t);
    const ws = await opened(server.url);
    t.after(() => ws.close());
    assert.equal(ws.extensions, 'permessage-deflate');
    const peer = await server.peer;
    const big = repetitive(MiB);
    ws.send(big);
    assert.equal(ws.bufferedAmount, MiB);
    ws.send(new Uint8Array(3));
    assert.equal(ws.bufferedAmount, MiB + 3);
    assert.ok(await peer.waitFor(() => peer.frames.length === 2));
    await settles(() => ws.bufferedAmount === 0, `bufferedAmount stays at ${ws.bufferedAmount}`);
    assert.deepEqual(
      dataFrames(peer).map(([opcode, rsv, data]) => [opcode, rsv, data.length]),
      [
        [1, 4, MiB],
        [2, 0, 3],
      ],
    );
  });

  it('compressed messages, then the Close: message events first, in order, then close', async (t) => {
    const server = await deflatePeerServer(t);
    const ws = await opened(server.url);
    const peer = await server.peer;
    const events: string[] = [];
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (event) =>
      events.push(
        typeof event.data === 'string'
          ? `text ${event.data.length}`
          : `binary ${(event.data as ArrayBuffer).byteLength}`,
      );
    const closed = new Promise<void>((resolve) => {
      ws.onclose = (event) => {
        events.push(`close ${event.code} ${event.wasClean}`);
        resolve();
      };
    });
    const big = repetitive(300_000);
    // All in one write: a compressed text, a plain binary, a compressed binary, the Close.
    await peer.write(
      Buffer.concat([
        compressedFrame(1, big),
        serverFrame(2, new Uint8Array(5)),
        compressedFrame(2, new Uint8Array(70_000)),
        serverFrame(8, Buffer.from([0x03, 0xe8])),
      ]),
    );
    await peer.waitForClose();
    peer.end();
    await closed;
    assert.deepEqual(events, ['text 300000', 'binary 5', 'binary 70000', 'close 1000 true']);
  });

  it('close() while a big message is being compressed sends the message, then the Close', async (t) => {
    const server = await deflatePeerServer(t);
    const ws = await opened(server.url);
    const peer = await server.peer;
    const big = repetitive(4 * MiB);
    ws.send(big);
    ws.close(4000, 'done');
    assert.equal(ws.readyState, WebSocket.CLOSING);
    assert.ok(await peer.waitForClose(), 'the Close arrived');
    assert.deepEqual(
      peer.frames.map((frame) => [frame.opcode, frame.rsv]),
      [
        [1, 4],
        [8, 0],
      ],
    );
    assert.equal(inflateMessage(peer.frames[0]!.payload).toString(), big);
    assert.equal(peer.close!.code, 4000);
    const closed = new Promise<number>((resolve) => {
      ws.onclose = (event) => resolve(event.code);
    });
    await peer.write(serverFrame(8, Buffer.from([0x0f, 0xa0])));
    peer.end();
    assert.equal(await closed, 4000);
    t.diagnostic(`4 MiB of repetitive text went out as ${peer.frames[0]!.payload.length} bytes`);
  });
});

describe('ReconnectingWebSocket with permessage-deflate', { timeout: 30_000 }, () => {
  it('offers and agrees to compression again after a reconnect', async (t) => {
    const server = await echoServer(t, { perMessageDeflate: { threshold: 0 } });
    const peers: { socket: WsPeer; offer: string | undefined }[] = [];
    server.server.on('connection', (socket, request) =>
      peers.push({ socket, offer: request.headers['sec-websocket-extensions'] }),
    );
    const { ws, clock } = reconnectingClient(t, server.url);
    const next = (type: string) =>
      new Promise<Event>((resolve) => ws.addEventListener(type, resolve, { once: true }));
    await next('open');
    assert.equal(ws.extensions, 'permessage-deflate');
    const echo = async (text: string) => {
      const message = next('message') as Promise<MessageEvent>;
      await ws.send(text);
      assert.equal((await message).data, text);
    };
    await echo(repetitive(5000));
    const closed = next('close');
    peers[0]!.socket.terminate();
    await closed;
    const reopened = next('open');
    clock.advance(250);
    await reopened;
    assert.equal(peers.length, 2);
    for (const peer of peers) {
      assert.equal(peer.offer, 'permessage-deflate; client_max_window_bits');
    }
    assert.equal(ws.extensions, 'permessage-deflate');
    const before = ws.stats().bytesOut;
    await echo(repetitive(50_000));
    assert.ok(ws.stats().bytesOut - before < 5000, 'the second connection compresses too');
  });
});

// A reference for deflateMessage: what an empty message and "abc" look like.
it('helper: deflateMessage strips the sync-flush trailer', () => {
  assert.deepEqual([...deflateMessage('')], [0x00]);
  assert.equal(inflateMessage(deflateMessage('abc')).toString(), 'abc');
});
