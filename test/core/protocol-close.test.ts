// Tests for src/core/protocol.ts, closing handshake: receiving a Close (RFC 6455 §5.5.1,
// §7.1.5-§7.1.6), the codes it may carry (§7.4), its reason (§8.1 UTF-8), and sending one
// (§7.1.2).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes } from '../../src/core/bytes.js';
import { ReadyState } from '../../src/core/constants.js';
import { ErrorCode, InvalidArgumentError, InvalidStateError } from '../../src/core/errors.js';
import { fixtureBytes } from '../helpers/fixtures.js';
import { feedAllSplits } from '../helpers/splits.js';
import {
  closeCodeOf,
  closePayload,
  expectCloseSent,
  expectError,
  feedOpen,
  frame,
  newProtocol,
  openProtocol,
  sentFrames,
  text,
} from './protocol-harness.js';

describe('RFC 6455 §5.5.1 receiving a Close', () => {
  it('reports code and reason, echoes the code, and waits for the server to end TCP', () => {
    feedAllSplits(fixtureBytes('close-1000-bye'), (chunks) => {
      const { protocol, events } = feedOpen(chunks);
      assert.deepEqual(events, [{ type: 'close', code: 1000, reason: 'bye' }]);
      const [echo] = sentFrames(protocol);
      assert.equal(echo?.opcode, 0x8);
      assert.equal(closeCodeOf(echo.payload), 1000);
      assert.deepEqual(protocol.closeReceived, { code: 1000, reason: 'bye' });
      assert.equal(protocol.closeSent?.code, 1000);
      assert.equal(protocol.state, ReadyState.CLOSING);
      assert.ok(protocol.closeExpected(), 'both Close frames exchanged (§7.1.1)');
      assert.equal(protocol.isEndRequested, false, 'a clean close lets the server end TCP');
      assert.equal(protocol.failure, undefined);
    });
  });

  it('reads an empty Close as 1005 and answers with an empty Close', () => {
    feedAllSplits(fixtureBytes('close-empty'), (chunks) => {
      const { protocol, events } = feedOpen(chunks);
      assert.deepEqual(events, [{ type: 'close', code: 1005, reason: '' }]);
      const sent = sentFrames(protocol);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.opcode, 0x8);
      assert.equal(sent[0]!.payload.length, 0, 'no code is sent back for "no status"');
    });
  });

  it('accepts a 125-byte Close (123-byte reason)', () => {
    const reason = 'r'.repeat(123);
    const { events } = feedOpen([frame(8, closePayload(1000, reason))]);
    assert.deepEqual(events, [{ type: 'close', code: 1000, reason }]);
  });

  it('fails with 1002 on a 1-byte Close payload', () => {
    feedAllSplits(frame(8, Uint8Array.of(0x03)), (chunks) => {
      const { protocol, events } = feedOpen(chunks);
      expectError(events, ErrorCode.InvalidClosePayload);
      expectCloseSent(protocol, 1002);
      assert.equal(protocol.closeReceived, undefined);
    });
  });

  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000]) {
    it(`fails with 1002 on close code ${code}`, () => {
      feedAllSplits(frame(8, closePayload(code, 'x')), (chunks) => {
        const { protocol, events } = feedOpen(chunks);
        const error = expectError(events, ErrorCode.InvalidCloseCode);
        assert.equal(error.closeCode, 1002);
        expectCloseSent(protocol, 1002);
      });
    });
  }

  const validCodes = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014];
  for (const code of [...validCodes, 3000, 4999]) {
    it(`accepts close code ${code} and echoes it`, () => {
      feedAllSplits(frame(8, closePayload(code, 'why')), (chunks) => {
        const { protocol, events } = feedOpen(chunks);
        assert.deepEqual(events, [{ type: 'close', code, reason: 'why' }]);
        const sent = sentFrames(protocol);
        assert.equal(sent.length, 1);
        assert.equal(closeCodeOf(sent[0]!.payload), code);
        assert.equal(protocol.failure, undefined);
      });
    });
  }

  it('fails with 1007 on a reason that is not UTF-8', () => {
    for (const reason of [
      Uint8Array.of(0xff),
      Uint8Array.of(0xed, 0xa0, 0x80),
      Uint8Array.of(0xe2),
    ]) {
      feedAllSplits(frame(8, closePayload(1000, reason)), (chunks) => {
        const { protocol, events } = feedOpen(chunks);
        const error = expectError(events, ErrorCode.InvalidUtf8);
        assert.equal(error.closeCode, 1007);
        expectCloseSent(protocol, 1007);
      });
    }
  });

  it('ignores every byte after the Close, in the same read and later', () => {
    const bytes = concatBytes([
      fixtureBytes('close-1000-bye'),
      frame(1, 'after'),
      frame(9, 'ping'),
      frame(5, 'reserved'),
    ]);
    feedAllSplits(bytes, (chunks) => {
      const { protocol, events } = feedOpen(chunks);
      assert.deepEqual(events, [{ type: 'close', code: 1000, reason: 'bye' }]);
      assert.equal(sentFrames(protocol).length, 1, 'only the echoed Close');
      protocol.receiveData(frame(1, 'even later'));
      assert.deepEqual(protocol.eventsReceived(), []);
      assert.deepEqual(protocol.dataToSend(), []);
    });
  });

  it('drops an unfinished fragmented message when a Close arrives', () => {
    const bytes = concatBytes([frame(1, 'Hel', { fin: false }), fixtureBytes('close-1000-bye')]);
    const { events } = feedOpen([bytes]);
    assert.deepEqual(events, [{ type: 'close', code: 1000, reason: 'bye' }]);
  });

  it('goes to CLOSED at end of input after the exchange', () => {
    const { protocol } = feedOpen([fixtureBytes('close-1000-bye')]);
    protocol.receiveEof();
    assert.equal(protocol.state, ReadyState.CLOSED);
    assert.deepEqual(protocol.eventsReceived(), []);
    protocol.receiveEof();
    assert.equal(protocol.state, ReadyState.CLOSED, 'a second EOF changes nothing');
  });
});

