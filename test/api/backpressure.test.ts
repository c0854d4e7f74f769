// Flow control of the modern face over real sockets on 127.0.0.1, against scripted servers.
// Send side: bufferedAmount counts what send() accepted and the socket has not taken yet;
// nothing is lost while the peer stops reading. Receive side: with an async iterator, the
// client stops reading once `receiveHighWaterMark` messages wait, and resumes as they are
// consumed. Client and servers share one event loop, so the tests synchronise on events the
// servers see, never on time.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import type { Message } from '../../src/api/websocket-client.js';
import { deferred, open, turn } from '../helpers/api.js';
import {
  acceptHandshake,
  collectClientFrames,
  parseClientFrames,
  scripted,
  serverFrame,
} from '../helpers/servers.js';

/** Collects client frames and answers the client's Close (§5.5.1), then ends TCP (§7.1.1). */
function collectAndAnswerClose(
  socket: Socket,
  rest: Buffer,
): ReturnType<typeof collectClientFrames>['frames'] {
  const { frames } = collectClientFrames(socket, rest);
  socket.on('data', () => {
    const close = frames.find((frame) => frame.opcode === 8);
    if (close !== undefined && socket.writable) socket.end(serverFrame(8, close.payload));
  });
  return frames;
}

const MiB = 1024 * 1024;

describe('send backpressure', () => {
  it('grows bufferedAmount while the server stops reading and loses nothing', async (t) => {
    // Far more than loopback socket buffers can hold, so writes stay pending while paused.
    const MESSAGES = 16;
    const SIZE = MiB;
    const FRAME = SIZE + 14; // masked header with a 64-bit length
    const firstData = deferred();
    const allReceived = deferred<Buffer>();
    let serverSocket: Socket | undefined;
    const server = await scripted(t, async (socket) => {
      serverSocket = socket;
      const rest = await acceptHandshake(socket);
      const chunks: Buffer[] = [rest];
      let length = rest.length;
      const onData = (chunk: Buffer): void => {
        if (chunks.length === 1) {
          // Stop reading as soon as the first bytes arrive.
          socket.pause();
          firstData.resolve();
        }
        chunks.push(chunk);
        length += chunk.length;
        if (length < MESSAGES * FRAME) return;
        socket.off('data', onData);
        const all = Buffer.concat(chunks);
        allReceived.resolve(all);
        collectAndAnswerClose(socket, all.subarray(MESSAGES * FRAME));
      };
      socket.on('data', onData);
    });
    const ws = await open(t, server.url);
    const payloads = Array.from({ length: MESSAGES }, (_, i) => new Uint8Array(SIZE).fill(i + 1));
    let resolved = 0;
    const sends: Promise<void>[] = [];
    const sendOne = (i: number): void => {
      const before = ws.bufferedAmount;
      sends.push(ws.send(payloads[i]!).then(() => void resolved++));
      assert.equal(ws.bufferedAmount, before + SIZE, `send ${i} adds its payload size`);
    };

    for (let i = 0; i < MESSAGES / 2; i++) sendOne(i);
    await firstData.promise;
    assert.equal(resolved, 0, 'no send resolved while the server is not reading');
    assert.equal(ws.bufferedAmount, (MESSAGES / 2) * SIZE);

    for (let i = MESSAGES / 2; i < MESSAGES; i++) sendOne(i);
    assert.equal(ws.bufferedAmount, MESSAGES * SIZE, 'bufferedAmount keeps growing');
    await turn();
    assert.equal(resolved, 0);
    assert.equal(ws.bufferedAmount, MESSAGES * SIZE);

    serverSocket!.resume();
    await Promise.all(sends);
    assert.equal(resolved, MESSAGES);
    assert.equal(ws.bufferedAmount, 0);
    const { frames, rest } = parseClientFrames(await allReceived.promise);
    assert.equal(rest.length, 0);
    assert.equal(frames.length, MESSAGES);
    for (const [i, frame] of frames.entries()) {
      assert.equal(frame.opcode, 2);
      assert.ok(frame.payload.equals(Buffer.alloc(SIZE, i + 1)), `message ${i} arrived intact`);
      assert.ok(
        payloads[i]!.every((byte) => byte === i + 1),
        'the caller buffer is unchanged',
      );
    }
    const info = await ws.close();
    assert.equal(info.wasClean, true);
  });
});

