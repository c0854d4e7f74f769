// The LuatOS dialect's timers on a FakeClock: autoreconn (L5: period, the 1000 ms floor, a
// fixed interval, never after close) and keepalive (L6: an empty Ping after one silent period,
// error rx and disconnect after two). Servers are real, on 127.0.0.1; waiting means awaiting an
// event or a server-side frame, never sleeping.

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { TimerHandle } from '../../src/client/clock.js';
import { type LuatosClient, type LuatosEventName, websocket } from '../../src/dialects/luatos.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { type Peer, peerServer } from '../helpers/hostile.js';
import { closedPortUrl, echoServer, readRequest, scripted } from '../helpers/servers.js';

const PING = 0x9;

/** A FakeClock that remembers every timer it was given: its delay, and whether it ran. */
class RecordingClock extends FakeClock {
  readonly timers: { delayMs: number; hasFired: boolean; isCleared: boolean }[] = [];
  readonly #records = new Map<TimerHandle, { isCleared: boolean }>();

  override setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const record = { delayMs, hasFired: false, isCleared: false };
    this.timers.push(record);
    const handle = super.setTimeout(() => {
      record.hasFired = true;
      callback();
    }, delayMs);
    this.#records.set(handle, record);
    return handle;
  }

  override clearTimeout(handle: TimerHandle): void {
    const record = this.#records.get(handle);
    if (record !== undefined) record.isCleared = true;
    super.clearTimeout(handle);
  }

  /** Timers created since index `from` with the given delay. */
  since(
    from: number,
    delayMs: number,
  ): { delayMs: number; hasFired: boolean; isCleared: boolean }[] {
    return this.timers.slice(from).filter((timer) => timer.delayMs === delayMs);
  }
}

/** Records event names and lets a test await the n-th one of a kind. */
function watch(wsc: LuatosClient): {
  names: LuatosEventName[];
  errors: unknown[][];
  until(event: LuatosEventName, n?: number): Promise<void>;
} {
  const names: LuatosEventName[] = [];
  const errors: unknown[][] = [];
  let waiters: { check: () => boolean; resolve: () => void }[] = [];
  wsc.on((_client, event, ...args) => {
    names.push(event);
    if (event === 'error') errors.push(args);
    const waiting = waiters;
    waiters = [];
    for (const waiter of waiting) {
      if (waiter.check()) waiter.resolve();
      else waiters.push(waiter);
    }
  });
  return {
    names,
    errors,
    until(event, n = 1) {
      const check = (): boolean => names.filter((name) => name === event).length >= n;
      if (check()) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ check, resolve }));
    },
  };
}

function create(t: TestContext, url: string, clock: FakeClock, keepalive?: number): LuatosClient {
  const wsc = websocket.create(undefined, url, keepalive, undefined, { clock });
  assert.ok(wsc !== undefined);
  t.after(() => wsc.close());
  return wsc;
}

