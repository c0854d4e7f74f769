// ReconnectingWebSocket's offline queue and onOpen hook: sends while connecting or
// reconnecting wait and leave in order after the hook's own messages; the queue's bounds
// (messages, bytes) with 'reject-new' and 'drop-oldest'; queueTtlMs on the FakeClock; close()
// and giveup reject what waits; every send promise settles exactly once. A raw scripted server
// holds each handshake until the test lets it through and records the client's frames.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { ErrorEvent } from '../../src/api/dom-events.js';
import type { ReconnectEvent, ReconnectingCloseEvent } from '../../src/api/reconnecting-events.js';
import {
  type OpenHookSocket,
  ReconnectingWebSocket,
} from '../../src/api/reconnecting-websocket.js';
import { Supervisor, type SupervisorHandler } from '../../src/client/reconnect.js';
import { ConnectionClosedError, ErrorCode, QueueError } from '../../src/core/errors.js';
import { reconnectingClient as client } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Peer } from '../helpers/hostile.js';
import { acceptHandshake, serverFrame, startScriptedServer } from '../helpers/servers.js';

// ------------------------------------------------------------------ helpers

interface Gate {
  promise: Promise<void>;
  open(): void;
}

function gate(): Gate {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * A raw server: each connection waits for `server.gate` (open by default), completes the
 * handshake, optionally writes `greeting`, and records the client's frames in a Peer.
 */
async function gatedServer(t: TestContext, greeting?: string) {
  const peers: Peer[] = [];
  const arrivals: ((peer: Peer) => void)[] = [];
  const connections: (() => void)[] = [];
  const state = { gate: Promise.resolve() as Promise<void> };
  const server = await startScriptedServer(async (socket: Socket) => {
    connections.shift()?.();
    await state.gate;
    const rest = await acceptHandshake(socket);
    if (greeting !== undefined) socket.write(serverFrame(0x1, greeting));
    const peer = new Peer(socket, rest);
    peers.push(peer);
    arrivals.shift()?.(peer);
  });
  t.after(() => server.close());
  return {
    url: server.url,
    peers,
    state,
    /** Resolves with the next connection that completes its handshake. */
    nextPeer: () => new Promise<Peer>((resolve) => arrivals.push(resolve)),
    /** Resolves when the next TCP connection arrives (before its handshake). */
    nextConnection: () => new Promise<void>((resolve) => connections.push(resolve)),
  };
}

function texts(peer: Peer): string[] {
  return peer.messages.map((message) =>
    message.opcode === 1 ? message.payload.toString() : `bin:${message.payload.toString('hex')}`,
  );
}

/** Waits until the server received `count` messages on `peer`. */
async function received(peer: Peer, count: number): Promise<string[]> {
  assert.ok(await peer.waitFor(() => peer.messages.length >= count), 'the peer went away');
  return texts(peer);
}

/** Resolves with the next event of `type` (arm it before what causes the event). */
function next<E extends Event = Event>(ws: ReconnectingWebSocket, type: string): Promise<E> {
  return new Promise((resolve) =>
    ws.addEventListener(type, (event) => resolve(event as E), { once: true }),
  );
}

/** Tracks a send promise: 'pending', 'sent', or the rejection's code. */
function track(promise: Promise<void>): { state: string; error?: unknown } {
  const seen: { state: string; error?: unknown } = { state: 'pending' };
  promise.then(
    () => {
      seen.state = 'sent';
    },
    (error: { code?: string }) => {
      seen.state = error.code ?? String(error);
      seen.error = error;
    },
  );
  return seen;
}

/** Lets already queued callbacks and tasks run (a bounded number of event-loop turns). */
async function settleTurns(check: () => boolean, limit = 1000): Promise<void> {
  for (let i = 0; i < limit && !check(); i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

// ------------------------------------------------------------------ order and the hook

describe('ReconnectingWebSocket: offline queue order and onOpen', { timeout: 15_000 }, () => {
  it('sends made while connecting leave in order, after the hook, before newer ones', async (t) => {
    const server = await gatedServer(t);
    const handshake = gate();
    server.state.gate = handshake.promise;
    const hookCalls: string[] = [];
    const { ws } = client(t, server.url, {
      onOpen: async (socket: OpenHookSocket) => {
        hookCalls.push(socket.url);
        await socket.send('auth');
        await socket.send(new Uint8Array([0xaa]));
      },
    });
    const sends = [
      track(ws.send('q1')),
      track(ws.send(new Blob(['q2']))),
      track(ws.send(new Uint8Array([1, 2]))),
      track(ws.send('q4')),
    ];
    assert.equal(ws.readyState, ReconnectingWebSocket.CONNECTING);
    ws.onopen = () => {
      sends.push(track(ws.send('live')));
    };
    const peerArrives = server.nextPeer();
    handshake.open();
    const peer = await peerArrives;
    assert.deepEqual(await received(peer, 7), [
      'auth',
      'bin:aa',
      'q1',
      `bin:${Buffer.from('q2').toString('hex')}`,
      'bin:0102',
      'q4',
      'live',
    ]);
    await settleTurns(() => sends.every((send) => send.state !== 'pending'));
    assert.deepEqual(
      sends.map((send) => send.state),
      ['sent', 'sent', 'sent', 'sent', 'sent'],
    );
    assert.deepEqual(hookCalls, [server.url]);
  });

  it('sends made while reconnecting wait for the next connection and its hook', async (t) => {
    const server = await gatedServer(t);
    let hooks = 0;
    const { ws, clock } = client(t, server.url, {
      onOpen: (socket) => socket.send(`hello ${++hooks}`),
    });
    const first = await server.nextPeer();
    assert.deepEqual(await received(first, 1), ['hello 1']);
    const closed = next<ReconnectingCloseEvent>(ws, 'close');
    const reconnecting = next(ws, 'reconnecting');
    first.socket.destroy();
    assert.equal((await closed).willRetry, true);
    const a = track(ws.send('r1'));
    const b = track(ws.send('r2'));
    assert.equal(ws.stats().queuedMessages, 2);
    assert.equal(ws.bufferedAmount, 4);
    await reconnecting;
    const secondArrives = server.nextPeer();
    clock.advance(250);
    const second = await secondArrives;
    assert.deepEqual(await received(second, 3), ['hello 2', 'r1', 'r2']);
    await settleTurns(() => a.state !== 'pending' && b.state !== 'pending');
    assert.deepEqual([a.state, b.state], ['sent', 'sent']);
    assert.equal(ws.stats().queuedMessages, 0);
  });

  it('messages the server sends while the hook runs are dispatched after open', async (t) => {
    const server = await gatedServer(t, 'welcome');
    const order: string[] = [];
    const ws = new ReconnectingWebSocket(server.url, {
      clock: new FakeClock(),
      pingIntervalMs: 0,
      onOpen: async (socket) => {
        // Hold the hook until the greeting was received by the client (bounded wait).
        await settleTurns(() => ws.stats().messagesIn >= 1);
        order.push(`hook done, protocol '${socket.protocol}'`);
      },
    });
    t.after(() => ws.close());
    ws.addEventListener('open', () => order.push('open'));
    const message = next<MessageEvent>(ws, 'message');
    ws.addEventListener('message', (event) => order.push(`message ${String(event.data)}`));
    await message;
    assert.deepEqual(order, ["hook done, protocol ''", 'open', 'message welcome']);
  });

  it('a failing hook is reported as an error event; the connection closes and is retried', async (t) => {
    const server = await gatedServer(t);
    const { ws } = client(t, server.url, {
      onOpen: () => {
        throw new Error('bad credentials');
      },
    });
    const error = next<ErrorEvent>(ws, 'error');
    const reconnecting = next<ReconnectEvent>(ws, 'reconnecting');
    const peer = await server.nextPeer();
    assert.match((await error).message, /onOpen hook failed: bad credentials/);
    assert.ok(await peer.waitForClose());
    assert.equal(peer.close?.code, 1011);
    peer.socket.end(serverFrame(0x8, peer.close.payload));
    // Not a close by the application: a failed hook (say, expired credentials) is retried.
    const event = await reconnecting;
    assert.equal(event.attempt, 1);
    assert.match(event.reason, /onOpen hook failed: bad credentials/);
  });
});

// ------------------------------------------------------------------ bounds

describe('ReconnectingWebSocket: offline queue bounds', { timeout: 15_000 }, () => {
  it("'reject-new' refuses the message past maxQueuedMessages with ERR_QUEUE_FULL", async (t) => {
    const server = await gatedServer(t);
    server.state.gate = new Promise(() => {}); // never answers the handshake
    const { ws } = client(t, server.url, { maxQueuedMessages: 2 });
    const sends = ['a', 'b', 'c'].map((text) => track(ws.send(text)));
    await settleTurns(() => sends[2]!.state !== 'pending');
    assert.deepEqual(
      sends.map((send) => send.state),
      ['pending', 'pending', ErrorCode.QueueFull],
    );
    assert.ok(sends[2]!.error instanceof QueueError);
    assert.deepEqual([ws.stats().queuedMessages, ws.bufferedAmount], [2, 2]);
  });

  it("'reject-new' refuses what would pass maxQueuedBytes (strings count as UTF-8)", async (t) => {
    const server = await gatedServer(t);
    server.state.gate = new Promise(() => {});
    const { ws } = client(t, server.url, { maxQueuedBytes: 10 });
    const sends = [
      track(ws.send('abcdef')), // 6 bytes
      track(ws.send('ééé')), // 6 bytes: over
      track(ws.send(new Uint8Array(4))), // 4 bytes: exactly full
      track(ws.send(new Uint8Array(11))), // larger than the whole queue
    ];
    await settleTurns(() => sends[3]!.state !== 'pending');
    assert.deepEqual(
      sends.map((send) => send.state),
      ['pending', ErrorCode.QueueFull, 'pending', ErrorCode.QueueFull],
    );
    assert.deepEqual([ws.stats().queuedBytes, ws.bufferedAmount], [10, 10]);
  });

  it("'drop-oldest' rejects the oldest with ERR_QUEUE_DROPPED and keeps the newest", async (t) => {
    const server = await gatedServer(t);
    const handshake = gate();
    server.state.gate = handshake.promise;
    const { ws } = client(t, server.url, {
      maxQueuedMessages: 2,
      queueFullPolicy: 'drop-oldest',
    });
    const sends = ['a', 'b', 'c', 'd'].map((text) => track(ws.send(text)));
    await settleTurns(() => sends[1]!.state !== 'pending');
    assert.deepEqual(
      sends.map((send) => send.state),
      [ErrorCode.QueueDropped, ErrorCode.QueueDropped, 'pending', 'pending'],
    );
    const arrives = server.nextPeer();
    handshake.open();
    assert.deepEqual(await received(await arrives, 2), ['c', 'd']);
  });

  it("'drop-oldest' drops nothing for a message larger than the whole queue", async (t) => {
    const server = await gatedServer(t);
    const handshake = gate();
    server.state.gate = handshake.promise;
    const { ws } = client(t, server.url, { maxQueuedBytes: 10, queueFullPolicy: 'drop-oldest' });
    const sends = [track(ws.send('abc')), track(ws.send(new Uint8Array(11)))];
    await settleTurns(() => sends[1]!.state !== 'pending');
    assert.deepEqual(
      sends.map((send) => send.state),
      ['pending', ErrorCode.QueueFull],
    );
    assert.deepEqual([ws.stats().queuedBytes, ws.bufferedAmount], [3, 3]);
    const arrives = server.nextPeer();
    handshake.open();
    assert.deepEqual(await received(await arrives, 1), ['abc']);
  });

  it('queueTtlMs rejects messages that waited too long with ERR_QUEUE_EXPIRED', async (t) => {
    const server = await gatedServer(t);
    const handshake = gate();
    server.state.gate = handshake.promise;
    const { ws, clock } = client(t, server.url, { queueTtlMs: 1000 });
    const old = track(ws.send('old'));
    clock.advance(600);
    const young = track(ws.send('young'));
    clock.advance(400);
    await settleTurns(() => old.state !== 'pending');
    assert.deepEqual([old.state, young.state], [ErrorCode.QueueExpired, 'pending']);
    assert.equal(ws.stats().queuedMessages, 1);
    const arrives = server.nextPeer();
    handshake.open();
    assert.deepEqual(await received(await arrives, 1), ['young']);
    await settleTurns(() => young.state !== 'pending');
    assert.equal(young.state, 'sent');
  });
});

// ------------------------------------------------------------------ nothing lost silently

describe('ReconnectingWebSocket: every send settles', { timeout: 15_000 }, () => {
  it('close() rejects what is queued, and later sends, with ConnectionClosedError', async (t) => {
    const server = await gatedServer(t);
    server.state.gate = new Promise(() => {});
    const connected = server.nextConnection();
    const { ws } = client(t, server.url);
    const queued = [track(ws.send('a')), track(ws.send(new Blob(['b'])))];
    await connected;
    const closed = next<ReconnectingCloseEvent>(ws, 'close');
    ws.close();
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSING);
    assert.equal((await closed).willRetry, false);
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
    const late = track(ws.send('late'));
    await settleTurns(() => [...queued, late].every((send) => send.state !== 'pending'));
    for (const send of [...queued, late]) {
      assert.equal(send.state, ErrorCode.ConnectionClosed);
      assert.ok(send.error instanceof ConnectionClosedError);
    }
    assert.equal(ws.bufferedAmount, 0);
  });

  it('close() before any connection exists: CLOSED at once, no event', async (t) => {
    const server = await gatedServer(t);
    const { ws } = client(t, server.url);
    const events: string[] = [];
    for (const type of ['open', 'error', 'close', 'giveup']) {
      ws.addEventListener(type, () => events.push(type));
    }
    const queued = track(ws.send('a'));
    ws.close(); // the URL is still being resolved: nothing to close
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
    await settleTurns(() => queued.state !== 'pending');
    assert.equal(queued.state, ErrorCode.ConnectionClosed);
    await settleTurns(() => false, 20);
    assert.deepEqual(events, []);
    assert.equal(server.peers.length, 0);
  });

  it('giving up keeps the queue (bufferedAmount counts it) for reconnect() or close()', async (t) => {
    let refuse = true;
    const server = await startScriptedServer((socket) => {
      if (refuse) socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      else acceptHandshake(socket);
    });
    t.after(() => server.close());
    const { ws } = client(t, server.url);
    const send = track(ws.send('kept'));
    const late = track(ws.send('after giving up'));
    await next(ws, 'giveup');
    await settleTurns(() => false, 5);
    assert.equal(send.state, 'pending');
    assert.equal(ws.bufferedAmount, 4 + 15);
    assert.equal(ws.shouldReconnect, false);
    const later = track(ws.send('queued while given up'));
    assert.equal(ws.bufferedAmount, 4 + 15 + 21);
    ws.close();
    await settleTurns(() => later.state !== 'pending');
    for (const item of [send, late, later]) assert.equal(item.state, ErrorCode.ConnectionClosed);
    assert.equal(ws.bufferedAmount, 0);
    refuse = false;
  });

  it('ignored rejections never become unhandled rejections', async (t) => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    t.after(() => process.off('unhandledRejection', onUnhandled));
    const server = await gatedServer(t);
    server.state.gate = new Promise(() => {});
    const { ws } = client(t, server.url, { maxQueuedMessages: 1 });
    ws.send('kept');
    ws.send('refused'); // WHATWG style: the promise is dropped on the floor
    ws.close();
    ws.send('after close');
    await settleTurns(() => false, 20);
    assert.deepEqual(unhandled, []);
  });

  it('every promise settles once across connecting, open, a drop, bounds and close', async (t) => {
    const server = await gatedServer(t);
    const handshake = gate();
    server.state.gate = handshake.promise;
    const { ws, clock } = client(t, server.url, { maxQueuedMessages: 3 });
    const sends: ReturnType<typeof track>[] = [];
    const burst = (prefix: string, count: number) => {
      for (let i = 0; i < count; i++) sends.push(track(ws.send(`${prefix}${i}`)));
    };
    burst('connecting-', 5); // 3 queued, 2 refused
    const opened = next(ws, 'open');
    const firstArrives = server.nextPeer();
    handshake.open();
    const first = await firstArrives;
    await opened;
    burst('open-', 3);
    await received(first, 6);
    server.state.gate = new Promise(() => {}); // the next attempt hangs in the handshake
    const reconnecting = next<ReconnectEvent>(ws, 'reconnecting');
    first.socket.destroy();
    burst('dropped-', 4); // sent on a dying socket or queued (3) and refused (1)
    clock.advance((await reconnecting).delayMs);
    ws.close();
    burst('closed-', 2);
    await settleTurns(() => sends.every((send) => send.state !== 'pending'));
    const states = sends.map((send) => send.state);
    assert.equal(states.filter((state) => state === 'pending').length, 0, states.join(' '));
    assert.deepEqual(states.slice(0, 8), [
      'sent',
      'sent',
      'sent',
      ErrorCode.QueueFull,
      ErrorCode.QueueFull,
      'sent',
      'sent',
      'sent',
    ]);
    assert.deepEqual(states.slice(-2), [ErrorCode.ConnectionClosed, ErrorCode.ConnectionClosed]);
    assert.equal(ws.stats().queuedMessages, 0);
  });

  it('a supervisor without keepQueueWhenGivingUp rejects the queue when it gives up', async (t) => {
    const server = await startScriptedServer((socket) => {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
    });
    t.after(() => server.close());
    const noop = (): void => {};
    let gaveUp: () => void = noop;
    const givenUp = new Promise<void>((resolve) => {
      gaveUp = resolve;
    });
    const handler: SupervisorHandler = {
      onOpen: noop,
      onMessage: noop,
      onPing: noop,
      onPong: noop,
      onError: noop,
      onClose: noop,
      onReconnecting: noop,
      onGiveUp: () => gaveUp(),
    };
    const clock = new FakeClock();
    const supervisor = new Supervisor(server.url, { clock, pingIntervalMs: 0 }, handler);
    t.after(() => supervisor.stop());
    const settled: unknown[] = [];
    supervisor.send('queued', false, (error) => settled.push((error as QueueError)?.code));
    supervisor.start();
    await givenUp;
    assert.deepEqual([...settled], [ErrorCode.ConnectionClosed]);
    supervisor.send('after', false, (error) => settled.push((error as QueueError)?.code));
    assert.deepEqual(settled, [ErrorCode.ConnectionClosed, ErrorCode.ConnectionClosed]);
    assert.equal(supervisor.queuedMessages, 0);
  });

  it('the supervisor calls each settle callback exactly once', async (t) => {
    const server = await gatedServer(t);
    const handshake = gate();
    server.state.gate = handshake.promise;
    const clock = new FakeClock();
    const noop = (): void => {};
    const events: string[] = [];
    const handler: SupervisorHandler = {
      onOpen: () => events.push('open'),
      onMessage: noop,
      onPing: noop,
      onPong: noop,
      onError: noop,
      onClose: (_info, willRetry) => events.push(`close ${willRetry}`),
      onReconnecting: () => events.push('reconnecting'),
      onGiveUp: () => events.push('giveup'),
    };
    const supervisor = new Supervisor(
      server.url,
      { clock, random: () => 0, pingIntervalMs: 0, maxQueuedMessages: 4, queueTtlMs: 100 },
      handler,
    );
    t.after(() => supervisor.stop());
    const calls: number[] = [];
    const send = (text: string): void => {
      const index = calls.push(0) - 1;
      supervisor.send(text, false, () => {
        calls[index]!++;
      });
    };
    supervisor.start();
    for (let i = 0; i < 6; i++) send(`q${i}`); // 4 queued, 2 refused
    clock.advance(100); // the 4 expire
    for (let i = 0; i < 3; i++) send(`r${i}`);
    const arrives = server.nextPeer();
    handshake.open();
    const peer = await arrives;
    await received(peer, 3);
    send('live');
    await received(peer, 4);
    supervisor.stop(1000);
    send('closed');
    await settleTurns(() => calls.every((count) => count > 0));
    assert.deepEqual(calls, new Array(calls.length).fill(1));
    assert.equal(calls.length, 11);
  });
});
