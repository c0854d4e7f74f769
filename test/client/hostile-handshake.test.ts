// Hostile servers in the opening handshake (RFC 6455 §4.1 "the client MUST validate the
// server's response", §4.2.2). Every refusal rejects connect() and reports the same error in
// the close info (1006, not clean); the client never sends a frame on a failed handshake.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import {
  ErrorCode,
  HandshakeError,
  NegotiationError,
  TimeoutError,
  TransportError,
  UnexpectedStatusError,
} from '../../src/core/errors.js';
import { ClientProtocol } from '../../src/core/protocol.js';
import { parseWebSocketUrl } from '../../src/core/url.js';
import { cleanClose, open } from '../helpers/api.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { type HostileResult, Peer, runHostile } from '../helpers/hostile.js';
import { testPorts } from '../helpers/ports.js';
import { acceptFor, readRequest, scripted, serverFrame } from '../helpers/servers.js';

type Request = { headers: Record<string, string> };

/** A 101 response for `request`, with headers replaced or removed through `change`. */
function response101(request: Request, change: Record<string, string | null> = {}): string {
  const headers: Record<string, string | null> = {
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Accept': acceptFor(request.headers['sec-websocket-key'] ?? ''),
    ...change,
  };
  const lines = ['HTTP/1.1 101 Switching Protocols'];
  for (const [name, value] of Object.entries(headers)) {
    if (value !== null) lines.push(`${name}: ${value}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}

/** Asserts a failed handshake: the error class and code, the close info, no frames sent. */
function assertHandshakeFailed(
  result: HostileResult,
  errorClass: abstract new (...args: never[]) => Error,
  code: string,
): void {
  const error = result.opened;
  assert.notEqual(error, true, 'the connection opened');
  assert.ok(error instanceof errorClass, `expected ${errorClass.name}, got ${String(error)}`);
  assert.equal((error as { code: string }).code, code);
  assert.equal(result.info.error, error);
  assert.equal(result.info.code, 1006);
  assert.equal(result.info.reason, '');
  assert.equal(result.info.wasClean, false);
  assert.deepEqual(result.errors, [error]);
  assert.equal(result.bytesAfterRequest, 0, 'the client sent bytes after its request');
}

function raw(
  t: TestContext,
  answer: (socket: Socket, request: Request) => Promise<void> | void,
  client: Parameters<typeof runHostile>[2] extends infer O
    ? O extends { client?: infer C }
      ? C
      : never
    : never = {},
): Promise<HostileResult> {
  return runHostile(t, answer, { handshake: 'raw', client });
}

describe('§4.1 the server refuses the upgrade', { timeout: 20_000 }, () => {
  it('403 with a Content-Length body: status, headers and body on the error', async (t) => {
    const body = '{"error":"forbidden, token expired"}';
    const result = await raw(t, (socket) => {
      socket.write(
        `HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nX-Reason: token\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
    });
    assertHandshakeFailed(result, UnexpectedStatusError, ErrorCode.UnexpectedStatus);
    const error = result.opened as UnexpectedStatusError;
    assert.equal(error.status, 403);
    assert.equal(error.statusText, 'Forbidden');
    assert.equal(error.headers['content-type'], 'application/json');
    assert.equal(error.headers['x-reason'], 'token');
    assert.equal(error.bodyText, body);
  });

  it('404 with a chunked body sent in pieces', async (t) => {
    const result = await raw(t, async (socket) => {
      socket.write('HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n');
      socket.write('5\r\nno su\r\n');
      socket.write('7\r\nch path\r\n0\r\n\r\n');
    });
    assertHandshakeFailed(result, UnexpectedStatusError, ErrorCode.UnexpectedStatus);
    const error = result.opened as UnexpectedStatusError;
    assert.equal(error.status, 404);
    assert.equal(error.bodyText, 'no such path');
  });

  it('500 with a body delimited by the end of the connection', async (t) => {
    const result = await raw(t, (socket) => {
      socket.end('HTTP/1.1 500 Internal Server Error\r\nServer: hostile\r\n\r\nit broke');
    });
    assertHandshakeFailed(result, UnexpectedStatusError, ErrorCode.UnexpectedStatus);
    const error = result.opened as UnexpectedStatusError;
    assert.equal(error.status, 500);
    assert.equal(error.headers.server, 'hostile');
    assert.equal(error.bodyText, 'it broke');
  });

  it('401 with Content-Length 0 while the server keeps the socket open', async (t) => {
    // openTimeoutMs 0: a client waiting for more body or for EOF would hang (test timeout).
    const result = await raw(
      t,
      (socket) => {
        socket.write(
          'HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\nContent-Length: 0\r\n\r\n',
        );
      },
      { openTimeoutMs: 0 },
    );
    assertHandshakeFailed(result, UnexpectedStatusError, ErrorCode.UnexpectedStatus);
    const error = result.opened as UnexpectedStatusError;
    assert.equal(error.status, 401);
    assert.equal(error.headers['www-authenticate'], 'Bearer');
    assert.equal(error.body.length, 0);
  });

  it('a body longer than Content-Length promises is cut at Content-Length', async (t) => {
    const result = await raw(t, (socket) => {
      socket.write('HTTP/1.1 429 Too Many Requests\r\nContent-Length: 4\r\n\r\nslowdown');
    });
    assertHandshakeFailed(result, UnexpectedStatusError, ErrorCode.UnexpectedStatus);
    assert.equal((result.opened as UnexpectedStatusError).bodyText, 'slow');
  });

  it('a body shorter than Content-Length promises, then a stall: reported at openTimeoutMs', async (t) => {
    const result = await raw(
      t,
      (socket) => {
        socket.write('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 100\r\n\r\npartial');
      },
      { openTimeoutMs: 200 },
    );
    assertHandshakeFailed(result, UnexpectedStatusError, ErrorCode.UnexpectedStatus);
    assert.equal((result.opened as UnexpectedStatusError).bodyText, 'partial');
  });

  it('a body over 64 KiB is kept up to 64 KiB (maxRefusalBodyBytes)', async (t) => {
    const result = await raw(t, (socket) => {
      socket.write('HTTP/1.1 400 Bad Request\r\n\r\n');
      socket.end(Buffer.alloc(100 * 1024, 0x7a));
    });
    assertHandshakeFailed(result, UnexpectedStatusError, ErrorCode.UnexpectedStatus);
    assert.equal((result.opened as UnexpectedStatusError).body.length, 64 * 1024);
  });

  it('200 OK from a plain HTTP server (no upgrade)', async (t) => {
    const result = await raw(t, (socket) => {
      socket.write('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello');
    });
    assertHandshakeFailed(result, UnexpectedStatusError, ErrorCode.UnexpectedStatus);
    assert.equal((result.opened as UnexpectedStatusError).bodyText, 'hello');
  });
});

