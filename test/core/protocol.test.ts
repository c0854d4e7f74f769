// Tests for src/core/protocol.ts: the opening handshake as the state machine drives it
// (RFC 6455 §4.1 client requirements, refused upgrades with their bodies, limits, EOF), and
// the sending side (§5.2-§5.4 frames out, §5.5 control frames, §7.1.7 failing).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes } from '../../src/core/bytes.js';
import { ReadyState } from '../../src/core/constants.js';
import {
  ErrorCode,
  InvalidArgumentError,
  InvalidStateError,
  TimeoutError,
  TransportError,
  UnexpectedStatusError,
} from '../../src/core/errors.js';
import type { ClientProtocol, ProtocolEvent } from '../../src/core/protocol.js';
import { parseWebSocketUrl } from '../../src/core/url.js';
import { feedAllSplits } from '../helpers/splits.js';
import {
  ascii,
  closeCodeOf,
  expectCloseSent,
  expectError,
  frame,
  newProtocol,
  openProtocol,
  sentFrames,
  switchingResponse,
  text,
} from './protocol-harness.js';

/** Feeds `chunks` to a fresh protocol whose handshake is pending. */
function feedHandshake(
  chunks: readonly Uint8Array[],
  build: (key: string) => void = () => {},
  options: Parameters<typeof newProtocol>[0] = {},
): { protocol: ClientProtocol; events: ProtocolEvent[] } {
  const { protocol, key } = newProtocol(options);
  build(key);
  for (const chunk of chunks) protocol.receiveData(chunk);
  return { protocol, events: protocol.eventsReceived() };
}

/** The key a fresh protocol (same seeded ports) will send; responses can be built up front. */
const key = newProtocol().key;

function refusal(status: string, headers: string[], body: string | Uint8Array): Uint8Array {
  const head = ascii(`HTTP/1.1 ${status}\r\n${headers.map((h) => `${h}\r\n`).join('')}\r\n`);
  return concatBytes([head, typeof body === 'string' ? ascii(body) : body]);
}

/** Asserts a refused handshake: one UnexpectedStatusError, nothing sent, input ended. */
function expectRefused(protocol: ClientProtocol, events: ProtocolEvent[]): UnexpectedStatusError {
  const error = expectError(events, ErrorCode.UnexpectedStatus);
  assert.ok(error instanceof UnexpectedStatusError);
  assert.equal(events.length, 1);
  assert.deepEqual(protocol.dataToSend(), [], 'no Close frame before the connection opened');
  assert.equal(protocol.state, ReadyState.CLOSED);
  assert.ok(protocol.isEndRequested);
  assert.ok(protocol.closeExpected());
  return error;
}

describe('RFC 6455 §4.1 the request the protocol sends', () => {
  it('queues the upgrade request with the options it was given', () => {
    const { request } = newProtocol({
      target: parseWebSocketUrl('ws://user:secret@example.com:8080/chat'),
      protocols: ['chat', 'superchat'],
      origin: 'https://app.example',
      headers: [['X-Trace', '1']],
    });
    const lines = request.split('\r\n');
    assert.equal(lines[0], 'GET /chat HTTP/1.1');
    assert.ok(lines.includes('Host: example.com:8080'));
    assert.ok(lines.includes('Origin: https://app.example'));
    assert.ok(lines.includes('Sec-WebSocket-Protocol: chat, superchat'));
    assert.ok(lines.includes(`Authorization: Basic ${btoa('user:secret')}`));
    assert.ok(lines.includes('X-Trace: 1'));
    assert.ok(request.endsWith('\r\n\r\n'));
  });

  it('starts CONNECTING and refuses to send data before the handshake completed', () => {
    const { protocol } = newProtocol();
    assert.equal(protocol.state, ReadyState.CONNECTING);
    assert.throws(() => protocol.sendText('early'), InvalidStateError);
    assert.throws(() => protocol.sendPing(), InvalidStateError);
  });
});

