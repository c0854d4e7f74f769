// Connection (src/client/connection.ts) with permessage-deflate over a real socket on
// 127.0.0.1, the inflater scripted (test/helpers/scripted-codec.ts) so that the moment a
// compressed message is out is chosen by the test.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type CloseInfo, Connection } from '../../src/client/connection.js';
import { resolveOptions } from '../../src/client/options.js';
import { compressedFrame } from '../helpers/deflate.js';
import { runJsonChild } from '../helpers/json-child.js';
import { testPorts } from '../helpers/ports.js';
import { scriptedPort } from '../helpers/scripted-codec.js';
import { acceptHandshake, scripted, serverFrame } from '../helpers/servers.js';

function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await turn();
  assert.ok(check(), what);
}

describe('Connection with permessage-deflate over a socket', { timeout: 20_000 }, () => {
  it('terminate() reports the close when the socket ended behind a message inflating while paused', async (t) => {
    let serverClosed = false;
    const server = await scripted(t, async (socket) => {
      await acceptHandshake(socket, ['Sec-WebSocket-Extensions: permessage-deflate']);
      socket.on('close', () => {
        serverClosed = true;
      });
      // A compressed message, a Ping behind it, then the end of the connection.
      socket.end(Buffer.concat([serverFrame(1, 'zz', { rsv: 4 }), serverFrame(9, 'p')]));
    });
    const { port, codecs } = scriptedPort();
    const closes: CloseInfo[] = [];
    const messages: unknown[] = [];
    let opened = false;
    const connection = new Connection(
      resolveOptions(server.url, {
        ports: { ...testPorts(3), deflate: port },
        perMessageDeflate: true,
        pingIntervalMs: 0,
      }),
      {
        onOpen: () => {
          opened = true;
        },
        onMessage: (data) => messages.push(data),
        onPing: () => {},
        onPong: () => {},
        onError: () => {},
        onClose: (info) => closes.push(info),
      },
    );
    t.after(() => connection.terminate());
    connection.start();
    await until(() => opened && codecs.length === 1 && serverClosed, 'opened, inflating, ended');
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(closes.length, 0, 'the close waits for the message inflating');
    // The application stops reading; the message comes out.
    connection.pause();
    codecs[0]!.output('hello');
    codecs[0]!.flushed();
    await until(() => messages.length === 1, 'the message is delivered');
    connection.terminate();
    await until(() => closes.length === 1, 'terminate() reports the close');
  });

  it('a message listener that throws leaves later compressed messages flowing', async (t) => {
    const first = 'first message, compressed: '.repeat(60);
    const second = 'second message, compressed: '.repeat(60);
    const server = await scripted(t, async (socket) => {
      await acceptHandshake(socket, ['Sec-WebSocket-Extensions: permessage-deflate']);
      socket.write(compressedFrame(1, first));
      socket.once('data', () => socket.write(compressedFrame(1, second)));
    });
    const child = fileURLToPath(new URL('../helpers/deflate-throw-child.ts', import.meta.url));
    const result = await runJsonChild<{ messages: string[]; uncaught: string[] }>(
      child,
      [server.url],
      { timeoutMs: 20_000 },
    );
    assert.deepEqual(result.uncaught, ['listener failed'], 'the error is not swallowed');
    assert.deepEqual(result.messages, [first, second]);
  });
});