describe('§4.1 an invalid 101 response', { timeout: 20_000 }, () => {
  const cases: [string, Record<string, string | null>, typeof HandshakeError, string][] = [
    [
      'a wrong Sec-WebSocket-Accept',
      { 'Sec-WebSocket-Accept': 'c2VjcmV0IGtleQ==' },
      HandshakeError,
      ErrorCode.InvalidAccept,
    ],
    [
      'no Sec-WebSocket-Accept',
      { 'Sec-WebSocket-Accept': null },
      HandshakeError,
      ErrorCode.InvalidAccept,
    ],
    ['no Upgrade header', { Upgrade: null }, HandshakeError, ErrorCode.MissingUpgrade],
    ['Upgrade: h2c', { Upgrade: 'h2c' }, HandshakeError, ErrorCode.MissingUpgrade],
    ['no Connection header', { Connection: null }, HandshakeError, ErrorCode.MissingConnection],
    [
      'Connection: keep-alive',
      { Connection: 'keep-alive' },
      HandshakeError,
      ErrorCode.MissingConnection,
    ],
    [
      'a subprotocol the client did not offer',
      { 'Sec-WebSocket-Protocol': 'chat' },
      NegotiationError,
      ErrorCode.UnexpectedSubprotocol,
    ],
    [
      'an extension the client did not offer',
      { 'Sec-WebSocket-Extensions': 'x-webkit-deflate-frame' },
      NegotiationError,
      ErrorCode.UnexpectedExtension,
    ],
  ];
  for (const [name, change, errorClass, code] of cases) {
    it(name, async (t) => {
      const result = await raw(t, (socket, request) => {
        socket.write(response101(request, change));
      });
      assertHandshakeFailed(result, errorClass, code);
    });
  }

  it('permessage-deflate when compression was turned off', async (t) => {
    const result = await raw(
      t,
      (socket, request) => {
        assert.equal(request.headers['sec-websocket-extensions'], undefined);
        socket.write(response101(request, { 'Sec-WebSocket-Extensions': 'permessage-deflate' }));
      },
      { perMessageDeflate: false },
    );
    assertHandshakeFailed(result, NegotiationError, ErrorCode.UnexpectedExtension);
  });

  it('permessage-deflate with a parameter out of range', async (t) => {
    const result = await raw(t, (socket, request) => {
      socket.write(
        response101(request, {
          'Sec-WebSocket-Extensions': 'permessage-deflate; server_max_window_bits=16',
        }),
      );
    });
    assertHandshakeFailed(result, NegotiationError, ErrorCode.InvalidExtensionParams);
  });

  it('a subprotocol other than the ones offered', async (t) => {
    const result = await raw(
      t,
      (socket, request) => {
        socket.write(response101(request, { 'Sec-WebSocket-Protocol': 'v3.chat' }));
      },
      { protocols: ['v1.chat', 'v2.chat'] },
    );
    assertHandshakeFailed(result, NegotiationError, ErrorCode.UnexpectedSubprotocol);
  });

  it('two subprotocols at once', async (t) => {
    const result = await raw(
      t,
      (socket, request) => {
        socket.write(response101(request, { 'Sec-WebSocket-Protocol': 'v1.chat, v2.chat' }));
      },
      { protocols: ['v1.chat', 'v2.chat'] },
    );
    assertHandshakeFailed(result, NegotiationError, ErrorCode.UnexpectedSubprotocol);
  });

  it('two Sec-WebSocket-Accept headers (one of them right)', async (t) => {
    const result = await raw(t, (socket, request) => {
      const accept = acceptFor(request.headers['sec-websocket-key'] ?? '');
      socket.write(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
      );
    });
    assertHandshakeFailed(result, HandshakeError, ErrorCode.InvalidAccept);
  });

  it('an accept value computed from another key', async (t) => {
    const result = await raw(t, (socket, request) => {
      socket.write(
        response101(request, { 'Sec-WebSocket-Accept': acceptFor('dGhlIHNhbXBsZSBub25jZQ==') }),
      );
    });
    assertHandshakeFailed(result, HandshakeError, ErrorCode.InvalidAccept);
  });

  it('a garbage status line', async (t) => {
    const result = await raw(t, (socket) => {
      socket.write('SSH-2.0-OpenSSH_9.6\r\n\r\n');
    });
    assertHandshakeFailed(result, HandshakeError, ErrorCode.InvalidHttpResponse);
  });

  it('headers over maxHandshakeBytes, complete', async (t) => {
    const result = await raw(
      t,
      (socket, request) => {
        socket.write(response101(request, { 'X-Padding': 'p'.repeat(4000) }));
      },
      { maxHandshakeBytes: 1024 },
    );
    assertHandshakeFailed(result, HandshakeError, ErrorCode.HandshakeHeadersTooLarge);
  });

  it('headers that never end, one line per write', async (t) => {
    const result = await raw(
      t,
      async (socket) => {
        socket.write('HTTP/1.1 101 Switching Protocols\r\n');
        // Bounded: the client gives up after maxHandshakeBytes and closes the socket.
        for (let i = 0; i < 1000 && !socket.destroyed && socket.writable; i++) {
          await new Promise<void>((resolve) =>
            socket.write(`X-Filler-${i}: ${'f'.repeat(64)}\r\n`, () => resolve()),
          );
        }
      },
      { maxHandshakeBytes: 2048 },
    );
    assertHandshakeFailed(result, HandshakeError, ErrorCode.HandshakeHeadersTooLarge);
  });
});

