// Fault injection, message accounting: a ReconnectingWebSocket sends numbered messages without
// pause while the fault proxy breaks its connection 100 times (FIN or RST, with or without
// latency in the proxy) and every tenth time also refuses the next two attempts. At the end
// every message id is checked against what the npm `ws` server received and how its send()
// promise settled. Backoff delays run on the FakeClock (advanced by exactly each announced
// delay); waits are on events only.
//
// The gap no client can close on its own: send() resolves once the frame was handed to the
// kernel. When the connection breaks after that, bytes still in flight (the client's socket
// buffer, the proxy, the wire) are lost with it, and nothing tells the client which ones. Such
// a message resolved but never reached the server, so "each send() was received exactly once
// or rejected" does not hold. Measured on loopback (numbers from the test's diagnostic line):
// a FIN from the peer loses exactly the one turn of sends (2 messages) written after the peer
// stopped reading and before the FIN arrived; an RST on a fast path loses nothing (those writes
// fail and their promises reject); with 2 ms of latency each break loses what was in the
// proxy, dozens of messages (15-70 per break in our runs, more on a loaded machine). Only
// acknowledgements from the server could close the gap. So the test asserts the strongest
// statements that do hold: no duplicates, arrival order equals send order (across connections
// too), every promise settles, received ⊆ resolved, resolved + rejected = sent, and nothing
// sent after the last fault is lost.

import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { describe, it, type TestContext } from 'node:test';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import type { ReconnectEvent } from '../../src/api/reconnecting-events.js';
import { ReconnectingWebSocket } from '../../src/api/reconnecting-websocket.js';
import { isWebSocketError } from '../../src/core/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';
import type { FaultProxy } from '../helpers/fault-proxy.js';
import { Changes, startProxy, trackedHttpServer } from '../helpers/faults.js';

const CYCLES = 100;

interface ServerConnection {
  /** Ids of the messages received on this connection, in arrival order. */
  ids: number[];
  isClosed: boolean;
}

/** An npm `ws` server that records the id of every `m<id>` message, per connection. */
async function startRecordingServer(t: TestContext, changes: Changes) {
  const server = trackedHttpServer();
  const { http } = server;
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
  const connections: ServerConnection[] = [];
  let fences = 0;
  wss.on('connection', (socket: WsSocket, _request: IncomingMessage) => {
    const record: ServerConnection = { ids: [], isClosed: false };
    connections.push(record);
    socket.on('error', () => {});
    socket.on('message', (data) => {
      const text = String(data);
      if (text === 'fence') fences++;
      else record.ids.push(Number(text.slice(1)));
      changes.notify();
    });
    socket.on('close', () => {
      record.isClosed = true;
      changes.notify();
    });
    changes.notify();
  });
  const port = await server.listen();
  t.after(() => server.close(wss));
  return {
    port,
    connections,
    get fences() {
      return fences;
    },
    get received() {
      let total = 0;
      for (const connection of connections) total += connection.ids.length;
      return total;
    },
  };
}

/** A small deterministic generator for the jitter: the same delays on every run. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

type Outcome = 'pending' | 'resolved' | 'rejected';

interface Fault {
  name: string;
  delayMs: number;
  apply(proxy: FaultProxy): void;
}

/** The faults, taken in turn: FIN or RST, on a fast path or with 2 ms of latency each way. */
const FAULTS: Fault[] = [
  { name: 'drop', delayMs: 0, apply: (proxy) => proxy.dropAll() },
  { name: 'reset', delayMs: 0, apply: (proxy) => proxy.resetAll() },
  { name: 'drop+delay', delayMs: 2, apply: (proxy) => proxy.dropAll() },
  { name: 'reset+delay', delayMs: 2, apply: (proxy) => proxy.resetAll() },
];

