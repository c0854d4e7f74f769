// The environment's proxy choice: HTTPS_PROXY / HTTP_PROXY / ALL_PROXY by scheme, lower case
// first, the CGI rule for HTTP_PROXY, and every NO_PROXY form (curl's and Python's rules).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  addressBytes,
  matchesNoProxy,
  proxyFromEnvironment,
} from '../../src/transport/no-proxy.js';

// [NO_PROXY value, host, port, goes direct?]
const NO_PROXY_TABLE: [string, string, number, boolean][] = [
  // everything
  ['*', 'example.com', 443, true],
  ['*', '10.0.0.1', 80, true],
  ['', 'example.com', 443, false],
  [' , ,', 'example.com', 443, false],
  // host names and suffixes
  ['example.com', 'example.com', 443, true],
  ['example.com', 'api.example.com', 443, true],
  ['example.com', 'a.b.example.com', 443, true],
  ['example.com', 'badexample.com', 443, false],
  ['example.com', 'example.com.evil.test', 443, false],
  ['.example.com', 'example.com', 443, true],
  ['.example.com', 'api.example.com', 443, true],
  ['*.example.com', 'api.example.com', 443, true],
  ['*.example.com', 'example.com', 443, true],
  ['EXAMPLE.com', 'Api.Example.COM', 443, true],
  ['example.com.', 'example.com', 443, true],
  ['example.com', 'example.com.', 443, true],
  ['localhost', 'localhost', 8080, true],
  ['localhost', 'notlocalhost', 8080, false],
  // lists: commas, spaces, both
  ['foo.test,example.com', 'example.com', 443, true],
  ['foo.test example.com', 'example.com', 443, true],
  ['foo.test, .example.com ,bar.test', 'x.example.com', 443, true],
  ['foo.test,bar.test', 'example.com', 443, false],
  // ports
  ['example.com:8443', 'example.com', 8443, true],
  ['example.com:8443', 'example.com', 443, false],
  ['.example.com:80', 'api.example.com', 80, true],
  ['example.com:', 'example.com', 443, false],
  ['example.com:abc', 'example.com', 443, false],
  // IPv4 literals and ranges
  ['10.1.2.3', '10.1.2.3', 80, true],
  ['10.1.2.3', '10.1.2.4', 80, false],
  ['10.1.2.3:8080', '10.1.2.3', 8080, true],
  ['10.1.2.3:8080', '10.1.2.3', 80, false],
  ['10.0.0.0/8', '10.200.3.4', 80, true],
  ['10.0.0.0/8', '11.0.0.1', 80, false],
  ['192.168.1.0/24', '192.168.1.255', 80, true],
  ['192.168.1.0/24', '192.168.2.1', 80, false],
  ['192.168.1.0/24:8080', '192.168.1.7', 8080, true],
  ['192.168.1.0/24:8080', '192.168.1.7', 80, false],
  ['0.0.0.0/0', '8.8.8.8', 53, true],
  ['127.0.0.1/32', '127.0.0.1', 80, true],
  ['127.0.0.1/32', '127.0.0.2', 80, false],
  ['10.0.0.0/33', '10.0.0.1', 80, false],
  ['10.0.0.0/x', '10.0.0.1', 80, false],
  // an IP entry never matches a name (names are not resolved) and a range never a name
  ['127.0.0.1', 'localhost', 80, false],
  ['10.0.0.0/8', 'ten.example', 80, false],
  // IPv6 literals, brackets, ports, ranges, IPv4-mapped addresses
  ['::1', '::1', 80, true],
  ['[::1]', '::1', 80, true],
  ['[::1]:8080', '::1', 8080, true],
  ['[::1]:8080', '::1', 80, false],
  ['::1', '[::1]', 80, true],
  ['0:0:0:0:0:0:0:1', '::1', 80, true],
  ['::1', '::2', 80, false],
  ['fe80::/10', 'fe80::1234', 80, true],
  ['fe80::/10', 'fec0::1', 80, false],
  ['[2001:db8::]/32', '2001:db8:1::5', 443, true],
  ['2001:db8::/32', '2001:db9::5', 443, false],
  ['10.0.0.0/8', '::ffff:10.1.2.3', 80, true],
  ['::ffff:10.0.0.0/104', '10.9.9.9', 80, true],
  ['example.com', '::1', 80, false],
];

