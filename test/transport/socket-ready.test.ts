// Tests for src/transport/socket-ready.ts: waiting for a connecting socket, with its error or
// an abort turned into a wsx error and the socket (and the one under it) destroyed.

import assert from 'node:assert/strict';
import { connect, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { AbortError, ErrorCode, TransportError } from '../../src/core/errors.js';
import { type ReadyOptions, socketReady } from '../../src/transport/socket-ready.js';
import { closedPort, scripted } from '../helpers/servers.js';

function options(extra: Partial<ReadyOptions> = {}): ReadyOptions {
  return {
    event: 'connect',
    signal: undefined,
    failure: (error) =>
      new TransportError(ErrorCode.ConnectFailed, `failed: ${error.message}`, 'tcp', error),
    aborted: (signal) => new AbortError(ErrorCode.Aborted, 'aborted', { cause: signal.reason }),
    ...extra,
  };
}

const listeners = (socket: Socket): number[] =>
  ['connect', 'secureConnect', 'error'].map((event) => socket.listenerCount(event));

describe('socketReady', () => {
  it('resolves with the socket on connect and leaves no listener behind', async (t) => {
    const server = await scripted(t, () => {});
    const socket = connect({ host: '127.0.0.1', port: server.port });
    t.after(() => socket.destroy());
    const controller = new AbortController();
    const before = listeners(socket);
    assert.equal(await socketReady(socket, options({ signal: controller.signal })), socket);
    assert.deepEqual(listeners(socket), before);
    // A later abort does nothing to the open socket.
    controller.abort();
    assert.equal(socket.destroyed, false);
  });

  it('a socket error becomes the failure error; socket and tunnel are destroyed', async () => {
    const port = await closedPort();
    const socket = connect({ host: '127.0.0.1', port });
    const under = new Socket();
    const error = await socketReady(socket, options({ under })).then(
      () => assert.fail('resolved'),
      (reason: unknown) => reason,
    );
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, ErrorCode.ConnectFailed);
    assert.match(error.message, /^failed: connect ECONNREFUSED/);
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    assert.equal(socket.destroyed, true);
    assert.equal(under.destroyed, true);
  });

  it('waits for the event it is told (secureConnect), not connect', async () => {
    const socket = new Socket();
    let settled = false;
    const ready = socketReady(socket, options({ event: 'secureConnect' })).then(() => {
      settled = true;
    });
    socket.emit('connect');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(settled, false);
    socket.emit('secureConnect');
    await ready;
    assert.deepEqual(listeners(socket), [0, 0, 0]);
    socket.destroy();
  });

  it('an already aborted signal rejects at once with the abort error', async () => {
    const socket = new Socket();
    const under = new Socket();
    const controller = new AbortController();
    controller.abort('stop');
    await assert.rejects(
      socketReady(socket, options({ signal: controller.signal, under })),
      (error) => {
        assert.ok(error instanceof AbortError);
        assert.equal(error.cause, 'stop');
        return true;
      },
    );
    assert.equal(socket.destroyed, true);
    assert.equal(under.destroyed, true);
  });

  it('an abort while connecting rejects, destroys and unhooks from the signal', async (t) => {
    // Accepted but never "connected" from our point of view: wait for secureConnect on TCP.
    const server = await scripted(t, () => {});
    const socket = connect({ host: '127.0.0.1', port: server.port });
    const controller = new AbortController();
    const ready = socketReady(
      socket,
      options({ event: 'secureConnect', signal: controller.signal }),
    );
    controller.abort(new Error('user gave up'));
    await assert.rejects(ready, (error) => error instanceof AbortError);
    assert.equal(socket.destroyed, true);
    assert.equal(listeners(socket)[1], 0);
  });

  it('settles once: an error after ready is not reported', async () => {
    const socket = new Socket();
    let failures = 0;
    const ready = socketReady(
      socket,
      options({
        failure: (error) => {
          failures++;
          return new TransportError(ErrorCode.ConnectionLost, error.message, 'tcp');
        },
      }),
    );
    socket.emit('connect');
    await ready;
    socket.on('error', () => {});
    socket.emit('error', new Error('late'));
    assert.equal(failures, 0);
    assert.equal(socket.destroyed, false);
    socket.destroy();
  });
});
