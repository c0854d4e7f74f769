// Tests for src/core/protocol.ts, receiving side after the handshake: RFC 6455 §5.7 examples,
// the framing rules that fail the connection (§5.1-§5.5, §7.1.7), the size limits (1009),
// UTF-8 checks on text (§8.1, 1007) and Ping/Pong (§5.5.2, §5.5.3).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { concatBytes } from '../../src/core/bytes.js';
import { Defaults, ReadyState } from '../../src/core/constants.js';
import { ErrorCode } from '../../src/core/errors.js';
import type { ProtocolEvent } from '../../src/core/protocol.js';
import { fixtureBytes } from '../helpers/fixtures.js';
import { testPorts } from '../helpers/ports.js';
import {
  allSplits,
  chunksAt,
  cutsArbitrary,
  feedAllSplits,
  textArbitrary,
} from '../helpers/splits.js';
import {
  expectCloseSent,
  expectError,
  feedOpen,
  frame,
  openProtocol,
  sentFrames,
  text,
} from './protocol-harness.js';

const hello = new TextEncoder().encode('Hello');
/** The reference decoding: lone surrogates become U+FFFD, a leading BOM stays. */
const keepBom = new TextDecoder('utf-8', { ignoreBOM: true });

function messages(events: readonly ProtocolEvent[]) {
  return events.filter((event) => event.type === 'message');
}

describe('RFC 6455 §5.7 examples, decoded by ClientProtocol after the handshake', () => {
  it('a single-frame unmasked text message "Hello"', () => {
    feedAllSplits(fixtureBytes('rfc6455-text-hello'), (chunks) => {
      const { protocol, events } = feedOpen(chunks);
      assert.deepEqual(events, [{ type: 'message', data: 'Hello', isBinary: false }]);
      assert.deepEqual(sentFrames(protocol), []);
    });
  });

  it('a fragmented unmasked text message "Hel" + "lo"', () => {
    feedAllSplits(fixtureBytes('rfc6455-text-fragmented'), (chunks) => {
      const { events } = feedOpen(chunks);
      assert.deepEqual(events, [{ type: 'message', data: 'Hello', isBinary: false }]);
    });
  });

  it('an unmasked Ping "Hello", answered by a masked Pong with the same body', () => {
    feedAllSplits(fixtureBytes('rfc6455-ping-hello'), (chunks) => {
      const { protocol, events } = feedOpen(chunks);
      assert.deepEqual(events, [{ type: 'ping', data: hello }]);
      const sent = sentFrames(protocol);
      assert.equal(sent.length, 1);
      assert.equal(sent[0]!.opcode, 0xa);
      assert.equal(sent[0]!.fin, true);
      assert.deepEqual(new Uint8Array(sent[0]!.payload), hello);
    });
  });

  it('256 bytes of binary data with a 16-bit length', () => {
    const bytes = fixtureBytes('rfc6455-binary-256');
    feedAllSplits(bytes, (chunks) => {
      const { events } = feedOpen(chunks);
      assert.deepEqual(events, [{ type: 'message', data: bytes.subarray(4), isBinary: true }]);
    });
  });

  it('64 KiB of binary data with a 64-bit length', () => {
    // Whole and byte by byte here, plus every cut in and around the header and at a stride
    // through the payload: 65 547 fresh protocols would take seconds. FrameDecoder's test
    // feeds this fixture at every split point.
    const bytes = fixtureBytes('rfc6455-binary-64k');
    const expected = bytes.subarray(10);
    assert.equal(expected.length, 65536);
    const check = (chunks: Uint8Array[]): void => {
      const { events } = feedOpen(chunks);
      assert.equal(events.length, 1);
      const [event] = events;
      assert.ok(event?.type === 'message' && event.isBinary);
      assert.deepEqual(event.data, expected);
    };
    let runs = 0;
    for (const { label, chunks } of allSplits(bytes)) {
      const cut = chunks.length === 2 ? chunks[0]!.length : 0;
      if (chunks.length === 2 && cut > 300 && cut < bytes.length - 300 && cut % 61 !== 0) continue;
      try {
        check(chunks);
      } catch (error) {
        throw new Error(`${label}: ${(error as Error).message}`, { cause: error });
      }
      runs++;
    }
    assert.ok(runs > 1500);
  });

  it('a text message cut inside a character between fragments', () => {
    feedAllSplits(fixtureBytes('text-utf8-split-across-fragments'), (chunks) => {
      const { events } = feedOpen(chunks);
      // κ ό (U+1F79, 3 bytes) σ μ ε
      const kosme = '\u03ba\u1f79\u03c3\u03bc\u03b5';
      assert.deepEqual(events, [{ type: 'message', data: kosme, isBinary: false }]);
    });
  });
});

