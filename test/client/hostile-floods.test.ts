// Hostile servers that attack memory and rate rather than framing, scripted byte by byte on
// raw `net` sockets: a Ping flood from a server that never reads, a server that ignores our
// Close while it floods data, Retry-After values that would overflow a timer, and slow
// consumers (keepalive must not kill them, undelivered bytes stay bounded). Memory is the
// RSS of a child process that runs only the client (test/helpers/rss-child.ts).

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connectForever } from '../../src/api/connect-forever.js';
import { ReconnectingWebSocket } from '../../src/api/reconnecting-websocket.js';
import { connect } from '../../src/api/websocket-client.js';
import { Connection } from '../../src/client/connection.js';
import { resolveOptions } from '../../src/client/options.js';
import { ErrorCode } from '../../src/core/errors.js';
import { websocket as luatos } from '../../src/dialects/luatos.js';
import { websocket as luatosAir } from '../../src/dialects/luatos-air.js';
import { deferred, turn } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { flood } from '../helpers/hostile.js';
import { runJsonChild } from '../helpers/json-child.js';
import { acceptHandshake, readRequest, scripted, serverFrame } from '../helpers/servers.js';

const MiB = 1024 * 1024;
const CHILD = fileURLToPath(new URL('../helpers/rss-child.ts', import.meta.url));

interface ChildResult {
  growthBytes: number;
  bytesIn: number;
  isClosed: boolean;
}

/** Runs the client in a child process and returns what it reports (bounded by `timeout`). */
function runChild(
  url: string,
  mode: string,
  maxBytes: number,
  maxMs: number,
): Promise<ChildResult> {
  return runJsonChild<ChildResult>(CHILD, [url, mode, `${maxBytes}`, `${maxMs}`], {
    timeoutMs: maxMs + 20_000,
  });
}

/** `count` frames built by `make`, concatenated into one buffer. */
function repeated(count: number, make: () => Buffer): Buffer {
  return Buffer.concat(Array.from({ length: count }, make));
}

describe('hostile floods: client memory stays bounded (RSS of a child process)', () => {
  for (const mode of ['idle', 'idle-unpaused']) {
    it(`a server that floods Pings and never reads (${mode}): Pongs coalesce, RSS grows < 64 MiB over 150 MiB`, async (t) => {
      const FLOOD = 200 * MiB;
      const pings = repeated(8192, () => serverFrame(9, Buffer.alloc(125, 0x70)));
      const server = await scripted(t, async (socket) => {
        await acceptHandshake(socket);
        socket.pause(); // never reads: every Pong the client writes stays with the client
        flood(socket, pings, FLOOD);
      });
      const result = await runChild(server.url, mode, 150 * MiB, 8000);
      t.diagnostic(`ping flood: read ${result.bytesIn} bytes, RSS +${result.growthBytes} bytes`);
      assert.ok(result.bytesIn >= 100 * MiB, `the client read ${result.bytesIn} bytes of Pings`);
      assert.ok(
        result.growthBytes < 64 * MiB,
        `RSS grew ${(result.growthBytes / MiB).toFixed(1)} MiB while reading ${(result.bytesIn / MiB).toFixed(0)} MiB of Pings`,
      );
    });
  }

  for (const mode of ['close', 'break']) {
    it(`a server that ignores our Close (${mode}) and floods data: the data is dropped, RSS grows < 64 MiB`, async (t) => {
      const FLOOD = 200 * MiB;
      const messages = repeated(16, () => serverFrame(2, Buffer.alloc(64 * 1024, 0x61)));
      const server = await scripted(t, async (socket) => {
        await acceptHandshake(socket);
        socket.pause(); // never reads our Close, never answers it
        flood(socket, messages, FLOOD);
      });
      const result = await runChild(server.url, mode, 150 * MiB, 8000);
      t.diagnostic(`after ${mode}: read ${result.bytesIn} bytes, RSS +${result.growthBytes} bytes`);
      assert.equal(result.isClosed, false, 'still waiting for the Close (closeTimeoutMs 60 s)');
      assert.ok(
        result.bytesIn >= 100 * MiB,
        `the client read ${result.bytesIn} bytes after its Close`,
      );
      assert.ok(
        result.growthBytes < 64 * MiB,
        `RSS grew ${(result.growthBytes / MiB).toFixed(1)} MiB while reading ${(result.bytesIn / MiB).toFixed(0)} MiB after ${mode}`,
      );
    });
  }
});

/** A server that refuses every upgrade with 503 and `retryAfter`; counts the attempts. */
async function refusing(t: TestContext, retryAfter: string) {
  let attempts = 0;
  const server = await scripted(t, async (socket) => {
    attempts++;
    await readRequest(socket);
    socket.end(
      `HTTP/1.1 503 Service Unavailable\r\nRetry-After: ${retryAfter}\r\nContent-Length: 0\r\n\r\n`,
    );
  });
  return { url: server.url, attempts: () => attempts };
}

