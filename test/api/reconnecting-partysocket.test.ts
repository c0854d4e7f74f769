// ReconnectingWebSocket as a drop-in for partysocket: its option names (delays without jitter,
// connectionTimeout, maxEnqueuedMessages, shouldReconnectOnClose, debug/debugLogger),
// startClosed, drainQueuedMessages(), the shouldReconnect getter, and the WebSocket option that
// makes each connection with undici's or npm ws's WHATWG class. Delays run on the FakeClock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocket as UndiciWebSocket } from 'undici';
import { WebSocket as WsWebSocket } from 'ws';
import type { ErrorEvent } from '../../src/api/dom-events.js';
import type {
  GiveUpEvent,
  ReconnectEvent,
  ReconnectingCloseEvent,
} from '../../src/api/reconnecting-events.js';
import {
  ReconnectingWebSocket,
  type WebSocketConstructor,
} from '../../src/api/reconnecting-websocket.js';
import { ErrorCode } from '../../src/core/errors.js';
import { reconnectingClient as client } from '../helpers/api.js';
import { dropEverything, echoServer, scripted } from '../helpers/servers.js';

function next<E extends Event = Event>(ws: ReconnectingWebSocket, type: string): Promise<E> {
  return new Promise((resolve) =>
    ws.addEventListener(type, (event) => resolve(event as E), { once: true }),
  );
}

function track(promise: Promise<void>): { state: string } {
  const seen = { state: 'pending' };
  promise.then(
    () => {
      seen.state = 'sent';
    },
    (error: { code?: string }) => {
      seen.state = error.code ?? String(error);
    },
  );
  return seen;
}

