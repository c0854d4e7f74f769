// Tests for src/core/refusal-body.ts: the body of a refused upgrade, delimited by
// Content-Length, chunked coding or the byte limit (RFC 9112 §6.3, §7.1), split anywhere.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { UnexpectedStatusError } from '../../src/core/errors.js';
import type { HttpResponseHead } from '../../src/core/http-response.js';
import { decodeChunked, RefusalBodyReader } from '../../src/core/refusal-body.js';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (data: Uint8Array): string => new TextDecoder().decode(data);

function head(headers: Record<string, string> = {}, status = 403): HttpResponseHead {
  return { httpVersion: '1.1', status, statusText: 'Forbidden', headers };
}

/** Pushes `pieces` one by one; returns the index of the push that said "complete", or -1. */
function feed(reader: RefusalBodyReader, pieces: Uint8Array[]): number {
  for (let i = 0; i < pieces.length; i++) if (reader.push(pieces[i]!)) return i;
  return -1;
}

/** `data` cut into pieces of `size` bytes (views into one buffer at odd offsets). */
function split(data: string, size: number): Uint8Array[] {
  const whole = new Uint8Array(data.length + 3);
  whole.set(bytes(data), 3);
  const view = whole.subarray(3);
  const pieces: Uint8Array[] = [];
  for (let at = 0; at < view.length; at += size) pieces.push(view.subarray(at, at + size));
  return pieces;
}

describe('RefusalBodyReader', () => {
  it('Content-Length: complete at exactly that many bytes, extra bytes dropped', () => {
    for (const size of [1, 2, 5, 64]) {
      const reader = new RefusalBodyReader(head({ 'content-length': '11' }), 1024);
      assert.equal(feed(reader, split('hello world', size)), Math.ceil(11 / size) - 1, `${size}`);
      const reader2 = new RefusalBodyReader(head({ 'content-length': '5' }), 1024);
      assert.equal(reader2.push(bytes('helloEXTRA')), true);
      assert.equal(text(reader2.finish().body), 'hello');
    }
  });

  it('Content-Length 0 is complete at once', () => {
    const reader = new RefusalBodyReader(head({ 'content-length': '0' }), 1024);
    assert.equal(reader.push(new Uint8Array(0)), true);
    assert.equal(reader.finish().body.length, 0);
  });

  it('the byte limit caps a long Content-Length and an undelimited body', () => {
    const capped = new RefusalBodyReader(head({ 'content-length': '100000' }), 10);
    assert.equal(capped.push(bytes('0123456789abc')), true);
    assert.equal(text(capped.finish().body), '0123456789');
    const open = new RefusalBodyReader(head(), 4);
    assert.equal(open.push(bytes('ab')), false);
    assert.equal(open.push(bytes('cdef')), true);
    assert.equal(text(open.finish().body), 'abcd');
  });

  it('without a length the body runs to the end of the connection', () => {
    const reader = new RefusalBodyReader(head(), 1024);
    assert.equal(feed(reader, split('no length here', 3)), -1);
    assert.equal(text(reader.finish().body), 'no length here');
  });

  it('a Content-Length that is not digits is ignored', () => {
    for (const value of ['-1', '5x', '', ' 5', '0x10']) {
      const reader = new RefusalBodyReader(head({ 'content-length': value }), 8);
      assert.equal(reader.push(bytes('abcdef')), false, value);
    }
  });

  it('chunked: complete at the last chunk, even when 0\\r\\n\\r\\n arrives a byte at a time', () => {
    const body = '5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n';
    for (const size of [1, 2, 3, 7, body.length]) {
      const reader = new RefusalBodyReader(head({ 'transfer-encoding': 'gzip, Chunked' }), 1024);
      assert.equal(feed(reader, split(body, size)), Math.ceil(body.length / size) - 1, `${size}`);
      assert.equal(text(reader.finish().body), 'hello, world');
    }
  });

  it('chunked wins over Content-Length and a chunk of "10" is not the end', () => {
    const reader = new RefusalBodyReader(
      head({ 'transfer-encoding': 'chunked', 'content-length': '3' }),
      1024,
    );
    assert.equal(reader.push(bytes('10\r\n0123456789abcdef\r\n')), false);
    assert.equal(reader.push(bytes('0\r\n\r\n')), true);
    assert.equal(text(reader.finish().body), '0123456789abcdef');
  });

  it('finish gives an UnexpectedStatusError with status, headers and body', () => {
    const headers = { 'content-length': '6', 'x-why': 'nope' };
    const reader = new RefusalBodyReader(head(headers, 401), 1024);
    reader.push(bytes('denied'));
    const error = reader.finish();
    assert.ok(error instanceof UnexpectedStatusError);
    assert.equal(error.status, 401);
    assert.equal(error.statusText, 'Forbidden');
    assert.equal(error.headers, headers);
    assert.equal(error.bodyText, 'denied');
  });

  it('keeps a copy-free view of the caller bytes only up to the cap', () => {
    const source = bytes('abcdefgh');
    const reader = new RefusalBodyReader(head({ 'content-length': '3' }), 1024);
    reader.push(source.subarray(2));
    assert.equal(text(reader.finish().body), 'cde');
  });
});

describe('decodeChunked', () => {
  const table: [string, string][] = [
    ['3\r\nabc\r\n0\r\n\r\n', 'abc'],
    ['A\r\n0123456789\r\n0\r\n\r\n', '0123456789'],
    ['3;name=value\r\nabc\r\n2\r\nde\r\n0\r\n\r\n', 'abcde'],
    ['3\r\nabc\r\n2\r\nd', 'abcd'], // cut off inside a chunk: what arrived
    ['3\r\nabc\r\n', 'abc'], // no last chunk yet
    ['', ''],
    ['zz\r\nabc\r\n', ''], // not a size
    ['0\r\n\r\n', ''],
  ];
  for (const [input, expected] of table) {
    it(`${JSON.stringify(input)} -> ${JSON.stringify(expected)}`, () => {
      assert.equal(text(decodeChunked(bytes(input))), expected);
    });
  }
});
