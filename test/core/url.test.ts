// Tests for src/core/url.ts: WebSocket URIs (RFC 6455 §3) and the WHATWG mapping of http(s).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, InvalidArgumentError } from '../../src/core/errors.js';
import { parseWebSocketUrl } from '../../src/core/url.js';

function refuses(input: unknown, pattern?: RegExp): void {
  assert.throws(
    () => parseWebSocketUrl(input as string),
    (error: unknown) => {
      assert.ok(error instanceof InvalidArgumentError);
      assert.equal(error.code, ErrorCode.InvalidUrl);
      if (pattern !== undefined) assert.match(error.message, pattern);
      return true;
    },
  );
}

describe('RFC 6455 §3 WebSocket URIs', () => {
  it('parses a ws URL with the default port 80', () => {
    const target = parseWebSocketUrl('ws://example.com/chat?room=1');
    assert.equal(target.secure, false);
    assert.equal(target.hostname, 'example.com');
    assert.equal(target.port, 80);
    assert.equal(target.host, 'example.com');
    assert.equal(target.resource, '/chat?room=1');
    assert.equal(target.url.href, 'ws://example.com/chat?room=1');
    assert.equal(target.username, '');
    assert.equal(target.password, '');
  });

  it('parses a wss URL with the default port 443', () => {
    const target = parseWebSocketUrl('wss://example.com');
    assert.equal(target.secure, true);
    assert.equal(target.port, 443);
    assert.equal(target.host, 'example.com');
    assert.equal(target.resource, '/', 'an empty path becomes /');
  });

  it('keeps a non-default port in the Host value and drops a default one', () => {
    assert.equal(parseWebSocketUrl('ws://example.com:8080/').host, 'example.com:8080');
    assert.equal(parseWebSocketUrl('ws://example.com:8080/').port, 8080);
    assert.equal(parseWebSocketUrl('ws://example.com:80/').host, 'example.com');
    assert.equal(parseWebSocketUrl('wss://example.com:443/').host, 'example.com');
    assert.equal(parseWebSocketUrl('ws://example.com:443/').host, 'example.com:443');
    assert.equal(parseWebSocketUrl('wss://example.com:80/').port, 80);
  });

  it('parses an IPv6 literal: brackets in Host, none in hostname', () => {
    const target = parseWebSocketUrl('ws://[::1]:9000/');
    assert.equal(target.hostname, '::1');
    assert.equal(target.port, 9000);
    assert.equal(target.host, '[::1]:9000');
    assert.equal(target.resource, '/');
  });

  it('maps http to ws and https to wss, as the WHATWG standard does', () => {
    const plain = parseWebSocketUrl('http://example.com/a');
    assert.equal(plain.url.protocol, 'ws:');
    assert.equal(plain.secure, false);
    assert.equal(plain.port, 80);
    const secure = parseWebSocketUrl('HTTPS://example.com:8443/b');
    assert.equal(secure.url.protocol, 'wss:');
    assert.equal(secure.secure, true);
    assert.equal(secure.port, 8443);
  });

  it('accepts URL objects and uppercase schemes', () => {
    const target = parseWebSocketUrl(new URL('WS://Example.COM/x'));
    assert.equal(target.hostname, 'example.com');
    assert.equal(target.url.protocol, 'ws:');
  });

  it('decodes credentials from the userinfo', () => {
    const target = parseWebSocketUrl('ws://us%20er:p%40ss@example.com/');
    assert.equal(target.username, 'us er');
    assert.equal(target.password, 'p@ss');
  });

  it('keeps a malformed percent escape in the userinfo as written', () => {
    const target = parseWebSocketUrl('ws://a%E0%A4@example.com/');
    assert.equal(target.username, 'a%E0%A4');
  });

  it('refuses fragments, even an empty one (§3: "#" must be escaped)', () => {
    refuses('ws://example.com/chat#part', /fragment/);
    refuses('ws://example.com/chat#', /fragment/);
  });

  it('refuses other schemes', () => {
    for (const url of [
      'ftp://example.com/',
      'file:///tmp/x',
      'mailto:a@example.com',
      'wss+unix://x/',
    ]) {
      refuses(url, /scheme/);
    }
  });

  it('refuses text that is not a URL', () => {
    for (const url of ['', 'example.com', 'ws://', 'ws://exa mple.com/', 'ws://[::1/'])
      refuses(url);
  });

  it('refuses input that is neither a string nor a URL, naming what it got', () => {
    refuses(undefined, /a URL object, not undefined$/);
    refuses(null, /null/);
    refuses(42, /a number/);
    refuses(['ws://example.com/'], /an array/);
    refuses({ href: 'ws://example.com/' }, /an object/);
  });
});
