// The conformance case table, numbered after the sections of the Autobahn|Testsuite client
// cases (1 framing, 2 ping/pong, 3 reserved bits, 4 opcodes, 5 fragmentation, 6 UTF-8,
// 7 close, 9 limits and sizes, 10 auto-fragmentation, 12 and 13 compression), plus 14, our own
// compression section. The cases, their grouping and their wording are our own; families are
// generated from small lists. Sections 6, 7, 9 and 10 live in cases-more.ts, 12 to 14 in
// cases-deflate.ts. See docs/conformance.md.

import { deflateCases } from './cases-deflate.js';
import { moreCases } from './cases-more.js';
import {
  accepts,
  asciiOf,
  B,
  binary,
  binaryOf,
  type CaseScript,
  type ConformanceCase,
  caseTable,
  close,
  closePayload,
  compareIds,
  concat,
  continuation,
  ErrorCode,
  fails,
  frame,
  hex,
  Op,
  ping,
  pong,
  protocolError,
  send,
  T,
  text,
  wait,
} from './script.js';

const { cases, add } = caseTable();

// ------------------------------------------------------------------ 1 framing

const LENGTHS = [0, 125, 126, 127, 128, 65535, 65536];

LENGTHS.forEach((length, i) => {
  add(`1.1.${i + 1}`, `text message of ${length} bytes in one frame`, () => {
    const data = asciiOf(length);
    return accepts(text(data), [T(data)]);
  });
  add(`1.2.${i + 1}`, `binary message of ${length} bytes in one frame`, () => {
    const data = binaryOf(length);
    return accepts(binary(data), [B(data)]);
  });
});
add('1.1.8', 'text message of 65536 bytes written in 997-byte pieces', () => {
  const data = asciiOf(65536, 3);
  return accepts(text(data), [T(data)], { chop: 997 });
});
add('1.2.8', 'binary message of 65536 bytes written in 997-byte pieces', () => {
  const data = binaryOf(65536, 3);
  return accepts(binary(data), [B(data)], { chop: 997 });
});

add('1.3.1', 'text frame of 5 bytes with a (non-minimal) 16-bit length accepted', () =>
  accepts(text('short', { lengthForm: 16 }), [T('short')]),
);
add('1.3.2', 'binary frame of 3 bytes with a (non-minimal) 64-bit length accepted', () =>
  accepts(binary(hex('010203'), { lengthForm: 64 }), [B(hex('010203'))]),
);
add('1.3.3', 'text frame of 200 bytes with a 64-bit length, one byte per write', () => {
  const data = asciiOf(200, 9);
  return accepts(text(data, { lengthForm: 64 }), [T(data)], { chop: 1 });
});
add('1.3.4', 'ping with a 16-bit length field (control frames use 7 bits) fails', () =>
  protocolError(ping('abc', { lengthForm: 16 }), ErrorCode.ControlFrameTooLong),
);

add('1.4.1', 'text of 130 bytes (16-bit length) one byte per write', () => {
  const data = asciiOf(130, 5);
  return accepts(text(data), [T(data)], { chop: 1 });
});
add('1.4.2', 'binary of 70000 bytes (64-bit length) in 7-byte writes', () => {
  const data = binaryOf(70000, 5);
  return accepts(binary(data), [B(data)], { chop: 7 });
});
add('1.4.3', 'three messages of different lengths in one write', () => {
  const a = asciiOf(10);
  const b = binaryOf(300);
  const c = asciiOf(70000, 1);
  return accepts([text(a), binary(b), text(c)], [T(a), B(b), T(c)]);
});
add('1.5.1', '64-bit length with the most significant bit set fails', () =>
  protocolError(hex('82 7f 80 00 00 00 00 00 00 05'), ErrorCode.InvalidFrameLength),
);
add('1.5.2', 'masked text frame from the server fails', () =>
  protocolError(text('masked', { mask: true }), ErrorCode.MaskedFrame),
);
add('1.5.3', 'masked binary frame after a valid message fails', () =>
  protocolError(binary(binaryOf(10), { mask: true }), ErrorCode.MaskedFrame, {
    before: { frames: [text('fine')], messages: [T('fine')] },
  }),
);

// ------------------------------------------------------------------ 2 ping/pong

