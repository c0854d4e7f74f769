// The LuatOS-Air start() loop and websocket.exit (decision A6) over real sockets on 127.0.0.1,
// every delay on a FakeClock: messages go to the message event and then to proc, the
// heartbeat Ping with payload `heart`, reconnecting reconnTime seconds after a drop, sends
// queued while reconnecting, exit() while connected and while waiting to reconnect, and
// misuse. Tests wait for events; "nothing more happens" is shown by an empty timer list.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError, InvalidStateError } from '../../src/core/errors.js';
import {
  type LuatOsAirClient,
  type LuatOsAirMessage,
  RecvReason,
  websocket,
} from '../../src/dialects/luatos-air.js';
import { Peer } from '../helpers/hostile.js';
import { acceptHandshake, serverFrame, startScriptedServer } from '../helpers/servers.js';
import { client, peerServer, text } from './luatos-air-harness.js';

/** Answers each client Close with an empty Close and ends TCP, as a polite server does. */
async function closePolitely(peer: Peer): Promise<void> {
  await peer.waitForClose();
  await peer.write(serverFrame(8));
  peer.end();
}

describe('start(keepAlive, proc, reconnTime) and websocket.exit(ws) (A6)', {
  timeout: 30_000,
}, () => {
  it('gives each message to the message event, then to proc; resolves after exit', async (t) => {
    const { url } = await peerServer(t, async (peer) => {
      await peer.write(serverFrame(1, 'first'));
      await peer.write(serverFrame(2, 'second'));
      await closePolitely(peer);
    });
    const { ws, events } = client(t, url);
    const started = ws.start(undefined, (message: LuatOsAirMessage) => {
      events.push(['proc', message]);
    });
    await events.until(() => events.args('proc').length === 2);
    assert.deepEqual(events.names(), ['open', 'message', 'proc', 'message', 'proc']);
    assert.deepEqual(events.args('proc'), [['first'], [new TextEncoder().encode('second')]]);
    assert.equal(ws.state(), 'OPEN');
    websocket.exit(ws);
    await started;
    events.push(['resolved']);
    assert.deepEqual(events.names().slice(-2), ['close', 'resolved']);
    assert.deepEqual(events.args('close'), [[1005]]);
    assert.equal(ws.state(), 'CLOSED');
    assert.deepEqual(await ws.recv(), [false, `EXIT_TASK${ws.id}`]);
  });

  it('an async proc is awaited before the next message is handed over', async (t) => {
    const { url } = await peerServer(t, async (peer) => {
      await peer.write(serverFrame(1, 'a'));
      await peer.write(serverFrame(1, 'b'));
      await closePolitely(peer);
    });
    const { ws, events } = client(t, url);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const started = ws.start(undefined, async (message) => {
      events.push(['proc', message]);
      if (message === 'a') await held;
    });
    await events.until(() => events.args('proc').length === 1);
    // 'b' has arrived by now or will; either way it waits for proc('a') to finish.
    assert.deepEqual(events.args('message'), [['a']]);
    release();
    await events.until(() => events.args('proc').length === 2);
    assert.deepEqual(events.names(), ['open', 'message', 'proc', 'message', 'proc']);
    websocket.exit(ws);
    await started;
  });

  it('sends a Ping with payload "heart" every keepAlive seconds; the pong event follows', async (t) => {
    const { url, peer } = await peerServer(t, async (server) => {
      await closePolitely(server);
    });
    const { ws, clock, events } = client(t, url);
    const started = ws.start(30);
    await events.untilEvent('open');
    const server = await peer(0);
    const pings = () => server.frames.filter((frame) => frame.opcode === 0x9);
    clock.advance(30_000);
    await server.waitFor(() => pings().length === 1);
    await server.write(serverFrame(0xa, 'heart'));
    await events.untilEvent('pong');
    assert.deepEqual(events.args('pong'), [['heart']]);
    clock.advance(30_000);
    await server.waitFor(() => pings().length === 2);
    assert.deepEqual(
      pings().map((frame) => text(frame.payload)),
      ['heart', 'heart'],
    );
    websocket.exit(ws);
    await started;
    assert.equal(clock.pending, 0, 'the heartbeat stopped with exit');
  });

  it('sends no heartbeat when keepAlive is nil', async (t) => {
    const { url, peer } = await peerServer(t, closePolitely);
    const { ws, clock, events } = client(t, url);
    const started = ws.start();
    await events.untilEvent('open');
    assert.equal(clock.pending, 0);
    clock.advance(600_000);
    ws.send('marker', true);
    const server = await peer(0);
    await server.waitFor(() => server.messages.length === 1);
    // Frames arrive in order, so a heartbeat sent before the marker would be seen already.
    assert.deepEqual(
      server.frames.map((frame) => frame.opcode),
      [1],
    );
    websocket.exit(ws);
    await started;
  });

  it('reconnects reconnTime seconds after the server drops the connection', async (t) => {
    const { url, peer } = await peerServer(t, async (server, index) => {
      if (index === 0) server.socket.destroy();
      else await closePolitely(server);
    });
    const { ws, clock, events } = client(t, url);
    const started = ws.start(undefined, undefined, 3);
    await events.untilEvent('close');
    assert.deepEqual(events.args('close'), [[1006]]);
    assert.equal(ws.state(), 'CLOSED');
    assert.deepEqual(await ws.recv(), [false, RecvReason.ReadError]);
    // Only the reconnect timer is waiting, and it is not due before 3 s.
    assert.equal(clock.pending, 1);
    clock.advance(2999);
    assert.equal(clock.pending, 1);
    clock.advance(1);
    await events.untilEvent('open', 2);
    await peer(1);
    assert.equal(ws.state(), 'OPEN');
    assert.ok(ws.online());
    websocket.exit(ws);
    await started;
  });

  it('keeps retrying a server that is down, at the same interval each time', async (t) => {
    // The server refuses the first two handshakes, then accepts.
    let attempts = 0;
    const server = await startScriptedServer(async (socket) => {
      attempts++;
      if (attempts <= 2) {
        socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n');
        return;
      }
      await closePolitely(new Peer(socket, await acceptHandshake(socket)));
    });
    t.after(() => server.close());
    const { ws, clock, events } = client(t, server.url);
    const started = ws.start(undefined, undefined, 2);
    for (let failures = 1; failures <= 2; failures++) {
      await events.untilEvent('close', failures);
      assert.equal(clock.pending, 1);
      clock.advance(1999);
      assert.equal(clock.pending, 1, `still waiting after failure ${failures}`);
      clock.advance(1);
    }
    await events.untilEvent('open');
    assert.equal(attempts, 3);
    assert.deepEqual(
      events.names().filter((name) => name !== 'error'),
      ['close', 'close', 'open'],
    );
    websocket.exit(ws);
    await started;
  });

  it('a Retry-After longer than reconnTime is honoured up to 30 s; a huge one waits 30 s', async (t) => {
    const answers = ['5', '99999999'];
    let attempts = 0;
    const server = await startScriptedServer(async (socket) => {
      const retryAfter = answers[attempts++];
      if (retryAfter !== undefined) {
        socket.end(`HTTP/1.1 503 Busy\r\nRetry-After: ${retryAfter}\r\nContent-Length: 0\r\n\r\n`);
        return;
      }
      await closePolitely(new Peer(socket, await acceptHandshake(socket)));
    });
    t.after(() => server.close());
    const { ws, clock, events } = client(t, server.url);
    const started = ws.start(undefined, undefined, 2);
    for (const [failures, waitMs] of [
      [1, 5000],
      [2, 30_000],
    ] as const) {
      await events.untilEvent('close', failures);
      assert.ok(clock.armedDelays.includes(waitMs), `a ${waitMs} ms wait: ${clock.armedDelays}`);
      clock.advance(waitMs);
    }
    await events.untilEvent('open');
    assert.equal(attempts, 3);
    websocket.exit(ws);
    await started;
  });

  it('a send made while reconnecting waits and leaves after the next open', async (t) => {
    const { url, peer } = await peerServer(t, async (server, index) => {
      if (index === 0) server.socket.destroy();
      else await closePolitely(server);
    });
    const { ws, clock, events } = client(t, url);
    const started = ws.start();
    await events.untilEvent('close');
    ws.send('queued', true);
    clock.advance(1000);
    const second = await peer(1);
    await second.waitFor(() => second.messages.length === 1);
    assert.equal(text(second.messages[0]!.payload), 'queued');
    await events.untilEvent('sent');
    websocket.exit(ws);
    await started;
  });

  it('close() inside start ends only the current connection; start connects again', async (t) => {
    const { url, peer } = await peerServer(t, closePolitely);
    const { ws, clock, events } = client(t, url);
    const started = ws.start();
    await events.untilEvent('open');
    ws.close(1000, 'once');
    await events.untilEvent('close');
    assert.equal((await peer(0)).close?.reason, 'once');
    clock.advance(1000);
    await events.untilEvent('open', 2);
    websocket.exit(ws);
    await started;
    assert.deepEqual(events.names(), ['open', 'close', 'open', 'close']);
  });

  it('exit() while connected: Close sent, start resolves, nothing is scheduled after', async (t) => {
    const { url, peer } = await peerServer(t, closePolitely);
    const { ws, clock, events } = client(t, url);
    const started = ws.start(30, undefined, 1);
    await events.untilEvent('open');
    const pending = ws.recv();
    websocket.exit(ws);
    assert.deepEqual(await pending, [false, `EXIT_TASK${ws.id}`]);
    await started;
    const server = await peer(0);
    assert.equal(server.close?.payload.length, 0, 'the firmware closes without a status code');
    assert.equal(clock.pending, 0, 'no reconnect and no heartbeat is waiting');
    assert.equal(ws.state(), 'CLOSED');
    websocket.exit(ws);
  });

  it('exit() while waiting to reconnect: start resolves, the reconnect never happens', async (t) => {
    const { url, peers } = await peerServer(t, (server) => {
      server.socket.destroy();
    });
    const { ws, clock, events } = client(t, url);
    const started = ws.start(undefined, undefined, 5);
    await events.untilEvent('close');
    assert.equal(clock.pending, 1);
    websocket.exit(ws);
    await started;
    assert.equal(clock.pending, 0);
    clock.advance(60_000);
    assert.equal(peers.length, 1);
    assert.deepEqual(events.args('close'), [[1006]]);
  });

  it('exit() while the first attempt is connecting: close 1006, no error event', async (t) => {
    let requested!: () => void;
    const gotRequest = new Promise<void>((resolve) => (requested = resolve));
    const server = await startScriptedServer(() => requested());
    t.after(() => server.close());
    const { ws, clock, events } = client(t, server.url);
    const started = ws.start();
    await gotRequest;
    websocket.exit(ws);
    await started;
    assert.deepEqual(events.names(), ['close']);
    assert.equal(clock.pending, 0);
  });

  it('start() can run again after exit', async (t) => {
    const { url, peers, peer } = await peerServer(t, closePolitely);
    const { ws, clock, events } = client(t, url);
    const first = ws.start();
    await events.untilEvent('open');
    websocket.exit(ws);
    assert.equal(await first, undefined);
    assert.deepEqual(events.names(), ['open', 'close']);
    assert.equal(ws.online(), false);
    const second = ws.start();
    await events.untilEvent('open', 2);
    assert.equal(ws.online(), true, 'the second start() is connected');
    assert.equal((await peer(1)).isEnded, false, 'on a new connection');
    // The first run's exit is over: recv() waits for a message instead of reporting it.
    const received = ws.recv();
    await (await peer(1)).write(serverFrame(1, 'to the second run'));
    assert.deepEqual(await received, [true, 'to the second run']);
    ws.send('on the second run', true);
    await (await peer(1)).waitFor(() => peers[1]!.messages.length === 1);
    assert.equal(text(peers[1]!.messages[0]!.payload), 'on the second run');
    websocket.exit(ws);
    assert.equal(await second, undefined);
    assert.deepEqual(
      events.names().filter((name) => name !== 'sent'),
      ['open', 'close', 'open', 'message', 'close'],
    );
    assert.equal(peers.length, 2, 'one connection per start()');
    assert.equal(clock.pending, 0, 'no reconnect timer left');
  });

  it('an exception in proc ends start() with it and closes the connection', async (t) => {
    const { url } = await peerServer(t, async (peer) => {
      await peer.write(serverFrame(1, 'boom'));
      await closePolitely(peer);
    });
    const { ws, clock, events } = client(t, url);
    const failure = new Error('proc failed');
    await assert.rejects(
      ws.start(undefined, () => {
        throw failure;
      }),
      failure,
    );
    assert.deepEqual(events.names(), ['open', 'message', 'close']);
    assert.equal(clock.pending, 0);
  });

  it('misuse: bad arguments, start twice, connect during start, exit of a stranger', async (t) => {
    const { url } = await peerServer(t, closePolitely);
    const { ws, events } = client(t, url);
    await assert.rejects(ws.start(0), InvalidArgumentError);
    await assert.rejects(ws.start(-5), InvalidArgumentError);
    await assert.rejects(
      ws.start(undefined, 'proc' as unknown as () => void),
      InvalidArgumentError,
    );
    await assert.rejects(ws.start(undefined, undefined, -1), InvalidArgumentError);
    const started = ws.start();
    await events.untilEvent('open');
    await assert.rejects(ws.start(), InvalidStateError);
    await assert.rejects(ws.connect(5), { code: 'ERR_INVALID_STATE' });
    assert.throws(() => websocket.exit({} as LuatOsAirClient), InvalidArgumentError);
    websocket.exit(ws);
    await started;
  });

  it('a malformed URL rejects start() with ERR_INVALID_URL', async (t) => {
    const { ws } = client(t, 'not a url');
    await assert.rejects(ws.start(), { code: 'ERR_INVALID_URL' });
  });

  it('exit() of a client that never connected is harmless; recv() then gives EXIT_TASK', async (t) => {
    const { ws, clock } = client(t, 'ws://127.0.0.1:9/');
    websocket.exit(ws);
    assert.deepEqual(await ws.recv(), [false, `EXIT_TASK${ws.id}`]);
    assert.equal(clock.pending, 0);
  });
});
