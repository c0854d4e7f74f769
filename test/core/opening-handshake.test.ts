// Tests for src/core/opening-handshake.ts: the upgrade request, then the server's answer read
// from bytes in any split: a valid 101 (with the frames behind it), interim 1xx responses, a
// refusal and its body, and the end of input before an answer.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latin1Decode } from '../../src/core/bytes.js';
import {
  ErrorCode,
  HandshakeError,
  TransportError,
  UnexpectedStatusError,
} from '../../src/core/errors.js';
import { type HandshakeOutcome, OpeningHandshake } from '../../src/core/opening-handshake.js';
import { parseWebSocketUrl } from '../../src/core/url.js';
import { testPorts } from '../helpers/ports.js';
import { acceptFor } from '../helpers/servers.js';

function handshake(url = 'ws://example.test/chat', protocols: string[] = []) {
  return new OpeningHandshake({ target: parseWebSocketUrl(url), protocols, ports: testPorts(9) });
}

function keyOf(shake: OpeningHandshake): string {
  return /sec-websocket-key: (\S+)/i.exec(latin1Decode(shake.requestBytes))![1]!;
}

function accept(shake: OpeningHandshake, extra = ''): string {
  return `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(keyOf(shake))}\r\n${extra}\r\n`;
}

const bytes = (text: string) => Buffer.from(text, 'latin1');

/** Feeds `text` one byte at a time; returns the first outcome and how many bytes it took. */
function feedByBytes(
  shake: OpeningHandshake,
  text: string,
): [HandshakeOutcome | undefined, number] {
  const data = bytes(text);
  for (let i = 0; i < data.length; i++) {
    const outcome = shake.receive(data.subarray(i, i + 1));
    if (outcome !== undefined) return [outcome, i + 1];
  }
  return [undefined, data.length];
}

function failure(outcome: HandshakeOutcome | undefined) {
  assert.equal(outcome?.type, 'failed');
  return (outcome as Extract<HandshakeOutcome, { type: 'failed' }>).error;
}

describe('OpeningHandshake', () => {
  it('builds a GET upgrade request with a fresh key and the offered subprotocols', () => {
    const shake = handshake('ws://example.test:8080/a?b=1', ['chat', 'superchat']);
    const request = latin1Decode(shake.requestBytes);
    assert.match(request, /^GET \/a\?b=1 HTTP\/1\.1\r\n/);
    assert.match(request, /\r\nHost: example\.test:8080\r\n/i);
    assert.match(request, /\r\nSec-WebSocket-Protocol: chat, superchat\r\n/i);
    assert.equal(Buffer.from(keyOf(shake), 'base64').length, 16);
    assert.ok(request.endsWith('\r\n\r\n'));
  });

  it('opens on a valid 101, byte by byte, and hands over the bytes behind it', () => {
    const shake = handshake('ws://example.test/', ['chat']);
    const answer = `${accept(shake, 'Sec-WebSocket-Protocol: chat\r\n')}\x81\x02hi`;
    const whole = shake.receive(bytes(answer));
    assert.equal(whole?.type, 'open');
    const open = whole as Extract<HandshakeOutcome, { type: 'open' }>;
    assert.equal(open.protocol, 'chat');
    assert.equal(open.head.status, 101);
    assert.deepEqual([...open.rest], [0x81, 0x02, 0x68, 0x69]);
    // The same seed gives the same key: byte by byte, it opens on the head's last byte.
    const [split, used] = feedByBytes(handshake('ws://example.test/', ['chat']), answer);
    assert.equal(split?.type, 'open');
    assert.equal(used, answer.length - 4);
    assert.equal((split as typeof open).rest.length, 0);
  });

  it('fails a 101 with the wrong accept key', () => {
    const shake = handshake();
    const error = failure(
      shake.receive(
        bytes(
          'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: AAAAAAAAAAAAAAAAAAAAAAAAAAA=\r\n\r\n',
        ),
      ),
    );
    assert.ok(error instanceof HandshakeError);
  });

  it('skips interim 1xx responses, up to 8 of them', () => {
    const shake = handshake();
    const early = 'HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n';
    const [outcome] = feedByBytes(shake, `HTTP/1.1 100 Continue\r\n\r\n${early}${accept(shake)}`);
    assert.equal(outcome?.type, 'open');
    const flooded = handshake();
    const error = failure(flooded.receive(bytes(early.repeat(9) + accept(flooded))));
    assert.equal(error.code, ErrorCode.InvalidHttpResponse);
    assert.match(error.message, /more than 8 interim/);
  });

  it('reads the body of a refusal up to Content-Length, then fails with it', () => {
    const shake = handshake();
    assert.equal(
      shake.receive(bytes('HTTP/1.1 403 Forbidden\r\nContent-Length: 6\r\n\r\nno')),
      undefined,
    );
    assert.equal(shake.isReadingRefusalBody, true);
    const error = failure(shake.receive(bytes(' way and more')));
    assert.ok(error instanceof UnexpectedStatusError);
    assert.equal(error.status, 403);
    assert.equal(Buffer.from(error.body).toString(), 'no way');
  });

  it('at the end of input, a refusal reports what of its body arrived', () => {
    const shake = handshake();
    shake.receive(bytes('HTTP/1.1 503 Busy\r\n\r\npartial'));
    const error = shake.receiveEof();
    assert.ok(error instanceof UnexpectedStatusError);
    assert.equal(error.status, 503);
    assert.equal(Buffer.from(error.body).toString(), 'partial');
  });

  it('explains an end of input before any answer, and a TLS answer to ws://', () => {
    const silent = handshake().receiveEof();
    assert.ok(silent instanceof TransportError);
    assert.equal(silent.code, ErrorCode.ConnectionLost);
    assert.match(silent.message, /without answering .* use wss:\/\//);
    const half = handshake();
    half.receive(bytes('HTTP/1.1 101 Swi'));
    assert.match(half.receiveEof().message, /before completing the opening handshake$/);
    assert.match(handshake('wss://example.test/').receiveEof().message, /over TLS/);
    const tls = failure(handshake().receive(Uint8Array.of(0x16, 0x03, 0x03, 0x00, 0x2a)));
    assert.match(tls.message, /answered in TLS, not HTTP/);
  });
});
