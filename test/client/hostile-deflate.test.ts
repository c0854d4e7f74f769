// Hostile servers against permessage-deflate (RFC 7692), scripted on raw `net` sockets:
// compression bombs (1009 quickly, RSS bounded), invalid deflate data (1007), RSV1 where it
// has no meaning (1002), a flood of compressed messages to a client that does not read, and a
// server that never reads what the client compresses. Memory is the RSS of a child process
// that runs only the client (test/helpers/deflate-rss-child.ts).

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { constants, deflateRawSync } from 'node:zlib';
import { ErrorCode, PayloadTooBigError, ProtocolError } from '../../src/core/errors.js';
import { compressedFrame } from '../helpers/deflate.js';
import { assertFailedOpenConnection, flood, runHostile } from '../helpers/hostile.js';
import { runJsonChild } from '../helpers/json-child.js';
import { acceptHandshake, scripted, serverFrame } from '../helpers/servers.js';

const MiB = 1024 * 1024;
const CHILD = fileURLToPath(new URL('../helpers/deflate-rss-child.ts', import.meta.url));
const ACCEPT = ['Sec-WebSocket-Extensions: permessage-deflate'];

interface ChildResult {
  growthBytes: number;
  isClosed: boolean;
  closeMs: number | undefined;
  errorCode: string | undefined;
  code: number | undefined;
  messages: number;
  sent: number;
  maxBuffered: number;
  bytesIn: number;
  bytesOut: number;
}

function runChild(url: string, mode: string, maxMessageBytes: number, maxMs: number) {
  return runJsonChild<ChildResult>(CHILD, [url, mode, `${maxMessageBytes}`, `${maxMs}`], {
    timeoutMs: maxMs + 20_000,
  });
}

/** Sync-flushed raw DEFLATE of `zeros` zero bytes; pieces like it can be joined. */
function deflatedZeros(zeros: number): Buffer {
  return deflateRawSync(Buffer.alloc(zeros), { finishFlush: constants.Z_SYNC_FLUSH });
}

/** A server that completes a handshake accepting permessage-deflate, then runs `script`. */
function deflateServer(t: TestContext, script: (socket: Socket) => void) {
  return scripted(t, async (socket) => {
    await acceptHandshake(socket, ACCEPT);
    script(socket);
  });
}