describe('receive backpressure', () => {
  it('stops reading at receiveHighWaterMark and delivers every message in order', async (t) => {
    const HIGH_WATER_MARK = 4;
    const MESSAGES = 2048;
    const SIZE = 8192; // 8 KiB payload + 4-byte header: at most 8 whole frames per 64 KiB read
    // Queued messages can exceed the mark by what one socket read holds (the read that
    // crossed it is decoded to the end), never by more.
    const BOUND = HIGH_WATER_MARK + 16;
    const blasted = deferred<{ writeReturnedFalse: boolean; pending: number }>();
    let serverSocket: Socket | undefined;
    const server = await scripted(t, async (socket) => {
      serverSocket = socket;
      const rest = await acceptHandshake(socket);
      const frames = collectAndAnswerClose(socket, rest);
      socket.on('data', () => {
        if (frames.length !== 1) return;
        let writeReturnedFalse = false;
        for (let i = 0; i < MESSAGES; i++) {
          const payload = Buffer.alloc(SIZE, i & 0xff);
          payload.writeUInt32BE(i, 0);
          if (!socket.write(serverFrame(2, payload))) writeReturnedFalse = true;
        }
        blasted.resolve({ writeReturnedFalse, pending: socket.writableLength });
      });
    });
    const ws = await open(t, server.url, { receiveHighWaterMark: HIGH_WATER_MARK });
    let read = 0;
    ws.on('message', () => read++);
    const messages = ws[Symbol.asyncIterator]();
    await ws.send('go');
    const { writeReturnedFalse, pending } = await blasted.promise;
    assert.ok(writeReturnedFalse);
    assert.ok(pending > 0);

    let maxQueued = 0;
    for (let i = 0; i < MESSAGES; i++) {
      const result = await messages.next();
      assert.equal(result.done, false);
      const { data, isBinary } = result.value as Message;
      assert.equal(isBinary, true);
      const bytes = Buffer.from((data as Uint8Array).buffer, (data as Uint8Array).byteOffset, SIZE);
      assert.equal(bytes.readUInt32BE(0), i, 'messages arrive in order');
      assert.equal(bytes[SIZE - 1], i & 0xff);
      const queued = read - (i + 1);
      maxQueued = Math.max(maxQueued, queued);
      assert.ok(queued <= BOUND, `message ${i}: ${queued} read but not consumed`);
      if (i === 0) {
        assert.ok(
          serverSocket!.writableLength > 0,
          'the server still holds data the client did not read',
        );
      }
      // A slow consumer: give the socket a turn to read before taking the next message.
      await turn();
    }
    assert.equal(read, MESSAGES);
    assert.ok(maxQueued >= HIGH_WATER_MARK - 1, 'the queue did fill up to the mark');
    assert.equal(serverSocket!.writableLength, 0);
    assert.equal((await ws.close()).wasClean, true);
  });

  it('buffers and pauses without an iterator or listener, then delivers on iteration', async (t) => {
    const MESSAGES = 300;
    const delivered = deferred();
    const server = await scripted(t, async (socket) => {
      const rest = await acceptHandshake(socket);
      collectAndAnswerClose(socket, rest);
      const frames: Buffer[] = [];
      for (let i = 0; i < MESSAGES; i++) frames.push(serverFrame(1, `message ${i}`));
      socket.write(Buffer.concat(frames), () => delivered.resolve());
    });
    const ws = await open(t, server.url, { receiveHighWaterMark: 2 });
    await delivered.promise;
    const received: string[] = [];
    for await (const message of ws) {
      received.push(message.data as string);
      if (received.length === MESSAGES) break;
    }
    assert.deepEqual(
      received,
      Array.from({ length: MESSAGES }, (_, i) => `message ${i}`),
    );
  });
});