describe('RFC 6455 §4.1 reading the response', () => {
  it('opens on a response split anywhere, and reads the frames in the same read', () => {
    const bytes = concatBytes([switchingResponse(key), frame(1, 'Hello'), frame(9, 'p')]);
    const runs = feedAllSplits(bytes, (chunks) => {
      const { protocol, events } = feedHandshake(chunks);
      assert.equal(events.length, 3);
      const [open, message, ping] = events;
      assert.ok(open?.type === 'open');
      assert.equal(open.protocol, '');
      assert.equal(open.extensions, '');
      assert.equal(open.head.status, 101);
      assert.deepEqual(message, { type: 'message', data: 'Hello', isBinary: false });
      assert.equal(ping?.type, 'ping');
      assert.equal(protocol.state, ReadyState.OPEN);
      assert.deepEqual(
        sentFrames(protocol).map((f) => f.opcode),
        [0xa],
      );
    });
    assert.equal(runs, bytes.length + 1);
  });

  it('accepts case-insensitive tokens in Upgrade and Connection lists', () => {
    const response = ascii(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: WebSocket\r\n' +
        `Connection: keep-alive, Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(key)}\r\n\r\n`,
    );
    const { events } = feedHandshake([response]);
    assert.equal(events[0]?.type, 'open');
  });

  it('reports the subprotocol the server chose from those offered', () => {
    const response = switchingResponse(key, ['Sec-WebSocket-Protocol: superchat']);
    const { events } = feedHandshake([response], undefined, { protocols: ['chat', 'superchat'] });
    assert.ok(events[0]?.type === 'open');
    assert.equal(events[0].protocol, 'superchat');
  });

  const failures: [string, Uint8Array, string, Parameters<typeof newProtocol>[0]?][] = [
    [
      'a subprotocol that was not offered',
      switchingResponse(key, ['Sec-WebSocket-Protocol: chat']),
      ErrorCode.UnexpectedSubprotocol,
    ],
    [
      'a subprotocol outside the offered list',
      switchingResponse(key, ['Sec-WebSocket-Protocol: other']),
      ErrorCode.UnexpectedSubprotocol,
      { protocols: ['chat'] },
    ],
    [
      'an extension that was not offered',
      switchingResponse(key, ['Sec-WebSocket-Extensions: permessage-deflate']),
      ErrorCode.UnexpectedExtension,
    ],
    ['a wrong accept key', switchingResponse('AAAAAAAAAAAAAAAAAAAAAA=='), ErrorCode.InvalidAccept],
    [
      'a missing Upgrade header',
      ascii(
        `HTTP/1.1 101 OK\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptOf(key)}\r\n\r\n`,
      ),
      ErrorCode.MissingUpgrade,
    ],
    [
      'a missing Connection header',
      ascii(
        `HTTP/1.1 101 OK\r\nUpgrade: websocket\r\nSec-WebSocket-Accept: ${acceptOf(key)}\r\n\r\n`,
      ),
      ErrorCode.MissingConnection,
    ],
    [
      'a response that is not HTTP',
      ascii('SSH-2.0-OpenSSH\r\n\r\n'),
      ErrorCode.InvalidHttpResponse,
    ],
  ];
  for (const [what, response, code, options] of failures) {
    it(`fails the handshake on ${what}, ignoring the frames after it`, () => {
      const bytes = concatBytes([response, frame(1, 'never')]);
      feedAllSplits(bytes, (chunks) => {
        const { protocol, events } = feedHandshake(chunks, undefined, options);
        expectError(events, code);
        assert.equal(events.length, 1, 'no open, no message');
        assert.deepEqual(protocol.dataToSend(), [], 'no Close frame before the connection opened');
        assert.equal(protocol.state, ReadyState.CLOSED);
        assert.ok(protocol.isEndRequested);
      });
    });
  }
});

describe('RFC 6455 §10.4 limit: maxHandshakeBytes', () => {
  it('fails with ERR_HANDSHAKE_HEADERS_TOO_LARGE past the 16 KiB default', () => {
    const padding = `X-Pad: ${'p'.repeat(16 * 1024)}`;
    const response = switchingResponse(key, [padding]);
    for (const size of [response.length, 4096, 1000]) {
      const chunks: Uint8Array[] = [];
      for (let at = 0; at < response.length; at += size)
        chunks.push(response.subarray(at, at + size));
      const { protocol, events } = feedHandshake(chunks);
      expectError(events, ErrorCode.HandshakeHeadersTooLarge);
      assert.equal(protocol.state, ReadyState.CLOSED);
    }
  });

  it('accepts a response just under the limit and refuses one just over, in every split', () => {
    const base = switchingResponse(key).length;
    const padded = (size: number) =>
      switchingResponse(key, [`X-Pad: ${'p'.repeat(size - base - 9)}`]);
    assert.equal(padded(300).length, 300);
    feedAllSplits(padded(300), (chunks) => {
      const { events } = feedHandshake(chunks, undefined, { maxHandshakeBytes: 300 });
      assert.equal(events[0]?.type, 'open');
    });
    feedAllSplits(padded(301), (chunks) => {
      const { events } = feedHandshake(chunks, undefined, { maxHandshakeBytes: 300 });
      expectError(events, ErrorCode.HandshakeHeadersTooLarge);
    });
  });
});