describe('RFC 7692 bombs: maxMessageBytes limits the inflated size', { timeout: 60_000 }, () => {
  // 16 MiB of zeros deflate to about 16 KiB; sync-flushed pieces join into one stream.
  const piece = deflatedZeros(16 * MiB);

  it('one frame of 960 KiB that inflates to about 1 GiB: 1009 at once, RSS bounded', async (t) => {
    const count = Math.floor((960 * 1024) / piece.length);
    const bomb = Buffer.concat(Array.from({ length: count }, () => piece));
    const server = await deflateServer(t, (socket) => {
      socket.write(serverFrame(2, bomb, { rsv: 4 }));
    });
    const result = await runChild(server.url, 'read', MiB, 15_000);
    t.diagnostic(
      `bomb of ${bomb.length} bytes (${count * 16} MiB inflated): ${JSON.stringify(result)}`,
    );
    assert.equal(result.errorCode, ErrorCode.MessageTooBig);
    assert.equal(result.messages, 0);
    assert.ok(result.closeMs! < 5000, `failed after ${result.closeMs} ms`);
    assert.ok(result.growthBytes < 64 * MiB, `RSS grew ${result.growthBytes} bytes`);
  });

  it('2 MiB of compressed zeros in one frame (2 GiB inflated): 1009 from the frame length', async (t) => {
    const count = Math.ceil((2 * MiB) / piece.length);
    const bomb = Buffer.concat(Array.from({ length: count }, () => piece));
    const server = await deflateServer(t, (socket) => {
      socket.write(serverFrame(2, bomb, { rsv: 4 }));
    });
    const result = await runChild(server.url, 'read', MiB, 15_000);
    t.diagnostic(`bomb of ${bomb.length} bytes: ${JSON.stringify(result)}`);
    assert.equal(result.errorCode, ErrorCode.MessageTooBig);
    assert.ok(result.closeMs! < 5000, `failed after ${result.closeMs} ms`);
    assert.ok(result.growthBytes < 64 * MiB, `RSS grew ${result.growthBytes} bytes`);
  });

  it('the bomb in 128 small frames of one message: 1009 quickly, RSS bounded', async (t) => {
    const frames = Buffer.concat(
      Array.from({ length: 128 }, (_, i) =>
        serverFrame(i === 0 ? 2 : 0, piece, { rsv: i === 0 ? 4 : 0, fin: i === 127 }),
      ),
    );
    const server = await deflateServer(t, (socket) => {
      socket.write(frames);
    });
    const result = await runChild(server.url, 'read', MiB, 15_000);
    t.diagnostic(`fragmented bomb of ${frames.length} bytes: ${JSON.stringify(result)}`);
    assert.equal(result.errorCode, ErrorCode.MessageTooBig);
    assert.ok(result.closeMs! < 5000, `failed after ${result.closeMs} ms`);
    assert.ok(result.growthBytes < 64 * MiB, `RSS grew ${result.growthBytes} bytes`);
  });

  it('many messages each just under the limit to a client that does not read: RSS bounded', async (t) => {
    // Each message inflates to 1,000,000 bytes from about 1 KiB: 2,000 of them are 2 GB.
    const message = serverFrame(2, deflatedZeros(1_000_000).subarray(0, -4), { rsv: 4 });
    const batch = Buffer.concat(Array.from({ length: 100 }, () => message));
    const server = await deflateServer(t, (socket) => {
      flood(socket, batch, 20 * batch.length);
    });
    const result = await runChild(server.url, 'slow', MiB, 4000);
    t.diagnostic(`flood of ${message.length}-byte messages: ${JSON.stringify(result)}`);
    assert.equal(result.isClosed, false);
    assert.ok(result.growthBytes < 96 * MiB, `RSS grew ${result.growthBytes} bytes`);
  });

  it('a server that never reads while the client compresses 1 MiB messages: RSS bounded', async (t) => {
    const server = await deflateServer(t, (socket) => {
      socket.pause();
    });
    const result = await runChild(server.url, 'send', 64 * MiB, 3000);
    t.diagnostic(`never-reading server: ${JSON.stringify(result)}`);
    assert.ok(result.sent > 8, `sent ${result.sent}`);
    assert.ok(result.maxBuffered <= 10 * MiB, `bufferedAmount reached ${result.maxBuffered}`);
    assert.ok(result.growthBytes < 96 * MiB, `RSS grew ${result.growthBytes} bytes`);
  });
});

describe('RFC 7692 §6: invalid compressed data and misplaced RSV1', { timeout: 20_000 }, () => {
  const cases: [string, () => Buffer, number, string, typeof ProtocolError][] = [
    [
      'deflate data that does not inflate (a reserved block type)',
      () => serverFrame(1, Buffer.from([0xff, 0xff, 0xff, 0xff]), { rsv: 4 }),
      1007,
      ErrorCode.InvalidCompressedData,
      ProtocolError,
    ],
    [
      'RSV1 on a continuation frame',
      () =>
        Buffer.concat([
          compressedFrame(1, 'first').subarray(0, 0),
          serverFrame(1, 'frag', { fin: false }),
          serverFrame(0, 'ment', { rsv: 4 }),
        ]),
      1002,
      ErrorCode.ReservedBits,
      ProtocolError,
    ],
    [
      'RSV1 on a Ping',
      () => serverFrame(9, 'p', { rsv: 4 }),
      1002,
      ErrorCode.ReservedBits,
      ProtocolError,
    ],
    [
      'a compressed message that inflates past maxMessageBytes',
      () => compressedFrame(2, new Uint8Array(4096)),
      1009,
      ErrorCode.MessageTooBig,
      PayloadTooBigError,
    ],
  ];
  for (const [name, bytes, wireCode, code, errorClass] of cases) {
    it(`${name}: ${wireCode} ${code}`, async (t) => {
      const result = await runHostile(t, (peer) => peer.write(bytes()), {
        responseHeaders: ACCEPT,
        client: { pingIntervalMs: 0, maxMessageBytes: 1024 },
      });
      assertFailedOpenConnection(result, { wireCode, code, errorClass });
    });
  }

  it('RSV1 when permessage-deflate was not agreed: 1002 ERR_RESERVED_BITS', async (t) => {
    const result = await runHostile(t, (peer) => peer.write(compressedFrame(1, 'hello')), {
      client: { pingIntervalMs: 0 },
    });
    assert.equal(result.request, undefined);
    assertFailedOpenConnection(result, {
      wireCode: 1002,
      code: ErrorCode.ReservedBits,
      errorClass: ProtocolError,
    });
  });
});
