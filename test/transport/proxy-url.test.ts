// Tests for src/transport/proxy-url.ts: proxy URLs parsed with default ports, decoded
// credentials and IPv6 hosts, and passwords kept out of every message.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, InvalidArgumentError } from '../../src/core/errors.js';
import {
  hostPort,
  parseProxyUrl,
  redactedHref,
  redactText,
} from '../../src/transport/proxy-url.js';

describe('parseProxyUrl', () => {
  const table: [string, string, string, number, string, string, string][] = [
    // input, protocol, hostname, port, username, password, display
    ['http://proxy.local', 'http', 'proxy.local', 80, '', '', 'http://proxy.local'],
    ['https://proxy.local', 'https', 'proxy.local', 443, '', '', 'https://proxy.local'],
    ['socks5://127.0.0.1', 'socks5', '127.0.0.1', 1080, '', '', 'socks5://127.0.0.1'],
    ['SOCKS5H://h:9050', 'socks5h', 'h', 9050, '', '', 'socks5h://h:9050'],
    ['proxy.local:3128', 'http', 'proxy.local', 3128, '', '', 'http://proxy.local:3128'],
    ['  http://p:8080/  ', 'http', 'p', 8080, '', '', 'http://p:8080'],
    ['http://[::1]:3128', 'http', '::1', 3128, '', '', 'http://[::1]:3128'],
    ['http://u:p%40ss@p:1', 'http', 'p', 1, 'u', 'p@ss', 'http://u@p:1'],
    ['http://us%20er@p', 'http', 'p', 80, 'us er', '', 'http://us%20er@p'],
    ['http://u:%E0%A4%A@p', 'http', 'p', 80, 'u', '%E0%A4%A', 'http://u@p'],
  ];
  for (const [input, protocol, hostname, port, username, password, display] of table) {
    it(`${JSON.stringify(input)}`, () => {
      assert.deepEqual(parseProxyUrl(input), {
        protocol,
        hostname,
        port,
        username,
        password,
        display,
      });
    });
  }

  it('takes a URL object', () => {
    assert.equal(parseProxyUrl(new URL('socks5://a:1')).port, 1);
  });

  it('refuses other schemes, no host and junk, naming the source and hiding the password', () => {
    const cases: [string, RegExp][] = [
      ['ftp://p:21', /HTTPS_PROXY has the scheme "ftp:"; wsx supports http:/],
      ['http://', /HTTPS_PROXY is not a valid proxy URL/],
      [
        'http://user:s3cret@[bad',
        /HTTPS_PROXY is not a valid proxy URL \("http:\/\/user:\*\*\*@\[bad"\)/,
      ],
      ['file:///etc/passwd', /has the scheme "file:"/],
    ];
    for (const [input, message] of cases) {
      assert.throws(
        () => parseProxyUrl(input, 'HTTPS_PROXY'),
        (error: unknown) => {
          assert.ok(error instanceof InvalidArgumentError);
          assert.equal(error.code, ErrorCode.InvalidArgument);
          assert.match(error.message, message);
          assert.doesNotMatch(error.message, /s3cret/);
          return true;
        },
        input,
      );
    }
  });

  it('a SOCKS5 user name or password is at most 255 bytes (UTF-8), HTTP has no such limit', () => {
    const ok = `socks5://${'u'.repeat(255)}:${'p'.repeat(255)}@h`;
    assert.equal(parseProxyUrl(ok).username.length, 255);
    assert.throws(() => parseProxyUrl(`socks5://${'u'.repeat(256)}@h`), /at most 255 bytes/);
    // 128 two-byte characters: 128 code units but 256 bytes.
    assert.throws(
      () => parseProxyUrl(`socks5h://u:${encodeURIComponent('é'.repeat(128))}@h`),
      /at most 255 bytes/,
    );
    assert.equal(parseProxyUrl(`http://${'u'.repeat(300)}@h`).username.length, 300);
  });
});

describe('hostPort', () => {
  it('brackets IPv6 literals only', () => {
    assert.equal(
      hostPort({ secure: false, hostname: 'example.test', port: 80 }),
      'example.test:80',
    );
    assert.equal(hostPort({ secure: true, hostname: '10.0.0.1', port: 443 }), '10.0.0.1:443');
    assert.equal(hostPort({ secure: true, hostname: '::1', port: 8443 }), '[::1]:8443');
    assert.equal(hostPort({ secure: true, hostname: 'fe80::1', port: 1 }), '[fe80::1]:1');
  });
});

describe('redactedHref', () => {
  it('drops the password, keeps the user and drops the trailing slash', () => {
    assert.equal(redactedHref(new URL('http://u:secret@h:1/')), 'http://u@h:1');
    assert.equal(redactedHref(new URL('http://h:1/')), 'http://h:1');
    assert.equal(redactedHref(new URL('http://:secret@h/')), 'http://h');
  });
});

describe('redactText', () => {
  const table: [string, string][] = [
    ['http://user:pa/ss@word@host', 'http://user:***@host'],
    ['user:pa ss@host:1', 'user:***@host:1'],
    ['socks5://u:x@[bad', 'socks5://u:***@[bad'],
    ['http://host:3128', 'http://host:3128'],
    ['no credentials', 'no credentials'],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)}`, () => assert.equal(redactText(input), expected));
  }
});