describe('the buffer of a message received in several chunks (ports.allocate)', () => {
  /** Ports whose allocator hands out memory full of 0xee, and records the lengths asked. */
  function dirtyPorts(): { ports: ReturnType<typeof testPorts>; sizes: number[] } {
    const sizes: number[] = [];
    const ports = {
      ...testPorts(7),
      allocate: (length: number) => {
        sizes.push(length);
        return new Uint8Array(length).fill(0xee);
      },
    };
    return { ports, sizes };
  }

  it('comes from the allocator and is written whole: binary, text, fragmented, cut anywhere', () => {
    const binary = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const cases: [string, Uint8Array, ProtocolEvent][] = [
      ['binary', frame(2, binary), { type: 'message', data: binary, isBinary: true }],
      [
        'fragmented binary',
        concatBytes([
          frame(2, binary.subarray(0, 100), { fin: false }),
          frame(0, binary.subarray(100)),
        ]),
        { type: 'message', data: binary, isBinary: true },
      ],
      [
        'text',
        frame(1, 'é'.repeat(150)),
        { type: 'message', data: 'é'.repeat(150), isBinary: false },
      ],
    ];
    for (const [name, bytes, expected] of cases) {
      // Every cut lands in a payload (the headers are at most 4 bytes long).
      for (const cut of [5, 50, 150, bytes.length - 1]) {
        const { ports, sizes } = dirtyPorts();
        const { events } = feedOpen([bytes.subarray(0, cut), bytes.subarray(cut)], { ports });
        assert.deepEqual(events, [expected], `${name} cut at ${cut}`);
        assert.deepEqual(sizes, [300], `${name} cut at ${cut}`);
      }
    }
  });

  it('is not made for a message that came in one chunk (a view of it is delivered)', () => {
    const { ports, sizes } = dirtyPorts();
    const { events } = feedOpen([frame(2, Uint8Array.of(1, 2, 3))], { ports });
    assert.deepEqual(events, [{ type: 'message', data: Uint8Array.of(1, 2, 3), isBinary: true }]);
    assert.deepEqual(sizes, []);
  });

  it('comes from the allocator for a frame delivered alone (deliverFrames)', () => {
    const { ports, sizes } = dirtyPorts();
    const payload = Uint8Array.from({ length: 200 }, (_, i) => i);
    const bytes = frame(2, payload);
    const { events } = feedOpen([bytes.subarray(0, 50), bytes.subarray(50)], {
      ports,
      deliverFrames: true,
    });
    assert.deepEqual(events, [
      { type: 'frame', data: payload, opcode: 2, fin: true, isBinary: true },
    ]);
    assert.deepEqual(sizes, [200]);
  });
});