describe('luatos: autoreconn (L5)', { timeout: 20_000 }, () => {
  it('reconnects after the period (default 3000 ms) once the server dropped', async (t) => {
    const server = await echoServer(t);
    let connections = 0;
    server.server.on('connection', () => connections++);
    const clock = new RecordingClock();
    const wsc = create(t, server.url, clock);
    const events = watch(wsc);
    wsc.autoreconn(true);
    wsc.connect();
    await events.until('conack');
    for (const peer of server.server.clients) peer.terminate();
    const mark = clock.timers.length;
    await events.until('disconnect');
    const [retry] = clock.since(mark, 3000);
    assert.ok(retry !== undefined, 'a 3000 ms reconnect timer was set');
    clock.advance(2999);
    assert.equal(retry.hasFired, false);
    assert.equal(wsc.ready(), false);
    clock.advance(1);
    assert.equal(retry.hasFired, true);
    await events.until('conack', 2);
    assert.equal(connections, 2);
    assert.deepEqual(events.names, ['conack', 'error', 'disconnect', 'conack']);
    assert.equal(wsc.ready(), true);
  });

  it('clamps the period to at least 1000 ms and retries at a fixed interval', async (t) => {
    const clock = new RecordingClock();
    const wsc = create(t, await closedPortUrl(), clock);
    const events = watch(wsc);
    wsc.autoreconn(true, 10);
    const mark = clock.timers.length;
    wsc.connect();
    for (let attempt = 1; attempt <= 4; attempt++) {
      await events.until('disconnect', attempt);
      const retries = clock.since(mark, 1000);
      assert.equal(retries.length, attempt, `retry ${attempt} waits 1000 ms, like the first`);
      const retry = retries[attempt - 1]!;
      clock.advance(999);
      assert.equal(retry.hasFired, false);
      clock.advance(1);
      assert.equal(retry.hasFired, true);
    }
    await events.until('disconnect', 5);
    assert.deepEqual(
      events.errors.slice(0, 5),
      Array.from({ length: 5 }, () => ['connect', 0]),
    );
  });

  it('a Retry-After longer than the period is honoured up to 30 s; a huge one waits 30 s', async (t) => {
    const answers = ['5', '99999999'];
    const server = await scripted(t, async (socket) => {
      await readRequest(socket);
      const retryAfter = answers.shift() ?? '1';
      socket.end(`HTTP/1.1 503 Busy\r\nRetry-After: ${retryAfter}\r\nContent-Length: 0\r\n\r\n`);
    });
    const clock = new RecordingClock();
    const wsc = create(t, server.url, clock);
    const events = watch(wsc);
    wsc.autoreconn(true, 1000);
    const mark = clock.timers.length;
    wsc.connect();
    for (const [attempt, waitMs] of [
      [1, 5000],
      [2, 30_000],
    ] as const) {
      await events.until('disconnect', attempt);
      const [retry] = clock.since(mark, waitMs);
      assert.ok(retry !== undefined, `a ${waitMs} ms wait after refusal ${attempt}`);
      clock.advance(waitMs);
      assert.equal(retry.hasFired, true);
    }
  });

  it('takes a new period at any time, and keeps it when switched off', async (t) => {
    const clock = new RecordingClock();
    const wsc = create(t, await closedPortUrl(), clock);
    const events = watch(wsc);
    wsc.autoreconn(true, 2500);
    wsc.autoreconn(false, 9000);
    wsc.autoreconn(1, undefined);
    const mark = clock.timers.length;
    wsc.connect();
    await events.until('disconnect');
    assert.equal(clock.since(mark, 3000).length, 1, 'enabling without a period means 3000');
    wsc.autoreconn(true, 1500);
    clock.advance(3000);
    await events.until('disconnect', 2);
    assert.equal(clock.since(mark, 1500).length, 1, 'the next retry uses the new period');
    assert.throws(() => wsc.autoreconn(true, 1.5), { code: 'ERR_INVALID_ARGUMENT' });
  });

  it('does not reconnect when switched off', async (t) => {
    const clock = new RecordingClock();
    const wsc = create(t, await closedPortUrl(), clock);
    const events = watch(wsc);
    wsc.connect();
    await events.until('disconnect');
    assert.equal(clock.pending, 0);
  });

  it('never reconnects after close(), even with a retry pending', async (t) => {
    const clock = new RecordingClock();
    const wsc = create(t, await closedPortUrl(), clock);
    const events = watch(wsc);
    wsc.autoreconn(true, 1000);
    const mark = clock.timers.length;
    wsc.connect();
    await events.until('disconnect');
    const [retry] = clock.since(mark, 1000);
    assert.ok(retry !== undefined);
    wsc.close();
    assert.equal(retry.isCleared, true);
    assert.equal(clock.pending, 0);
    clock.advance(60_000);
    assert.equal(retry.hasFired, false);
  });

  it('close() on an open client with autoreconn on ends it for good', async (t) => {
    const server = await echoServer(t);
    let connections = 0;
    const serverSawClose = new Promise<number>((resolve) => {
      server.server.on('connection', (peer) => {
        connections++;
        peer.on('close', (code: number) => resolve(code));
      });
    });
    const clock = new RecordingClock();
    const wsc = create(t, server.url, clock);
    const events = watch(wsc);
    wsc.autoreconn(true, 1000);
    wsc.connect();
    await events.until('conack');
    wsc.close();
    assert.equal(await serverSawClose, 1000);
    clock.advance(60_000);
    assert.equal(connections, 1);
    assert.deepEqual(events.names, ['conack']);
  });
});

describe('luatos: keepalive (L6)', { timeout: 20_000 }, () => {
  async function peerSetup(
    t: TestContext,
    keepalive?: number,
  ): Promise<{
    wsc: LuatosClient;
    peer: Peer;
    clock: FakeClock;
    events: ReturnType<typeof watch>;
  }> {
    const server = await peerServer(t);
    const clock = new FakeClock();
    const wsc = create(t, server.url, clock, keepalive);
    const events = watch(wsc);
    wsc.connect();
    await events.until('conack');
    return { wsc, peer: await server.peer, clock, events };
  }

  it('sends an empty Ping after the period, then error rx and disconnect after two', async (t) => {
    const { wsc, peer, clock, events } = await peerSetup(t, 5);
    clock.advance(5000);
    assert.ok(await peer.waitFor(() => peer.frames.some((frame) => frame.opcode === PING)));
    const ping = peer.frames.find((frame) => frame.opcode === PING)!;
    assert.equal(ping.payload.length, 0, 'the heartbeat Ping is empty');
    clock.advance(4999);
    assert.equal(wsc.ready(), true, 'still alive within the second period');
    clock.advance(1);
    await events.until('disconnect');
    assert.deepEqual(events.names, ['conack', 'error', 'disconnect']);
    assert.deepEqual(events.errors, [['rx', 0]]);
    assert.equal(wsc.ready(), false);
  });

  it('reads keepalive only when it is a positive integer, else 60 s', async (t) => {
    const server = await echoServer(t);
    for (const [keepalive, expectedMs] of [
      [undefined, 60_000],
      [0, 60_000],
      [-5, 60_000],
      [2.5, 60_000],
      [30, 30_000],
    ] as const) {
      const clock = new RecordingClock();
      const wsc = create(t, server.url, clock, keepalive);
      const events = watch(wsc);
      wsc.connect();
      await events.until('conack');
      const delays = clock.timers.map((timer) => timer.delayMs);
      assert.ok(delays.includes(expectedMs), `keepalive ${keepalive}: ${delays.join(', ')}`);
      wsc.close();
    }
  });

  it('defaults to 60 s', async (t) => {
    const { wsc, peer, clock } = await peerSetup(t);
    clock.advance(59_999);
    wsc.send('marker');
    assert.ok(await peer.waitFor(() => peer.messages.length === 1));
    assert.ok(!peer.frames.some((frame) => frame.opcode === PING), 'no Ping before 60 s');
    clock.advance(1);
    assert.ok(await peer.waitFor(() => peer.frames.some((frame) => frame.opcode === PING)));
  });
});