describe('§4.1 the connection ends or stalls during the handshake', { timeout: 20_000 }, () => {
  it('the server closes right after reading the request', async (t) => {
    const result = await raw(t, (socket) => {
      socket.end();
    });
    assertHandshakeFailed(result, TransportError, ErrorCode.ConnectionLost);
    assert.equal((result.opened as TransportError).phase, 'handshake');
  });

  it('the server closes in the middle of the response head', async (t) => {
    const result = await raw(t, (socket, request) => {
      socket.end(response101(request).slice(0, 40));
    });
    assertHandshakeFailed(result, TransportError, ErrorCode.ConnectionLost);
  });

  it('the server accepts TCP and never answers: ERR_OPEN_TIMEOUT', async (t) => {
    const result = await raw(t, () => {}, { openTimeoutMs: 200 });
    assertHandshakeFailed(result, TimeoutError, ErrorCode.OpenTimeout);
    assert.equal((result.opened as TimeoutError).phase, 'open');
  });

  it('the server sends half a head and stalls: ERR_OPEN_TIMEOUT', async (t) => {
    const result = await raw(
      t,
      (socket, request) => {
        socket.write(response101(request).slice(0, 60));
      },
      { openTimeoutMs: 200 },
    );
    assertHandshakeFailed(result, TimeoutError, ErrorCode.OpenTimeout);
  });
});

