// Tests for src/client/attempt.ts, one request over one transport: it opens through the
// options' opener with what the opener needs, writes the upgrade request once attached,
// ends or destroys the transport when the protocol asks, and leaves it silently on discard().

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Attempt } from '../../src/client/attempt.js';
import { type ResolvedOptions, resolveOptions } from '../../src/client/options.js';
import { StatsRecorder } from '../../src/client/stats.js';
import { ConnectionClosedError } from '../../src/core/errors.js';
import type { TransportListener } from '../../src/transport/interface.js';
import type { OpenConnectionOptions } from '../../src/transport/open.js';
import { MemoryTransport } from '../helpers/memory-transport.js';
import { testPorts } from '../helpers/ports.js';

const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup() {
  const transport = new MemoryTransport();
  const requests: OpenConnectionOptions[] = [];
  const options: ResolvedOptions = {
    ...resolveOptions('ws://example.test/x', { ports: testPorts(2), preferIpv6: true }),
    openTransport: (request) => {
      requests.push(request);
      return Promise.resolve(transport);
    },
  };
  const attempt = new Attempt(options, new StatsRecorder(), {
    lostWrite: (cause) => new ConnectionClosedError('lost', { wasClean: false }, cause),
    onBatchWritten: () => {},
    onCodecProgress: () => {},
  });
  const heard: string[] = [];
  const listener: TransportListener = {
    onData: () => heard.push('data'),
    onEnd: () => heard.push('end'),
    onError: () => heard.push('error'),
    onClose: () => heard.push('close'),
  };
  return { options, attempt, transport, requests, listener, heard };
}

describe('Attempt', () => {
  it('opens through the opener with the target, options and an abort signal', async () => {
    const { options, attempt, transport, requests } = setup();
    const log = (_line: string) => {};
    assert.equal(await attempt.open(options, log), transport);
    const request = requests[0]!;
    assert.equal(request.target, options.target);
    assert.equal(request.preferIpv6, true);
    assert.equal(request.log, log);
    assert.ok(request.signal instanceof AbortSignal);
    attempt.abortOpen();
    assert.equal(request.signal.aborted, true);
  });

  it('writes the upgrade request once attached, and the listener hears the transport', async () => {
    const { attempt, transport, listener, heard } = setup();
    assert.equal(transport.batches.length, 0);
    attempt.attach(transport, listener);
    assert.equal(attempt.transport, transport);
    await settle();
    assert.match(transport.request().requestLine, /^GET \/x HTTP\/1\.1$/);
    transport.send('x');
    assert.deepEqual(heard, ['data']);
  });

  it('ends the transport when the protocol asks; destroys it when the handshake failed', async () => {
    const open = setup();
    open.attempt.attach(open.transport, open.listener);
    assert.equal(open.attempt.endIfRequested(false), false, 'nothing asked yet');
    open.attempt.protocol.receiveEof();
    assert.equal(open.attempt.endIfRequested(false), false);
    assert.equal(open.transport.isEnded, true);
    const refused = setup();
    refused.attempt.attach(refused.transport, refused.listener);
    refused.attempt.protocol.receiveEof();
    assert.equal(refused.attempt.endIfRequested(true), true);
    assert.equal(refused.transport.isDestroyed, true);
    assert.equal(refused.attempt.endIfRequested(true), false, 'once');
  });

  it('discard() destroys the transport and nobody hears it any more', async () => {
    const { attempt, transport, listener, heard } = setup();
    attempt.attach(transport, listener);
    attempt.discard();
    assert.equal(attempt.transport, undefined);
    assert.equal(transport.isDestroyed, true);
    transport.send('late');
    transport.fail(new Error('late failure'));
    await settle();
    assert.deepEqual(heard, []);
  });
});
