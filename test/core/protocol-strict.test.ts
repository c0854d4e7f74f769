// Tests for src/core/protocol.ts, failing strictly (RFC 6455 §7.1.7): when received data
// breaks the protocol, the Close that fails the connection is queued behind what the caller
// sends while handling the events received before the fault (at the next dataToSend(), or at
// sendPendingClose() with `holdFailureClose`).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes } from '../../src/core/bytes.js';
import { ReadyState } from '../../src/core/constants.js';
import { ErrorCode, InvalidStateError, TimeoutError } from '../../src/core/errors.js';
import { closeCodeOf, feedOpen, frame, sentFrames, text } from './protocol-harness.js';

/** A valid text message, a text frame with RSV2 set, then a ping: one read. */
const MESSAGE_FAULT_PING = concatBytes([
  frame(0x1, 'hello'),
  frame(0x1, 'bad', { rsv: 2 }),
  frame(0x9, 'too late'),
]);

describe('RFC 6455 §7.1.7 failing strictly', () => {
  it('sends the replies to the messages before the fault, then the failing Close', () => {
    const { protocol, events } = feedOpen([MESSAGE_FAULT_PING]);
    assert.deepEqual(
      events.map((event) => event.type),
      ['message', 'error'],
    );
    assert.equal(protocol.failure?.code, ErrorCode.ReservedBits);
    assert.equal(protocol.state, ReadyState.CLOSING);
    // Read through a function: TypeScript would keep the narrowing to undefined otherwise.
    const closeSent = () => protocol.closeSent;
    const isEndRequested = () => protocol.isEndRequested;
    assert.equal(closeSent(), undefined, 'the Close waits for the output to be taken');
    assert.equal(isEndRequested(), false, 'no half-close before the Close is written');
    protocol.sendText('hello back');
    const frames = sentFrames(protocol);
    assert.deepEqual(
      frames.map((f) => f.opcode),
      [0x1, 0x8],
      'the reply, then the Close; the ping after the fault is not answered',
    );
    assert.equal(text(frames[0]!.payload), 'hello back');
    assert.equal(closeCodeOf(frames[1]!.payload), 1002);
    assert.equal(closeSent()?.code, 1002);
    assert.equal(isEndRequested(), true);
    assert.throws(() => protocol.sendText('too late'), InvalidStateError);
  });

  it('answers a ping that came before the fault before the Close', () => {
    const { protocol } = feedOpen([
      concatBytes([frame(0x9, 'early'), frame(0x1, 'x', { rsv: 1 })]),
    ]);
    const frames = sentFrames(protocol);
    assert.deepEqual(
      frames.map((f) => f.opcode),
      [0xa, 0x8],
    );
    assert.equal(text(frames[0]!.payload), 'early');
  });

  it('holdFailureClose: the Close waits for sendPendingClose(), replies may go first', () => {
    const { protocol } = feedOpen([MESSAGE_FAULT_PING], { holdFailureClose: true });
    assert.equal(protocol.hasPendingClose, true);
    assert.deepEqual(sentFrames(protocol), [], 'nothing written yet');
    protocol.sendBinary(Uint8Array.of(1, 2, 3));
    assert.deepEqual(
      sentFrames(protocol).map((f) => f.opcode),
      [0x2],
      'the reply leaves on its own',
    );
    protocol.sendPendingClose();
    assert.equal(protocol.hasPendingClose, false);
    const frames = sentFrames(protocol);
    assert.deepEqual(
      frames.map((f) => closeCodeOf(f.payload)),
      [1002],
    );
    assert.equal(protocol.isEndRequested, true);
    protocol.sendPendingClose();
    assert.deepEqual(sentFrames(protocol), [], 'a second call writes nothing');
  });

  it("an application's close() while the Close waits sends the failure's code", () => {
    const { protocol } = feedOpen([MESSAGE_FAULT_PING], { holdFailureClose: true });
    protocol.sendClose(1000, 'bye');
    const frames = sentFrames(protocol);
    assert.deepEqual(
      frames.map((f) => closeCodeOf(f.payload)),
      [1002],
    );
    assert.equal(protocol.closeSent?.code, 1002);
  });

  it('fail() from outside writes the waiting Close at once', () => {
    const { protocol } = feedOpen([MESSAGE_FAULT_PING], { holdFailureClose: true });
    protocol.fail(new TimeoutError(ErrorCode.PongTimeout, 'no pong', 'pong', 1000));
    assert.equal(protocol.failure?.code, ErrorCode.ReservedBits, 'the first failure stays');
    assert.deepEqual(
      sentFrames(protocol).map((f) => closeCodeOf(f.payload)),
      [1002],
    );
  });

  it('at end of input the waiting Close is dropped and nothing more can be sent', () => {
    const { protocol } = feedOpen([MESSAGE_FAULT_PING], { holdFailureClose: true });
    protocol.receiveEof();
    assert.throws(() => protocol.sendText('late'), InvalidStateError);
    protocol.sendPendingClose();
    assert.deepEqual(sentFrames(protocol), []);
    assert.equal(protocol.closeSent, undefined);
    assert.equal(protocol.isEndRequested, true);
  });
});