describe('RFC 6455 §5.4 control frames between fragments', () => {
  it('handles a Ping between "Hel" and "lo" and still delivers "Hello"', () => {
    feedAllSplits(fixtureBytes('text-fragmented-with-ping'), (chunks) => {
      const { protocol, events } = feedOpen(chunks);
      assert.deepEqual(events, [
        { type: 'ping', data: new TextEncoder().encode('hi') },
        { type: 'message', data: 'Hello', isBinary: false },
      ]);
      const sent = sentFrames(protocol);
      assert.deepEqual(
        sent.map((f) => [f.opcode, text(f.payload)]),
        [[0xa, 'hi']],
      );
    });
  });

  it('handles Pong and Close frames between fragments of a binary message', () => {
    const bytes = concatBytes([
      frame(2, Uint8Array.of(1), { fin: false }),
      frame(0xa, 'p'),
      frame(0, Uint8Array.of(2), { fin: false }),
      frame(8, Uint8Array.of(0x03, 0xe8)),
    ]);
    feedAllSplits(bytes, (chunks) => {
      const { events } = feedOpen(chunks);
      assert.deepEqual(
        events.map((e) => e.type),
        ['pong', 'close'],
        'the unfinished message is not delivered',
      );
    });
  });

  it('delivers messages of any content split anywhere, with pings anywhere between frames', () => {
    fc.assert(
      fc.property(
        textArbitrary(120),
        cutsArbitrary(500, 5),
        fc.array(fc.nat(6), { maxLength: 3 }),
        cutsArbitrary(700, 10),
        (message, fragmentCuts, pingPositions, readCuts) => {
          const payload = new TextEncoder().encode(message);
          const fragments = chunksAt(payload, fragmentCuts);
          const frames: Uint8Array[] = [];
          fragments.forEach((fragment, i) => {
            if (pingPositions.includes(i)) frames.push(frame(9, `p${i}`));
            frames.push(frame(i === 0 ? 1 : 0, fragment, { fin: i === fragments.length - 1 }));
          });
          const bytes = concatBytes(frames);
          const { protocol, events } = feedOpen(chunksAt(bytes, readCuts));
          const received = messages(events);
          assert.deepEqual(received, [
            { type: 'message', data: keepBom.decode(payload), isBinary: false },
          ]);
          const pings = events.filter((e) => e.type === 'ping').length;
          assert.equal(sentFrames(protocol).length, pings, 'one pong per ping');
        },
      ),
      { seed: 0x54, numRuns: 200 },
    );
  });
});

interface Violation {
  name: string;
  bytes: Uint8Array;
  code: string;
  /** Good messages and answered Pings that come before the bad frame. */
  messagesBefore?: number;
  pongsBefore?: number;
}

