// Frame delivery (the LuatOS firmware's per-frame model): with `deliverFrames`, every data frame
// becomes a 'frame' event with its own opcode and FIN bit, while the RFC 6455 §5.4 sequence
// rules, the limits and the §8.1 UTF-8 check still cover the whole message.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { concatBytes } from '../../src/core/bytes.js';
import type { ProtocolEvent } from '../../src/core/protocol.js';
import { testPorts } from '../helpers/ports.js';
import { feedAllSplits } from '../helpers/splits.js';
import { expectCloseSent, expectError, feedOpen, frame, openProtocol } from './protocol-harness.js';

type FrameEvent = Extract<ProtocolEvent, { type: 'frame' }>;

function frames(
  events: readonly ProtocolEvent[],
): { text: string; opcode: number; fin: boolean; isBinary: boolean }[] {
  return events
    .filter((event): event is FrameEvent => event.type === 'frame')
    .map((event) => ({
      text: Buffer.from(event.data).toString('latin1'),
      opcode: event.opcode,
      fin: event.fin,
      isBinary: event.isBinary,
    }));
}

describe('RFC 6455 §5.4 fragments delivered one by one (deliverFrames)', () => {
  it('delivers each fragment with its opcode and FIN, in every split of the input', () => {
    const input = concatBytes([
      frame(0x1, 'Hel', { fin: false }),
      frame(0x9, 'ping'),
      frame(0x0, 'lo', { fin: true }),
      frame(0x2, new Uint8Array([1, 2]), { fin: false }),
      frame(0x0, new Uint8Array([3]), { fin: true }),
    ]);
    feedAllSplits(input, (chunks) => {
      const { events } = feedOpen(chunks, { deliverFrames: true });
      assert.deepEqual(frames(events), [
        { text: 'Hel', opcode: 1, fin: false, isBinary: false },
        { text: 'lo', opcode: 0, fin: true, isBinary: false },
        { text: '\u0001\u0002', opcode: 2, fin: false, isBinary: true },
        { text: '\u0003', opcode: 0, fin: true, isBinary: true },
      ]);
      assert.ok(events.some((event) => event.type === 'ping'));
      assert.ok(!events.some((event) => event.type === 'message'), 'no reassembled messages');
    });
  });

  it('delivers empty frames', () => {
    const { events } = feedOpen([frame(0x1, ''), frame(0x2, new Uint8Array(0))], {
      deliverFrames: true,
    });
    assert.deepEqual(frames(events), [
      { text: '', opcode: 1, fin: true, isBinary: false },
      { text: '', opcode: 2, fin: true, isBinary: true },
    ]);
  });

  it('still fails with 1007 on invalid UTF-8 across fragments, before the bad frame is delivered', () => {
    const { protocol, events } = feedOpen(
      [
        frame(0x1, new Uint8Array([0xce]), { fin: false }),
        frame(0x0, new Uint8Array([0x41]), { fin: true }),
      ],
      { deliverFrames: true },
    );
    assert.equal(frames(events).length, 1, 'only the first fragment was delivered');
    expectError(events, 'ERR_INVALID_UTF8');
    expectCloseSent(protocol, 1007);
  });

  it('still fails with 1002 on a continuation without a start', () => {
    const { protocol, events } = feedOpen([frame(0x0, 'x')], { deliverFrames: true });
    expectError(events, 'ERR_UNEXPECTED_CONTINUATION');
    expectCloseSent(protocol, 1002);
  });

  it('still enforces maxMessageBytes over the whole fragmented message (1009)', () => {
    const { protocol, events } = feedOpen(
      [frame(0x2, new Uint8Array(6), { fin: false }), frame(0x0, new Uint8Array(6), { fin: true })],
      { deliverFrames: true, maxMessageBytes: 10 },
    );
    assert.equal(frames(events).length, 1);
    expectError(events, 'ERR_MESSAGE_TOO_BIG');
    expectCloseSent(protocol, 1009);
  });

  it("fails with 1009 on a text frame too long for the host's strings, binary is not limited", () => {
    const ports = { ...testPorts(3), maxStringLength: 10 };
    const fits = feedOpen([frame(0x1, 'a', { fin: false }), frame(0x0, '€€€€€€€€€')], {
      deliverFrames: true,
      ports,
    });
    assert.equal(frames(fits.events).length, 2, '9 units plus one carried over fit');
    assert.equal(fits.protocol.failure, undefined);
    const { protocol, events } = feedOpen(
      [frame(0x1, 'a', { fin: false }), frame(0x0, 'abcdefghij'), frame(0x2, new Uint8Array(99))],
      { deliverFrames: true, ports },
    );
    assert.equal(frames(events).length, 1, 'the long frame is not delivered');
    expectError(events, 'ERR_MESSAGE_TOO_BIG');
    expectCloseSent(protocol, 1009);
    const binary = feedOpen([frame(0x2, new Uint8Array(99))], { deliverFrames: true, ports });
    assert.equal(binary.protocol.failure, undefined);
  });

  it('keeps delivering messages whole without the option', () => {
    const protocol = openProtocol();
    protocol.receiveData(frame(0x1, 'a', { fin: false }));
    protocol.receiveData(frame(0x0, 'b', { fin: true }));
    const events = protocol.eventsReceived();
    assert.deepEqual(events, [{ type: 'message', data: 'ab', isBinary: false }]);
  });
});