add('2.1', 'ping without payload is answered with an empty pong', () =>
  accepts(ping(), [], { pongs: [''] }),
);
add('2.2', 'ping with a text payload is answered with the same payload', () =>
  accepts(ping('Hello, pong!'), [], { pongs: ['Hello, pong!'] }),
);
add('2.3', 'ping with a binary payload (not UTF-8) is answered with the same bytes', () => {
  const payload = hex('00 ff fe 80 c0 ed a0 80');
  return accepts(ping(payload), [], { pongs: [payload] });
});
add('2.4', 'ping with a 125-byte payload', () => {
  const payload = binaryOf(125, 2);
  return accepts(ping(payload), [], { pongs: [payload] });
});
add('2.5', 'ping with a 126-byte payload fails', () =>
  protocolError(ping(binaryOf(126)), ErrorCode.ControlFrameTooLong),
);
add('2.6', 'ping with a 125-byte payload, one byte per write', () => {
  const payload = asciiOf(125, 4);
  return accepts(ping(payload), [], { pongs: [payload], chop: 1 });
});
add('2.7', 'unsolicited pong without payload is ignored', () => accepts(pong(), []));
add('2.8', 'unsolicited pong with payload is ignored', () => accepts(pong('nobody asked'), []));
add('2.9', 'unsolicited pong then a ping: only the ping is answered', () =>
  accepts([pong('unsolicited'), ping('solicited')], [], { pongs: ['solicited'] }),
);
add('2.10', 'ten pings in one write are answered in order', () => {
  const payloads = Array.from({ length: 10 }, (_, i) => `payload ${i}`);
  return accepts(
    payloads.map((p) => ping(p)),
    [],
    { pongs: payloads },
  );
});
add('2.11', 'ten pings, one byte per write, are answered in order', () => {
  const payloads = Array.from({ length: 10 }, (_, i) => `chopped ${i}`);
  return accepts(
    payloads.map((p) => ping(p)),
    [],
    { pongs: payloads, chop: 1 },
  );
});
add('2.12', 'pings interleaved with messages', () =>
  accepts(
    [text('one'), ping('a'), binary(hex('02')), ping('b'), text('three')],
    [T('one'), B(hex('02')), T('three')],
    { pongs: ['a', 'b'] },
  ),
);

// ------------------------------------------------------------------ 3 reserved bits

const RSV_KINDS: [string, (rsv: number) => CaseScript][] = [
  ['small text frame', (rsv) => protocolError(text('reserved', { rsv }), ErrorCode.ReservedBits)],
  [
    'text frame right behind a valid message (one write), then a ping',
    (rsv) =>
      protocolError([text('second', { rsv }), ping('unanswered')], ErrorCode.ReservedBits, {
        before: { frames: [text('first')], messages: [T('first')] },
      }),
  ],
  [
    'binary frame, one byte per write',
    (rsv) => protocolError(binary(binaryOf(20), { rsv }), ErrorCode.ReservedBits, { chop: 1 }),
  ],
  ['ping', (rsv) => protocolError(ping('rsv', { rsv }), ErrorCode.ReservedBits)],
  [
    'close',
    (rsv) => protocolError(frame(Op.Close, closePayload(1000), { rsv }), ErrorCode.ReservedBits),
  ],
  [
    'continuation inside a fragmented text message',
    (rsv) =>
      protocolError(
        [text('start', { fin: false }), continuation('end', { rsv })],
        ErrorCode.ReservedBits,
      ),
  ],
  [
    'text frame behind a valid message, then a ping, written frame by frame',
    (rsv) =>
      protocolError([text('second', { rsv }), ping('unanswered')], ErrorCode.ReservedBits, {
        before: { frames: [text('first')], messages: [T('first')] },
        frameByFrame: true,
      }),
  ],
  [
    'text frame behind a valid message, then a ping, one byte per write',
    (rsv) =>
      protocolError([text('second', { rsv }), ping('unanswered')], ErrorCode.ReservedBits, {
        before: { frames: [text('first')], messages: [T('first')] },
        chop: 1,
      }),
  ],
];
RSV_KINDS.forEach(([kind, build], k) => {
  for (let rsv = 1; rsv <= 7; rsv++) {
    const bits = rsv.toString(2).padStart(3, '0');
    add(`3.${k + 1}.${rsv}`, `RSV ${bits} on a ${kind} fails`, () => build(rsv));
  }
});

// ------------------------------------------------------------------ 4 opcodes

const DATA_RESERVED = [3, 4, 5, 6, 7];
const CONTROL_RESERVED = [0xb, 0xc, 0xd, 0xe, 0xf];
const name = (opcode: number) => `0x${opcode.toString(16)}`;

