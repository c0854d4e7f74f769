// The redirect policy on its own (client/redirect.ts): which statuses, where a Location leads
// (relative, scheme-relative, http/https mapped to ws/wss), no wss -> ws, credentials kept for
// the same origin and dropped for another, loops and the hop limit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isRedirectStatus, nextHop, type RedirectRequest } from '../../src/client/redirect.js';
import { RedirectError, UnexpectedStatusError } from '../../src/core/errors.js';
import { parseWebSocketUrl } from '../../src/core/url.js';

function request(
  url: string,
  location: string | undefined,
  extra: Partial<RedirectRequest> = {},
  status = 302,
): RedirectRequest {
  const headers: Record<string, string> = location === undefined ? {} : { location };
  const target = parseWebSocketUrl(url);
  return {
    target,
    headers: [],
    response: new UnexpectedStatusError(status, 'Found', headers, new Uint8Array(0)),
    chain: [target.url.href.replace(/:[^:@/]*@/, (m) => (m.includes(':') ? ':***@' : m))],
    maxRedirects: 10,
    ...extra,
  };
}

function refusal(input: RedirectRequest): RedirectError {
  try {
    nextHop(input);
  } catch (error) {
    assert.ok(error instanceof RedirectError, String(error));
    return error;
  }
  assert.fail('nextHop should have refused');
}

describe('isRedirectStatus', () => {
  it('is true for 301, 302, 303, 307, 308 only', () => {
    const followed = [];
    for (let status = 100; status < 600; status++)
      if (isRedirectStatus(status)) followed.push(status);
    assert.deepEqual(followed, [301, 302, 303, 307, 308]);
  });
});

describe('nextHop: where the Location leads', () => {
  // [request URL, Location, next URL]
  const table: [string, string, string][] = [
    ['ws://a.test/x', 'ws://b.test/y', 'ws://b.test/y'],
    ['ws://a.test/x', 'wss://b.test/y', 'wss://b.test/y'],
    ['ws://a.test/x', 'http://b.test/y', 'ws://b.test/y'],
    ['ws://a.test/x', 'https://b.test:8443/y', 'wss://b.test:8443/y'],
    ['wss://a.test/x', 'https://b.test/y', 'wss://b.test/y'],
    ['ws://a.test/dir/x?q=1', 'y', 'ws://a.test/dir/y'],
    ['ws://a.test/dir/x', '../up', 'ws://a.test/up'],
    ['ws://a.test/dir/x', '/root?k=v', 'ws://a.test/root?k=v'],
    ['ws://a.test:8080/x', '?only=query', 'ws://a.test:8080/x?only=query'],
    ['wss://a.test/x', '//c.test/z', 'wss://c.test/z'],
    ['ws://a.test/x', 'ws://b.test/y#fragment', 'ws://b.test/y'],
    ['ws://a.test/x', 'WS://B.TEST/Y', 'ws://b.test/Y'],
    ['ws://[::1]:9000/x', '/y', 'ws://[::1]:9000/y'],
  ];
  for (const [from, location, to] of table) {
    it(`${from} + ${location} -> ${to}`, () => {
      const hop = nextHop(request(from, location));
      assert.equal(hop.target.url.href, to);
      assert.deepEqual(hop.chain.at(-1), to);
    });
  }

  it('refuses a missing, empty, unparsable or non-WebSocket Location', () => {
    for (const location of [undefined, '', 'http://', 'ftp://b.test/', 'mailto:x@y.test']) {
      const error = refusal(request('ws://a.test/', location));
      assert.equal(error.code, 'ERR_REDIRECT_LOCATION', String(location));
      assert.equal(error.status, 302);
      assert.equal(error.location, location ?? '');
      assert.ok(error.cause instanceof UnexpectedStatusError);
    }
  });

  it('never goes from wss: to ws: (nor https: to http:)', () => {
    for (const location of ['ws://a.test/', 'http://a.test/', 'ws://other.test/']) {
      const error = refusal(request('wss://a.test/', location));
      assert.equal(error.code, 'ERR_REDIRECT_DOWNGRADE');
    }
    assert.equal(nextHop(request('ws://a.test/', 'wss://a.test/')).target.secure, true);
  });
});

describe('nextHop: credentials', () => {
  const headers: [string, string][] = [
    ['Authorization', 'Bearer token'],
    ['cookie', 'session=1'],
    ['X-Trace', 'abc'],
  ];

  it('keeps userinfo, Authorization and Cookie on the same origin', () => {
    const relative = nextHop(request('wss://u:pw@a.test/x', '/y', { headers }));
    assert.equal(relative.target.username, 'u');
    assert.equal(relative.target.password, 'pw');
    assert.deepEqual(relative.headers, headers);
    assert.deepEqual(relative.dropped, []);
    const absolute = nextHop(request('wss://u:pw@a.test/x', 'wss://a.test:443/z', { headers }));
    assert.equal(absolute.target.password, 'pw');
    assert.ok(!absolute.chain.at(-1)!.includes('pw'));
  });

  it('drops them for another host, port or scheme', () => {
    for (const location of ['wss://b.test/y', 'wss://a.test:444/y', 'wss://u:pw@b.test/']) {
      const hop = nextHop(request('wss://u:pw@a.test/x', location, { headers }));
      assert.equal(hop.target.username, '', location);
      assert.equal(hop.target.password, '', location);
      assert.deepEqual(hop.headers, [['X-Trace', 'abc']]);
      assert.deepEqual(hop.dropped, ['userinfo', 'authorization', 'cookie']);
    }
    const upgrade = nextHop(request('ws://u:pw@a.test/x', 'wss://a.test/x', { headers }));
    assert.equal(upgrade.target.username, '');
  });
});

describe('nextHop: loops and the limit', () => {
  it('refuses a URL already in the chain', () => {
    const chain = ['ws://a.test/1', 'ws://a.test/2'];
    const error = refusal(request('ws://a.test/2', '/1', { chain }));
    assert.equal(error.code, 'ERR_REDIRECT_LOOP');
    assert.deepEqual(error.chain, chain);
    assert.match(error.message, /ws:\/\/a\.test\/1 -> ws:\/\/a\.test\/2 -> ws:\/\/a\.test\/1/);
    const self = refusal(request('ws://a.test/1', 'ws://a.test/1'));
    assert.equal(self.code, 'ERR_REDIRECT_LOOP');
  });

  it('follows up to maxRedirects hops, then refuses', () => {
    const chain = ['ws://a.test/0'];
    for (let hop = 1; hop <= 3; hop++) {
      const next = nextHop(
        request(`ws://a.test/${hop - 1}`, `/${hop}`, { chain, maxRedirects: 3 }),
      );
      chain.splice(0, chain.length, ...next.chain);
    }
    assert.equal(chain.length, 4);
    const error = refusal(request('ws://a.test/3', '/4', { chain, maxRedirects: 3 }));
    assert.equal(error.code, 'ERR_REDIRECT_LIMIT');
    assert.match(error.message, /more than 3 redirects/);
  });
});
