// Tests for src/transport/http-connect.ts: the CONNECT request (RFC 9110 §9.3.6) with Basic
// proxy credentials, and the proxy's answer: 2xx opens the tunnel, anything else is a
// ProxyError with the status and the body's first bytes.

import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { ErrorCode, ProxyError, TransportError } from '../../src/core/errors.js';
import { connectRequest, httpConnect } from '../../src/transport/http-connect.js';
import type { ProxyTarget } from '../../src/transport/no-proxy.js';
import { parseProxyUrl } from '../../src/transport/proxy-url.js';
import { readRequest, scripted } from '../helpers/servers.js';
import { rejection } from '../helpers/sockets.js';

const target: ProxyTarget = { secure: true, hostname: 'echo.test', port: 8443 };

describe('connectRequest', () => {
  const table: [string, ProxyTarget, string][] = [
    ['http://p:1', target, 'CONNECT echo.test:8443 HTTP/1.1\r\nHost: echo.test:8443\r\n\r\n'],
    [
      'http://p:1',
      { secure: false, hostname: '::1', port: 80 },
      'CONNECT [::1]:80 HTTP/1.1\r\nHost: [::1]:80\r\n\r\n',
    ],
    [
      'http://Aladdin:open%20sesame@p:1',
      target,
      'CONNECT echo.test:8443 HTTP/1.1\r\nHost: echo.test:8443\r\nProxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n',
    ],
    // A password without a user name still authenticates (":pw").
    [
      'http://:pw@p:1',
      target,
      'CONNECT echo.test:8443 HTTP/1.1\r\nHost: echo.test:8443\r\nProxy-Authorization: Basic OnB3\r\n\r\n',
    ],
    // UTF-8 credentials (RFC 7617 §2.1 charset).
    [
      `http://${encodeURIComponent('jöe')}:x@p:1`,
      target,
      `CONNECT echo.test:8443 HTTP/1.1\r\nHost: echo.test:8443\r\nProxy-Authorization: Basic ${Buffer.from('jöe:x').toString('base64')}\r\n\r\n`,
    ],
  ];
  for (const [url, to, expected] of table) {
    it(`${url} -> ${to.hostname}`, () => {
      assert.equal(connectRequest(parseProxyUrl(url), to), expected);
    });
  }
});

interface Exchange {
  socket: Socket;
  request: Promise<{ requestLine: string; headers: Record<string, string> }>;
}

/** A client socket to a fake proxy that reads CONNECT and answers `answer`, byte by byte. */
async function proxyAnswering(
  t: TestContext,
  answer: string,
  then: 'end' | 'stay' = 'end',
): Promise<Exchange> {
  let gotRequest!: (value: { requestLine: string; headers: Record<string, string> }) => void;
  const request = new Promise<{ requestLine: string; headers: Record<string, string> }>(
    (resolve) => {
      gotRequest = resolve;
    },
  );
  const server = await scripted(t, async (peer) => {
    gotRequest(await readRequest(peer));
    const bytes = Buffer.from(answer, 'latin1');
    let at = 0;
    const next = (): void => {
      if (at < bytes.length) peer.write(bytes.subarray(at, ++at), next);
      else if (then === 'end') peer.end();
    };
    next();
  });
  const socket = connect({ host: '127.0.0.1', port: server.port });
  t.after(() => socket.destroy());
  await new Promise((resolve) => socket.once('connect', resolve));
  return { socket, request };
}

async function refusal(t: TestContext, proxyUrl: string, answer: string): Promise<unknown> {
  const { socket } = await proxyAnswering(t, answer);
  return rejection(httpConnect(socket, parseProxyUrl(proxyUrl), target, undefined));
}

