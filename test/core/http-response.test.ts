// Tests for src/core/http-response.ts: the bounded parser of the server's handshake response
// head (RFC 6455 §4.1, RFC 9112 §4 status line, §5 fields).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes } from '../../src/core/bytes.js';
import { ErrorCode, HandshakeError } from '../../src/core/errors.js';
import {
  HttpResponseParser,
  headerTokens,
  isToken,
  type ParsedHead,
  parseHead,
} from '../../src/core/http-response.js';
import { feedAllSplits } from '../helpers/splits.js';

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));

/** Feeds chunks to a fresh parser; returns the first non-undefined result and its index. */
function parse(
  chunks: readonly Uint8Array[],
  maxBytes = 16 * 1024,
): { result: ParsedHead | HandshakeError | undefined; at: number } {
  const parser = new HttpResponseParser(maxBytes);
  for (let i = 0; i < chunks.length; i++) {
    const result = parser.push(chunks[i]!);
    if (result !== undefined) return { result, at: i };
  }
  return { result: undefined, at: -1 };
}

const response =
  'HTTP/1.1 101 Switching Protocols\r\n' +
  'Upgrade: websocket\r\n' +
  'Connection: Upgrade\r\n' +
  'Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n' +
  'X-Multi: a\r\n' +
  'x-multi: b\r\n' +
  '\r\n';

describe('RFC 6455 §4.1 reading the server response head', () => {
  it('parses the head fed whole, byte by byte and at every split, frames following', () => {
    const frames = Uint8Array.of(0x81, 0x02, 0x68, 0x69);
    const bytes = concatBytes([ascii(response), frames]);
    feedAllSplits(bytes, (chunks) => {
      const { result, at } = parse(chunks);
      assert.ok(result !== undefined && !(result instanceof Error), 'a head was parsed');
      // The head is complete at the chunk holding its last byte; later chunks are not read.
      const consumed = chunks.slice(0, at + 1).reduce((sum, c) => sum + c.length, 0);
      assert.ok(consumed >= response.length);
      assert.deepEqual(result.rest, bytes.subarray(response.length, consumed));
      assert.equal(result.head.status, 101);
      assert.equal(result.head.statusText, 'Switching Protocols');
      assert.deepEqual(
        { ...result.head.headers },
        {
          upgrade: 'websocket',
          connection: 'Upgrade',
          'sec-websocket-accept': 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=',
          'x-multi': 'a, b',
        },
      );
    });
  });

  it('returns a copy of the bytes after the head', () => {
    const bytes = ascii(`${response}tail`);
    const { result } = parse([bytes]);
    assert.ok(result !== undefined && !(result instanceof Error));
    assert.deepEqual(result.rest, ascii('tail'));
    bytes.fill(0);
    assert.deepEqual(result.rest, ascii('tail'), 'not a view of the input');
  });

  it('waits for more bytes until the blank line', () => {
    const parser = new HttpResponseParser(1024);
    assert.equal(parser.push(ascii('HTTP/1.1 101 OK\r\nUpgrade: websocket\r\n')), undefined);
    assert.equal(parser.push(ascii('\r')), undefined);
    const result = parser.push(ascii('\n'));
    assert.ok(result !== undefined && !(result instanceof Error));
    assert.equal(result.rest.length, 0);
  });
});

describe('RFC 6455 §10.4 limit: maxHandshakeBytes (ERR_HANDSHAKE_HEADERS_TOO_LARGE)', () => {
  /** A head of exactly `size` bytes, CRLFCRLF included. */
  function headOfSize(size: number): Uint8Array {
    const start = 'HTTP/1.1 101 OK\r\nX-Pad: ';
    const end = '\r\n\r\n';
    return ascii(start + 'p'.repeat(size - start.length - end.length) + end);
  }

  it('accepts a head of exactly the limit, in every split', () => {
    const head = headOfSize(200);
    feedAllSplits(head, (chunks) => {
      const { result } = parse(chunks, 200);
      assert.ok(result !== undefined && !(result instanceof Error));
    });
  });

  it('refuses a head one byte over the limit, in every split', () => {
    const head = headOfSize(201);
    feedAllSplits(head, (chunks) => {
      const { result } = parse(chunks, 200);
      assert.ok(result instanceof HandshakeError);
      assert.equal(result.code, ErrorCode.HandshakeHeadersTooLarge);
    });
  });

  it('refuses a head that never ends once the limit is reached, without waiting', () => {
    const parser = new HttpResponseParser(100);
    assert.equal(parser.push(ascii(`HTTP/1.1 101 OK\r\nX: ${'a'.repeat(50)}`)), undefined);
    const result = parser.push(ascii('a'.repeat(50)));
    assert.ok(result instanceof HandshakeError);
    assert.equal(result.code, ErrorCode.HandshakeHeadersTooLarge);
  });

  it('accepts a head within the limit followed by more frame bytes than the limit', () => {
    const bytes = concatBytes([headOfSize(100), new Uint8Array(500)]);
    const { result } = parse([bytes], 100);
    assert.ok(result !== undefined && !(result instanceof Error));
    assert.equal(result.rest.length, 500);
  });

  it('applies the 16 KiB default used by the protocol', () => {
    assert.ok(!(parse([headOfSize(16 * 1024)]).result instanceof Error));
    assert.ok(parse([headOfSize(16 * 1024 + 1)]).result instanceof HandshakeError);
  });
});

