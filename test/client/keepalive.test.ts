// Keepalive and dead-peer detection (RFC 6455 §5.5.2/§5.5.3 pings used as heartbeats), on a
// fake clock against a scripted server that answers, or does not answer, the client's pings.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { connect, type WebSocketClient } from '../../src/api/websocket-client.js';
import { ReadyState } from '../../src/core/constants.js';
import { ErrorCode, TimeoutError } from '../../src/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { type Peer, peerServer } from '../helpers/hostile.js';
import { acceptHandshake, serverFrame, startScriptedServer } from '../helpers/servers.js';

const PING = 0x9;
const PONG = 0xa;

async function open(
  t: TestContext,
  options: { pingIntervalMs: number; pongTimeoutMs?: number; maxMissedPongs?: number },
): Promise<{ ws: WebSocketClient; peer: Peer; clock: FakeClock }> {
  const server = await peerServer(t);
  const clock = new FakeClock();
  const ws = await connect(server.url, { clock, ...options });
  t.after(() => ws.terminate());
  return { ws, peer: await server.peer, clock };
}

/** The opcodes the server saw, once a marker message sent now has arrived behind them. */
async function framesSoFar(ws: WebSocketClient, peer: Peer): Promise<number[]> {
  const marker = `marker ${peer.messages.length}`;
  await ws.send(marker);
  await peer.waitFor(() => peer.messages.some((m) => m.payload.toString() === marker));
  return peer.frames.map((frame) => frame.opcode);
}

/** Sends a text message from the server and waits until the client has it. */
async function serverSays(ws: WebSocketClient, peer: Peer, text: string): Promise<void> {
  const arrived = new Promise<void>((resolve) => {
    const listener = (message: { data: unknown }): void => {
      if (message.data === text) {
        ws.off('message', listener);
        resolve();
      }
    };
    ws.on('message', listener);
  });
  await peer.write(serverFrame(0x1, text));
  await arrived;
}

describe('keepalive: pingIntervalMs and pongTimeoutMs', { timeout: 20_000 }, () => {
  it('pings after a quiet interval and fails with ERR_PONG_TIMEOUT when nothing answers', async (t) => {
    const { ws, peer, clock } = await open(t, { pingIntervalMs: 1000, pongTimeoutMs: 500 });
    clock.advance(1000);
    assert.ok(await peer.waitFor(() => peer.frames.some((frame) => frame.opcode === PING)));
    assert.equal(ws.readyState, ReadyState.OPEN);
    clock.advance(499);
    assert.equal(ws.readyState, ReadyState.OPEN);
    clock.advance(1);
    const info = await ws.closed;
    assert.ok(info.error instanceof TimeoutError);
    assert.equal(info.error.code, ErrorCode.PongTimeout);
    assert.equal(info.error.phase, 'pong');
    assert.equal(info.error.closeCode, 1011);
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.deepEqual(info.cause, { kind: 'no-pong', phase: 'open' });
    await peer.ended;
    assert.equal(peer.close?.code, 1011, 'the client says why with Close 1011 before dropping');
  });

  it('maxMissedPongs 2 (a public option): a second ping, then ERR_PONG_TIMEOUT', async (t) => {
    const { ws, peer, clock } = await open(t, {
      pingIntervalMs: 1000,
      pongTimeoutMs: 500,
      maxMissedPongs: 2,
    });
    const pings = (): number => peer.frames.filter((frame) => frame.opcode === PING).length;
    clock.advance(1000);
    assert.ok(await peer.waitFor(() => pings() === 1));
    clock.advance(500);
    assert.equal(ws.readyState, ReadyState.OPEN, 'one missed pong is allowed');
    assert.ok(await peer.waitFor(() => pings() === 2));
    clock.advance(500);
    const info = await ws.closed;
    assert.equal(info.error?.code, ErrorCode.PongTimeout);
  });

  it('counts any received data as life: no ping while the server talks', async (t) => {
    const { ws, peer, clock } = await open(t, { pingIntervalMs: 1000, pongTimeoutMs: 500 });
    for (let i = 0; i < 10; i++) {
      clock.advance(900);
      await serverSays(ws, peer, `tick ${i}`);
    }
    assert.ok(!(await framesSoFar(ws, peer)).includes(PING), 'a busy connection never pings');
    assert.equal(ws.readyState, ReadyState.OPEN);
  });

  it('a pong (or any data) after the ping keeps the connection and measures latency', async (t) => {
    const { ws, peer, clock } = await open(t, { pingIntervalMs: 1000, pongTimeoutMs: 500 });
    clock.advance(1000);
    await peer.waitFor(() => peer.frames.some((frame) => frame.opcode === PING));
    const ping = peer.frames.find((frame) => frame.opcode === PING)!;
    const ponged = new Promise((resolve) => ws.once('pong', resolve));
    clock.advance(120);
    await peer.write(serverFrame(PONG, ping.payload));
    await ponged;
    assert.equal(ws.latencyMs, 120);
    assert.equal(ws.stats().rttLastMs, 120);
    clock.advance(999);
    assert.equal(ws.readyState, ReadyState.OPEN, 'the deadline was cancelled by the pong');
    clock.advance(1);
    await peer.waitFor(() => peer.frames.filter((frame) => frame.opcode === PING).length === 2);
    await serverSays(ws, peer, 'still here');
    clock.advance(1000);
    assert.equal(ws.readyState, ReadyState.OPEN);
  });

  it('pingIntervalMs 0 turns keepalive off', async (t) => {
    const { ws, peer, clock } = await open(t, { pingIntervalMs: 0 });
    clock.advance(10 * 60_000);
    assert.ok(!(await framesSoFar(ws, peer)).includes(PING));
    assert.equal(ws.readyState, ReadyState.OPEN);
    assert.equal(clock.pending, 0, 'no timer runs for keepalive');
  });

  it('defaults to a 20 s interval and a 20 s pong timeout', async (t) => {
    const server = await startScriptedServer(async (socket: Socket) => {
      await acceptHandshake(socket);
    });
    t.after(() => server.close());
    const clock = new FakeClock();
    const ws = await connect(server.url, { clock });
    t.after(() => ws.terminate());
    clock.advance(39_999);
    assert.equal(ws.readyState, ReadyState.OPEN);
    clock.advance(1);
    const info = await ws.closed;
    assert.equal(info.error?.code, ErrorCode.PongTimeout);
  });
});
