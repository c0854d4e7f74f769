// Tests for src/core/handshake.ts: the client's opening handshake request (RFC 6455 §4.1),
// the checks on user-supplied subprotocols and headers, and the validation of the server's
// 101 response (§4.1 items 1-6, §4.2.2 accept key).

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  ErrorCode,
  HandshakeError,
  InvalidArgumentError,
  NegotiationError,
} from '../../src/core/errors.js';
import {
  buildHandshakeRequest,
  computeAccept,
  type HandshakeRequestOptions,
  validateHandshakeResponse,
  validateHeaders,
  validateProtocols,
} from '../../src/core/handshake.js';
import type { HttpResponseHead } from '../../src/core/http-response.js';
import { parseWebSocketUrl } from '../../src/core/url.js';
import { seededEntropy } from '../helpers/ports.js';

const sha1 = (data: Uint8Array): Uint8Array => createHash('sha1').update(data).digest();

/** The request as text lines (without the blank line at the end) and its key. */
function request(url: string, options: Partial<HandshakeRequestOptions> = {}, seed = 21) {
  const built = buildHandshakeRequest(
    { target: parseWebSocketUrl(url), protocols: [], headers: [], ...options },
    seededEntropy(seed),
  );
  const text = new TextDecoder().decode(built.bytes);
  assert.ok(text.endsWith('\r\n\r\n'), 'the head ends with a blank line');
  return { lines: text.slice(0, -4).split('\r\n'), key: built.key, bytes: built.bytes };
}

function header(lines: readonly string[], name: string): string[] {
  const prefix = `${name.toLowerCase()}: `;
  return lines
    .filter((line) => line.toLowerCase().startsWith(prefix))
    .map((l) => l.slice(prefix.length));
}

describe('RFC 6455 §4.1 client handshake request', () => {
  it('sends a GET for the resource with the required headers', () => {
    const { lines, key } = request('ws://example.com/chat?room=1');
    assert.equal(lines[0], 'GET /chat?room=1 HTTP/1.1');
    assert.deepEqual(header(lines, 'Host'), ['example.com']);
    assert.deepEqual(header(lines, 'Upgrade'), ['websocket']);
    assert.deepEqual(header(lines, 'Connection'), ['Upgrade']);
    assert.deepEqual(header(lines, 'Sec-WebSocket-Version'), ['13']);
    assert.deepEqual(header(lines, 'Sec-WebSocket-Key'), [key]);
    for (const absent of ['Origin', 'Sec-WebSocket-Protocol', 'Authorization']) {
      assert.deepEqual(header(lines, absent), [], `no ${absent} unless asked for`);
    }
  });

  it('uses 16 random bytes from the entropy, base64-encoded, as the key (§4.1 item 7)', () => {
    const expected = new Uint8Array(16);
    seededEntropy(21)(expected);
    const { key } = request('ws://example.com/');
    assert.equal(key.length, 24);
    assert.deepEqual(new Uint8Array(Buffer.from(key, 'base64')), expected);
    assert.notEqual(request('ws://example.com/', {}, 22).key, key, 'another nonce, another key');
  });

  it('puts the port in Host only when it is not the default (§4.1 item 4)', () => {
    const cases: [string, string][] = [
      ['ws://example.com/', 'example.com'],
      ['ws://example.com:80/', 'example.com'],
      ['ws://example.com:8080/', 'example.com:8080'],
      ['wss://example.com:443/', 'example.com'],
      ['wss://example.com:80/', 'example.com:80'],
      ['ws://[::1]:9000/', '[::1]:9000'],
      ['ws://[::1]/', '[::1]'],
    ];
    for (const [url, host] of cases)
      assert.deepEqual(header(request(url).lines, 'Host'), [host], url);
  });

  it('sends Origin and the offered subprotocols in order', () => {
    const { lines } = request('ws://example.com/', {
      origin: 'https://app.example',
      protocols: ['chat.v2', 'chat'],
    });
    assert.deepEqual(header(lines, 'Origin'), ['https://app.example']);
    assert.deepEqual(header(lines, 'Sec-WebSocket-Protocol'), ['chat.v2, chat']);
  });

  it('offers extensions when given', () => {
    const { lines } = request('ws://example.com/', { extensions: 'permessage-deflate' });
    assert.deepEqual(header(lines, 'Sec-WebSocket-Extensions'), ['permessage-deflate']);
  });

  it('sends Basic credentials from the URL userinfo, UTF-8 encoded', () => {
    const { lines } = request('ws://us%C3%A9r:p%40ss@example.com/');
    const [value] = header(lines, 'Authorization');
    assert.ok(value !== undefined);
    assert.ok(value.startsWith('Basic '));
    assert.equal(Buffer.from(value.slice(6), 'base64').toString('utf8'), 'usér:p@ss');
    assert.equal(
      lines.some((line) => line.includes('p@ss') || line.includes('%40')),
      false,
    );
    const userOnly = header(request('ws://token@example.com/').lines, 'Authorization');
    assert.deepEqual(userOnly, [`Basic ${Buffer.from('token:').toString('base64')}`]);
  });

  it('appends extra headers after its own, in the given order', () => {
    const { lines } = request('ws://example.com/', {
      headers: [
        ['X-Trace', 'abc'],
        ['Cookie', 'a=1'],
      ],
    });
    assert.deepEqual(lines.slice(-2), ['X-Trace: abc', 'Cookie: a=1']);
  });

  it('encodes non-ASCII header values as UTF-8', () => {
    const { bytes } = request('ws://example.com/', { headers: [['X-Name', 'Zoë']] });
    const text = Buffer.from(bytes).toString('utf8');
    assert.ok(text.includes('X-Name: Zoë\r\n'));
  });
});