/** Waits `ms` of real time: the reconnect rate is measured over a fixed window. */
function window(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe('hostile Retry-After: huge values do not become a reconnect storm', () => {
  const extremes = ['99999999', 'Fri, 01 Jan 2100 00:00:00 GMT', '9'.repeat(40)];

  for (const retryAfter of extremes) {
    it(`ReconnectingWebSocket, Retry-After: ${retryAfter.slice(0, 30)}: one attempt in 300 ms, next in maxDelayMs`, async (t) => {
      const server = await refusing(t, retryAfter);
      const delays: number[] = [];
      const ws = new ReconnectingWebSocket(server.url, { pingIntervalMs: 0, maxDelayMs: 5000 });
      ws.addEventListener('reconnecting', (event) =>
        delays.push((event as unknown as { delayMs: number }).delayMs),
      );
      t.after(() => ws.close());
      await window(300);
      assert.equal(server.attempts(), 1, 'attempts in 300 ms');
      assert.deepEqual(delays, [5000]);
    });
  }

  it('connectForever, Retry-After: 99999999: one attempt in 300 ms', async (t) => {
    const server = await refusing(t, '99999999');
    const abort = new AbortController();
    const delays: number[] = [];
    const loop = (async () => {
      for await (const ws of connectForever(server.url, {
        signal: abort.signal,
        pingIntervalMs: 0,
        onReconnecting: (event) => delays.push(event.delayMs),
      })) {
        ws.terminate();
      }
    })();
    await window(300);
    abort.abort();
    await loop;
    assert.equal(server.attempts(), 1);
    assert.deepEqual(delays, [30_000]);
  });

  it('LuatOS autoreconn(true, 1000), Retry-After: 99999999: waits 30 s at most, never 1 ms', async (t) => {
    const server = await refusing(t, '99999999');
    const wsc = luatos.create(undefined, server.url, undefined, undefined, { logger: () => {} })!;
    t.after(() => wsc.close());
    wsc.autoreconn(true, 1000);
    wsc.connect();
    await window(300);
    assert.equal(server.attempts(), 1);
  });
});

describe('hostile Retry-After: LuatOS-Air start()', () => {
  it('start(nil, nil, 1), Retry-After: 99999999: waits 30 s at most, never 1 ms', async (t) => {
    const server = await refusing(t, '99999999');
    const ws = luatosAir.new(server.url);
    t.after(() => luatosAir.exit(ws));
    const started = ws.start(undefined, undefined, 1);
    await window(300);
    assert.equal(server.attempts(), 1);
    luatosAir.exit(ws);
    await started;
  });
});

describe('slow consumers', () => {
  it('keepalive holds its deadline while backpressure pauses reading, and restarts after', async (t) => {
    const clock = new FakeClock();
    const server = await scripted(t, async (socket) => {
      await acceptHandshake(socket);
      // Three messages, then silence: Pings are read and never answered.
      socket.write(Buffer.concat([serverFrame(1, 'a'), serverFrame(1, 'b'), serverFrame(1, 'c')]));
      socket.on('data', () => {});
    });
    const ws = await connect(server.url, {
      clock,
      pingIntervalMs: 1000,
      pongTimeoutMs: 1000,
      receiveHighWaterMark: 1,
    });
    t.after(() => ws.terminate());
    for (let i = 0; i < 1000 && ws.stats().messagesIn < 3; i++) await turn();
    assert.equal(ws.stats().messagesIn, 3, 'all three buffered, reading paused');
    clock.advance(100_000); // a consumer that stalls far longer than ping + pong timeouts
    await turn();
    assert.equal(ws.readyState, 1, 'still open: our own pause is not a dead peer');
    const messages = ws[Symbol.asyncIterator]();
    for (const expected of ['a', 'b', 'c']) {
      assert.equal((await messages.next()).value?.data, expected);
    }
    // Reading resumed: the deadline starts again from now, and the silent peer is found.
    clock.advance(999);
    assert.equal(ws.readyState, 1);
    clock.advance(1001);
    const info = await ws.closed;
    assert.equal(info.error?.code, ErrorCode.PongTimeout);
  });

  it('undelivered bytes held by a face stop reading above receiveHighWaterBytes; all arrive in order', async (t) => {
    const COUNT = 64;
    const SIZE = 32 * 1024;
    const MARK = 128 * 1024;
    const written = deferred();
    const server = await scripted(t, async (socket) => {
      await acceptHandshake(socket);
      const frames = Array.from({ length: COUNT }, (_, i) => serverFrame(2, Buffer.alloc(SIZE, i)));
      socket.write(Buffer.concat(frames), () => written.resolve());
    });
    const options = resolveOptions(server.url, { receiveHighWaterBytes: MARK, pingIntervalMs: 0 });
    const held: { data: Uint8Array; release: () => void }[] = [];
    const opened = deferred();
    let maxHeld = 0;
    const connection: Connection = new Connection(options, {
      onOpen: () => opened.resolve(),
      onMessage: (data) => {
        // A face that delivers later, and has not delivered anything yet.
        held.push({ data: data as Uint8Array, release: connection.holdReceived(data.length) });
        maxHeld = Math.max(maxHeld, connection.undeliveredBytes);
      },
      onPing: () => {},
      onPong: () => {},
      onError: () => {},
      onClose: () => {},
    });
    t.after(() => connection.terminate());
    connection.start();
    await opened.promise;
    await written.promise;
    for (let i = 0; i < 50; i++) await turn();
    assert.ok(held.length < COUNT, `${held.length} of ${COUNT} taken while nothing was delivered`);
    // At most the mark plus what one socket read carries (64 KiB) plus one message.
    assert.ok(maxHeld <= MARK + 64 * 1024 + SIZE, `${maxHeld} bytes held`);
    let delivered = 0;
    for (let guard = 0; guard < 10_000 && delivered < COUNT; guard++) {
      while (delivered < held.length) {
        const message = held[delivered]!;
        assert.equal(message.data[0], delivered & 0xff, 'in order');
        message.release();
        delivered++;
      }
      await turn();
    }
    assert.equal(delivered, COUNT);
    assert.equal(connection.undeliveredBytes, 0);
  });
});
