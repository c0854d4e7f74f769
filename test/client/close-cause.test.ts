// Tests for src/client/close-cause.ts: how a connection ended, by error code and by who
// started the closing handshake, and the error of a transport lost without one.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { closeCause, connectionLostError } from '../../src/client/close-cause.js';
import {
  ErrorCode,
  ProtocolError,
  TimeoutError,
  TransportError,
  UnexpectedStatusError,
} from '../../src/core/errors.js';

describe('closeCause', () => {
  it('names a clean close by who started it', () => {
    assert.deepEqual(closeCause(undefined, 'client', 'closing'), {
      kind: 'user',
      phase: 'closing',
    });
    assert.deepEqual(closeCause(undefined, 'server', 'open'), { kind: 'server', phase: 'open' });
    assert.deepEqual(closeCause(undefined, undefined, 'open'), { kind: 'server', phase: 'open' });
  });

  it('names a failure by its code, with the status of a refused handshake', () => {
    const reset = new TransportError(ErrorCode.ConnectionReset, 'reset', 'open');
    assert.equal(closeCause(reset, undefined, 'open').kind, 'peer-reset');
    const pong = new TimeoutError(ErrorCode.PongTimeout, 'dead', 'pong', 10);
    assert.equal(closeCause(pong, undefined, 'open').kind, 'no-pong');
    const refused = new UnexpectedStatusError(503, 'Busy', {}, new Uint8Array(0));
    assert.deepEqual(closeCause(refused, undefined, 'connecting'), {
      kind: 'handshake-refused',
      phase: 'connecting',
      status: 503,
    });
  });

  it('falls back to protocol for protocol errors and handshake for the rest', () => {
    const protocol = new ProtocolError(ErrorCode.InvalidUtf8, 'bad', 1007);
    assert.equal(closeCause(protocol, 'server', 'open').kind, 'protocol');
  });
});

describe('connectionLostError', () => {
  it('says whether the handshake or an open connection was lost', () => {
    const during = connectionLostError(true);
    assert.equal(during.code, ErrorCode.ConnectionLost);
    assert.equal(during.phase, 'handshake');
    assert.match(during.message, /during the opening handshake/);
    const open = connectionLostError(false);
    assert.equal(open.phase, 'open');
    assert.match(open.message, /abnormal closure, 1006/);
  });
});
