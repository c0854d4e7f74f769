// The LuatOS `sys` message bus (publish/subscribe/unsubscribe, waitUntil and wait on a
// FakeClock) and `use_ipv6` (L1): the transport's IPv6-first lookup with a fake resolver, and
// a client created with use_ipv6 connecting through that lookup to a server on 127.0.0.1.

import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import { MessageBus, websocket } from '../../src/dialects/luatos.js';
import { type AddressResolver, ipv6FirstLookup } from '../../src/transport/transport.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { startWsEchoServer } from '../helpers/servers.js';

describe('luatos: sys message bus', () => {
  it('delivers later, in publication order, with the published values', async () => {
    const bus = new MessageBus(new FakeClock());
    const seen: unknown[][] = [];
    bus.subscribe('a', (...args) => seen.push(['a', ...args]));
    bus.subscribe('b', (...args) => seen.push(['b', ...args]));
    bus.publish('a', 1, 'x');
    bus.publish('b');
    bus.publish('a', 2);
    assert.deepEqual(seen, [], 'nothing runs inside publish');
    const done = bus.waitUntil('end');
    bus.publish('end');
    await done;
    assert.deepEqual(seen, [['a', 1, 'x'], ['b'], ['a', 2]]);
  });

  it('subscribing twice calls once; unsubscribe stops the calls', async () => {
    const bus = new MessageBus(new FakeClock());
    let calls = 0;
    const fn = (): void => {
      calls++;
    };
    bus.subscribe('t', fn);
    bus.subscribe('t', fn);
    bus.publish('t');
    await bus.waitUntil('t');
    assert.equal(calls, 1);
    bus.unsubscribe('t', fn);
    bus.unsubscribe('never', fn);
    bus.publish('t');
    await bus.waitUntil('t');
    assert.equal(calls, 1);
  });

  it('waitUntil resolves [true, ...values], or [false] when the time runs out', async () => {
    const clock = new FakeClock();
    const bus = new MessageBus(clock);
    const got = bus.waitUntil('topic', 1000);
    bus.publish('topic', 'v', 2);
    assert.deepEqual(await got, [true, 'v', 2]);
    assert.equal(clock.pending, 0, 'the timeout was cancelled');
    const missed = bus.waitUntil('topic', 1000);
    clock.advance(999);
    bus.publish('other');
    clock.advance(1);
    assert.deepEqual(await missed, [false]);
    bus.publish('topic', 'late');
    assert.deepEqual(await bus.waitUntil('topic'), [true, 'late'], 'the late waiter was removed');
  });

  it('a message published before waitUntil but not yet delivered still reaches it', async () => {
    const bus = new MessageBus(new FakeClock());
    bus.publish('early', 7);
    assert.deepEqual(await bus.waitUntil('early', 10), [true, 7]);
  });

  it('wait(ms) resolves on the clock', async () => {
    const clock = new FakeClock();
    const bus = new MessageBus(clock);
    let isDone = false;
    const waited = bus.wait(45_000).then(() => {
      isDone = true;
    });
    clock.advance(44_999);
    await Promise.resolve();
    assert.equal(isDone, false);
    clock.advance(1);
    await waited;
    assert.equal(isDone, true);
  });

  it('refuses a topic that is not a string and a subscriber that is not a function', () => {
    const bus = new MessageBus(new FakeClock());
    assert.throws(() => bus.publish(1 as unknown as string), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => bus.subscribe('t', 'fn' as never), { code: 'ERR_INVALID_ARGUMENT' });
    assert.throws(() => bus.waitUntil('t', -1), { code: 'ERR_INVALID_ARGUMENT' });
  });
});

describe('luatos: use_ipv6 (L1) and the IPv6-first lookup', { timeout: 20_000 }, () => {
  const both: LookupAddress[] = [
    { address: '127.0.0.1', family: 4 },
    { address: '::1', family: 6 },
    { address: '10.0.0.1', family: 4 },
    { address: 'fe80::1', family: 6 },
  ];
  const resolver =
    (answer: LookupAddress[] | Error): AddressResolver =>
    (_hostname, options, callback) => {
      assert.equal(options.all, true, 'the lookup always asks for every address');
      if (answer instanceof Error) callback(answer, []);
      else callback(null, answer);
    };

  it('lists IPv6 addresses first, keeping the order within each family', async () => {
    const lookup = ipv6FirstLookup(resolver(both));
    const all = await new Promise<unknown>((resolve) =>
      lookup('dual.example', { all: true }, (_error, addresses) => resolve(addresses)),
    );
    assert.deepEqual(all, [both[1], both[3], both[0], both[2]]);
    const one = await new Promise<unknown[]>((resolve) =>
      lookup('dual.example', {}, (error, address, family) => resolve([error, address, family])),
    );
    assert.deepEqual(one, [null, '::1', 6]);
  });

  it('passes errors through and reports a host without addresses as ENOTFOUND', async () => {
    const failure = Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
    const failed = await new Promise<unknown>((resolve) =>
      ipv6FirstLookup(resolver(failure))('x.example', {}, (error) => resolve(error)),
    );
    assert.equal(failed, failure);
    const empty = await new Promise<NodeJS.ErrnoException | null>((resolve) =>
      ipv6FirstLookup(resolver([]))('x.example', {}, (error) => resolve(error)),
    );
    assert.equal(empty?.code, 'ENOTFOUND');
  });

  it('use_ipv6 reaches the engine: its debug log says which addresses go first', async (t) => {
    const server = await startWsEchoServer();
    t.after(() => server.close());
    const url = server.url.replace('127.0.0.1', 'localhost');
    for (const useIpv6 of [true, false, undefined]) {
      const lines: string[] = [];
      const wsc = websocket.create(undefined, url, undefined, useIpv6, {
        clock: new FakeClock(),
        logger: (line) => lines.push(line),
      });
      assert.ok(wsc !== undefined);
      t.after(() => wsc.close());
      wsc.debug(true);
      const opened = new Promise<void>((resolve) => {
        wsc.on((_client, event) => {
          if (event === 'conack') resolve();
        });
      });
      wsc.connect();
      await opened;
      const connecting = lines.filter((line) => line.startsWith('= connecting to '));
      assert.deepEqual(
        connecting,
        [`= connecting to ${url}${useIpv6 === true ? ' (IPv6 addresses first)' : ''}`],
        `use_ipv6 ${String(useIpv6)}`,
      );
      wsc.close();
    }
  });

  it('a client created with use_ipv6 connects through the lookup (IPv4-only host)', async (t) => {
    const server = await startWsEchoServer();
    t.after(() => server.close());
    const url = server.url.replace('127.0.0.1', 'localhost');
    const clock = new FakeClock();
    const wsc = websocket.create(undefined, url, undefined, true, { clock });
    assert.ok(wsc !== undefined);
    t.after(() => wsc.close());
    const events: unknown[][] = [];
    const echoed = new Promise<void>((resolve) => {
      wsc.on((_client, event, ...args) => {
        events.push([event, ...args]);
        if (event === 'conack') wsc.send('over the preferred address');
        if (event === 'recv') resolve();
      });
    });
    wsc.connect();
    await echoed;
    assert.deepEqual(events[0], ['conack']);
    assert.deepEqual(
      events.find((event) => event[0] === 'recv'),
      ['recv', 'over the preferred address', 1, 1],
    );
  });
});