describe('§4.1 valid responses in awkward shapes', { timeout: 20_000 }, () => {
  const frames = Buffer.concat([
    serverFrame(0x1, 'first'),
    serverFrame(0x2, Buffer.from([1, 2, 3])),
    serverFrame(0x9, 'are you there'),
    serverFrame(0x8, Buffer.from([0x03, 0xe8])),
  ]);

  async function check(t: TestContext, send: (socket: Socket, bytes: Buffer) => Promise<void>) {
    let pongs: Buffer[] = [];
    let closeCode: number | undefined;
    const result = await raw(t, async (socket, request) => {
      const peer = new Peer(socket);
      await send(socket, Buffer.concat([Buffer.from(response101(request)), frames]));
      await peer.waitForClose();
      pongs = peer.pongs;
      closeCode = peer.close?.code;
      peer.end();
    });
    assert.equal(result.opened, true);
    assert.deepEqual(
      result.received.map((message) => message.data),
      ['first', new Uint8Array([1, 2, 3])],
    );
    assert.deepEqual(pongs.map(String), ['are you there']);
    assert.equal(closeCode, 1000);
    assert.deepEqual({ ...result.info }, cleanClose(1000, ''));
  }

  it('the response and the first frames in one write', async (t) => {
    await check(
      t,
      (socket, bytes) => new Promise((resolve) => socket.write(bytes, () => resolve())),
    );
  });

  it('the response and the frames dribbled one byte per write', async (t) => {
    await check(t, async (socket, bytes) => {
      for (let i = 0; i < bytes.length && !socket.destroyed; i++) {
        await new Promise<void>((resolve) =>
          socket.write(bytes.subarray(i, i + 1), () => resolve()),
        );
      }
    });
  });

  it('header names and tokens in unusual case, with extra whitespace', async (t) => {
    const result = await raw(t, async (socket, request) => {
      const accept = acceptFor(request.headers['sec-websocket-key'] ?? '');
      const peer = new Peer(socket);
      socket.write(
        `HTTP/1.1 101 Whatever\r\nuPgRaDe:   WebSocket  \r\nCONNECTION: keep-alive, UPGRADE\r\nsec-websocket-accept: ${accept}\r\n\r\n`,
      );
      await peer.write(serverFrame(0x8, Buffer.from([0x03, 0xe8])));
      await peer.waitForClose();
      peer.end();
    });
    assert.equal(result.opened, true);
    assert.equal(result.info.code, 1000);
  });
});

describe('RFC 9110 §15.2 interim responses before the 101', { timeout: 20_000 }, () => {
  it('skips 100 Continue and 103 Early Hints, then opens on the 101', async (t) => {
    const result = await raw(t, async (socket, request) => {
      const peer = new Peer(socket);
      socket.write('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n');
      socket.write(response101(request));
      await peer.write(serverFrame(0x8, Buffer.from([0x03, 0xe8])));
      await peer.waitForClose();
      peer.end();
    });
    assert.equal(result.opened, true);
    assert.equal(result.info.code, 1000);
  });

  it('fails with ERR_HANDSHAKE_MALFORMED after more than 8 interim responses', async (t) => {
    const result = await raw(t, (socket) => {
      socket.write('HTTP/1.1 100 Continue\r\n\r\n'.repeat(9));
    });
    assertHandshakeFailed(result, HandshakeError, ErrorCode.InvalidHttpResponse);
  });
});