describe('matchesNoProxy', () => {
  for (const [noProxy, host, port, direct] of NO_PROXY_TABLE) {
    it(`NO_PROXY=${JSON.stringify(noProxy)} ${host}:${port} -> ${direct ? 'direct' : 'proxy'}`, () => {
      assert.equal(matchesNoProxy(host, port, noProxy), direct);
    });
  }
});

describe('addressBytes', () => {
  it('reads IPv4, IPv6, :: in every place and embedded IPv4', () => {
    assert.deepEqual(addressBytes('1.2.3.4'), [1, 2, 3, 4]);
    assert.deepEqual(addressBytes('::'), Array(16).fill(0));
    assert.deepEqual(addressBytes('::1'), [...Array(15).fill(0), 1]);
    assert.deepEqual(addressBytes('1::'), [0, 1, ...Array(14).fill(0)]);
    assert.deepEqual(
      addressBytes('2001:db8::ff00:42:8329'),
      [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0xff, 0, 0, 0x42, 0x83, 0x29],
    );
    assert.deepEqual(addressBytes('::ffff:1.2.3.4'), [...Array(10).fill(0), 255, 255, 1, 2, 3, 4]);
    assert.equal(addressBytes('example.com'), undefined);
  });
});

const secure = { secure: true, hostname: 'example.com', port: 443 };
const plain = { secure: false, hostname: 'example.com', port: 80 };

describe('proxyFromEnvironment', () => {
  // [environment, target, expected variable or undefined]
  const table: [string, Record<string, string>, typeof secure, string | undefined][] = [
    ['nothing set', {}, secure, undefined],
    ['HTTPS_PROXY for wss', { HTTPS_PROXY: 'http://p:1' }, secure, 'HTTPS_PROXY'],
    [
      'https_proxy wins over HTTPS_PROXY',
      { HTTPS_PROXY: 'http://a:1', https_proxy: 'http://b:1' },
      secure,
      'https_proxy',
    ],
    ['HTTPS_PROXY is not for ws', { HTTPS_PROXY: 'http://p:1' }, plain, undefined],
    ['HTTP_PROXY for ws', { HTTP_PROXY: 'http://p:1' }, plain, 'HTTP_PROXY'],
    ['http_proxy for ws', { http_proxy: 'http://p:1' }, plain, 'http_proxy'],
    ['HTTP_PROXY is not for wss', { HTTP_PROXY: 'http://p:1' }, secure, undefined],
    ['ALL_PROXY for wss', { ALL_PROXY: 'socks5://p:1' }, secure, 'ALL_PROXY'],
    ['all_proxy for ws', { all_proxy: 'socks5://p:1' }, plain, 'all_proxy'],
    [
      'the scheme variable wins over ALL_PROXY',
      { ALL_PROXY: 'socks5://a:1', HTTPS_PROXY: 'http://b:1' },
      secure,
      'HTTPS_PROXY',
    ],
    [
      'an empty value counts as unset',
      { https_proxy: '', HTTPS_PROXY: 'http://p:1' },
      secure,
      'HTTPS_PROXY',
    ],
    ['blank is unset too', { https_proxy: '  ' }, secure, undefined],
    [
      'CGI: upper-case HTTP_PROXY ignored',
      { HTTP_PROXY: 'http://evil:1', REQUEST_METHOD: 'GET' },
      plain,
      undefined,
    ],
    [
      'CGI: lower-case http_proxy kept',
      { http_proxy: 'http://p:1', REQUEST_METHOD: 'GET' },
      plain,
      'http_proxy',
    ],
    ['CGI: ALL_PROXY kept', { ALL_PROXY: 'http://p:1', REQUEST_METHOD: 'GET' }, plain, 'ALL_PROXY'],
    [
      'NO_PROXY bypasses',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: '.example.com' },
      secure,
      undefined,
    ],
    [
      'no_proxy wins over NO_PROXY',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: '*', no_proxy: 'other.test' },
      secure,
      'HTTPS_PROXY',
    ],
    [
      'NO_PROXY with another port',
      { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'example.com:8443' },
      secure,
      'HTTPS_PROXY',
    ],
    ['NO_PROXY=* bypasses ALL_PROXY', { ALL_PROXY: 'http://p:1', NO_PROXY: '*' }, plain, undefined],
  ];
  for (const [name, env, target, variable] of table) {
    it(name, () => {
      const chosen = proxyFromEnvironment(target, env);
      assert.equal(chosen?.variable, variable);
      if (variable !== undefined) assert.equal(chosen?.url, env[variable]!.trim());
    });
  }
});