describe('RFC 9112 §4-5 status line and header fields', () => {
  it('reads HTTP/1.0 and a status line without a reason phrase', () => {
    const head = parseHead('HTTP/1.0 403');
    assert.ok(!(head instanceof Error));
    assert.equal(head.status, 403);
    assert.equal(head.statusText, '');
  });

  it('trims values and lower-cases names', () => {
    const head = parseHead('HTTP/1.1 101 OK\r\nSec-WebSocket-Protocol:\t chat  \r\nEmpty:');
    assert.ok(!(head instanceof Error));
    assert.equal(head.headers['sec-websocket-protocol'], 'chat');
    assert.equal(head.headers.empty, '');
  });

  it('gives headers a prototype-free record', () => {
    const head = parseHead('HTTP/1.1 101 OK\r\n__proto__: x\r\nconstructor: y');
    assert.ok(!(head instanceof Error));
    assert.deepEqual(Object.entries(head.headers), [
      ['__proto__', 'x'],
      ['constructor', 'y'],
    ]);
    assert.equal(Object.getPrototypeOf(head.headers), null);
  });

  it('keeps every value as received, short, long, common and Latin-1 alike', () => {
    const long = `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=${'\u00e9'.repeat(20)}`;
    const head = parseHead(
      `HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nX-Long: ${long}\r\nX-Twelve: 123456789012\r\nX-Long: again`,
    );
    assert.ok(!(head instanceof Error));
    assert.deepEqual(Object.entries(head.headers), [
      ['upgrade', 'websocket'],
      ['connection', 'Upgrade'],
      ['x-long', `${long}, again`],
      ['x-twelve', '123456789012'],
    ]);
  });

  const malformed: [string, string][] = [
    ['not HTTP', 'SSH-2.0-OpenSSH_9.6'],
    ['HTTP/2 status line', 'HTTP/2 101 OK'],
    ['a two-digit status', 'HTTP/1.1 99 OK'],
    ['a status starting with 0', 'HTTP/1.1 010 OK'],
    ['a lower-case protocol', 'http/1.1 101 OK'],
    ['a header line without a colon', 'HTTP/1.1 101 OK\r\nUpgrade websocket'],
    ['a header line starting with a colon', 'HTTP/1.1 101 OK\r\n: websocket'],
    ['a space before the colon', 'HTTP/1.1 101 OK\r\nUpgrade : websocket'],
    ['an obsolete folded line', 'HTTP/1.1 101 OK\r\nX-A: 1\r\n  continued'],
    ['a bare LF inside a value', 'HTTP/1.1 101 OK\r\nX-A: 1\n2'],
    ['a NUL inside a value', 'HTTP/1.1 101 OK\r\nX-A: 1\u00002'],
    ['a NUL in the reason phrase', 'HTTP/1.1 101 Switching\u0000Protocols'],
    ['a NUL right after the status code', 'HTTP/1.1 101\u0000'],
    ['another control character in the reason phrase', 'HTTP/1.1 101 OK\u0001'],
    ['DEL inside a value', 'HTTP/1.1 101 OK\r\nX-A: 1\u007f'],
    ['an escape inside a value', 'HTTP/1.1 101 OK\r\nX-A: \u001b[31m'],
  ];
  for (const [what, text] of malformed) {
    it(`refuses ${what} (ERR_HANDSHAKE_MALFORMED)`, () => {
      const head = parseHead(text);
      assert.ok(head instanceof HandshakeError);
      assert.equal(head.code, ErrorCode.InvalidHttpResponse);
      const pushed = new HttpResponseParser(1024).push(ascii(`${text}\r\n\r\n`));
      assert.ok(pushed instanceof HandshakeError);
      assert.equal(pushed.code, ErrorCode.InvalidHttpResponse);
    });
  }
});

