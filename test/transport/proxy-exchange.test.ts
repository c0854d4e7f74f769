// Tests for src/transport/proxy-exchange.ts: reading a proxy's answer from its socket step by
// step, putting back the bytes after it, and the errors of a proxy exchange.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import {
  AbortError,
  ErrorCode,
  ProxyError,
  TransportError,
  type WebSocketError,
} from '../../src/core/errors.js';
import {
  abortReason,
  type ExchangeStep,
  proxyClosedEarly,
  proxyError,
  readExchange,
} from '../../src/transport/proxy-exchange.js';
import { parseProxyUrl } from '../../src/transport/proxy-url.js';
import { scripted } from '../helpers/servers.js';

const proxy = parseProxyUrl('http://user:s3cret@proxy.test:3128');

/** A client socket to a server that runs `script` on its end; connected when resolved. */
async function pair(t: TestContext, script: (server: Socket) => void): Promise<Socket> {
  const server = await scripted(t, script);
  const socket = connect({ host: '127.0.0.1', port: server.port });
  t.after(() => socket.destroy());
  await new Promise((resolve) => socket.once('connect', resolve));
  return socket;
}

const atEnd = (): WebSocketError => proxyClosedEarly(proxy, 'test request');
const hooks = (socket: Socket): number[] =>
  ['data', 'end', 'close', 'error'].map((event) => socket.listenerCount(event));

describe('readExchange', () => {
  it('feeds chunks until done, then pauses and puts the rest back', {
    timeout: 1000,
  }, async (t) => {
    const socket = await pair(t, (server) => {
      // The answer "OK!" then bytes of the tunnel, one byte per write.
      let i = 0;
      const send = (): void => {
        if (i < 8) server.write('OK!hello'[i++]!, send);
      };
      send();
    });
    const before = hooks(socket);
    let seen = '';
    const step = (chunk: Uint8Array): ExchangeStep => {
      assert.equal(Object.getPrototypeOf(chunk), Uint8Array.prototype);
      seen += new TextDecoder().decode(chunk);
      const at = seen.indexOf('OK!');
      if (at === -1) return undefined;
      return { done: true, rest: new TextEncoder().encode(seen.slice(at + 3)) };
    };
    await readExchange(socket, proxy, undefined, step, atEnd);
    assert.equal(socket.isPaused(), true);
    assert.deepEqual(hooks(socket), before);
    // What came after the answer is read first, then the rest of the stream.
    let after = '';
    await new Promise<void>((resolve) => {
      socket.on('data', (chunk: Buffer) => {
        after += chunk.toString();
        if (after.length >= 5) resolve();
      });
      socket.resume();
    });
    assert.equal(after, 'hello');
  });

  it('a failed step rejects with its error and destroys the socket', async (t) => {
    const socket = await pair(t, (server) => server.write('NO'));
    const refusal = proxyError(ErrorCode.ProxyRefused, 'refused', proxy, { status: 403 });
    await assert.rejects(
      readExchange(socket, proxy, undefined, () => refusal, atEnd),
      (error) => error === refusal,
    );
    assert.equal(socket.destroyed, true);
  });

  it('a step that throws fails only this connection, as ConnectionLost in phase proxy', async (t) => {
    const socket = await pair(t, (server) => server.write('x'));
    const step = (): ExchangeStep => {
      throw new RangeError('parser bug');
    };
    await assert.rejects(readExchange(socket, proxy, undefined, step, atEnd), (error) => {
      assert.ok(error instanceof TransportError);
      assert.equal(error.code, ErrorCode.ConnectionLost);
      assert.equal(error.phase, 'proxy');
      assert.equal(
        error.message,
        'reading the answer of the proxy http://user@proxy.test:3128 failed: parser bug',
      );
      assert.ok(error.cause instanceof RangeError);
      return true;
    });
    assert.equal(socket.destroyed, true);
  });

  it('the proxy closing first gives the atEnd error, once', async (t) => {
    const socket = await pair(t, (server) => server.end('partial'));
    let ends = 0;
    await assert.rejects(
      readExchange(
        socket,
        proxy,
        undefined,
        () => undefined,
        () => {
          ends++;
          return atEnd();
        },
      ),
      /closed the connection before answering the test request/,
    );
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(ends, 1);
  });

  it('a socket error is a ConnectionLost naming the proxy without its password', async (t) => {
    const socket = await pair(t, () => {});
    const exchange = readExchange(socket, proxy, undefined, () => undefined, atEnd);
    socket.emit('error', new Error('read ECONNRESET'));
    await assert.rejects(exchange, (error) => {
      assert.ok(error instanceof TransportError);
      assert.equal(error.code, ErrorCode.ConnectionLost);
      assert.match(
        error.message,
        /proxy http:\/\/user@proxy\.test:3128 failed during the tunnel request: read ECONNRESET/,
      );
      assert.doesNotMatch(error.message, /s3cret/);
      return true;
    });
  });

  it('an abort, before or during, rejects with an AbortError carrying the reason', async (t) => {
    const early = new AbortController();
    early.abort('early');
    const first = await pair(t, () => {});
    await assert.rejects(
      readExchange(first, proxy, early.signal, () => undefined, atEnd),
      (error) => error instanceof AbortError && error.cause === 'early',
    );
    assert.equal(first.destroyed, true);
    const late = new AbortController();
    const second = await pair(t, () => {});
    const exchange = readExchange(second, proxy, late.signal, () => undefined, atEnd);
    late.abort('late');
    await assert.rejects(
      exchange,
      (error) => error instanceof AbortError && error.cause === 'late',
    );
    assert.equal(second.destroyed, true);
  });
});

describe('the errors of a proxy exchange', () => {
  it('proxyError fills in the proxy without its password', () => {
    const body = new TextEncoder().encode('why');
    const error = proxyError(ErrorCode.ProxyAuth, 'who are you', proxy, { status: 407, body }, 'c');
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, ErrorCode.ProxyAuth);
    assert.equal(error.phase, 'proxy');
    assert.equal(error.proxy, 'http://user@proxy.test:3128');
    assert.equal(error.status, 407);
    assert.equal(error.bodyText, 'why');
    assert.equal(error.cause, 'c');
    assert.equal(proxyError(ErrorCode.ProxyProtocol, 'm', proxy).body.length, 0);
  });

  it('proxyClosedEarly and abortReason', () => {
    const closed = proxyClosedEarly(proxy, 'SOCKS5 greeting') as TransportError;
    assert.equal(closed.code, ErrorCode.ConnectionLost);
    assert.equal(closed.phase, 'proxy');
    assert.equal(
      closed.message,
      'the proxy http://user@proxy.test:3128 closed the connection before answering the SOCKS5 greeting',
    );
    const controller = new AbortController();
    controller.abort('because');
    const aborted = abortReason(controller.signal);
    assert.ok(aborted instanceof AbortError);
    assert.equal(aborted.code, ErrorCode.Aborted);
    assert.equal(aborted.cause, 'because');
    assert.match(aborted.message, /aborted while going through the proxy/);
  });
});
