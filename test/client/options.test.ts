// Tests for src/client/options.ts: every option's default, validation that names the bad
// option, and the logger NODE_DEBUG adds to.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ConnectDefaults,
  effectiveLogger,
  ReconnectDefaults,
  resolveOptions,
} from '../../src/client/options.js';
import { Defaults } from '../../src/core/constants.js';
import { ErrorCode, InvalidArgumentError } from '../../src/core/errors.js';

describe('resolveOptions', () => {
  it('fills in one default per option', () => {
    const options = resolveOptions('ws://example.test/');
    assert.equal(options.openTimeoutMs, Defaults.openTimeoutMs);
    assert.equal(options.closeTimeoutMs, Defaults.closeTimeoutMs);
    assert.equal(options.maxMessageBytes, Defaults.maxMessageBytes);
    assert.equal(options.maxFragments, Defaults.maxFragments);
    assert.equal(options.maxHandshakeBytes, Defaults.maxHandshakeBytes);
    assert.equal(options.pingIntervalMs, Defaults.pingIntervalMs);
    assert.equal(options.pongTimeoutMs, Defaults.pongTimeoutMs);
    assert.equal(options.receiveHighWaterMark, Defaults.receiveHighWaterMark);
    assert.equal(options.receiveHighWaterBytes, Defaults.receiveHighWaterBytes);
    assert.equal(options.writeHighWaterBytes, Defaults.writeHighWaterBytes);
    assert.equal(options.maxMissedPongs, ConnectDefaults.maxMissedPongs);
    assert.equal(options.followRedirects, ConnectDefaults.followRedirects);
    assert.equal(options.proxy, 'env');
    assert.deepEqual(options.protocols, []);
    assert.equal(options.deliverFrames, false);
    assert.equal(options.preferIpv6, false);
  });

  it('documents the defaults the docs promise', () => {
    assert.equal(Defaults.openTimeoutMs, 10_000);
    assert.equal(Defaults.maxMessageBytes, 64 * 1024 * 1024);
    assert.equal(ReconnectDefaults.initialDelayMs, 500);
    assert.equal(ReconnectDefaults.maxDelayMs, 30_000);
    assert.equal(ReconnectDefaults.maxQueuedMessages, 1000);
  });

  it('keeps values that are given, 0 included where 0 means "off"', () => {
    const options = resolveOptions('ws://example.test/', {
      openTimeoutMs: 0,
      pingIntervalMs: 0,
      writeHighWaterBytes: 0,
      followRedirects: 3,
      maxMissedPongs: 4,
    });
    assert.equal(options.openTimeoutMs, 0);
    assert.equal(options.pingIntervalMs, 0);
    assert.equal(options.writeHighWaterBytes, 0);
    assert.equal(options.followRedirects, 3);
    assert.equal(options.maxMissedPongs, 4);
    assert.equal(resolveOptions('ws://x/', { followRedirects: false }).followRedirects, 0);
  });

  it('throws an InvalidArgumentError naming the option and the value', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ openTimeoutMs: -1 }, /option openTimeoutMs must be a whole number >= 0 \(got -1\)/],
      [{ maxFragments: 0 }, /option maxFragments must be a whole number >= 1/],
      [{ pongTimeoutMs: 1.5 }, /option pongTimeoutMs/],
      [{ maxHandshakeBytes: 63 }, /option maxHandshakeBytes must be a whole number >= 64/],
      [{ pingIntervalMs: '5' }, /option pingIntervalMs/],
      [{ closeTimeoutMs: Number.POSITIVE_INFINITY }, /option closeTimeoutMs/],
      [{ origin: 'a\r\nb' }, /option origin must be a string without CR, LF or NUL/],
      [{ signal: {} }, /option signal must be an AbortSignal/],
      [{ logger: 'yes' }, /option logger must be a function/],
      [{ connectTo: 5 }, /option connectTo must be a function/],
      [{ tls: 'insecure' }, /option tls must be an object/],
      [{ clock: { now: () => 0 } }, /option clock must have/],
      [{ ports: {} }, /option ports must have/],
    ];
    for (const [options, message] of cases) {
      assert.throws(
        () => resolveOptions('ws://example.test/', options),
        (error: unknown) =>
          error instanceof InvalidArgumentError &&
          error.code === ErrorCode.InvalidArgument &&
          message.test(error.message),
        JSON.stringify(options),
      );
    }
    assert.throws(() => resolveOptions('ws://example.test/', null as never), /must be an object/);
  });

  it('reserves the Origin and Authorization headers when the options or URL set them', () => {
    assert.throws(
      () => resolveOptions('ws://example.test/', { origin: 'https://a', headers: { Origin: 'x' } }),
      InvalidArgumentError,
    );
    assert.throws(
      () => resolveOptions('ws://u:p@example.test/', { headers: { Authorization: 'x' } }),
      InvalidArgumentError,
    );
    const fine = resolveOptions('ws://example.test/', { headers: { Authorization: 'Bearer t' } });
    assert.deepEqual(fine.headers, [['Authorization', 'Bearer t']]);
  });
});

