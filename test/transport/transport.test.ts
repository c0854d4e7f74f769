// Tests for src/transport/transport.ts: IPv6-first address order, the node:tls options for a
// wss:// target, and openSocket over 127.0.0.1 (TCP, TLS, connectTo, abort, phases).

import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import { AbortError, ErrorCode, TransportError } from '../../src/core/errors.js';
import { parseWebSocketUrl } from '../../src/core/url.js';
import {
  type AddressResolver,
  ipv6FirstLookup,
  openSocket,
  targetTlsOptions,
} from '../../src/transport/transport.js';
import { tlsFixture } from '../helpers/proxies.js';
import { closedPort, scripted } from '../helpers/servers.js';
import { rejection, tlsTestServer } from '../helpers/sockets.js';

const v4a = { address: '10.0.0.1', family: 4 };
const v4b = { address: '10.0.0.2', family: 4 };
const v6a = { address: 'fe80::1', family: 6 };
const v6b = { address: 'fe80::2', family: 6 };

function resolverOf(addresses: LookupAddress[], seen: unknown[] = []): AddressResolver {
  return (hostname, options, callback) => {
    seen.push({ hostname, all: options.all, family: options.family });
    callback(null, addresses);
  };
}

function lookupAll(resolve: AddressResolver, all: boolean): Promise<unknown[]> {
  return new Promise((done) => {
    ipv6FirstLookup(resolve)('host.test', { all, family: 0 }, (...args: unknown[]) => done(args));
  });
}

describe('ipv6FirstLookup', () => {
  const table: [LookupAddress[], LookupAddress[]][] = [
    [
      [v4a, v6a, v4b, v6b],
      [v6a, v6b, v4a, v4b],
    ],
    [
      [v4b, v4a],
      [v4b, v4a],
    ],
    [
      [v6b, v6a],
      [v6b, v6a],
    ],
    [[], []],
  ];
  for (const [input, ordered] of table) {
    it(`${input.map((entry) => entry.address).join(',') || 'none'}: IPv6 first, order kept`, async () => {
      const seen: unknown[] = [];
      assert.deepEqual(await lookupAll(resolverOf(input, seen), true), [null, ordered]);
      assert.deepEqual(seen, [{ hostname: 'host.test', all: true, family: 0 }]);
      const first = await lookupAll(resolverOf(input), false);
      if (ordered.length > 0) {
        assert.deepEqual(first, [null, ordered[0]!.address, ordered[0]!.family]);
      } else {
        const [error] = first as [NodeJS.ErrnoException];
        assert.equal(error.code, 'ENOTFOUND');
        assert.equal(error.syscall, 'getaddrinfo');
        assert.match(error.message, /ENOTFOUND host\.test/);
      }
    });
  }

  it('passes a resolver error on', async () => {
    const failure = Object.assign(new Error('getaddrinfo EAI_AGAIN'), { code: 'EAI_AGAIN' });
    const resolve: AddressResolver = (_host, _options, callback) => callback(failure, []);
    assert.equal(((await lookupAll(resolve, false)) as unknown[])[0], failure);
    assert.equal(((await lookupAll(resolve, true)) as unknown[])[0], failure);
  });
});

describe('targetTlsOptions', () => {
  it('a host name is the SNI name; ALPN asks for http/1.1; the TLS options are kept', () => {
    const target = parseWebSocketUrl('wss://echo.test:8443/x');
    const ca = 'PEM';
    const options = targetTlsOptions(target, { ca });
    assert.equal(options.host, 'echo.test');
    assert.equal(options.port, 8443);
    assert.equal(options.servername, 'echo.test');
    assert.deepEqual(options.ALPNProtocols, ['http/1.1']);
    assert.equal(options.ca, ca);
    assert.equal(options.checkServerIdentity, undefined);
  });

  it('no SNI for an IP literal (RFC 6066 §3), also when tls.servername is one', () => {
    for (const url of ['wss://127.0.0.1/', 'wss://[::1]:9/']) {
      assert.equal('servername' in targetTlsOptions(parseWebSocketUrl(url)), false, url);
    }
    const named = parseWebSocketUrl('wss://echo.test/');
    assert.equal('servername' in targetTlsOptions(named, { servername: '10.1.1.1' }), false);
  });

  it('tls.servername replaces the URL host for SNI', () => {
    const target = parseWebSocketUrl('wss://127.0.0.1:1/');
    assert.equal(targetTlsOptions(target, { servername: 'api.test' }).servername, 'api.test');
  });

  it('a different address (connectTo) still checks the certificate against the URL host', () => {
    const target = parseWebSocketUrl('wss://echo.test/');
    const names: string[] = [];
    const check = (name: string): Error | undefined => {
      names.push(name);
      return undefined;
    };
    const options = targetTlsOptions(
      target,
      { checkServerIdentity: check },
      { host: '127.0.0.1', port: 9 },
    );
    assert.equal(options.host, '127.0.0.1');
    assert.equal(options.port, 9);
    assert.equal(options.servername, 'echo.test');
    options.checkServerIdentity!('127.0.0.1', {} as PeerCertificate);
    assert.deepEqual(names, ['echo.test']);
    // With Node's own check: a certificate for another name fails against the URL host.
    const own = targetTlsOptions(target, {}, { host: '127.0.0.1', port: 9 });
    const cert = { subject: { CN: 'other.test' }, subjectaltname: 'DNS:other.test' };
    const result = own.checkServerIdentity!('127.0.0.1', cert as unknown as PeerCertificate);
    assert.ok(result instanceof Error);
    assert.match(result.message, /echo\.test/);
  });
});