describe('RFC 6455 §4.1 end of input during the handshake', () => {
  it('fails with ERR_CONNECTION_LOST (phase handshake) at any point of the response', () => {
    const response = switchingResponse(key);
    for (let length = 0; length < response.length; length++) {
      const { protocol, events } = feedHandshake([response.subarray(0, length)]);
      assert.deepEqual(events, []);
      protocol.receiveEof();
      const error = expectError(protocol.eventsReceived(), ErrorCode.ConnectionLost);
      assert.ok(error instanceof TransportError);
      assert.equal(error.phase, 'handshake');
      assert.equal(protocol.state, ReadyState.CLOSED);
      assert.deepEqual(protocol.dataToSend(), []);
      protocol.receiveData(frame(1, 'late'));
      assert.deepEqual(protocol.eventsReceived(), [], 'input after EOF is ignored');
    }
  });
});

describe('RFC 6455 §4.1 refused upgrades: status, headers and body', () => {
  it('reads a Content-Length body, in every split', () => {
    const bytes = refusal(
      '403 Forbidden',
      ['Content-Type: text/plain', 'Content-Length: 12', 'X-Reason: token'],
      'no entry\r\n!!',
    );
    feedAllSplits(bytes, (chunks) => {
      const { protocol, events } = feedHandshake(chunks);
      const error = expectRefused(protocol, events);
      assert.equal(error.status, 403);
      assert.equal(error.statusText, 'Forbidden');
      assert.equal(error.headers['content-type'], 'text/plain');
      assert.equal(error.headers['x-reason'], 'token');
      assert.equal(error.bodyText, 'no entry\r\n!!');
    });
  });

  it('waits for the whole Content-Length body before failing', () => {
    const bytes = refusal('500 Oops', ['Content-Length: 5'], 'abcde');
    const { protocol, events } = feedHandshake([bytes.subarray(0, -1)]);
    assert.deepEqual(events, []);
    assert.ok(protocol.isReadingRefusalBody);
    protocol.receiveData(bytes.subarray(-1));
    assert.equal(expectRefused(protocol, protocol.eventsReceived()).bodyText, 'abcde');
    assert.equal(protocol.isReadingRefusalBody, false);
  });

  it('takes no bytes past Content-Length into the body', () => {
    const bytes = refusal('404 Not Found', ['Content-Length: 3'], 'abcGARBAGE');
    feedAllSplits(bytes, (chunks) => {
      const { protocol, events } = feedHandshake(chunks);
      assert.equal(expectRefused(protocol, events).bodyText, 'abc');
    });
  });

  it('fails at once on an empty Content-Length body', () => {
    const { protocol, events } = feedHandshake([
      refusal('401 Unauthorized', ['Content-Length: 0'], ''),
    ]);
    const error = expectRefused(protocol, events);
    assert.equal(error.status, 401);
    assert.equal(error.body.length, 0);
  });

  it('decodes a chunked body, in every split', () => {
    const bytes = refusal(
      '400 Bad Request',
      ['Transfer-Encoding: chunked'],
      '4\r\nWiki\r\n5;ext=1\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\n\r\n',
    );
    feedAllSplits(bytes, (chunks) => {
      const { protocol, events } = feedHandshake(chunks);
      assert.equal(expectRefused(protocol, events).bodyText, 'Wikipedia in\r\n\r\nchunks.');
    });
  });

  it('waits for the last chunk, then for EOF if it never comes', () => {
    const bytes = refusal('400 Bad Request', ['Transfer-Encoding: chunked'], '3\r\nabc\r\n');
    const { protocol, events } = feedHandshake([bytes]);
    assert.deepEqual(events, [], 'not done before "0\\r\\n\\r\\n"');
    protocol.receiveEof();
    assert.equal(expectRefused(protocol, protocol.eventsReceived()).bodyText, 'abc');
  });

  it('reads a body without length until EOF, in every split', () => {
    const bytes = refusal('503 Service Unavailable', ['Retry-After: 5'], 'come back later');
    feedAllSplits(bytes, (chunks) => {
      const { protocol, events } = feedHandshake(chunks);
      assert.deepEqual(events, [], 'the body may go on until EOF');
      protocol.receiveEof();
      const error = expectRefused(protocol, protocol.eventsReceived());
      assert.equal(error.status, 503);
      assert.equal(error.headers['retry-after'], '5');
      assert.equal(error.bodyText, 'come back later');
    });
  });

  it('exposes a redirect location through the headers', () => {
    const bytes = refusal('302 Found', ['Location: wss://elsewhere/', 'Content-Length: 0'], '');
    const { protocol, events } = feedHandshake([bytes]);
    assert.equal(expectRefused(protocol, events).headers.location, 'wss://elsewhere/');
  });

  it('caps the body at 64 KiB by default, failing without waiting for the rest', () => {
    const big = new Uint8Array(100_000).fill(0x61);
    for (const headers of [['Content-Length: 100000'], []]) {
      const bytes = refusal('413 Too Large', headers, big);
      const cut = bytes.length - big.length + 65536;
      const { protocol, events } = feedHandshake([bytes.subarray(0, cut - 1)]);
      assert.deepEqual(events, [], 'one byte short of the cap');
      protocol.receiveData(bytes.subarray(cut - 1, cut + 10));
      const error = expectRefused(protocol, protocol.eventsReceived());
      assert.equal(error.body.length, 65536);
    }
  });

  it('honours maxRefusalBodyBytes', () => {
    const bytes = refusal('403 Forbidden', ['Content-Length: 20'], 'x'.repeat(20));
    feedAllSplits(bytes, (chunks) => {
      const { protocol, events } = feedHandshake(chunks, undefined, { maxRefusalBodyBytes: 8 });
      assert.equal(expectRefused(protocol, events).bodyText, 'x'.repeat(8));
    });
  });

  it('ignores input after the refusal is reported', () => {
    const { protocol, events } = feedHandshake([
      refusal('403 Forbidden', ['Content-Length: 0'], ''),
    ]);
    expectRefused(protocol, events);
    protocol.receiveData(ascii('more'));
    protocol.receiveEof();
    assert.deepEqual(protocol.eventsReceived(), []);
  });
});

