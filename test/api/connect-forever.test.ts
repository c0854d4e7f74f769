// Tests for src/api/connect-forever.ts: `for await (const ws of connectForever(url))` over a
// real `ws` server on 127.0.0.1, with the reconnect delay driven by an injected clock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectForever } from '../../src/api/connect-forever.js';
import type { ReconnectingEvent } from '../../src/client/reconnect.js';
import { ErrorCode, InvalidArgumentError, TransportError } from '../../src/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { closedPortUrl, echoServer } from '../helpers/servers.js';

/** Advances the fake clock by each reconnect delay as soon as the wait starts. */
function advancing(clock: FakeClock, events: ReconnectingEvent[]) {
  return (event: ReconnectingEvent) => {
    events.push(event);
    setImmediate(() => clock.advance(event.delayMs));
  };
}

describe('connectForever', () => {
  it('ends without an error when the application closes the connection', async (t) => {
    const server = await echoServer(t);
    const seen: string[] = [];
    server.server.on('connection', (_socket, request) => seen.push(String(request.headers['x-n'])));
    const clock = new FakeClock();
    const events: ReconnectingEvent[] = [];
    let n = 0;
    let round = 0;
    for await (const ws of connectForever(server.url, {
      clock,
      jitter: false,
      initialDelayMs: 100,
      headers: () => ({ 'x-n': String(++n) }),
      onReconnecting: advancing(clock, events),
    })) {
      round++;
      ws.send(`hello ${round}`);
      for await (const message of ws) {
        assert.equal(message.data, `hello ${round}`);
        break; // leaving the loop closes this connection (ended by the application)
      }
    }
    assert.equal(round, 1);
    assert.deepEqual(seen, ['1']);
    assert.deepEqual(events, []);
  });

  it('reconnects after the server drops the connection, and a signal ends the loop', async (t) => {
    const server = await echoServer(t);
    const clock = new FakeClock();
    const events: ReconnectingEvent[] = [];
    const controller = new AbortController();
    const seen: string[] = [];
    server.server.on('connection', (_socket, request) => seen.push(String(request.headers['x-n'])));
    let n = 0;
    let round = 0;
    for await (const ws of connectForever(() => server.url, {
      headers: () => ({ 'x-n': String(++n) }),
      clock,
      jitter: false,
      initialDelayMs: 250,
      signal: controller.signal,
      onReconnecting: advancing(clock, events),
    })) {
      round++;
      assert.equal(ws.readyState, 1);
      if (round < 3) {
        for (const client of server.server.clients) client.terminate();
        await ws.closed;
      } else {
        controller.abort();
      }
    }
    assert.equal(round, 3);
    // Providers are evaluated for every attempt.
    assert.deepEqual(seen, ['1', '2', '3']);
    assert.deepEqual(
      events.map((event) => [event.attempt, event.delayMs]),
      [
        [1, 250],
        [2, 500],
      ],
    );
  });

  it('throws the last error once maxRetries is reached', async () => {
    const url = await closedPortUrl();
    const clock = new FakeClock();
    const events: ReconnectingEvent[] = [];
    const loop = connectForever(url, {
      clock,
      maxRetries: 1,
      jitter: false,
      initialDelayMs: 10,
      onReconnecting: advancing(clock, events),
    });
    await assert.rejects(
      async () => {
        for await (const _ws of loop) assert.fail('nothing listens on the port');
      },
      (error: unknown) => error instanceof TransportError && error.code === ErrorCode.ConnectFailed,
    );
    assert.equal(events.length, 1);
  });

  it('refuses an unknown option and a bad URL at once, without retrying', async () => {
    await assert.rejects(
      connectForever('ws://127.0.0.1:1/', { maxRetry: 1 } as never).next(),
      (error: unknown) => error instanceof InvalidArgumentError && /maxRetries/.test(error.message),
    );
    await assert.rejects(connectForever('not a url').next(), InvalidArgumentError);
  });
});