describe('openSocket', () => {
  it('opens TCP to ws:// and leaves no listener of its own', async (t) => {
    const server = await scripted(t, () => {});
    const socket = await openSocket({
      target: parseWebSocketUrl(`ws://127.0.0.1:${server.port}/`),
    });
    t.after(() => socket.destroy());
    assert.equal(socket.remoteAddress, '127.0.0.1');
    assert.equal(socket.listenerCount('error'), 0);
    assert.equal(socket.listenerCount('connect'), 0);
  });

  it('connectTo decides where TCP goes; undefined keeps the URL', async (t) => {
    let accepted = 0;
    const server = await scripted(t, () => {
      accepted++;
    });
    const asked: [string, number][] = [];
    const socket = await openSocket({
      target: parseWebSocketUrl('ws://nowhere.invalid:1/'),
      connectTo: (hostname, port) => {
        asked.push([hostname, port]);
        return { host: '127.0.0.1', port: server.port };
      },
    });
    t.after(() => socket.destroy());
    assert.deepEqual(asked, [['nowhere.invalid', 1]]);
    assert.equal(socket.remotePort, server.port);
    const direct = await openSocket({
      target: parseWebSocketUrl(`ws://127.0.0.1:${server.port}/`),
      connectTo: () => undefined,
    });
    t.after(() => direct.destroy());
    assert.equal(direct.remotePort, server.port);
    assert.ok(accepted <= 2);
  });

  it('a connectTo that throws or answers nonsense is a ConnectFailed in phase dns', async () => {
    const target = parseWebSocketUrl('ws://echo.test:81/');
    const cases: [() => never | { host: string; port: number }, RegExp][] = [
      [
        () => {
          throw new Error('no map');
        },
        /option connectTo failed for echo\.test:81: no map/,
      ],
      [() => ({ host: '127.0.0.1', port: 1.5 }), /it must return \{ host, port \} or undefined/],
      [() => ({ host: 1 }) as never, /it must return/],
    ];
    for (const [connectTo, message] of cases) {
      const error = await rejection(openSocket({ target, connectTo }));
      assert.ok(error instanceof TransportError);
      assert.equal(error.code, ErrorCode.ConnectFailed);
      assert.equal(error.phase, 'dns');
      assert.match(error.message, message);
    }
  });

  it('an aborted signal: at once before, and while connecting', async (t) => {
    const target = parseWebSocketUrl('ws://127.0.0.1:1/');
    const early = new AbortController();
    early.abort('early');
    const error = await rejection(openSocket({ target, signal: early.signal }));
    assert.ok(error instanceof AbortError);
    assert.equal(error.cause, 'early');
    // TLS that never completes: the server accepts TCP and says nothing.
    const server = await scripted(t, () => {});
    const late = new AbortController();
    const opening = openSocket({
      target: parseWebSocketUrl(`wss://127.0.0.1:${server.port}/`),
      signal: late.signal,
    });
    late.abort('late');
    const lateError = await rejection(opening);
    assert.ok(lateError instanceof AbortError);
    assert.equal(lateError.cause, 'late');
  });

  it('a refused connection to an IP is in phase tcp', async () => {
    const port = await closedPort();
    const error = await rejection(
      openSocket({ target: parseWebSocketUrl(`ws://127.0.0.1:${port}/`) }),
    );
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, ErrorCode.ConnectFailed);
    assert.equal(error.phase, 'tcp');
  });

  it('wss:// with tls.ca opens TLS with ALPN http/1.1', async (t) => {
    const port = await tlsTestServer(t);
    const socket = await openSocket({
      target: parseWebSocketUrl('wss://localhost/'),
      tls: { ca: tlsFixture('ca.crt') },
      connectTo: () => ({ host: '127.0.0.1', port }),
    });
    t.after(() => socket.destroy());
    assert.equal((socket as TLSSocket).authorized, true);
    assert.equal(socket.listenerCount('secureConnect'), 0);
  });

  it('wss:// failures are in phase tls: unknown CA, name mismatch, unusable options', async (t) => {
    const port = await tlsTestServer(t);
    const untrusted = await rejection(
      openSocket({ target: parseWebSocketUrl(`wss://127.0.0.1:${port}/`) }),
    );
    assert.ok(untrusted instanceof TransportError);
    assert.equal(untrusted.code, ErrorCode.TlsFailed);
    assert.equal(untrusted.phase, 'tls');
    const mismatch = await rejection(
      openSocket({
        target: parseWebSocketUrl('wss://other.test/'),
        tls: { ca: tlsFixture('ca.crt') },
        connectTo: () => ({ host: '127.0.0.1', port }),
      }),
    );
    assert.ok(mismatch instanceof TransportError);
    assert.equal(mismatch.code, ErrorCode.TlsFailed);
    assert.match(mismatch.message, /not valid for "other\.test"/);
    const unusable = await rejection(
      openSocket({
        target: parseWebSocketUrl(`wss://127.0.0.1:${port}/`),
        tls: { key: 'not a key', cert: 'not a cert' },
      }),
    );
    assert.ok(unusable instanceof TransportError);
    assert.equal(unusable.code, ErrorCode.TlsFailed);
  });
});