describe('RFC 6455 §7.1.2 starting the closing handshake', () => {
  it('sends a Close with code and reason and moves to CLOSING', () => {
    const protocol = openProtocol();
    protocol.sendClose(1000, 'done');
    const sent = sentFrames(protocol);
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.opcode, 0x8);
    assert.equal(closeCodeOf(sent[0]!.payload), 1000);
    assert.equal(text(sent[0]!.payload.subarray(2)), 'done');
    assert.deepEqual(protocol.closeSent, { code: 1000, reason: 'done' });
    assert.equal(protocol.state, ReadyState.CLOSING);
    assert.equal(protocol.closeExpected(), false, 'the server has not answered yet');
  });

  it('sends an empty Close without a code, recorded as 1005', () => {
    const protocol = openProtocol();
    protocol.sendClose();
    const sent = sentFrames(protocol);
    assert.equal(sent[0]!.payload.length, 0);
    assert.equal(protocol.closeSent?.code, 1005);
  });

  it("does not echo the server's Close after sending its own", () => {
    const protocol = openProtocol();
    protocol.sendClose(4000, 'mine');
    protocol.dataToSend();
    protocol.receiveData(frame(8, closePayload(1000, 'theirs')));
    assert.deepEqual(protocol.eventsReceived(), [{ type: 'close', code: 1000, reason: 'theirs' }]);
    assert.deepEqual(protocol.dataToSend(), []);
    assert.deepEqual(protocol.closeSent, { code: 4000, reason: 'mine' });
    assert.ok(protocol.closeExpected());
  });

  it('drops data that arrives before the server answers, whole or fragmented', () => {
    const protocol = openProtocol();
    protocol.sendClose(1000);
    protocol.receiveData(frame(1, 'in flight'));
    protocol.receiveData(frame(2, new Uint8Array(70_000)));
    protocol.receiveData(frame(1, 'part', { fin: false }));
    protocol.receiveData(frame(0, Uint8Array.of(0xff), { fin: true })); // invalid UTF-8: unread
    protocol.receiveData(frame(9, 'still there'));
    protocol.receiveData(frame(8, closePayload(1000)));
    assert.deepEqual(
      protocol.eventsReceived().map((event) => event.type),
      ['ping', 'close'],
    );
    assert.equal(protocol.failure, undefined);
    assert.equal(protocol.closeReceived?.code, 1000);
  });

  it('with receiveAfterClose, delivers what arrives before the server answers, checked as ever', () => {
    const protocol = openProtocol({ receiveAfterClose: true });
    const whole = frame(2, new Uint8Array(1000).fill(7));
    protocol.receiveData(whole.subarray(0, 500));
    protocol.sendClose(1000);
    protocol.receiveData(whole.subarray(500));
    protocol.receiveData(frame(1, 'in flight'));
    protocol.receiveData(frame(8, closePayload(1000)));
    const events = protocol.eventsReceived();
    assert.deepEqual(
      events.map((event) => event.type),
      ['message', 'message', 'close'],
    );
    assert.deepEqual(events[1], { type: 'message', data: 'in flight', isBinary: false });
    // Still checked: invalid UTF-8 after our Close fails the connection.
    const strict = openProtocol({ receiveAfterClose: true });
    strict.sendClose(1000);
    strict.receiveData(frame(1, Uint8Array.of(0xff)));
    assert.equal(strict.failure?.code, ErrorCode.InvalidUtf8);
  });

  it('drops the rest of a message that was half received when the Close was sent', () => {
    const protocol = openProtocol();
    const whole = frame(2, new Uint8Array(1000).fill(7));
    protocol.receiveData(whole.subarray(0, 500));
    protocol.sendClose(1000);
    protocol.receiveData(whole.subarray(500));
    protocol.receiveData(frame(8, closePayload(1000)));
    assert.deepEqual(
      protocol.eventsReceived().map((event) => event.type),
      ['close'],
    );
  });

  it('drops a fragmented message started before the Close, and frame delivery stops too', () => {
    for (const deliverFrames of [false, true]) {
      const protocol = openProtocol({ deliverFrames });
      protocol.receiveData(frame(1, 'start ', { fin: false }));
      const before = protocol.eventsReceived().length;
      protocol.sendClose(1000);
      protocol.receiveData(frame(0, 'end'));
      protocol.receiveData(frame(2, 'more'));
      protocol.receiveData(frame(8, closePayload(1000)));
      assert.deepEqual(
        protocol.eventsReceived().map((event) => event.type),
        ['close'],
        `deliverFrames ${deliverFrames}`,
      );
      assert.equal(before, deliverFrames ? 1 : 0);
    }
  });

  it('does nothing on a second call', () => {
    const protocol = openProtocol();
    protocol.sendClose(1000);
    protocol.dataToSend();
    protocol.sendClose(3000);
    assert.deepEqual(protocol.dataToSend(), []);
    assert.equal(protocol.closeSent?.code, 1000);
  });

  it('refuses codes that must not be sent', () => {
    for (const code of [999, 1005, 1006, 1015, 2000, 5000]) {
      const protocol = openProtocol();
      assert.throws(() => protocol.sendClose(code), InvalidArgumentError, `code ${code}`);
      assert.deepEqual(protocol.dataToSend(), []);
      assert.equal(protocol.state, ReadyState.OPEN);
    }
  });

  it('refuses a reason that would make the Close longer than 125 bytes (§5.5)', () => {
    const protocol = openProtocol();
    assert.throws(() => protocol.sendClose(1000, '€'.repeat(42)), InvalidArgumentError);
    assert.deepEqual(protocol.dataToSend(), []);
    assert.equal(protocol.state, ReadyState.OPEN);
    protocol.sendClose(1000, 'x'.repeat(123));
    assert.equal(sentFrames(protocol)[0]!.payload.length, 125);
  });

  it('refuses to close before the handshake completed', () => {
    const { protocol } = newProtocol();
    assert.throws(() => protocol.sendClose(1000), InvalidStateError);
  });

  it('refuses messages and pings once the Close was sent', () => {
    const protocol = openProtocol();
    protocol.sendClose(1000);
    assert.throws(() => protocol.sendText('late'), InvalidStateError);
    assert.throws(() => protocol.sendBinary(new Uint8Array(1)), InvalidStateError);
    assert.throws(() => protocol.sendPing(), InvalidStateError);
    assert.throws(() => protocol.sendPong(), InvalidStateError);
  });

  it('does nothing once the connection is CLOSED', () => {
    const protocol = openProtocol();
    protocol.receiveEof();
    protocol.sendClose(1000);
    assert.deepEqual(protocol.dataToSend(), []);
    assert.equal(protocol.closeSent, undefined);
  });
});