describe('fault injection: every message accounted for', { timeout: 60_000 }, () => {
  it(`over ${CYCLES} drops and resets, no message is duplicated, reordered or left unsettled`, async (t) => {
    const changes = new Changes();
    const server = await startRecordingServer(t, changes);
    const proxy = await startProxy(t, server.port);

    const clock = new FakeClock();
    const ws = new ReconnectingWebSocket(proxy.wsUrl(), {
      clock,
      random: seededRandom(6455),
      pingIntervalMs: 0,
      maxQueuedMessages: 100_000,
    });
    t.after(() => ws.close());
    let opens = 0;
    let closes = 0;
    const causes = new Map<string, number>();
    ws.addEventListener('open', () => {
      opens++;
      changes.notify();
    });
    ws.addEventListener('close', (event) => {
      closes++;
      const key = `${event.cause?.kind}/${event.cause?.phase}`;
      causes.set(key, (causes.get(key) ?? 0) + 1);
      changes.notify();
    });
    // Each announced delay is run off at once on the fake clock: no real time passes.
    ws.addEventListener('reconnecting', (event: ReconnectEvent) => clock.advance(event.delayMs));

    // The sender: two numbered messages per turn of the event loop, whatever the state.
    const outcomes: Outcome[] = [];
    const settled: Promise<void>[] = [];
    const rejections = new Map<string, number>();
    let isSending = true;
    const sendOne = (): void => {
      const id = outcomes.length;
      outcomes.push('pending');
      settled.push(
        ws.send(`m${id}`).then(
          () => {
            outcomes[id] = 'resolved';
          },
          (error: unknown) => {
            outcomes[id] = 'rejected';
            const code = isWebSocketError(error) ? error.code : String(error);
            rejections.set(code, (rejections.get(code) ?? 0) + 1);
          },
        ),
      );
    };
    const pump = (): void => {
      if (!isSending || outcomes.length >= 200_000) return;
      sendOne();
      sendOne();
      setImmediate(pump);
    };
    pump();

    const breaks: { at: number; fault: Fault }[] = [];
    for (let cycle = 0; cycle < CYCLES; cycle++) {
      await changes.until(() => opens === cycle + 1);
      const fault = FAULTS[cycle % FAULTS.length]!;
      // With latency, bytes sit in the proxy when the connection breaks.
      if (fault.delayMs > 0) proxy.delay(fault.delayMs);
      // Let traffic flow on this connection before breaking it.
      await changes.until(
        () =>
          server.connections.length === cycle + 1 && server.connections[cycle]!.ids.length >= 10,
      );
      breaks.push({ at: outcomes.length, fault });
      if (cycle % 10 === 9) {
        // The next two attempts are refused before one gets through.
        const refusedBefore = proxy.refused;
        proxy.refuse(true);
        fault.apply(proxy);
        await proxy.waitFor(() => proxy.refused >= refusedBefore + 2);
        proxy.refuse(false);
      } else {
        fault.apply(proxy);
      }
      proxy.delay(0);
      await changes.until(() => closes >= cycle + 1);
    }
    await changes.until(() => opens === CYCLES + 1);
    isSending = false;
    await Promise.all(settled);
    // Every earlier server-side connection must have ended (all its bytes read) before the
    // fence on the last one proves that the last connection's bytes have all arrived too.
    await changes.until(() => server.connections.slice(0, -1).every((c) => c.isClosed));
    await ws.send('fence');
    await changes.until(() => server.fences === 1);

    // ---------------------------------------------------------------- the accounting
    const sent = outcomes.length;
    const times = new Array<number>(sent).fill(0);
    const arrivalOrder: number[] = [];
    for (const connection of server.connections) {
      for (const id of connection.ids) {
        times[id]!++;
        arrivalOrder.push(id);
      }
    }
    let resolved = 0;
    let rejected = 0;
    let receivedOnce = 0;
    let lostAfterResolve = 0;
    let receivedButRejected = 0;
    const lostByFault = new Map<string, number>();
    for (let id = 0; id < sent; id++) {
      const outcome = outcomes[id];
      assert.notEqual(outcome, 'pending', `message ${id} never settled`);
      assert.ok(times[id]! <= 1, `message ${id} arrived ${times[id]} times`);
      if (outcome === 'resolved') resolved++;
      else rejected++;
      if (times[id] === 1) receivedOnce++;
      if (outcome === 'resolved' && times[id] === 0) {
        lostAfterResolve++;
        const fault = faultThatLost(breaks, id);
        lostByFault.set(fault, (lostByFault.get(fault) ?? 0) + 1);
      }
      if (outcome === 'rejected' && times[id] === 1) receivedButRejected++;
    }
    for (let i = 1; i < arrivalOrder.length; i++) {
      assert.ok(
        arrivalOrder[i - 1]! < arrivalOrder[i]!,
        `message ${arrivalOrder[i]} arrived after ${arrivalOrder[i - 1]}`,
      );
    }
    t.diagnostic(
      `sent ${sent}, received ${receivedOnce}, resolved ${resolved}, rejected ${rejected} ` +
        `(${[...rejections].map(([code, n]) => `${code} ${n}`).join(', ')}), ` +
        `resolved but lost ${lostAfterResolve} (${[...lostByFault].map(([f, n]) => `${f} ${n}`).join(', ')}), ` +
        `rejected but received ${receivedButRejected}, connections ${server.connections.length}, ` +
        `close causes ${[...causes].map(([k, n]) => `${k} ${n}`).join(', ')}`,
    );
    assert.equal(resolved + rejected, sent, 'every promise settled, once');
    assert.equal(receivedButRejected, 0, 'received ⊆ resolved: a rejected message never arrives');
    assert.equal(receivedOnce + lostAfterResolve, resolved);
    assert.ok(receivedOnce > CYCLES * 10, 'traffic flowed on every connection');
    // Rejections say that the connection went away before the bytes were written. (A send
    // between the FIN arriving and the close being reported used to fail with
    // ERR_INVALID_STATE; it now waits in the offline queue, so it is not rejected at all.)
    assert.deepEqual(
      [...rejections.keys()].filter((code) => code !== 'ERR_CONNECTION_CLOSED'),
      [],
    );
    // Without a fault nothing is lost: everything from two sends after the last break on
    // (queued, then sent on the last connection) resolved and arrived.
    const lastBreak = breaks.at(-1)!.at;
    for (let id = lastBreak + 2; id < sent; id++) {
      assert.ok(
        outcomes[id] === 'resolved' && times[id] === 1,
        `message ${id} after the last fault`,
      );
    }
    assert.equal(server.connections.length, CYCLES + 1);
    assert.equal(causes.get('connection-lost/open'), CYCLES / 2, 'FIN while open');
    assert.equal(causes.get('peer-reset/open'), CYCLES / 2, 'RST while open');
    // A refused attempt is reset right after the TCP handshake: the client reports it as a
    // failed connect, or as a reset when it already saw the connect complete.
    const refusedCauses =
      (causes.get('connect/connecting') ?? 0) + (causes.get('peer-reset/connecting') ?? 0);
    assert.equal(refusedCauses, (CYCLES / 10) * 2);
    assert.equal(closes, CYCLES + refusedCauses);
    assert.equal(ws.stats().reconnects, CYCLES);
  });
});

/**
 * The fault that lost message `id`: a message is lost while in flight when its connection
 * breaks, or in the one turn of sends that still reaches the socket before the client hears
 * of the break; so it belongs to the first break at most one turn (two sends) before it.
 */
function faultThatLost(breaks: readonly { at: number; fault: Fault }[], id: number): string {
  return (breaks.find((entry) => id < entry.at + 2) ?? breaks.at(-1)!).fault.name;
}
