// What permessage-deflate costs idle connections on the shared zlib port (node-ports.ts):
// nothing measurable until a compressed message goes either way (heap + external of 500
// idle connections, in a child process), and with no context takeover both ways the zlib
// streams made for one message each are freed after the port's idle period (1 s).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, type WebSocketClient } from '../../src/api/websocket-client.js';
import { zlibDeflatePort } from '../../src/transport/deflate-codec.js';
import { reader } from '../helpers/api.js';
import { runJsonChild } from '../helpers/json-child.js';
import { echoServer } from '../helpers/servers.js';

const CHILD = fileURLToPath(new URL('../helpers/deflate-idle-child.ts', import.meta.url));

function runChild(url: string, count: number, mode: string) {
  return runJsonChild<{ perConnectionBytes: number; agreed: string[] }>(
    CHILD,
    [url, `${count}`, mode],
    { timeoutMs: 60_000, exposeGc: true },
  );
}

describe('permessage-deflate on idle connections', { timeout: 90_000 }, () => {
  it('500 idle connections with deflate agreed hold no zlib state (< 256 bytes more each)', async (t) => {
    const server = await echoServer(t, { perMessageDeflate: true });
    const plain = await runChild(server.url, 500, 'plain');
    const deflate = await runChild(server.url, 500, 'deflate');
    t.diagnostic(
      `per idle connection: ${plain.perConnectionBytes.toFixed(0)} bytes without, ${deflate.perConnectionBytes.toFixed(0)} bytes with deflate agreed`,
    );
    assert.deepEqual(plain.agreed, ['']);
    assert.deepEqual(deflate.agreed, ['permessage-deflate']);
    assert.ok(
      deflate.perConnectionBytes - plain.perConnectionBytes < 256,
      `deflate costs ${(deflate.perConnectionBytes - plain.perConnectionBytes).toFixed(0)} bytes more per idle connection`,
    );
  });

  it('no context takeover: the zlib streams of one message each are freed after the idle period', async (t) => {
    const server = await echoServer(t, {
      perMessageDeflate: {
        threshold: 0,
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
      },
    });
    const baseline = zlibDeflatePort.liveStreams;
    const clients: WebSocketClient[] = [];
    t.after(() => {
      for (const client of clients) client.terminate();
    });
    for (let i = 0; i < 20; i++) {
      clients.push(
        await connect(server.url, {
          pingIntervalMs: 0,
          perMessageDeflate: {
            threshold: 0,
            clientNoContextTakeover: true,
            serverNoContextTakeover: true,
          },
        }),
      );
    }
    assert.equal(zlibDeflatePort.liveStreams, baseline, 'no zlib state before the first message');
    await Promise.all(
      clients.map(async (client) => {
        const next = reader(client);
        const echoed = next();
        await client.send('compress me '.repeat(100));
        assert.equal((await echoed).data, 'compress me '.repeat(100));
      }),
    );
    const afterMessage = zlibDeflatePort.liveStreams - baseline;
    t.diagnostic(`zlib streams after one message each: ${afterMessage}`);
    assert.ok(afterMessage > 0 && afterMessage <= 40, `${afterMessage} streams`);
    // The port's sweeper frees them after idleFreeMs (1 s, real time): poll, bounded.
    const started = performance.now();
    while (zlibDeflatePort.liveStreams > baseline && performance.now() - started < 5000) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const freedAfterMs = performance.now() - started;
    t.diagnostic(`freed after ${freedAfterMs.toFixed(0)} ms`);
    assert.equal(zlibDeflatePort.liveStreams, baseline, 'the idle streams were freed');
    assert.ok(freedAfterMs >= 500, `freed after ${freedAfterMs} ms, before the idle period`);
  });
});