describe('RFC 9112 strict response parsing', { timeout: 20_000 }, () => {
  // A fake clock: the open timeout never fires, so each failure below is the parser's own.
  const noTimeout = () => ({ clock: new FakeClock() });

  it('a server that is not HTTP (an SSH banner, then silence) fails at once', async (t) => {
    const result = await raw(
      t,
      (socket) => void socket.write('SSH-2.0-OpenSSH_9.6\r\n'),
      noTimeout(),
    );
    assertHandshakeFailed(result, HandshakeError, ErrorCode.InvalidHttpResponse);
    assert.match((result.opened as HandshakeError).message, /SSH-2\.0/);
  });

  it('an HTTP/1.0 101 is refused', async (t) => {
    const result = await raw(t, (socket, request) => {
      socket.write(response101(request).replace('HTTP/1.1 101', 'HTTP/1.0 101'));
    });
    assertHandshakeFailed(result, HandshakeError, ErrorCode.InvalidHttpResponse);
  });

  it('a NUL in the status line is refused, before the headers end', async (t) => {
    const result = await raw(
      t,
      (socket) =>
        void socket.write('HTTP/1.1 101 Switching\u0000Protocols\r\nUpgrade: websocket\r\n'),
      noTimeout(),
    );
    assertHandshakeFailed(result, HandshakeError, ErrorCode.InvalidHttpResponse);
  });

  it('a NUL in a header value is refused', async (t) => {
    const result = await raw(t, (socket, request) => {
      socket.write(response101(request, { 'X-Trace': 'a\u0000b' }));
    });
    assertHandshakeFailed(result, HandshakeError, ErrorCode.InvalidHttpResponse);
  });

  it('repeated Set-Cookie headers reach responseHeaders as a list, in order', async (t) => {
    const cookies = ['a=1; Expires=Wed, 21 Oct 2035 07:28:00 GMT; Secure', 'b=2; Path=/'];
    const server = await scripted(t, async (socket) => {
      const { headers } = await readRequest(socket);
      const lines = cookies.map((cookie) => `Set-Cookie: ${cookie}`).join('\r\n');
      socket.write(response101({ headers }).replace('\r\n\r\n', `\r\n${lines}\r\n\r\n`));
    });
    const ws = await open(t, server.url);
    assert.deepEqual(ws.responseHeaders['set-cookie'], cookies);
    assert.equal(ws.responseHeaders.upgrade, 'websocket');
  });

  it('a refusal keeps its Set-Cookie headers as a list on the error', async (t) => {
    const result = await raw(t, (socket) => {
      socket.write(
        'HTTP/1.1 401 Unauthorized\r\nSet-Cookie: s=1; Expires=Thu, 01 Jan 2037 00:00:00 GMT\r\n' +
          'Set-Cookie: t=2\r\nContent-Length: 0\r\n\r\n',
      );
    });
    assertHandshakeFailed(result, UnexpectedStatusError, ErrorCode.UnexpectedStatus);
    assert.deepEqual((result.opened as UnexpectedStatusError).headers['set-cookie'], [
      's=1; Expires=Thu, 01 Jan 2037 00:00:00 GMT',
      't=2',
    ]);
  });
});

describe('§4.1 one byte per read, driven through the sans-I/O core', () => {
  // TCP may merge small writes into one read; feeding ClientProtocol directly makes sure every
  // byte of the response is really parsed on its own.
  function dribble(response: (key: string) => Uint8Array): ClientProtocol {
    const protocol = new ClientProtocol({
      target: parseWebSocketUrl('ws://127.0.0.1:9/'),
      ports: testPorts(7),
    });
    const request = Buffer.concat(protocol.dataToSend()).toString('latin1');
    const key = /Sec-WebSocket-Key: (\S+)/.exec(request)?.[1] ?? '';
    const bytes = response(key);
    for (let i = 0; i < bytes.length; i++) protocol.receiveData(bytes.slice(i, i + 1));
    return protocol;
  }

  it('a chunked refusal completes on its last byte, without waiting for EOF', () => {
    const protocol = dribble(() =>
      Buffer.from(
        'HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
      ),
    );
    const error = protocol.failure;
    assert.ok(error instanceof UnexpectedStatusError);
    assert.equal(error.bodyText, 'hello');
  });

  it('a Content-Length refusal completes on its last byte', () => {
    const protocol = dribble(() =>
      Buffer.from('HTTP/1.1 403 Forbidden\r\nContent-Length: 3\r\n\r\nno!'),
    );
    assert.ok(protocol.failure instanceof UnexpectedStatusError);
    assert.equal((protocol.failure as UnexpectedStatusError).bodyText, 'no!');
  });

  it('a 101 and the frames behind it', () => {
    const protocol = dribble((key) =>
      Buffer.concat([
        Buffer.from(response101({ headers: { 'sec-websocket-key': key } })),
        serverFrame(0x1, 'dribbled'),
        serverFrame(0x9, 'p'),
      ]),
    );
    const events = protocol.eventsReceived().map((event) => event.type);
    assert.deepEqual(events, ['open', 'message', 'ping']);
    assert.equal(protocol.failure, undefined);
  });

  it('a 101 followed by a bad frame fails after opening', () => {
    const protocol = dribble((key) =>
      Buffer.concat([
        Buffer.from(response101({ headers: { 'sec-websocket-key': key } })),
        serverFrame(0x1, 'x', { rsv: 2 }),
      ]),
    );
    assert.deepEqual(
      protocol.eventsReceived().map((event) => event.type),
      ['open', 'error'],
    );
    assert.equal(protocol.failure?.code, ErrorCode.ReservedBits);
    // The failing Close is written when the output is next taken, behind any replies.
    protocol.dataToSend();
    assert.equal(protocol.closeSent?.code, 1002);
  });
});