describe('resolveOptions sharing', () => {
  it('gives connections made alike one frozen object, target included', () => {
    const url = 'ws://share.test:81/a?b';
    const a = resolveOptions(url, { followRedirects: 10, headers: { 'x-a': '1' } });
    const b = resolveOptions(new URL(url), { followRedirects: 10, headers: { 'x-a': '1' } });
    assert.equal(a, b);
    assert.ok(Object.isFrozen(a));
    assert.ok(Object.isFrozen(a.target));
    assert.ok(Object.isFrozen(a.headers));
    assert.ok(Object.isFrozen(a.protocols));
    const nested = (): [string, string][] => [
      ['x-b', '2'],
      ['x-c', '3'],
    ];
    assert.equal(
      resolveOptions(url, { headers: nested(), protocols: ['p'] }),
      resolveOptions(url, { headers: nested(), protocols: ['p'] }),
    );
  });

  it('keeps sharing when calls for two URLs alternate (a face validating its options first)', () => {
    const check = resolveOptions('ws://127.0.0.1/', { pingIntervalMs: 7 });
    const real = resolveOptions('ws://device.test/', { pingIntervalMs: 7 });
    assert.equal(resolveOptions('ws://127.0.0.1/', { pingIntervalMs: 7 }), check);
    assert.equal(resolveOptions('ws://device.test/', { pingIntervalMs: 7 }), real);
  });

  it('resolves again when the URL or any option value differs', () => {
    const url = 'ws://share.test/';
    const base = resolveOptions(url, { pingIntervalMs: 5, headers: { 'x-a': '1' } });
    const other = [
      resolveOptions('ws://share.test/other', { pingIntervalMs: 5, headers: { 'x-a': '1' } }),
      resolveOptions(url, { pingIntervalMs: 6, headers: { 'x-a': '1' } }),
      resolveOptions(url, { pingIntervalMs: 5, headers: { 'x-a': '2' } }),
      resolveOptions(url, { pingIntervalMs: 5, headers: { 'x-a': '1', 'x-b': '1' } }),
      resolveOptions(url, { pingIntervalMs: 5 }),
      resolveOptions(url, { pingIntervalMs: 5, headers: { 'x-a': '1' }, origin: 'o' }),
    ];
    assert.deepEqual(other[1]!.pingIntervalMs, 6);
    assert.deepEqual(other[2]!.headers, [['x-a', '2']]);
    assert.deepEqual(other[3]!.headers.length, 2);
    assert.equal(other[0]!.target.resource, '/other');
    for (const options of other) assert.notEqual(options, base);
  });

  it('reads the values again after the caller changed its own objects', () => {
    const url = 'ws://share.test/';
    const headers: [string, string][] = [['x-a', '1']];
    const protocols = ['p1'];
    const first = resolveOptions(url, { headers, protocols });
    headers[0]![1] = '2';
    protocols.push('p2');
    const second = resolveOptions(url, { headers, protocols });
    assert.notEqual(second, first);
    assert.deepEqual(second.headers, [['x-a', '2']]);
    assert.deepEqual(second.protocols, ['p1', 'p2']);
    assert.deepEqual(first.headers, [['x-a', '1']]);
  });

  it('keeps objects it holds by reference, and shares only for the same one', () => {
    const url = 'ws://share.test/';
    const tls = { rejectUnauthorized: false };
    const first = resolveOptions(url, { tls });
    assert.equal(resolveOptions(url, { tls }), first);
    assert.equal(first.tls, tls);
    assert.notEqual(resolveOptions(url, { tls: { rejectUnauthorized: false } }), first);
    const signal = new AbortController().signal;
    assert.notEqual(resolveOptions(url, { signal }), resolveOptions(url, {}));
    assert.equal(resolveOptions(url, { signal }).signal, signal);
  });
});

describe('effectiveLogger', () => {
  it('is the logger itself without NODE_DEBUG, and both with it', () => {
    const lines: string[] = [];
    const logger = (line: string) => lines.push(line);
    assert.equal(effectiveLogger(logger, false), logger);
    assert.equal(effectiveLogger(undefined, false), undefined);
    const both = effectiveLogger(Object.assign(logger, { enabled: false }), true)!;
    assert.notEqual(both, logger);
    assert.equal(typeof effectiveLogger(undefined, true), 'function');
  });
});