const violations: Violation[] = [
  {
    name: 'RSV1 set without an extension',
    bytes: frame(1, 'x', { rsv: 4 }),
    code: ErrorCode.ReservedBits,
  },
  { name: 'RSV2 set', bytes: frame(2, 'x', { rsv: 2 }), code: ErrorCode.ReservedBits },
  { name: 'RSV3 set on a Ping', bytes: frame(9, '', { rsv: 1 }), code: ErrorCode.ReservedBits },
  ...[3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((opcode) => ({
    name: `reserved opcode 0x${opcode.toString(16)}`,
    bytes: frame(opcode, 'data'),
    code: ErrorCode.ReservedOpcode,
  })),
  {
    name: 'a fragmented Ping',
    bytes: frame(9, 'a', { fin: false }),
    code: ErrorCode.FragmentedControl,
  },
  {
    name: 'a fragmented Close',
    bytes: frame(8, '', { fin: false }),
    code: ErrorCode.FragmentedControl,
  },
  {
    name: 'a Ping of 126 bytes',
    bytes: frame(9, new Uint8Array(126)),
    code: ErrorCode.ControlFrameTooLong,
  },
  {
    name: 'a Close of 126 bytes',
    bytes: frame(8, new Uint8Array(126)),
    code: ErrorCode.ControlFrameTooLong,
  },
  {
    name: 'a masked text frame',
    bytes: frame(1, 'Hello', { mask: true }),
    code: ErrorCode.MaskedFrame,
  },
  { name: 'a masked Ping', bytes: frame(9, '', { mask: true }), code: ErrorCode.MaskedFrame },
  {
    name: 'a continuation frame with no message started',
    bytes: frame(0, 'lo'),
    code: ErrorCode.UnexpectedContinuation,
  },
  {
    name: 'a continuation after a finished message',
    bytes: concatBytes([frame(1, 'done'), frame(0, 'more')]),
    code: ErrorCode.UnexpectedContinuation,
    messagesBefore: 1,
  },
  {
    name: 'a new text frame inside a fragmented message',
    bytes: concatBytes([frame(1, 'Hel', { fin: false }), frame(1, 'lo')]),
    code: ErrorCode.ExpectedContinuation,
  },
  {
    name: 'a new binary frame inside a fragmented text message',
    bytes: concatBytes([frame(1, 'a', { fin: false }), frame(9, 'ping'), frame(2, 'b')]),
    code: ErrorCode.ExpectedContinuation,
    pongsBefore: 1,
  },
  {
    name: 'a 64-bit length with its top bit set',
    bytes: Uint8Array.of(0x82, 0x7f, 0x80, 0, 0, 0, 0, 0, 0, 4, 1, 2, 3, 4),
    code: ErrorCode.InvalidFrameLength,
  },
];

describe('RFC 6455 §5.1-§5.5, §7.1.7: violations fail the connection with 1002', () => {
  for (const violation of violations) {
    it(`fails on ${violation.name}, in every split`, () => {
      feedAllSplits(violation.bytes, (chunks) => {
        const { protocol, events } = feedOpen(chunks);
        const error = expectError(events, violation.code);
        assert.equal(error.closeCode, 1002);
        const delivered = violation.messagesBefore ?? 0;
        assert.equal(messages(events).length, delivered, 'nothing of the bad frame is delivered');
        expectCloseSent(protocol, 1002, violation.pongsBefore ?? 0);
        assert.equal(protocol.failure, error);
        assert.equal(protocol.state, ReadyState.CLOSING);
        assert.ok(protocol.isEndRequested);
        assert.ok(protocol.closeExpected());
      });
    });
  }

  it('ignores everything after the violation, including good frames', () => {
    const bytes = concatBytes([frame(1, 'one'), frame(5), frame(1, 'two'), frame(9, 'p')]);
    feedAllSplits(bytes, (chunks) => {
      const { protocol, events } = feedOpen(chunks);
      assert.deepEqual(events[0], { type: 'message', data: 'one', isBinary: false });
      expectError(events, ErrorCode.ReservedOpcode);
      assert.equal(events.length, 2);
      expectCloseSent(protocol, 1002);
      protocol.receiveData(frame(9, 'later'));
      assert.deepEqual(protocol.eventsReceived(), []);
      assert.deepEqual(protocol.dataToSend(), [], 'no Pong, no second Close');
    });
  });
});

describe('RFC 6455 §10.4 limits: maxMessageBytes and maxFragments fail with 1009', () => {
  it('fails from the header alone when a frame announces too many bytes', () => {
    const header = frame(2, new Uint8Array(1001)).subarray(0, 4);
    feedAllSplits(header, (chunks) => {
      const { protocol, events } = feedOpen(chunks, { maxMessageBytes: 1000 });
      const error = expectError(events, ErrorCode.MessageTooBig);
      assert.equal(error.closeCode, 1009);
      expectCloseSent(protocol, 1009);
    });
  });

  it('fails on the fragment header that pushes the message over the limit', () => {
    const bytes = concatBytes([
      frame(1, 'x'.repeat(600), { fin: false }),
      frame(0, 'y'.repeat(401)).subarray(0, 4),
    ]);
    const { protocol, events } = feedOpen([bytes], { maxMessageBytes: 1000 });
    expectError(events, ErrorCode.MessageTooBig);
    expectCloseSent(protocol, 1009);
  });

  it('accepts a message of exactly maxMessageBytes', () => {
    const { events } = feedOpen([frame(2, new Uint8Array(1000))], { maxMessageBytes: 1000 });
    assert.equal(messages(events).length, 1);
  });

  it('fails from the header of the fragment past maxFragments', () => {
    const bytes = concatBytes([
      frame(2, 'a', { fin: false }),
      frame(0, 'b', { fin: false }),
      frame(0, 'c', { fin: false }),
      frame(0, 'd').subarray(0, 2),
    ]);
    feedAllSplits(bytes, (chunks) => {
      const { protocol, events } = feedOpen(chunks, { maxFragments: 3 });
      expectError(events, ErrorCode.TooManyFragments);
      expectCloseSent(protocol, 1009);
    });
  });

  it('by default accepts a 16 MiB message', () => {
    const size = 16 * 1024 * 1024;
    assert.ok(Defaults.maxMessageBytes >= size);
    const payload = new Uint8Array(size);
    payload[0] = 1;
    payload[size - 1] = 2;
    const { events } = feedOpen([frame(2, payload)]);
    const [event] = events;
    assert.ok(event?.type === 'message' && event.data instanceof Uint8Array);
    assert.equal(event.data.length, size);
    assert.equal(event.data[0], 1);
    assert.equal(event.data[size - 1], 2);
  });

  it('by default accepts 4 MiB sent in 64-byte fragments', () => {
    const fragments = (4 * 1024 * 1024) / 64;
    const bytes = new Uint8Array(fragments * 66);
    for (let i = 0; i < fragments; i++) {
      const at = i * 66;
      bytes[at] = (i === fragments - 1 ? 0x80 : 0) | (i === 0 ? 2 : 0);
      bytes[at + 1] = 64;
      bytes.fill(i & 0xff, at + 2, at + 66);
    }
    const { events } = feedOpen([bytes]);
    const [event] = events;
    assert.ok(event?.type === 'message' && event.data instanceof Uint8Array);
    assert.equal(event.data.length, 4 * 1024 * 1024);
    assert.equal(event.data[64 * 1000], 1000 & 0xff);
  });
});

describe('RFC 6455 §8.1 invalid UTF-8 in text fails with 1007 as soon as it is seen', () => {
  const bytes = fixtureBytes('text-invalid-utf8-surrogate');
  const badOffset = 14;

  it('fails on the whole fixture, in every split, delivering nothing', () => {
    feedAllSplits(bytes, (chunks) => {
      const { protocol, events } = feedOpen(chunks);
      const error = expectError(events, ErrorCode.InvalidUtf8);
      assert.equal(error.closeCode, 1007);
      assert.equal(events.length, 1);
      expectCloseSent(protocol, 1007);
    });
  });

  it('fails on a partial frame once the bad byte arrives, with the Close already queued', () => {
    assert.equal(bytes[1], 20, 'the frame announces 20 bytes');
    const before = feedOpen([bytes.subarray(0, badOffset)]);
    assert.deepEqual(before.events, [], 'fine up to the byte before');
    assert.deepEqual(sentFrames(before.protocol), []);
    for (const chunks of [
      [bytes.subarray(0, badOffset + 1)],
      [bytes.subarray(0, badOffset), bytes.subarray(badOffset, badOffset + 1)],
    ]) {
      const { protocol, events } = feedOpen(chunks);
      expectError(events, ErrorCode.InvalidUtf8);
      expectCloseSent(protocol, 1007);
    }
  });

  it('fails when a message ends inside a character', () => {
    const { protocol, events } = feedOpen([frame(1, Uint8Array.of(0x61, 0xe2, 0x82))]);
    expectError(events, ErrorCode.InvalidUtf8);
    expectCloseSent(protocol, 1007);
  });

  it('fails in a continuation frame of a fragmented text message', () => {
    const fragmented = concatBytes([frame(1, 'ok', { fin: false }), frame(0, Uint8Array.of(0xff))]);
    feedAllSplits(fragmented, (chunks) => {
      const { protocol, events } = feedOpen(chunks);
      expectError(events, ErrorCode.InvalidUtf8);
      expectCloseSent(protocol, 1007);
    });
  });

  it('does not check binary messages', () => {
    const { events } = feedOpen([frame(2, Uint8Array.of(0xff, 0xfe))]);
    assert.equal(messages(events).length, 1);
  });
});

describe('RFC 6455 §5.5.2 Ping and §5.5.3 Pong', () => {
  it('answers empty and 125-byte Pings with the same payload', () => {
    for (const payload of [new Uint8Array(0), Uint8Array.from({ length: 125 }, (_, i) => i)]) {
      feedAllSplits(frame(9, payload), (chunks) => {
        const { protocol, events } = feedOpen(chunks);
        assert.deepEqual(events, [{ type: 'ping', data: payload }]);
        const sent = sentFrames(protocol);
        assert.equal(sent.length, 1);
        assert.equal(sent[0]!.opcode, 0xa);
        assert.deepEqual(new Uint8Array(sent[0]!.payload), payload);
      });
    }
  });

  it('answers every Ping of a burst, in order', () => {
    const bytes = concatBytes([frame(9, 'a'), frame(9, 'b'), frame(9, 'c')]);
    const { protocol } = feedOpen([bytes]);
    assert.deepEqual(
      sentFrames(protocol).map((f) => text(f.payload)),
      ['a', 'b', 'c'],
    );
  });

  it('with holdPongs (the transport has unsent bytes), answers only the latest Ping', () => {
    const protocol = openProtocol();
    protocol.holdPongs = true;
    for (let i = 0; i < 1000; i++) protocol.receiveData(frame(9, `ping ${i}`));
    assert.equal(protocol.eventsReceived().length, 1000);
    assert.equal(protocol.hasPendingPong, true);
    assert.deepEqual(protocol.dataToSend(false), [], 'held while the transport is busy');
    assert.deepEqual(
      sentFrames(protocol).map((f) => text(f.payload)),
      ['ping 999'],
    );
    assert.equal(protocol.hasPendingPong, false);
    assert.deepEqual(protocol.dataToSend(), []);
  });

  it('a held Pong leaves before our Close, and never after it (§5.5.1)', () => {
    const protocol = openProtocol();
    protocol.holdPongs = true;
    protocol.receiveData(frame(9, 'last'));
    protocol.sendClose(1000);
    assert.deepEqual(
      sentFrames(protocol).map((f) => f.opcode),
      [0xa, 0x8],
    );
    const failing = openProtocol();
    failing.holdPongs = true;
    failing.receiveData(concatBytes([frame(9, 'x'), frame(3)]));
    assert.deepEqual(
      sentFrames(failing).map((f) => f.opcode),
      [0xa, 0x8],
    );
    const answering = openProtocol();
    answering.holdPongs = true;
    answering.receiveData(concatBytes([frame(9, 'y'), frame(8, Uint8Array.of(3, 0xe8))]));
    assert.deepEqual(
      sentFrames(answering).map((f) => f.opcode),
      [0xa, 0x8],
    );
  });

  it('reports a Pong and sends nothing back', () => {
    feedAllSplits(frame(0xa, 'beat'), (chunks) => {
      const { protocol, events } = feedOpen(chunks);
      assert.deepEqual(events, [{ type: 'pong', data: new TextEncoder().encode('beat') }]);
      assert.deepEqual(protocol.dataToSend(), []);
    });
  });

  it('does not answer a Ping after it sent a Close (§5.5.1)', () => {
    const protocol = openProtocol();
    protocol.sendClose(1000);
    protocol.dataToSend();
    protocol.receiveData(frame(9, 'late'));
    assert.deepEqual(protocol.eventsReceived(), [
      { type: 'ping', data: new TextEncoder().encode('late') },
    ]);
    assert.deepEqual(protocol.dataToSend(), []);
  });

  it('keeps the Ping payload it reports independent of later input', () => {
    const input = frame(9, 'abc');
    const protocol = openProtocol();
    protocol.receiveData(input);
    const [event] = protocol.eventsReceived();
    input.fill(0);
    assert.ok(event?.type === 'ping');
    assert.equal(text(event.data), 'abc');
  });
});
