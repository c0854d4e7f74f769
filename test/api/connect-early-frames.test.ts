// Frames the server sends in the same write as its 101 response must reach listeners attached
// right after `await connect()`, in order, and must not stall the connection.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { connect, type Message } from '../../src/api/websocket-client.js';
import { acceptFor, readRequest, serverFrame, startScriptedServer } from '../helpers/servers.js';

/** A server that answers the upgrade and sends `count` text frames in the same write. */
async function eagerServer(count: number) {
  return startScriptedServer(async (socket: Socket) => {
    const { headers } = await readRequest(socket);
    const frames = Array.from({ length: count }, (_, i) => serverFrame(0x1, `early ${i}`));
    socket.write(
      Buffer.concat([
        Buffer.from(
          `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(headers['sec-websocket-key'] ?? '')}\r\n\r\n`,
        ),
        ...frames,
        serverFrame(0x1, 'last'),
      ]),
    );
  });
}

describe('RFC 6455 §4.1 frames that follow the 101 in the same read', { timeout: 10_000 }, () => {
  for (const count of [1, 5, 40]) {
    it(`reach a 'message' listener attached after await connect() (${count} frames)`, async (t) => {
      const server = await eagerServer(count);
      t.after(() => server.close());
      const ws = await connect(server.url);
      t.after(() => ws.terminate());
      const received: string[] = [];
      await new Promise<void>((resolve) => {
        ws.on('message', (message: Message) => {
          received.push(message.data as string);
          if (message.data === 'last') resolve();
        });
      });
      assert.deepEqual(received, [
        ...Array.from({ length: count }, (_, i) => `early ${i}`),
        'last',
      ]);
    });
  }

  it('reach an async iterator started after await connect()', async (t) => {
    const server = await eagerServer(40);
    t.after(() => server.close());
    const ws = await connect(server.url);
    t.after(() => ws.terminate());
    const received: string[] = [];
    // Read without leaving a for-await loop: leaving would close, and this server never answers.
    const iterator = ws[Symbol.asyncIterator]();
    for (let i = 0; i < 41; i++) {
      const result = await iterator.next();
      assert.equal(result.done, false);
      received.push(result.value.data as string);
    }
    assert.equal(received.at(-1), 'last');
    assert.equal(received.length, 41);
    assert.equal(received[0], 'early 0');
  });
});

describe('messages that arrive before anyone listens', { timeout: 10_000 }, () => {
  it('go to the first message listener attached later, in order, and reading resumes', async (t) => {
    const server = await startScriptedServer(async (socket: Socket) => {
      const { headers } = await readRequest(socket);
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(headers['sec-websocket-key'] ?? '')}\r\n\r\n`,
      );
      // 30 messages now (more than the 16 the buffer holds before reading pauses), 1 on request.
      socket.write(Buffer.concat(Array.from({ length: 30 }, (_, i) => serverFrame(0x1, `m${i}`))));
      socket.once('data', () => socket.write(serverFrame(0x1, 'after')));
    });
    t.after(() => server.close());
    const ws = await connect(server.url);
    t.after(() => ws.terminate());
    // Wait (bounded) until the client has buffered what it read, with nobody listening.
    for (let turn = 0; turn < 1000 && ws.stats().messagesIn < 16; turn++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.ok(ws.stats().messagesIn >= 16, 'the client read and buffered the first messages');
    const received: string[] = [];
    const done = new Promise<void>((resolve) => {
      ws.on('message', (message: Message) => {
        received.push(message.data as string);
        if (message.data === 'after') resolve();
      });
    });
    await ws.send('more please');
    await done;
    assert.deepEqual(received, [...Array.from({ length: 30 }, (_, i) => `m${i}`), 'after']);
  });
});