describe('RFC 6455 §4.1 subprotocol names: validateProtocols', () => {
  it('accepts tokens, a single string, and nothing', () => {
    assert.deepEqual(validateProtocols(['chat', 'v2.json']), ['chat', 'v2.json']);
    assert.deepEqual(validateProtocols('chat'), ['chat']);
    assert.deepEqual(validateProtocols(undefined), []);
    assert.deepEqual(validateProtocols(null), []);
  });

  it('refuses non-tokens, duplicates and non-lists', () => {
    for (const bad of [[''], ['a b'], ['a,b'], ['chat', 'chat'], [42], 42, { 0: 'chat' }]) {
      assert.throws(() => validateProtocols(bad), InvalidArgumentError, JSON.stringify(bad));
    }
  });

  it('returns a copy', () => {
    const input = ['chat'];
    const output = validateProtocols(input);
    assert.notEqual(output, input);
  });
});

describe('RFC 6455 §4.1 item 12 extra request headers: validateHeaders', () => {
  it('accepts objects, pair lists and Maps, trimming values and skipping undefined', () => {
    assert.deepEqual(validateHeaders({ 'X-A': ' 1 ', 'X-B': undefined, 'X-N': 5 as never }), [
      ['X-A', '1'],
      ['X-N', '5'],
    ]);
    assert.deepEqual(validateHeaders([['X-A', '1']]), [['X-A', '1']]);
    assert.deepEqual(validateHeaders(new Map([['X-A', '1']])), [['X-A', '1']]);
    assert.deepEqual(validateHeaders(undefined), []);
  });

  function refused(headers: unknown, pattern: RegExp, reserved?: string[]): void {
    assert.throws(
      () => validateHeaders(headers as Record<string, string>, reserved),
      (error: unknown) => {
        assert.ok(error instanceof InvalidArgumentError);
        assert.equal(error.code, ErrorCode.InvalidArgument);
        assert.match(error.message, pattern);
        return true;
      },
    );
  }

  it('refuses CR, LF and NUL in values (header injection)', () => {
    refused({ 'X-A': 'a\r\nX-Evil: 1' }, /CR, LF or NUL/);
    refused({ 'X-A': 'a\nb' }, /CR, LF or NUL/);
    refused({ 'X-A': 'a\rb' }, /CR, LF or NUL/);
    refused([['X-A', 'a\u0000b']], /CR, LF or NUL/);
  });

  it('refuses names that are not tokens', () => {
    refused({ 'X A': '1' }, /invalid header name/);
    refused({ 'X-A\r\n': '1' }, /invalid header name/);
    refused({ '': '1' }, /invalid header name/);
  });

  it('keeps a repeated name, in order, as HTTP allows for list-valued fields', () => {
    // Decided in d0d5f75: only the handshake's own headers are refused, repeats are allowed.
    assert.deepEqual(
      validateHeaders([
        ['X-A', '1'],
        ['x-a', '2'],
      ]),
      [
        ['X-A', '1'],
        ['x-a', '2'],
      ],
    );
    assert.deepEqual(validateHeaders({ Cookie: ['a=1', 'b=2'] }), [
      ['Cookie', 'a=1'],
      ['Cookie', 'b=2'],
    ]);
    refused({ 'X-A': ['1', 'bad\r\n'] }, /CR, LF or NUL/);
  });

  it("refuses the handshake's own headers", () => {
    for (const name of [
      'Host',
      'upgrade',
      'Connection',
      'Sec-WebSocket-Key',
      'Sec-WebSocket-Version',
      'Sec-WebSocket-Protocol',
      'Sec-WebSocket-Extensions',
      'Sec-WebSocket-Accept',
    ]) {
      refused({ [name]: 'x' }, /set by the handshake itself/);
    }
  });

  it('refuses headers the options already set', () => {
    refused({ Origin: 'x' }, /already set/, ['origin']);
    refused({ authorization: 'x' }, /already set/, ['authorization']);
  });

  it('refuses malformed input', () => {
    refused('X-A: 1', /must be an object/);
    refused([['X-A']], /\[name, value\] pair/);
    refused({ 'X-A': {} }, /must be a string/);
  });
});

