// Unknown options are refused on every face, with ERR_INVALID_ARGUMENT naming the option and
// the closest known one, before anything connects: connect(), WebSocketClient, WebSocket,
// ReconnectingWebSocket, connectForever() and the PC-only option objects of the dialects.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectForever } from '../../src/api/connect-forever.js';
import { ReconnectingWebSocket } from '../../src/api/reconnecting-websocket.js';
import { WebSocket } from '../../src/api/websocket.js';
import { connect, WebSocketClient } from '../../src/api/websocket-client.js';
import {
  CONNECT_OPTIONS,
  checkOptionNames,
  closestName,
  RECONNECTING_OPTIONS,
} from '../../src/client/option-names.js';
import { InvalidArgumentError, isWsxError } from '../../src/core/errors.js';
import { websocket as luatos } from '../../src/dialects/luatos.js';
import { websocket as air } from '../../src/dialects/luatos-air.js';
import { websocket as nodemcu } from '../../src/dialects/nodemcu.js';

/** A URL nothing listens on: no test here may get as far as connecting. */
const URL_ = 'ws://127.0.0.1:9/';

function refused(error: unknown, name: string, suggestion: string | undefined): true {
  assert.ok(isWsxError(error), `not a wsx error: ${String(error)}`);
  assert.ok(error instanceof InvalidArgumentError);
  assert.equal(error.code, 'ERR_INVALID_ARGUMENT');
  assert.match(error.message, new RegExp(`unknown option "${name}"`));
  if (suggestion === undefined) assert.doesNotMatch(error.message, /did you mean/);
  else assert.match(error.message, new RegExp(`\\(did you mean "${suggestion}"\\?\\)$`));
  return true;
}

describe('closestName', () => {
  it('suggests the known name one typo away, case-insensitively', () => {
    assert.equal(closestName('protocol', CONNECT_OPTIONS), 'protocols');
    assert.equal(closestName('Protocols', CONNECT_OPTIONS), 'protocols');
    assert.equal(closestName('hedaers', CONNECT_OPTIONS), 'headers');
    assert.equal(closestName('openTimeout', CONNECT_OPTIONS), 'openTimeoutMs');
    assert.equal(closestName('pingInterval', CONNECT_OPTIONS), 'pingIntervalMs');
    assert.equal(closestName('maxRetry', RECONNECTING_OPTIONS), 'maxRetries');
  });

  it('suggests nothing for a name unlike any option', () => {
    assert.equal(closestName('dispatcher', CONNECT_OPTIONS), undefined);
    assert.equal(closestName('x', CONNECT_OPTIONS), undefined);
  });

  it('checkOptionNames lists the options when it has no suggestion', () => {
    assert.throws(
      () => checkOptionNames({ dispatcher: {} }, ['a', 'b'], 'f()'),
      /^InvalidArgumentError: unknown option "dispatcher" for f\(\); the options are a, b$/,
    );
    assert.doesNotThrow(() => checkOptionNames({ a: 1, b: undefined }, ['a', 'b'], 'f()'));
  });
});

describe('unknown options on every face', () => {
  it('connect() rejects { protocol } suggesting "protocols", without connecting', async () => {
    await assert.rejects(connect(URL_, { protocol: ['chat'] } as never), (error) =>
      refused(error, 'protocol', 'protocols'),
    );
    assert.throws(
      () => new WebSocketClient(URL_, { pingInterval: 5 } as never),
      (error) => refused(error, 'pingInterval', 'pingIntervalMs'),
    );
  });

  it('the message reads as a sentence a user can act on', async () => {
    await assert.rejects(
      connect(URL_, { protocol: ['chat'] } as never),
      /^InvalidArgumentError: unknown option "protocol" for connect\(\) \(did you mean "protocols"\?\)$/,
    );
  });

  it('new WebSocket(): the options argument and the dictionary form', () => {
    assert.throws(
      () => new WebSocket(URL_, [], { origni: 'x' } as never),
      (error) => refused(error, 'origni', 'origin'),
    );
    assert.throws(
      () => new WebSocket(URL_, { protocols: ['a'], dispatcher: {} } as never),
      (error) => refused(error, 'dispatcher', undefined),
    );
  });

  // maxRetries 0 beside the unknown option: were it accepted, the client would give up at once
  // instead of retrying port 9 until the test times out.
  it('new ReconnectingWebSocket() knows its own options, and signal is not one', () => {
    assert.throws(
      () => new ReconnectingWebSocket(URL_, [], { maxRetries: 0, maxRetry: 3 } as never),
      (error) => refused(error, 'maxRetry', 'maxRetries'),
    );
    assert.throws(
      () => new ReconnectingWebSocket(URL_, { maxRetries: 0, onopen: () => {} } as never),
      (error) => refused(error, 'onopen', 'onOpen'),
    );
    assert.throws(
      () =>
        new ReconnectingWebSocket(URL_, {
          maxRetries: 0,
          signal: new AbortController().signal,
        } as never),
      (error) => refused(error, 'signal', undefined),
    );
  });

  it('connectForever() refuses on the first next(), before connecting', async () => {
    const loop = connectForever(URL_, { maxRetries: 0, onReconnect: () => {} } as never);
    await assert.rejects(loop.next(), (error) => refused(error, 'onReconnect', 'onReconnecting'));
  });

  it('the dialects refuse unknown PC-only options', () => {
    assert.throws(
      () => nodemcu.createClient({ loger: () => {} } as never),
      (error) => refused(error, 'loger', 'logger'),
    );
    assert.throws(
      () => luatos.create(null, URL_, null, null, { closeTimeout: 5 } as never),
      (error) => refused(error, 'closeTimeout', 'closeTimeoutMs'),
    );
    assert.throws(
      () => air.new(URL_, null, { clok: {} } as never),
      (error) => refused(error, 'clok', 'clock'),
    );
  });

  it('every known option is still accepted by each face', async () => {
    const client = new WebSocketClient(URL_, { openTimeoutMs: 0, preferIpv6: false });
    await client.close();
    const ws = new WebSocket(URL_, { protocols: ['a'], headers: { 'x-a': '1' } });
    ws.onerror = () => {};
    ws.close();
    const rws = new ReconnectingWebSocket(URL_, [], { maxRetries: 0, onOpen: () => {} });
    rws.onerror = () => {};
    rws.close();
  });
});