describe('RFC 6455 §5.2-§5.4 sending data frames', () => {
  it('sends masked text and binary frames and returns their payload sizes', () => {
    const protocol = openProtocol();
    assert.equal(protocol.sendText('héllo'), 6);
    assert.equal(protocol.sendBinary(Uint8Array.of(1, 2, 3)), 3);
    assert.equal(protocol.pendingBytes, 6 + 6 + 6 + 3);
    const raw = concatBytes(protocol.dataToSend());
    assert.equal(raw[1]! & 0x80, 0x80, 'client frames are masked (§5.3)');
    assert.equal(raw[13]! & 0x80, 0x80);
    const { frames } = parseRaw(raw);
    assert.deepEqual(
      frames.map((f) => [f.opcode, f.fin, [...f.payload]]),
      [
        [1, true, [...new TextEncoder().encode('héllo')]],
        [2, true, [1, 2, 3]],
      ],
    );
  });

  it('fragments a message: first frame with its opcode, then continuations', () => {
    const protocol = openProtocol();
    protocol.sendText('Hel', false);
    protocol.sendText('lo', true);
    protocol.sendBinary(Uint8Array.of(1), false);
    protocol.sendFrame(0, Uint8Array.of(2), false);
    protocol.sendFrame(0, 'x', true);
    assert.deepEqual(
      sentFrames(protocol).map((f) => [f.opcode, f.fin, text(f.payload)]),
      [
        [1, false, 'Hel'],
        [0, true, 'lo'],
        [2, false, '\u0001'],
        [0, false, '\u0002'],
        [0, true, 'x'],
      ],
    );
  });

  it('lets control frames go between fragments (§5.4)', () => {
    const protocol = openProtocol();
    protocol.sendFrame(1, 'a', false);
    protocol.sendPing(Uint8Array.of(9));
    protocol.sendFrame(1, 'b', true);
    assert.deepEqual(
      sentFrames(protocol).map((f) => [f.opcode, f.fin]),
      [
        [1, false],
        [9, true],
        [0, true],
      ],
    );
  });

  it('refuses to start another message inside a fragmented one', () => {
    const protocol = openProtocol();
    protocol.sendText('a', false);
    assert.throws(() => protocol.sendBinary(Uint8Array.of(1)), InvalidStateError);
    protocol.sendText('b', true);
    assert.throws(() => protocol.sendFrame(0, 'c', true), InvalidStateError, 'nothing to continue');
  });

  it('sends frames of any opcode it knows through sendFrame', () => {
    const protocol = openProtocol();
    assert.equal(protocol.sendFrame(2, 'ab', true), 2);
    assert.equal(protocol.sendFrame(9, 'ping', true), 4);
    assert.equal(protocol.sendFrame(10, Uint8Array.of(7), true), 1);
    assert.deepEqual(
      sentFrames(protocol).map((f) => [f.opcode, text(f.payload)]),
      [
        [2, 'ab'],
        [9, 'ping'],
        [10, '\u0007'],
      ],
    );
  });

  it('refuses Close and reserved opcodes in sendFrame', () => {
    const protocol = openProtocol();
    for (const opcode of [3, 7, 8, 11, 15]) {
      assert.throws(() => protocol.sendFrame(opcode, 'x', true), InvalidArgumentError, `${opcode}`);
    }
    assert.deepEqual(protocol.dataToSend(), []);
  });

  it('refuses Ping and Pong payloads over 125 bytes (§5.5)', () => {
    const protocol = openProtocol();
    protocol.sendPing(new Uint8Array(125));
    protocol.sendPong(new Uint8Array(0));
    assert.throws(() => protocol.sendPing(new Uint8Array(126)), InvalidArgumentError);
    assert.throws(() => protocol.sendPong(new Uint8Array(126)), InvalidArgumentError);
    assert.deepEqual(
      sentFrames(protocol).map((f) => [f.opcode, f.payload.length]),
      [
        [9, 125],
        [10, 0],
      ],
    );
  });
});

