// Tests for src/dialects/luatos-air-reasons.ts: what recv() reports once a connection ended.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CloseInfo } from '../../src/client/connection.js';
import { ErrorCode, PayloadTooBigError, ProtocolError } from '../../src/core/errors.js';
import { exitReason, RecvReason, reasonOf } from '../../src/dialects/luatos-air-reasons.js';

function info(partial: Partial<CloseInfo>): CloseInfo {
  return {
    code: 1006,
    reason: '',
    wasClean: false,
    cause: { kind: 'user', phase: 'open' },
    ...partial,
  };
}

describe('reasonOf', () => {
  it('a Close the server started gives its reason; an empty Close gives nil', () => {
    const server = { kind: 'server', phase: 'open' } as const;
    assert.equal(reasonOf(info({ code: 1000, reason: 'bye', cause: server })), 'bye');
    assert.equal(reasonOf(info({ code: 1000, reason: '', cause: server })), '');
    assert.equal(reasonOf(info({ code: 1005, cause: server })), undefined);
  });

  it('protocol errors map to the firmware table; anything else is a read error', () => {
    const cases: [ProtocolError, string][] = [
      [new ProtocolError(ErrorCode.ReservedBits, 'x'), RecvReason.UndefinedExtension],
      [new ProtocolError(ErrorCode.FragmentedControl, 'x'), RecvReason.ControlFrame],
      [new ProtocolError(ErrorCode.ControlFrameTooLong, 'x'), RecvReason.ControlFrame],
      [new ProtocolError(ErrorCode.MaskedFrame, 'x'), RecvReason.MaskedFrame],
      [new PayloadTooBigError(ErrorCode.MessageTooBig, 'x', 10), RecvReason.TooLong],
      [new PayloadTooBigError(ErrorCode.TooManyFragments, 'x', 10), RecvReason.TooLong],
      [new ProtocolError(ErrorCode.InvalidFrameLength, 'x'), RecvReason.TooLong],
      [new ProtocolError(ErrorCode.InvalidUtf8, 'x'), RecvReason.ReadError],
    ];
    for (const [error, reason] of cases)
      assert.equal(reasonOf(info({ error })), reason, error.code);
    assert.equal(reasonOf(info({})), RecvReason.ReadError);
  });

  it('exitReason names the client', () => {
    assert.equal(exitReason(3), 'EXIT_TASK3');
    assert.equal(RecvReason.Ok, 'WEBSOCKET_OK');
  });
});
