// Tests for src/core/outgoing.ts: the fragmentation sequence of outgoing messages, the checks
// on sendFrame opcodes, control payloads and Close arguments, and Pong coalescing.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes } from '../../src/core/bytes.js';
import { Opcode, ReadyState } from '../../src/core/constants.js';
import { ErrorCode, InvalidArgumentError, InvalidStateError } from '../../src/core/errors.js';
import { FrameWriter } from '../../src/core/frame.js';
import {
  cannotCloseYet,
  cannotSend,
  checkCloseArguments,
  checkControlPayload,
  checkFrameOpcode,
  OutgoingMessages,
  PongAnswers,
} from '../../src/core/outgoing.js';
import { seededEntropy } from '../helpers/ports.js';
import { parseClientFrames } from '../helpers/servers.js';

function written(writer: FrameWriter) {
  return parseClientFrames(Buffer.from(concatBytes(writer.takeOutput()))).frames.map(
    (frame) => [frame.opcode, frame.fin, frame.payload.toString()] as const,
  );
}

describe('OutgoingMessages', () => {
  it('sends a fragmented message as first frame, continuations, and a final frame', () => {
    const writer = new FrameWriter(seededEntropy(1));
    const out = new OutgoingMessages(writer);
    assert.equal(out.text('he', false), 2);
    out.continuation('l', false);
    out.text('lo', true);
    out.bytes(Opcode.Binary, Buffer.from('b'), true);
    assert.deepEqual(written(writer), [
      [Opcode.Text, false, 'he'],
      [Opcode.Continuation, false, 'l'],
      [Opcode.Continuation, true, 'lo'],
      [Opcode.Binary, true, 'b'],
    ]);
  });

  it('refuses a new message before the fragmented one is finished', () => {
    const out = new OutgoingMessages(new FrameWriter(seededEntropy(1)));
    out.bytes(Opcode.Binary, new Uint8Array(1), false);
    assert.throws(() => out.text('x', true), InvalidStateError);
    out.bytes(Opcode.Binary, new Uint8Array(1), true);
    assert.equal(out.text('x', true), 1, 'a new message may start once it is finished');
  });

  it('refuses a continuation when no message was started', () => {
    const out = new OutgoingMessages(new FrameWriter(seededEntropy(1)));
    assert.throws(
      () => out.continuation('x', true),
      (error: unknown) => error instanceof InvalidStateError && /no fragmented/.test(error.message),
    );
  });
});

describe('send checks', () => {
  it('sendFrame takes 0, 1, 2, 9 and 10 only', () => {
    for (const opcode of [0, 1, 2, 9, 10]) checkFrameOpcode(opcode);
    for (const opcode of [3, 7, 8, 11, 15, -1, -8, 1.5, Number.NaN, 16]) {
      assert.throws(() => checkFrameOpcode(opcode), InvalidArgumentError, String(opcode));
    }
  });

  it('control payloads are at most 125 bytes', () => {
    checkControlPayload(new Uint8Array(125), 'ping');
    assert.throws(
      () => checkControlPayload(new Uint8Array(126), 'pong'),
      /a pong payload is at most 125 bytes \(got 126\)/,
    );
  });

  it('a Close takes a sendable code and at most 123 bytes of reason', () => {
    checkCloseArguments(undefined, '');
    checkCloseArguments(1000, `${'é'.repeat(61)}a`);
    checkCloseArguments(4999, '');
    for (const code of [999, 1004, 1005, 1006, 1015, 5000]) {
      assert.throws(() => checkCloseArguments(code, ''), InvalidArgumentError, String(code));
    }
    assert.throws(() => checkCloseArguments(1000, 'é'.repeat(62)), /124 bytes of UTF-8/);
  });

  it('names the state a send was refused in', () => {
    const error = cannotSend('a message', ReadyState.CONNECTING);
    assert.equal(error.code, ErrorCode.InvalidState);
    assert.match(error.message, /cannot send a message: the connection is still connecting/);
    assert.match(cannotSend('a ping', ReadyState.CLOSED).message, /is closed$/);
    assert.match(cannotCloseYet().message, /before the handshake completed/);
  });
});

describe('PongAnswers', () => {
  it('answers at once, or holds back and answers only the latest Ping', () => {
    const writer = new FrameWriter(seededEntropy(1));
    const pongs = new PongAnswers(writer);
    pongs.owe(Buffer.from('1'), false);
    assert.equal(pongs.isPending, false);
    pongs.owe(Buffer.from('2'), true);
    pongs.owe(Buffer.from('3'), true);
    assert.equal(pongs.isPending, true);
    pongs.writePending();
    pongs.writePending();
    assert.equal(pongs.written, 2);
    assert.deepEqual(written(writer), [
      [Opcode.Pong, true, '1'],
      [Opcode.Pong, true, '3'],
    ]);
  });
});