DATA_RESERVED.forEach((opcode, i) => {
  add(`4.1.${i + 1}`, `reserved data opcode ${name(opcode)}, empty payload`, () =>
    protocolError(frame(opcode), ErrorCode.ReservedOpcode),
  );
});
CONTROL_RESERVED.forEach((opcode, i) => {
  add(`4.2.${i + 1}`, `reserved control opcode ${name(opcode)}, empty payload`, () =>
    protocolError(frame(opcode), ErrorCode.ReservedOpcode),
  );
});
[...DATA_RESERVED, ...CONTROL_RESERVED].forEach((opcode, i) => {
  add(
    `4.3.${i + 1}`,
    `reserved opcode ${name(opcode)} with payload right behind a valid message, then a ping`,
    () =>
      protocolError([frame(opcode, 'reserved'), ping('unanswered')], ErrorCode.ReservedOpcode, {
        before: { frames: [text('before')], messages: [T('before')] },
      }),
  );
  add(
    `4.4.${i + 1}`,
    `reserved opcode ${name(opcode)} inside a fragmented message, one byte per write`,
    () =>
      protocolError(
        [text('frag', { fin: false }), frame(opcode, binaryOf(5)), continuation('ment')],
        ErrorCode.ReservedOpcode,
        { chop: 1 },
      ),
  );
  add(
    `4.5.${i + 1}`,
    `reserved opcode ${name(opcode)} behind a valid message, then a ping, one byte per write`,
    () =>
      protocolError([frame(opcode, 'reserved'), ping('unanswered')], ErrorCode.ReservedOpcode, {
        before: { frames: [text('before')], messages: [T('before')] },
        chop: 1,
      }),
  );
});

// ------------------------------------------------------------------ 5 fragmentation