async function settleTurns(check: () => boolean, limit = 1000): Promise<void> {
  for (let i = 0; i < limit && !check(); i++) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

describe('partysocket option names', { timeout: 15_000 }, () => {
  it('min/maxReconnectionDelay and reconnectionDelayGrowFactor: exact delays, no jitter', async (t) => {
    const server = await dropEverything(t);
    const { ws, clock } = client(t, server.url, {
      minReconnectionDelay: 50,
      reconnectionDelayGrowFactor: 2,
      maxReconnectionDelay: 150,
      random: () => 0.1, // would shrink jittered delays; these names turn jitter off
    });
    const delays: number[] = [];
    for (let i = 0; i < 4; i++) {
      const event = await next<ReconnectEvent>(ws, 'reconnecting');
      delays.push(event.delayMs);
      clock.advance(event.delayMs);
    }
    assert.deepEqual(delays, [50, 100, 150, 150]);
  });

  it('connectionTimeout is the open timeout', async (t) => {
    const server = await scripted(t, () => {}); // accepts TCP, never answers the handshake
    const { ws, clock } = client(t, server.url, { connectionTimeout: 1000, maxRetries: 0 });
    const error = next<ErrorEvent>(ws, 'error');
    await settleTurns(() => clock.pending > 0 && server.server.listening, 50);
    clock.advance(999);
    await settleTurns(() => false, 5);
    clock.advance(1);
    assert.equal(((await error).error as { code: string }).code, ErrorCode.OpenTimeout);
  });

  it('maxEnqueuedMessages bounds the offline queue', async (t) => {
    const server = await echoServer(t);
    const { ws } = client(t, server.url, { maxEnqueuedMessages: 2, startClosed: true });
    const sends = ['a', 'bb', 'ccc'].map((text) => track(ws.send(text)));
    await settleTurns(() => sends[2]!.state !== 'pending');
    assert.deepEqual(
      sends.map((send) => send.state),
      ['pending', 'pending', ErrorCode.QueueFull],
    );
    assert.equal(ws.bufferedAmount, 3);
  });

  it('shouldReconnectOnClose decides each retry (false stops, true retries even 1008)', async (t) => {
    const codes = [1008, 4000];
    const server = await echoServer(t);
    server.server.on('connection', (socket) => socket.close(codes.shift() ?? 1000));
    const seen: number[] = [];
    const { ws, clock } = client(t, server.url, {
      shouldReconnectOnClose: (event) => {
        seen.push(event.code);
        return event.code !== 4000;
      },
    });
    const first = next<ReconnectingCloseEvent>(ws, 'close');
    const retry = next<ReconnectEvent>(ws, 'reconnecting');
    assert.equal((await first).willRetry, true);
    const giveup = next<GiveUpEvent>(ws, 'giveup');
    clock.advance((await retry).delayMs);
    assert.match((await giveup).reason, /4000/);
    assert.deepEqual(seen, [1008, 4000]);
    assert.equal(ws.shouldReconnect, false);
  });

  it('debug and debugLogger log connection lines prefixed RWS>', async (t) => {
    const server = await echoServer(t);
    const lines: unknown[][] = [];
    const { ws } = client(t, server.url, {
      debug: true,
      debugLogger: (...args: unknown[]) => lines.push(args),
    });
    // partysocket's own first line, at once: ('RWS>', 'connect', retryCount).
    assert.deepEqual(lines, [['RWS>', 'connect', 0]]);
    await next(ws, 'open');
    assert.ok(lines.length > 1);
    for (const line of lines.slice(1)) {
      assert.equal(line[0], 'RWS>');
      assert.equal(typeof line[1], 'string');
    }
    const quiet = client(t, server.url, { debug: false }).ws;
    assert.equal(quiet.readyState, ReconnectingWebSocket.CONNECTING);
  });
});

describe('startClosed, drainQueuedMessages() and shouldReconnect', { timeout: 15_000 }, () => {
  it('startClosed stays closed and queues until reconnect()', async (t) => {
    const server = await echoServer(t);
    let connections = 0;
    server.server.on('connection', () => connections++);
    const { ws } = client(t, server.url, { startClosed: true });
    assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
    assert.equal(ws.shouldReconnect, false);
    const send = track(ws.send('queued while closed'));
    await settleTurns(() => false, 10);
    assert.equal(connections, 0);
    assert.equal(ws.bufferedAmount, 19);
    ws.reconnect();
    assert.equal(ws.readyState, ReconnectingWebSocket.CONNECTING);
    assert.equal(ws.shouldReconnect, true);
    const message = await next<MessageEvent>(ws, 'message');
    assert.equal(message.data, 'queued while closed');
    assert.equal(send.state, 'sent');
    assert.equal(ws.readyState, ReconnectingWebSocket.OPEN);
  });

  it('drainQueuedMessages() returns what waits, oldest first, and rejects those sends', async (t) => {
    const server = await echoServer(t);
    const { ws } = client(t, server.url, { startClosed: true });
    const bytes = new Uint8Array([0, 1, 2, 3, 4]);
    const sends = [track(ws.send('one')), track(ws.send(bytes.subarray(1, 3)))];
    bytes.fill(9); // queued bytes were copied
    const drained = ws.drainQueuedMessages();
    assert.deepEqual(drained, ['one', new Uint8Array([1, 2])]);
    assert.equal(ws.bufferedAmount, 0);
    await settleTurns(() => sends.every((send) => send.state !== 'pending'));
    assert.deepEqual(
      sends.map((send) => send.state),
      [ErrorCode.QueueDropped, ErrorCode.QueueDropped],
    );
    assert.deepEqual(ws.drainQueuedMessages(), []);
  });

  it('close() makes shouldReconnect false; reconnect() makes it true again', async (t) => {
    const server = await echoServer(t);
    const { ws } = client(t, server.url);
    assert.equal(ws.shouldReconnect, true);
    await next(ws, 'open');
    ws.close();
    assert.equal(ws.shouldReconnect, false);
    await next(ws, 'close');
    ws.reconnect();
    assert.equal(ws.shouldReconnect, true);
    await next(ws, 'open');
  });
});

describe('the WebSocket option: another WHATWG class per connection', { timeout: 15_000 }, () => {
  const classes: [string, WebSocketConstructor][] = [
    ['undici', UndiciWebSocket as unknown as WebSocketConstructor],
    ['ws', WsWebSocket as unknown as WebSocketConstructor],
  ];
  for (const [name, WebSocketClass] of classes) {
    it(`${name}: open, queue, echo, binary, drop and reconnect, close`, async (t) => {
      const server = await echoServer(t, {
        handleProtocols: (offered: Set<string>) => [...offered][0] ?? false,
      });
      const made: string[] = [];
      const Counting = class extends (WebSocketClass as new (
        url: string,
        protocols?: string | string[],
      ) => InstanceType<WebSocketConstructor>) {
        constructor(url: string, protocols?: string | string[]) {
          super(url, protocols);
          made.push(url);
        }
      };
      const { ws, clock } = client(t, server.url, { WebSocket: Counting, protocols: ['chat'] });
      ws.binaryType = 'arraybuffer';
      const queued = track(ws.send('queued'));
      await next(ws, 'open');
      assert.equal(ws.protocol, 'chat');
      assert.equal((await next<MessageEvent>(ws, 'message')).data, 'queued');
      assert.equal(queued.state, 'sent');
      await ws.send(new Uint8Array([7, 8, 9]));
      const binary = (await next<MessageEvent>(ws, 'message')).data as ArrayBuffer;
      assert.deepEqual(new Uint8Array(binary), new Uint8Array([7, 8, 9]));

      const dropped = next<ReconnectingCloseEvent>(ws, 'close');
      const retry = next<ReconnectEvent>(ws, 'reconnecting');
      for (const peer of server.server.clients) peer.terminate();
      const drop = await dropped;
      assert.equal(drop.code, 1006);
      assert.equal(drop.willRetry, true);
      const reopened = next(ws, 'open');
      clock.advance((await retry).delayMs);
      await reopened;

      ws.close(4001, 'done');
      const close = await next<ReconnectingCloseEvent>(ws, 'close');
      assert.equal(close.code, 4001);
      assert.equal(close.willRetry, false);
      assert.equal(ws.readyState, ReconnectingWebSocket.CLOSED);
      assert.deepEqual(made, [server.url, server.url], 'each connection was made by the class');
    });
  }

  it('a send while the other class is already closing waits for the next connection', async (t) => {
    /** A WHATWG-shaped socket the test drives by hand. */
    class MockSocket extends EventTarget {
      static made: MockSocket[] = [];
      readyState = 0;
      bufferedAmount = 0;
      protocol = '';
      extensions = '';
      binaryType = 'blob';
      readonly sent: unknown[] = [];
      readonly url: string;
      constructor(url: string) {
        super();
        this.url = url;
        MockSocket.made.push(this);
      }
      send(data: unknown): void {
        this.sent.push(data);
      }
      close(): void {
        this.readyState = 2;
      }
      open(): void {
        this.readyState = 1;
        this.dispatchEvent(new Event('open'));
      }
    }
    const { ws, clock } = client(t, 'ws://127.0.0.1:1/', {
      WebSocket: MockSocket as unknown as WebSocketConstructor,
    });
    await settleTurns(() => MockSocket.made.length === 1);
    const first = MockSocket.made[0]!;
    assert.equal(first.binaryType, 'arraybuffer', 'binary data arrives as ArrayBuffers');
    const opened = next(ws, 'open');
    first.open();
    await opened;
    await ws.send('while open');
    assert.deepEqual(first.sent, ['while open']);
    first.readyState = 2; // the server started closing; its close event has not come yet
    const kept = track(ws.send('kept for the next connection'));
    await settleTurns(() => false, 5);
    assert.equal(kept.state, 'pending');
    assert.deepEqual(first.sent, ['while open'], 'nothing handed to a closing socket');
    assert.equal(ws.bufferedAmount, 28);
    const retry = next<ReconnectEvent>(ws, 'reconnecting');
    first.readyState = 3;
    first.dispatchEvent(
      Object.assign(new Event('close'), { code: 1000, reason: '', wasClean: true }),
    );
    clock.advance((await retry).delayMs);
    await settleTurns(() => MockSocket.made.length === 2);
    MockSocket.made[1]!.open();
    await settleTurns(() => kept.state !== 'pending');
    assert.equal(kept.state, 'sent');
    assert.deepEqual(MockSocket.made[1]!.sent, ['kept for the next connection']);
  });

  it('a refused connection is an error event and a retry', async (t) => {
    const server = await dropEverything(t);
    const { ws } = client(t, server.url, {
      WebSocket: WsWebSocket as unknown as WebSocketConstructor,
      maxRetries: 0,
    });
    const giveup = next(ws, 'giveup');
    const error = await next<ErrorEvent>(ws, 'error');
    assert.equal((error.error as { code: string }).code, ErrorCode.ConnectFailed);
    await giveup;
  });

  it('refuses a WebSocket option that is not a constructor', () => {
    assert.throws(
      () =>
        new ReconnectingWebSocket('ws://127.0.0.1:1/', {
          WebSocket: 42 as unknown as WebSocketConstructor,
        }),
      /option WebSocket/,
    );
  });
});