describe('receive backpressure in bytes (receiveHighWaterBytes)', () => {
  it('stops reading once the buffered bytes pass the mark, whatever the message count', async (t) => {
    const MESSAGES = 256;
    const SIZE = 16 * 1024;
    const MARK = 64 * 1024;
    // The read that crossed the mark is decoded to its end (at most 64 KiB more), plus the
    // message that crossed it.
    const BOUND = MARK + 64 * 1024 + SIZE;
    const written = deferred();
    const server = await scripted(t, async (socket) => {
      const rest = await acceptHandshake(socket);
      collectAndAnswerClose(socket, rest);
      const frames: Buffer[] = [];
      for (let i = 0; i < MESSAGES; i++) frames.push(serverFrame(2, Buffer.alloc(SIZE, i & 0xff)));
      socket.write(Buffer.concat(frames), () => written.resolve());
    });
    // A count mark far above what the bytes allow: only the byte mark can pause reading.
    const ws = await open(t, server.url, {
      receiveHighWaterMark: 10_000,
      receiveHighWaterBytes: MARK,
    });
    let read = 0;
    ws.on('message', () => read++);
    const messages = ws[Symbol.asyncIterator]();
    for (let i = 0; i < 20; i++) await turn();
    assert.ok(read * SIZE <= BOUND, `${read} messages (${read * SIZE} bytes) buffered unread`);
    assert.ok(read < MESSAGES);
    for (let i = 0; i < MESSAGES; i++) {
      const result = await messages.next();
      const data = (result.value as Message).data as Uint8Array;
      assert.equal(data[0], i & 0xff, 'in order');
      assert.ok((read - i - 1) * SIZE <= BOUND, `message ${i}: ${read - i - 1} buffered`);
      await turn();
    }
    await written.promise;
    assert.equal((await ws.close()).wasClean, true);
  });

  it('rejects a receiveHighWaterBytes or writeHighWaterBytes that is not a whole number', async () => {
    const { connect } = await import('../../src/api/websocket-client.js');
    for (const options of [
      { receiveHighWaterBytes: 0 },
      { receiveHighWaterBytes: 1.5 },
      { writeHighWaterBytes: -1 },
      { writeHighWaterBytes: Number.NaN },
    ]) {
      await assert.rejects(connect('ws://127.0.0.1:1/', options), { code: 'ERR_INVALID_ARGUMENT' });
    }
  });
});

describe('reading pauses while the socket holds more than writeHighWaterBytes unsent', () => {
  it('a peer that stops reading our data is not read either until it drains; nothing is lost', async (t) => {
    const SENT = 8 * MiB;
    const accepted = deferred<Socket>();
    const server = await scripted(t, async (socket) => {
      await acceptHandshake(socket);
      socket.pause(); // stop reading: most of the client's 8 MiB stays in its socket
      accepted.resolve(socket);
    });
    const ws = await open(t, server.url, { writeHighWaterBytes: 256 * 1024 });
    const serverSocket = await accepted.promise;
    const received: string[] = [];
    ws.on('message', (message) => received.push(message.data as string));
    const sent = ws.send(new Uint8Array(SENT));
    await turn();
    assert.ok(ws.bufferedAmount > 0, 'our data waits in the socket');
    serverSocket.write(serverFrame(1, 'first'));
    // The message reaches the client's kernel at once; the client must not take it while
    // megabytes of its own wait (a bounded wait for something that must not happen).
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.deepEqual(received, [], 'not read while our unsent bytes are above the mark');
    serverSocket.resume(); // the server reads: our bytes drain and reading resumes
    await sent;
    for (let i = 0; i < 100 && received.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(received, ['first']);
  });
});