/** A response head with lower-case header names, as HttpResponseParser produces. */
function head(headers: Record<string, string>): HttpResponseHead {
  return { httpVersion: '1.1', status: 101, statusText: 'Switching Protocols', headers };
}

describe('RFC 6455 §4.2.2 Sec-WebSocket-Accept', () => {
  it('computes the accept value of the RFC example key', () => {
    assert.equal(computeAccept('dGhlIHNhbXBsZSBub25jZQ==', sha1), 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('RFC 6455 §4.1 validating the server response', () => {
  const key = 'dGhlIHNhbXBsZSBub25jZQ==';
  const accept = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
  const good = { upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-accept': accept };
  const validate = (
    headers: Record<string, string>,
    protocols: string[] = [],
    extensions: string[] = [],
  ) => validateHandshakeResponse(head(headers), key, protocols, extensions, sha1);

  it('accepts a minimal valid response', () => {
    assert.deepEqual(validate(good), { protocol: '', extensions: '', deflate: undefined });
  });

  it('refuses a 101 in HTTP/1.0, which cannot switch protocols (ERR_HANDSHAKE_MALFORMED)', () => {
    const result = validateHandshakeResponse(
      { ...head(good), httpVersion: '1.0' },
      key,
      [],
      [],
      sha1,
    );
    assert.ok(result instanceof HandshakeError);
    assert.equal(result.code, ErrorCode.InvalidHttpResponse);
    assert.match(result.message, /HTTP\/1\.0/);
  });

  it('matches Upgrade and Connection tokens case-insensitively, in lists', () => {
    for (const [upgrade, connection] of [
      ['WebSocket', 'upgrade'],
      ['WEBSOCKET', 'keep-alive, Upgrade'],
      ['h2c, websocket', 'Upgrade, keep-alive'],
    ]) {
      const result = validate({ ...good, upgrade: upgrade!, connection: connection! });
      assert.ok(!(result instanceof Error), `${upgrade} / ${connection}`);
    }
  });

  it('refuses a missing or wrong Upgrade (ERR_HANDSHAKE_UPGRADE)', () => {
    for (const upgrade of [undefined, 'h2c', 'websockets', '']) {
      const headers: Record<string, string> = { ...good };
      if (upgrade === undefined) delete headers.upgrade;
      else headers.upgrade = upgrade;
      const result = validate(headers);
      assert.ok(result instanceof HandshakeError);
      assert.equal(result.code, ErrorCode.MissingUpgrade);
    }
  });

  it('refuses a missing or wrong Connection (ERR_HANDSHAKE_CONNECTION)', () => {
    for (const connection of [undefined, 'keep-alive', 'Upgrader', 'close']) {
      const headers: Record<string, string> = { ...good };
      if (connection === undefined) delete headers.connection;
      else headers.connection = connection;
      const result = validate(headers);
      assert.ok(result instanceof HandshakeError);
      assert.equal(result.code, ErrorCode.MissingConnection);
    }
  });

  it('requires the exact accept value (ERR_HANDSHAKE_ACCEPT)', () => {
    const wrong = [
      undefined,
      '',
      accept.toLowerCase(),
      `${accept}x`,
      accept.slice(0, -1),
      `${accept}, ${accept}`,
      computeAccept('AAAAAAAAAAAAAAAAAAAAAA==', sha1),
    ];
    for (const value of wrong) {
      const headers: Record<string, string> = { ...good };
      if (value === undefined) delete headers['sec-websocket-accept'];
      else headers['sec-websocket-accept'] = value;
      const result = validate(headers);
      assert.ok(result instanceof HandshakeError, String(value));
      assert.equal(result.code, ErrorCode.InvalidAccept);
    }
  });

  it('returns the subprotocol chosen among those offered', () => {
    const result = validate({ ...good, 'sec-websocket-protocol': 'chat' }, ['superchat', 'chat']);
    assert.deepEqual(result, { protocol: 'chat', extensions: '', deflate: undefined });
    assert.deepEqual(
      validate(good, ['chat']),
      { protocol: '', extensions: '', deflate: undefined },
      'none chosen',
    );
  });

  it('refuses a subprotocol not offered, or more than one (ERR_HANDSHAKE_SUBPROTOCOL)', () => {
    const cases: [string, string[]][] = [
      ['chat', []],
      ['other', ['chat']],
      ['Chat', ['chat']],
      ['chat, superchat', ['chat', 'superchat']],
    ];
    for (const [chosen, offered] of cases) {
      const result = validate({ ...good, 'sec-websocket-protocol': chosen }, offered);
      assert.ok(result instanceof NegotiationError, chosen);
      assert.equal(result.code, ErrorCode.UnexpectedSubprotocol);
    }
  });

  it('refuses an extension the client did not offer (ERR_HANDSHAKE_EXTENSION)', () => {
    const result = validate({ ...good, 'sec-websocket-extensions': 'permessage-deflate' });
    assert.ok(result instanceof NegotiationError);
    assert.equal(result.code, ErrorCode.UnexpectedExtension);
    const mixed = validate(
      {
        ...good,
        'sec-websocket-extensions': 'permessage-deflate; client_max_window_bits, x-other',
      },
      [],
      ['permessage-deflate'],
    );
    assert.ok(mixed instanceof NegotiationError);
  });

  it('accepts an offered extension with parameters', () => {
    const value = 'Permessage-Deflate; server_no_context_takeover';
    const result = validate(
      { ...good, 'sec-websocket-extensions': value },
      [],
      ['permessage-deflate'],
    );
    assert.deepEqual(result, { protocol: '', extensions: value, deflate: undefined });
  });
});
