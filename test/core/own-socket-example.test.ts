// The wsx/core example in docs/core.md (examples/core/own-socket.ts) runs as documented: it
// drives the sans-I/O engine over a plain net.Socket against npm ws and closes cleanly.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { talk } from '../../examples/core/own-socket.js';
import { echoServer } from '../helpers/servers.js';

describe('examples/core/own-socket.ts', { timeout: 10_000 }, () => {
  it('opens, echoes one message and closes over the caller-owned socket', async (t) => {
    const server = await echoServer(t);
    const closeCode = new Promise<number>((resolve) =>
      server.server.on('connection', (socket) => socket.on('close', resolve)),
    );
    assert.deepEqual(await talk(server.url), [
      'open',
      'message: hello from my own socket',
      'close',
    ]);
    assert.equal(await closeCode, 1000, 'the server saw our Close frame');
  });
});
