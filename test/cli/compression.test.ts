// `wsx connect` and permessage-deflate (RFC 7692): the CLI offers compression by default, as
// the modern API does, and `--no-compression` leaves the offer out.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordingServer, wsx } from './cli-harness.js';

describe('wsx connect and compression', { concurrency: 2 }, () => {
  it('offers permessage-deflate by default and echoes through it', async (t) => {
    const server = await recordingServer(t, undefined, { perMessageDeflate: { threshold: 0 } });
    const line = 'compressed '.repeat(200);
    const result = await wsx(t, ['connect', server.url], { input: `${line}\n` });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, `${line}\n`);
    assert.equal(
      server.requests[0]!.headers['sec-websocket-extensions'],
      'permessage-deflate; client_max_window_bits',
    );
    assert.equal(server.sockets[0]!.extensions, 'permessage-deflate');
  });

  it('--no-compression sends no offer', async (t) => {
    const server = await recordingServer(t, undefined, { perMessageDeflate: { threshold: 0 } });
    const result = await wsx(t, ['connect', server.url, '--no-compression'], { input: 'a\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'a\n');
    assert.equal(server.requests[0]!.headers['sec-websocket-extensions'], undefined);
    assert.equal(server.sockets[0]!.extensions, '');
  });
});
