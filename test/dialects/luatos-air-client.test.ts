// Tests for src/dialects/luatos-air-client.ts: the client object's own rules, as a Lua script
// meets them: argument checks (thrown at once, or as a rejected promise for the calls that
// return one), one callback per event name, ids, and websocket.exit's argument check. What the
// methods do on a live connection is tested in luatos-air.test.ts and luatos-air-start.test.ts.

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ErrorCode, InvalidArgumentError } from '../../src/core/errors.js';
import { exitClient, LuatosAirClient } from '../../src/dialects/luatos-air-client.js';
import { FakeClock } from '../helpers/fake-clock.js';

const TARGET = 'ws://127.0.0.1:9/never-connected';

function make(t: TestContext): LuatosAirClient {
  const ws = new LuatosAirClient(TARGET, undefined, { clock: new FakeClock() });
  t.after(() => exitClient(ws));
  return ws;
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function invalidArgument(message: string | RegExp) {
  return (error: unknown) => {
    assert.ok(error instanceof InvalidArgumentError, String(error));
    assert.equal(error.code, ErrorCode.InvalidArgument);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  };
}

describe('new LuatosAirClient(url, cert, options)', () => {
  it('refuses a url that is not a string', () => {
    for (const url of [undefined, 42, null, new URL('ws://a')]) {
      assert.throws(
        () => new LuatosAirClient(url as unknown as string),
        invalidArgument(/^the url must be a string like ws:\/\/host:port\/path, not /),
      );
    }
  });

  it('refuses options that are not an object, and unknown option names', () => {
    assert.throws(
      () => new LuatosAirClient(TARGET, undefined, null as never),
      invalidArgument(/^the options must be an object, not /),
    );
    assert.throws(
      () => new LuatosAirClient(TARGET, undefined, 'x' as never),
      invalidArgument(/^the options must be an object, not /),
    );
    assert.throws(
      () => new LuatosAirClient(TARGET, undefined, { clok: new FakeClock() } as never),
      invalidArgument('unknown option "clok" for websocket.new (did you mean "clock"?)'),
    );
  });

  it('a malformed url is not thrown: it is what connect() reports', async (t) => {
    const ws = new LuatosAirClient('not a url', undefined, { clock: new FakeClock() });
    t.after(() => exitClient(ws));
    const errors: unknown[] = [];
    ws.on('error', (error) => errors.push(error));
    assert.equal(await ws.connect(1), false);
    assert.equal((errors[0] as { code?: string }).code, 'ERR_INVALID_URL');
  });

  it('each client gets the next id', (t) => {
    const first = make(t);
    const second = make(t);
    assert.ok(Number.isInteger(first.id) && first.id > 0);
    assert.equal(second.id, first.id + 1);
  });

  it('starts CONNECTING and offline', (t) => {
    const ws = make(t);
    assert.equal(ws.state(), 'CONNECTING');
    assert.equal(ws.online(), false);
  });
});

describe('on(event, callback)', () => {
  it('checks the event name and the callback', (t) => {
    const ws = make(t);
    const untyped = ws.on.bind(ws) as (event: unknown, callback: unknown) => void;
    assert.throws(
      () => untyped(7, () => {}),
      invalidArgument('the event name must be a string, not a number'),
    );
    assert.throws(
      () => ws.on('open', 'nope' as never),
      invalidArgument(/^the open callback must be a function, not /),
    );
    assert.doesNotThrow(() => untyped('anything', () => {}));
  });

  it('one callback per name: a later one replaces it, nil removes it', async (t) => {
    const ws = make(t);
    const seen: string[] = [];
    ws.on('error', () => seen.push('first'));
    ws.on('error', () => seen.push('second'));
    ws.send('not open');
    await settle();
    assert.deepEqual(seen, ['second']);
    ws.on('error', null);
    ws.send('not open');
    ws.on('error', undefined);
    ws.send('not open');
    await settle();
    assert.deepEqual(seen, ['second']);
  });
});

describe('argument checks of the other methods', () => {
  it('connect(timeout) rejects, never throws, on a bad timeout', async (t) => {
    const ws = make(t);
    for (const timeout of [0, -1, Number.NaN, Number.POSITIVE_INFINITY, '5']) {
      const result = ws.connect(timeout as number);
      assert.ok(result instanceof Promise);
      await assert.rejects(
        result,
        invalidArgument(/^the connect timeout must be a number of seconds > 0, not /),
      );
    }
    assert.equal(ws.state(), 'CONNECTING', 'nothing was started');
  });

  it('start(keepAlive, proc, reconnTime) rejects on each bad argument', async (t) => {
    const ws = make(t);
    await assert.rejects(
      ws.start(0),
      invalidArgument(/^keepAlive must be a number of seconds > 0/),
    );
    await assert.rejects(
      ws.start(null, 'proc' as never),
      invalidArgument('start: proc must be a function or nil, not a string'),
    );
    await assert.rejects(
      ws.start(null, null, -1),
      invalidArgument('reconnTime must be a number of seconds >= 0, not -1'),
    );
  });

  it('send(bytes, text) refuses bytes that are not UTF-8 before anything else', (t) => {
    const ws = make(t);
    assert.throws(
      () => ws.send(new Uint8Array([0xc3, 0x28]), true),
      invalidArgument('send(data, true): a text message must be valid UTF-8'),
    );
    assert.throws(() => ws.send(new Uint8Array([0xe2, 0x82]), 'yes'), InvalidArgumentError);
  });

  it('send(bytes, text) takes valid UTF-8 bytes and a falsy flag takes any bytes', async (t) => {
    const ws = make(t);
    const errors: unknown[] = [];
    ws.on('error', (error) => errors.push(error));
    ws.send(new TextEncoder().encode('héllo'), true);
    ws.send(new Uint8Array([0xff]), false);
    ws.send(new Uint8Array([0xff]), null);
    await settle();
    assert.equal(errors.length, 3, 'each reaches the session, which reports it was not open');
  });

  it('sendFrame, ping, pong and close check their arguments before the state', (t) => {
    const ws = make(t);
    assert.throws(() => ws.sendFrame(true, 8, 'x'), InvalidArgumentError);
    assert.throws(() => ws.ping('x'.repeat(126)), InvalidArgumentError);
    assert.throws(() => ws.pong(new Uint8Array(126)), InvalidArgumentError);
    assert.throws(() => ws.close(1005), InvalidArgumentError);
  });

  it('sendFrame, ping and pong while not open report an error event, not a throw', async (t) => {
    const ws = make(t);
    const messages: string[] = [];
    ws.on('error', (error) => messages.push((error as Error).message));
    ws.sendFrame(true, 1, 'x');
    ws.ping();
    ws.pong('p');
    assert.deepEqual(messages, [], 'never inside the call');
    await settle();
    assert.deepEqual(messages, [
      'sendFrame(): the connection is not open, so nothing was sent',
      'ping(): the connection is not open, so nothing was sent',
      'pong(): the connection is not open, so nothing was sent',
    ]);
  });
});

describe('exitClient (websocket.exit)', () => {
  it('refuses anything not made by websocket.new', () => {
    for (const value of [undefined, null, {}, { id: 1 }, 'ws']) {
      assert.throws(
        () => exitClient(value),
        invalidArgument(/^websocket.exit needs an object made by websocket.new, not /),
      );
    }
  });

  it('exits a client that never connected; recv() then tells EXIT_TASK<id>', async () => {
    const ws = new LuatosAirClient(TARGET, undefined, { clock: new FakeClock() });
    exitClient(ws);
    exitClient(ws);
    assert.equal(ws.online(), false);
    const [ok, reason] = await ws.recv();
    assert.equal(ok, false);
    assert.equal(reason, `EXIT_TASK${ws.id}`);
  });
});