describe('httpConnect', () => {
  it('sends CONNECT with credentials and resolves on 200, keeping what follows', async (t) => {
    const { socket, request } = await proxyAnswering(
      t,
      'HTTP/1.1 200 Connection established\r\nX: y\r\n\r\nHTTP/1.1 101',
      'stay',
    );
    const proxy = parseProxyUrl('http://u:p@127.0.0.1:3128');
    const opened = httpConnect(socket, proxy, target, undefined);
    const { requestLine, headers } = await request;
    assert.equal(requestLine, 'CONNECT echo.test:8443 HTTP/1.1');
    assert.equal(headers['proxy-authorization'], 'Basic dTpw');
    await opened;
    const after = await new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('latin1');
        if (text.length >= 12) resolve(text);
      });
      socket.resume();
    });
    assert.equal(after, 'HTTP/1.1 101');
  });

  it('any 2xx opens the tunnel', async (t) => {
    const { socket } = await proxyAnswering(t, 'HTTP/1.1 204 No Content\r\n\r\n', 'stay');
    await httpConnect(socket, parseProxyUrl('http://p'), target, undefined);
    assert.equal(socket.destroyed, false);
  });

  it('407 without credentials asks for them in the URL; the body is kept', async (t) => {
    const error = await refusal(
      t,
      'http://127.0.0.1:3128',
      'HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 4\r\n\r\nwho?',
    );
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, ErrorCode.ProxyAuth);
    assert.equal(error.status, 407);
    assert.equal(error.bodyText, 'who?');
    assert.match(
      error.message,
      /answered CONNECT with HTTP 407 Proxy Authentication Required: it wants credentials/,
    );
  });

  it('401 or 407 with credentials says they were refused, without the password', async (t) => {
    for (const status of ['401 Unauthorized', '407 Nope']) {
      const error = await refusal(
        t,
        'http://user:s3cret@127.0.0.1:3128',
        `HTTP/1.1 ${status}\r\nContent-Length: 0\r\n\r\n`,
      );
      assert.ok(error instanceof ProxyError);
      assert.equal(error.code, ErrorCode.ProxyAuth);
      assert.match(error.message, /refused the user name or password/);
      assert.equal(error.proxy, 'http://user@127.0.0.1:3128');
      assert.doesNotMatch(error.message, /s3cret/);
    }
  });

  it('another status is a refusal with the target and the chunked body decoded', async (t) => {
    const error = await refusal(
      t,
      'http://127.0.0.1:3128',
      'HTTP/1.1 403 Forbidden\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nblocked\r\n0\r\n\r\n',
    );
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, ErrorCode.ProxyRefused);
    assert.equal(error.status, 403);
    assert.equal(error.bodyText, 'blocked');
    assert.match(
      error.message,
      /would not open a tunnel to echo\.test:8443 \(HTTP 403 Forbidden\)/,
    );
  });

  it('a refusal without a length ends with the connection; the body is capped at 4 KiB', async (t) => {
    const body = 'x'.repeat(5000);
    const error = await refusal(t, 'http://127.0.0.1:1', `HTTP/1.1 502 Bad Gateway\r\n\r\n${body}`);
    assert.ok(error instanceof ProxyError);
    assert.equal(error.status, 502);
    assert.equal(error.body.length, 4096);
  });

  it('an answer that is not HTTP is a protocol error', async (t) => {
    const error = await refusal(t, 'http://127.0.0.1:1', '\x05\x00garbage\r\n\r\n');
    assert.ok(error instanceof ProxyError);
    assert.equal(error.code, ErrorCode.ProxyProtocol);
    assert.match(error.message, /did not answer CONNECT with valid HTTP .*is it an HTTP proxy\?/);
  });

  it('a proxy that closes before a whole head is a lost connection', async (t) => {
    const error = await refusal(t, 'http://127.0.0.1:1', 'HTTP/1.1 200 Conn');
    assert.ok(error instanceof TransportError);
    assert.ok(!(error instanceof ProxyError));
    assert.equal(error.code, ErrorCode.ConnectionLost);
    assert.match(error.message, /before answering the CONNECT to echo\.test:8443/);
  });
});