add('5.1', 'ping split into two fragments fails', () =>
  protocolError([ping('frag', { fin: false }), continuation('ment')], ErrorCode.FragmentedControl),
);
add('5.2', 'pong split into two fragments fails', () =>
  protocolError([pong('frag', { fin: false }), continuation('ment')], ErrorCode.FragmentedControl),
);
add('5.3', 'text message in two fragments', () =>
  accepts([text('frag', { fin: false }), continuation('ment')], [T('fragment')]),
);
add('5.4', 'text message in two fragments, one byte per write', () =>
  accepts([text('frag', { fin: false }), continuation('ment')], [T('fragment')], { chop: 1 }),
);
add('5.5', 'text message in two fragments sent in separate writes', () => ({
  steps: [send(text('frag', { fin: false })), send(continuation('ment')), wait(1), close(1000)],
  expect: { messages: [T('fragment')], echoMatch: 'exact', pongs: [], clientClose: 'echo' },
}));
add('5.6', 'text message in two fragments with a ping between them', () =>
  accepts(
    [text('frag', { fin: false }), ping('in between'), continuation('ment')],
    [T('fragment')],
    { pongs: ['in between'] },
  ),
);
add('5.7', 'same as 5.6, one byte per write', () =>
  accepts(
    [text('frag', { fin: false }), ping('in between'), continuation('ment')],
    [T('fragment')],
    { pongs: ['in between'], chop: 1 },
  ),
);
add('5.8', 'the ping between two fragments is answered before the message completes', () => ({
  steps: [
    send([text('frag', { fin: false }), ping('early')]),
    wait(0, 1),
    send(continuation('ment')),
    wait(1, 1),
    close(1000),
  ],
  expect: {
    messages: [T('fragment')],
    echoMatch: 'exact',
    pongs: [new TextEncoder().encode('early')],
    clientClose: 'echo',
  },
}));
add('5.9', 'continuation (FIN set) without a started message fails', () =>
  protocolError([continuation('orphan'), text('never')], ErrorCode.UnexpectedContinuation),
);
add('5.10', 'same as 5.9, one byte per write', () =>
  protocolError([continuation('orphan'), text('never')], ErrorCode.UnexpectedContinuation, {
    chop: 1,
  }),
);
add('5.11', 'continuation (FIN clear) without a started message fails', () =>
  protocolError(
    [continuation('orphan', { fin: false }), continuation('s')],
    ErrorCode.UnexpectedContinuation,
  ),
);
add('5.12', 'same as 5.11, one byte per write', () =>
  protocolError(
    [continuation('orphan', { fin: false }), continuation('s')],
    ErrorCode.UnexpectedContinuation,
    { chop: 1 },
  ),
);
add('5.13', 'continuation right after a complete (echoed) message fails', () =>
  protocolError(continuation('late'), ErrorCode.UnexpectedContinuation, {
    before: { frames: [text('complete')], messages: [T('complete')] },
  }),
);
add('5.14', 'new text frame while a text message is unfinished fails', () =>
  protocolError([text('one', { fin: false }), text('two')], ErrorCode.ExpectedContinuation),
);
add('5.15', 'new binary frame while a text message is unfinished fails', () =>
  protocolError(
    [text('one', { fin: false }), binary('two', { fin: false })],
    ErrorCode.ExpectedContinuation,
  ),
);
add('5.16', 'new text frame while a binary message is unfinished, after a ping, fails', () =>
  protocolError(
    [binary('one', { fin: false }), ping('p'), text('two')],
    ErrorCode.ExpectedContinuation,
    { pongs: ['p'] },
  ),
);
add('5.17', 'a fragmented message, then a stray continuation, fails after the echo', () =>
  protocolError(
    [continuation('stray', { fin: false }), continuation('x')],
    ErrorCode.UnexpectedContinuation,
    {
      before: {
        frames: [text('fr', { fin: false }), continuation('ag', { fin: false }), continuation('s')],
        messages: [T('frags')],
      },
    },
  ),
);
add('5.18', 'text message made of three empty fragments', () =>
  accepts([text('', { fin: false }), continuation('', { fin: false }), continuation('')], [T('')]),
);
/** The frames of 5.19 and 5.20: text in five fragments with two pings among them. */
const fiveFragmentsTwoPings = () => [
  text('one ', { fin: false }),
  continuation('two ', { fin: false }),
  ping('ping 1'),
  continuation('three ', { fin: false }),
  continuation('four ', { fin: false }),
  ping('ping 2'),
  continuation('five'),
];
add('5.19', 'text in five fragments with two pings among them', () =>
  accepts(fiveFragmentsTwoPings(), [T('one two three four five')], { pongs: ['ping 1', 'ping 2'] }),
);
add('5.20', 'same as 5.19, one byte per write', () =>
  accepts(fiveFragmentsTwoPings(), [T('one two three four five')], {
    pongs: ['ping 1', 'ping 2'],
    chop: 1,
  }),
);
add('5.21', 'binary in three fragments with an unsolicited pong among them', () =>
  accepts(
    [
      binary(hex('01'), { fin: false }),
      pong('ignored'),
      continuation(hex('02'), { fin: false }),
      continuation(hex('03')),
    ],
    [B(hex('010203'))],
  ),
);
add('5.22', 'text of 1000 one-byte fragments', () => {
  const data = asciiOf(1000, 8);
  return accepts(
    concat(
      Array.from(data, (_, i) =>
        frame(i === 0 ? Op.Text : Op.Continuation, data.subarray(i, i + 1), { fin: i === 999 }),
      ),
    ),
    [T(data)],
  );
});
add('5.23', 'binary with empty first and last fragments', () =>
  accepts(
    [binary('', { fin: false }), continuation(binaryOf(300), { fin: false }), continuation('')],
    [B(binaryOf(300))],
  ),
);
add('5.24', 'two fragmented messages back to back, text then binary', () =>
  accepts(
    [
      text('ab', { fin: false }),
      continuation('cd'),
      binary(hex('0a'), { fin: false }),
      continuation(hex('0b')),
    ],
    [T('abcd'), B(hex('0a0b'))],
  ),
);
add('5.25', 'a fragmented text whose ping arrives one byte per write with the fragments', () =>
  fails(
    [text('ok', { fin: false }), ping('p'), continuation('!', { fin: false }), text('bad')],
    ErrorCode.ExpectedContinuation,
    1002,
    { chop: 1, pongs: ['p'] },
  ),
);
/** Autobahn's 5.15: a fragmented message, then a continuation with nothing to continue. */
const strayAfterFragments = (chop?: number) =>
  protocolError(
    [continuation('stray', { fin: false }), text('never')],
    ErrorCode.UnexpectedContinuation,
    {
      before: {
        frames: [text('frag', { fin: false }), continuation('ment')],
        messages: [T('fragment')],
      },
      ...(chop === undefined ? {} : { chop }),
    },
  );
add('5.26', 'a two-fragment text, a stray continuation and a text, all in one write', () =>
  strayAfterFragments(),
);
add('5.27', 'same as 5.26, one byte per write', () => strayAfterFragments(1));

/** Every case, in id order. */
export const conformanceCases: readonly ConformanceCase[] = [
  ...cases,
  ...moreCases,
  ...deflateCases,
].sort((a, b) => compareIds(a.id, b.id));