describe('RFC 9110 §5.6 lists and tokens', () => {
  it('splits comma lists into trimmed non-empty items', () => {
    assert.deepEqual(headerTokens(undefined), []);
    assert.deepEqual(headerTokens(''), []);
    assert.deepEqual(headerTokens(' keep-alive ,, Upgrade ,'), ['keep-alive', 'Upgrade']);
  });

  it('recognises RFC 9110 tokens', () => {
    assert.ok(isToken("chat.v2!#$%&'*+-^_`|~"));
    for (const bad of ['', 'a b', 'a,b', 'a/b', 'é', 'a:b', '"q"'])
      assert.equal(isToken(bad), false);
  });
});

describe('RFC 9112 §4 the status line is judged as soon as it arrives', () => {
  it('reads the HTTP version', () => {
    for (const version of ['1.0', '1.1']) {
      const head = parseHead(`HTTP/${version} 101 Switching Protocols`);
      assert.ok(!(head instanceof Error));
      assert.equal(head.httpVersion, version);
    }
  });

  const notHttp: [string, string][] = [
    ['an SSH banner', 'SSH-2.0-OpenSSH_9.6\r\n'],
    ['an SMTP greeting', '220 mail.example.com ESMTP\r\n'],
    ['a lone first byte', 'S'],
    ['HTTP/2', 'HTTP/2 '],
    ['HTTP/1.2', 'HTTP/1.2'],
    ['a lower-case protocol', 'http/'],
    ['no space after the version', 'HTTP/1.1\t'],
    ['a bad status code, line complete', 'HTTP/1.1 1x1 OK\r\n'],
    ['a NUL in the status line, line complete', 'HTTP/1.1 101 O\u0000K\r\n'],
    ['a status line ending in a bare LF', 'HTTP/1.1 101 OK\n'],
  ];
  for (const [what, text] of notHttp) {
    it(`fails on ${what} without waiting for the blank line`, () => {
      const result = new HttpResponseParser(1024).push(ascii(text));
      assert.ok(result instanceof HandshakeError, `${JSON.stringify(text)} refused at once`);
      assert.equal(result.code, ErrorCode.InvalidHttpResponse);
    });
  }

  it('waits, byte by byte, while the status line can still be valid', () => {
    const parser = new HttpResponseParser(1024);
    for (const byte of ascii('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r')) {
      assert.equal(parser.push(Uint8Array.of(byte)), undefined);
    }
    const result = parser.push(ascii('\n'));
    assert.ok(result !== undefined && !(result instanceof Error));
    assert.equal(result.head.status, 101);
  });

  it('names what it got instead of HTTP', () => {
    const result = new HttpResponseParser(1024).push(ascii('SSH-2.0-OpenSSH_9.6\r\n'));
    assert.ok(result instanceof HandshakeError);
    assert.match(result.message, /SSH-2\.0-OpenSSH_9\.6/);
  });
});

describe('RFC 6265 §3 Set-Cookie is kept as a list', () => {
  it('keeps every Set-Cookie value, in order, never joined; other repeats are joined', () => {
    const head = parseHead(
      'HTTP/1.1 101 OK\r\n' +
        'Set-Cookie: a=1; Expires=Wed, 21 Oct 2035 07:28:00 GMT\r\n' +
        'X-Multi: a\r\n' +
        'set-cookie: b=2; Path=/\r\n' +
        'x-multi: b',
    );
    assert.ok(!(head instanceof Error));
    assert.deepEqual(head.headers['set-cookie'], [
      'a=1; Expires=Wed, 21 Oct 2035 07:28:00 GMT',
      'b=2; Path=/',
    ]);
    assert.equal(head.headers['x-multi'], 'a, b');
  });

  it('a single Set-Cookie is a list of one; none leaves the name out', () => {
    const one = parseHead('HTTP/1.1 101 OK\r\nSet-Cookie: a=1');
    assert.ok(!(one instanceof Error));
    assert.deepEqual(one.headers['set-cookie'], ['a=1']);
    const none = parseHead('HTTP/1.1 101 OK\r\nX-A: 1');
    assert.ok(!(none instanceof Error));
    assert.equal('set-cookie' in none.headers, false);
  });
});