describe('RFC 6455 §7.1.7 failing the connection from outside', () => {
  it('queues a Close with the error close code and reports the error', () => {
    const protocol = openProtocol();
    const timeout = new TimeoutError(ErrorCode.PongTimeout, 'no pong', 'pong', 5000);
    protocol.fail(timeout);
    assert.deepEqual(protocol.eventsReceived(), [{ type: 'error', error: timeout }]);
    expectCloseSent(protocol, 1011);
    assert.equal(protocol.state, ReadyState.CLOSING);
    assert.ok(protocol.isEndRequested);
    assert.equal(protocol.failure, timeout);
  });

  it('keeps the first failure only', () => {
    const protocol = openProtocol();
    const first = new TimeoutError(ErrorCode.PongTimeout, 'no pong', 'pong', 5000);
    protocol.fail(first);
    protocol.fail(new TimeoutError(ErrorCode.CloseTimeout, 'late', 'close', 5000));
    assert.equal(protocol.eventsReceived().length, 1);
    assert.equal(protocol.failure, first);
    assert.equal(sentFrames(protocol).length, 1);
  });

  it('sends no Close when one was already sent, or when input already ended', () => {
    const closing = openProtocol();
    closing.sendClose(1000);
    closing.dataToSend();
    closing.fail(new TimeoutError(ErrorCode.CloseTimeout, 'late', 'close', 5000));
    assert.deepEqual(closing.dataToSend(), []);

    const ended = openProtocol();
    ended.receiveEof();
    assert.equal(ended.state, ReadyState.CLOSED);
    ended.fail(new TimeoutError(ErrorCode.PongTimeout, 'no pong', 'pong', 5000));
    assert.deepEqual(ended.dataToSend(), []);
    assert.equal(ended.state, ReadyState.CLOSED);
  });

  it('closes at once when failed during the handshake', () => {
    const { protocol } = newProtocol();
    protocol.fail(new TimeoutError(ErrorCode.OpenTimeout, 'slow', 'open', 10_000));
    assert.equal(protocol.state, ReadyState.CLOSED);
    assert.deepEqual(protocol.dataToSend(), []);
    assert.ok(protocol.closeExpected());
  });

  it('echoes close codes on the wire unchanged when they are valid there', () => {
    const protocol = openProtocol();
    protocol.receiveData(frame(8, Uint8Array.of(0x0f, 0xa0)));
    assert.equal(closeCodeOf(sentFrames(protocol)[0]!.payload), 4000);
  });
});

function acceptOf(requestKey: string): string {
  const line = new TextDecoder().decode(switchingResponse(requestKey));
  return /Sec-WebSocket-Accept: ([^\r]+)/.exec(line)![1]!;
}

function parseRaw(raw: Uint8Array) {
  const frames: { opcode: number; fin: boolean; payload: Uint8Array }[] = [];
  let at = 0;
  while (at < raw.length) {
    const length = raw[at + 1]! & 0x7f;
    const key = raw.subarray(at + 2, at + 6);
    const payload = raw.slice(at + 6, at + 6 + length).map((byte, i) => byte ^ key[i & 3]!);
    frames.push({ opcode: raw[at]! & 0x0f, fin: (raw[at]! & 0x80) !== 0, payload });
    at += 6 + length;
  }
  return { frames };
}
