// Tests for src/core/errors.ts: the error classes, their close codes and the brand check.
// (That docs/errors.md lists every code is checked by test/errors-doc.test.ts.)

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  AbortError,
  argumentError,
  ConnectionClosedError,
  describeValue,
  ErrorCode,
  HandshakeError,
  InvalidArgumentError,
  InvalidStateError,
  isWebSocketError,
  NegotiationError,
  PayloadTooBigError,
  ProtocolError,
  TimeoutError,
  TransportError,
  UnexpectedStatusError,
  WebSocketError,
} from '../../src/core/errors.js';

describe('error classes', () => {
  it('gives every code a distinct ERR_ string', () => {
    const values = Object.values(ErrorCode);
    assert.equal(new Set(values).size, values.length);
    for (const value of values) assert.match(value, /^ERR_[A-Z0-9_]+$/);
  });

  it('names each class and keeps the prototype chain', () => {
    const cases: [WebSocketError, string, Function][] = [
      [new ProtocolError(ErrorCode.ReservedBits, 'm'), 'ProtocolError', ProtocolError],
      [
        new PayloadTooBigError(ErrorCode.MessageTooBig, 'm', 10),
        'PayloadTooBigError',
        ProtocolError,
      ],
      [new HandshakeError(ErrorCode.InvalidAccept, 'm'), 'HandshakeError', HandshakeError],
      [
        new NegotiationError(ErrorCode.UnexpectedExtension, 'm'),
        'NegotiationError',
        HandshakeError,
      ],
      [
        new UnexpectedStatusError(404, 'Not Found', {}, new Uint8Array(0)),
        'UnexpectedStatusError',
        HandshakeError,
      ],
      [new TransportError(ErrorCode.ConnectFailed, 'm', 'tcp'), 'TransportError', TransportError],
      [new TimeoutError(ErrorCode.OpenTimeout, 'm', 'open', 1), 'TimeoutError', TimeoutError],
      [new InvalidStateError(ErrorCode.InvalidState, 'm'), 'InvalidStateError', InvalidStateError],
      [
        new InvalidArgumentError(ErrorCode.InvalidUrl, 'm'),
        'InvalidArgumentError',
        InvalidArgumentError,
      ],
      [new AbortError(ErrorCode.Aborted, 'm'), 'AbortError', AbortError],
      [
        new ConnectionClosedError('m', { wasClean: false }),
        'ConnectionClosedError',
        WebSocketError,
      ],
    ];
    for (const [error, name, parent] of cases) {
      assert.equal(error.name, name);
      assert.ok(error instanceof parent, name);
      assert.ok(error instanceof WebSocketError, name);
      assert.ok(error instanceof Error, name);
      assert.ok(isWebSocketError(error), name);
    }
  });

  it('maps faults to close codes: 1002 by default, 1007 when given, 1009 for limits', () => {
    assert.equal(new ProtocolError(ErrorCode.ReservedOpcode, 'm').closeCode, 1002);
    assert.equal(new ProtocolError(ErrorCode.InvalidUtf8, 'm', 1007).closeCode, 1007);
    const tooBig = new PayloadTooBigError(ErrorCode.TooManyFragments, 'm', 3);
    assert.equal(tooBig.closeCode, 1009);
    assert.equal(tooBig.limit, 3);
    assert.equal(new TimeoutError(ErrorCode.PongTimeout, 'm', 'pong', 5).closeCode, 1011);
    assert.equal(new TimeoutError(ErrorCode.CloseTimeout, 'm', 'close', 5).closeCode, 1006);
    assert.equal(new TransportError(ErrorCode.ConnectionReset, 'm', 'open').closeCode, 1006);
    assert.equal(new HandshakeError(ErrorCode.InvalidAccept, 'm').closeCode, undefined);
  });

  it('keeps the cause and the details each class carries', () => {
    const cause = new Error('ECONNRESET');
    const transport = new TransportError(ErrorCode.ConnectionReset, 'm', 'tls', cause);
    assert.equal(transport.cause, cause);
    assert.equal(transport.phase, 'tls');
    assert.equal(new HandshakeError(ErrorCode.InvalidAccept, 'm').cause, undefined);
    const timeout = new TimeoutError(ErrorCode.OpenTimeout, 'm', 'open', 250);
    assert.equal(timeout.timeoutMs, 250);
    assert.equal(timeout.phase, 'open');
  });

  it('describes a refused upgrade with status, headers and body', () => {
    const body = new TextEncoder().encode('go away ✋');
    const error = new UnexpectedStatusError(403, 'Forbidden', { 'x-why': 'token' }, body);
    assert.equal(error.code, ErrorCode.UnexpectedStatus);
    assert.equal(error.status, 403);
    assert.equal(error.headers['x-why'], 'token');
    assert.equal(error.bodyText, 'go away ✋');
    assert.match(error.message, /HTTP 403 Forbidden/);
    assert.doesNotMatch(new UnexpectedStatusError(500, '', {}, body).message, /500 ;/);
  });

  it('reports the received close code of a closed connection, or 1006', () => {
    const received = { code: 4001, reason: 'kicked' };
    const clean = new ConnectionClosedError('m', { received, sent: received, wasClean: true });
    assert.equal(clean.closeCode, 4001);
    assert.equal(clean.received, received);
    assert.equal(clean.wasClean, true);
    const dirty = new ConnectionClosedError('m', { wasClean: false }, new Error('reset'));
    assert.equal(dirty.closeCode, 1006);
    assert.equal(dirty.sent, undefined);
    assert.ok(dirty.cause instanceof Error);
  });

  it('recognises errors by brand, not only by class', () => {
    assert.ok(isWebSocketError({ isWebSocketError: true, code: ErrorCode.Aborted }));
    for (const value of [null, undefined, 'ERR_ABORTED', new Error('x'), { isWebSocketError: 1 }]) {
      assert.equal(isWebSocketError(value), false);
    }
  });
});

describe('argumentError and describe (the shared argument-check helpers)', () => {
  it('argumentError makes an InvalidArgumentError with ERR_INVALID_ARGUMENT', () => {
    const error = argumentError('bad thing');
    assert.ok(error instanceof InvalidArgumentError);
    assert.equal(error.code, ErrorCode.InvalidArgument);
    assert.equal(error.message, 'bad thing');
    assert.equal(error.cause, undefined);
    assert.equal('cause' in error, false);
  });

  it('argumentError keeps a cause when one is given', () => {
    const cause = new Error('ENOENT');
    assert.equal(argumentError('cannot read', cause).cause, cause);
  });

  it('describe names the kind of a value, never the value itself', () => {
    assert.equal(describeValue(null), 'null');
    assert.equal(describeValue(undefined), 'undefined');
    assert.equal(describeValue([1, 2]), 'an array');
    assert.equal(describeValue(new Map()), 'an object ([object Map])');
    assert.equal(describeValue({ password: 'secret' }), 'an object ([object Object])');
    assert.equal(describeValue(42), 'a number');
    assert.equal(describeValue('secret'), 'a string');
    assert.equal(
      describeValue(() => {}),
      'a function',
    );
    assert.equal(describeValue(Symbol('s')), 'a symbol');
  });
});
