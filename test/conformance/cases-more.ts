// Conformance cases, second half: 6 UTF-8, 7 close handling, 9 limits and sizes, 10
// auto-fragmentation. Same vocabulary as cases.ts (see script.ts).

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
  concat,
  continuation,
  ErrorCode,
  fails,
  fragments,
  frame,
  hex,
  Op,
  ping,
  protocolError,
  send,
  T,
  text,
  wait,
} from './script.js';

const { cases, add } = caseTable();

const utf8 = (text: string) => new TextEncoder().encode(text);

// ------------------------------------------------------------------ 6 UTF-8

const VALID: [string, Uint8Array][] = [
  ['the empty string', new Uint8Array(0)],
  ['plain ASCII', utf8('Hello, conformance!')],
  ['Greek', utf8('κόσμε')],
  ['mixed scripts and an emoji', utf8('wsc: ünïcødé ✓ 日本語 😀')],
  ['U+0000', hex('00')],
  ['U+007F', hex('7f')],
  ['U+0080, the smallest 2-byte character', hex('c2 80')],
  ['U+07FF, the largest 2-byte character', hex('df bf')],
  ['U+0800, the smallest 3-byte character', hex('e0 a0 80')],
  ['U+D7FF, just below the surrogates', hex('ed 9f bf')],
  ['U+E000, just above the surrogates', hex('ee 80 80')],
  ['U+FEFF (byte order mark) at the start', hex('ef bb bf 61')],
  ['U+FFFD, the replacement character', hex('ef bf bd')],
  ['the noncharacters U+FFFE and U+FFFF', hex('ef bf be ef bf bf')],
  ['U+10000, the smallest 4-byte character', hex('f0 90 80 80')],
  ['U+10FFFF, the largest code point', hex('f4 8f bf bf')],
  ['one character of each length', utf8('aß€𝄞')],
  ['300 bytes of mixed characters', utf8('ä€𝄞x'.repeat(30))],
];

/** [description, bytes, true when the bytes are only wrong because the message ends] */
const INVALID: [string, string, boolean?][] = [
  ['a lone continuation byte 0x80', '80'],
  ['a lone continuation byte 0xBF', 'bf'],
  ['four continuation bytes in a row', '80 bf 80 bf'],
  ['0xC2 followed by a space', 'c2 20'],
  ['0xDF followed by a space', 'df 20'],
  ['0xE0 followed by a space', 'e0 20'],
  ['0xEF followed by a space', 'ef 20'],
  ['0xF0 followed by a space', 'f0 20'],
  ['0xF4 followed by a space', 'f4 20'],
  ['the byte 0xC0', 'c0 80'],
  ['the byte 0xC1', 'c1 bf'],
  ['the byte 0xF5', 'f5 80 80 80'],
  ['a 5-byte form (0xF8)', 'f8 88 80 80 80'],
  ['a 6-byte form (0xFC)', 'fc 84 80 80 80 80'],
  ['the byte 0xFE', 'fe'],
  ['the byte 0xFF', 'ff'],
  ['"/" encoded in 2 bytes (overlong)', 'c0 af'],
  ['"/" encoded in 3 bytes (overlong)', 'e0 80 af'],
  ['"/" encoded in 4 bytes (overlong)', 'f0 80 80 af'],
  ['U+07FF encoded in 3 bytes (overlong)', 'e0 9f bf'],
  ['U+FFFF encoded in 4 bytes (overlong)', 'f0 8f bf bf'],
  ['the surrogate U+D800', 'ed a0 80'],
  ['the surrogate U+DB7F', 'ed ad bf'],
  ['the surrogate U+DC00', 'ed b0 80'],
  ['the surrogate U+DFFF', 'ed bf bf'],
  ['a surrogate pair encoded as two characters', 'ed a0 80 ed b0 80'],
  ['U+110000, above the largest code point', 'f4 90 80 80'],
  ['U+1FFFFF, far above the largest code point', 'f7 bf bf bf'],
  ['a 3-byte character missing its last byte, then ASCII', 'e2 82 41'],
  ['a 2-byte character cut by the end of the message', 'c3', true],
  ['a 3-byte character cut by the end of the message', 'e2 82', true],
  ['a 4-byte character cut by the end of the message', 'f0 9f 98', true],
];

const PREFIX = utf8('κόσμε ');
const SUFFIX = utf8(' end');

function invalidPayload(bytesHex: string, cutByEnd = false): Uint8Array {
  return concat(cutByEnd ? [PREFIX, hex(bytesHex)] : [PREFIX, hex(bytesHex), SUFFIX]);
}

/** One frame per byte: a text frame, then continuations. */
function perByte(payload: Uint8Array): Uint8Array {
  if (payload.length === 0) return text('');
  return concat(
    Array.from(payload, (_, i) =>
      frame(i === 0 ? Op.Text : Op.Continuation, payload.subarray(i, i + 1), {
        fin: i === payload.length - 1,
      }),
    ),
  );
}

const invalidUtf8 = (frames: Uint8Array | Uint8Array[], chop?: number) =>
  fails(frames, ErrorCode.InvalidUtf8, 1007, chop === undefined ? {} : { chop });

VALID.forEach(([what, payload], i) => {
  const n = i + 1;
  add(`6.1.${n}`, `valid text, ${what}, in one frame`, () => accepts(text(payload), [T(payload)]));
  add(`6.2.${n}`, `valid text, ${what}, one fragment per byte`, () =>
    accepts(perByte(payload), [T(payload)]),
  );
  add(`6.3.${n}`, `valid text, ${what}, one frame written one byte at a time`, () =>
    accepts(text(payload), [T(payload)], { chop: 1 }),
  );
});

INVALID.forEach(([what, bytesHex, cutByEnd], i) => {
  const n = i + 1;
  add(`6.4.${n}`, `invalid text, ${what}, in one frame`, () =>
    invalidUtf8(text(invalidPayload(bytesHex, cutByEnd))),
  );
  add(`6.5.${n}`, `invalid text, ${what}, one fragment per byte`, () =>
    invalidUtf8(perByte(invalidPayload(bytesHex, cutByEnd))),
  );
  add(`6.6.${n}`, `invalid text, ${what}, one frame written one byte at a time`, () =>
    invalidUtf8(text(invalidPayload(bytesHex, cutByEnd)), 1),
  );
});

// Fail fast: the frame announces 1000 more bytes than are ever sent. A client that checks
// UTF-8 only on complete frames or messages waits forever and the case times out.
INVALID.filter(([, , cutByEnd]) => !cutByEnd).forEach(([what, bytesHex], i) => {
  add(`6.7.${i + 1}`, `invalid text, ${what}, in a frame whose rest never arrives`, () => {
    const sent = concat([PREFIX, hex(bytesHex)]);
    const whole = text(concat([sent, new Uint8Array(1000)]));
    const headerLength = whole.length - sent.length - 1000;
    return invalidUtf8(whole.subarray(0, headerLength + sent.length));
  });
});

add('6.8.1', 'valid text split into two fragments at every byte offset', () => {
  const payload = utf8('aß€𝄞 κόσμε 😀');
  const frames: Uint8Array[] = [];
  for (let cut = 0; cut <= payload.length; cut++) {
    frames.push(
      text(payload.subarray(0, cut), { fin: false }),
      continuation(payload.subarray(cut)),
    );
  }
  return accepts(
    frames,
    Array.from({ length: payload.length + 1 }, () => T(payload)),
  );
});
add('6.8.2', 'valid 4-byte characters split across three fragments with pings between', () =>
  accepts(
    [
      text(hex('f0 9f'), { fin: false }),
      ping('p1'),
      continuation(hex('98 80 f0'), { fin: false }),
      ping('p2'),
      continuation(hex('9f 98 81')),
    ],
    [T(hex('f0 9f 98 80 f0 9f 98 81'))],
    { pongs: ['p1', 'p2'] },
  ),
);
add('6.9.1', 'a valid message is echoed, then the next one is invalid', () =>
  fails(text(hex('41 ed a0 80')), ErrorCode.InvalidUtf8, 1007, {
    before: { frames: [text('valid first')], messages: [T('valid first')] },
  }),
);
add('6.9.2', 'valid first fragment, invalid continuation', () =>
  invalidUtf8([text('all good so far', { fin: false }), continuation(hex('c0 af'))]),
);
add('6.9.3', 'a sequence left open at the end of a fragmented message', () =>
  invalidUtf8([text(hex('e2 82'), { fin: false }), continuation('')]),
);
add('6.9.4', 'invalid bytes in a binary message are fine', () =>
  accepts(binary(hex('c0 af ed a0 80 ff')), [B(hex('c0 af ed a0 80 ff'))]),
);

// ------------------------------------------------------------------ 7 close

const echoClose = (steps: CaseScript['steps'], messages = [] as ReturnType<typeof T>[]) =>
  ({
    steps,
    expect: { messages, echoMatch: 'exact', pongs: [], clientClose: 'echo' },
  }) satisfies CaseScript;

add('7.1.1', 'a message is echoed, then the server closes normally', () =>
  accepts(text('Hello'), [T('Hello')]),
);
add('7.1.2', 'the server sends Close twice: the second is ignored', () =>
  echoClose([close(1000), close(1001)]),
);
add('7.1.3', 'a ping after the server Close is not answered', () =>
  echoClose([close(1000), send(ping('too late'))]),
);
add('7.1.4', 'a text message after the server Close is not delivered', () =>
  echoClose([close(1000), send(text('too late'))]),
);
add('7.1.5', 'Close between the fragments of a message: the message is dropped', () =>
  echoClose([send(text('fragment', { fin: false })), close(1000), send(continuation('lost'))]),
);
add('7.1.6', 'a 256 KiB message and the Close right behind it', () => {
  const data = asciiOf(256 * 1024, 6);
  return {
    steps: [send(text(data)), close(1000)],
    // The echo may be refused when the Close was read in the same chunk as the message.
    expect: { messages: [T(data)], echoMatch: 'prefix', pongs: [], clientClose: 'echo' },
  };
});
add('7.1.7', 'a reserved opcode after the server Close is ignored', () =>
  echoClose([close(1000), send(frame(0x5, 'ignored'))]),
);

add('7.2.1', 'Close with an empty payload is answered with an empty Close', () =>
  echoClose([close()]),
);
add('7.2.2', 'Close with a 1-byte payload fails', () =>
  protocolError(frame(Op.Close, hex('03')), ErrorCode.InvalidClosePayload),
);
add('7.2.3', 'Close with a code and no reason', () => echoClose([close(1000)]));
add('7.2.4', 'Close with a code and a short reason', () =>
  echoClose([close(1000, 'Goodbye, client')]),
);
add('7.2.5', 'Close with a 123-byte reason, the largest that fits', () =>
  echoClose([close(1000, 'r'.repeat(123))]),
);
add('7.2.6', 'Close with a 124-byte reason (a 126-byte control frame) fails', () =>
  protocolError(
    frame(Op.Close, closePayload(1000, 'r'.repeat(124))),
    ErrorCode.ControlFrameTooLong,
  ),
);
add('7.2.7', 'Close with a multi-byte UTF-8 reason', () =>
  echoClose([close(1001, 'Auf Wiedersehen ✓ さようなら 👋')]),
);
add('7.2.8', 'Close with a reason, one byte per write', () =>
  echoClose([close(1000, 'slowly closing', 1)]),
);
add('7.2.9', 'Close reason starting with U+FEFF keeps it', () =>
  echoClose([close(1000, hex('ef bb bf 62 79 65'))]),
);

const BAD_REASONS: [string, string][] = [
  ['a lone continuation byte', '80'],
  ['a surrogate', 'ed a0 80'],
  ['an overlong encoding', 'c0 af'],
  ['a code point above U+10FFFF', 'f4 90 80 80'],
  ['a truncated character at the end', '6f 6b e2 82'],
  ['the byte 0xFF after valid text', '62 79 65 ff'],
];
BAD_REASONS.forEach(([what, reasonHex], i) => {
  add(`7.3.${i + 1}`, `Close reason with ${what} fails with 1007`, () =>
    fails(frame(Op.Close, closePayload(1000, hex(reasonHex))), ErrorCode.InvalidUtf8, 1007),
  );
});

const VALID_CODES = [
  1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 3999, 4000, 4999,
];
VALID_CODES.forEach((code, i) => {
  add(`7.4.${i + 1}`, `Close code ${code} is echoed`, () => echoClose([close(code, 'bye')]));
});
const INVALID_CODES = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535];
INVALID_CODES.forEach((code, i) => {
  add(`7.5.${i + 1}`, `Close code ${code} must not be sent: the client fails with 1002`, () =>
    protocolError(frame(Op.Close, closePayload(code)), ErrorCode.InvalidCloseCode),
  );
});

// ------------------------------------------------------------------ 9 limits and sizes

const KiB = 1024;
const MiB = 1024 * KiB;
const SIZES = [64 * KiB, 256 * KiB, MiB, 4 * MiB, 8 * MiB, 16 * MiB];
const sizeName = (size: number) => (size >= MiB ? `${size / MiB} MiB` : `${size / KiB} KiB`);
const bigLimit = { limitMs: 60_000 };

SIZES.forEach((size, i) => {
  add(
    `9.1.${i + 1}`,
    `text message of ${sizeName(size)} in one frame`,
    () => {
      const data = asciiOf(size, i);
      return accepts(text(data), [T(data)]);
    },
    bigLimit,
  );
  add(
    `9.2.${i + 1}`,
    `binary message of ${sizeName(size)} in one frame`,
    () => {
      const data = binaryOf(size, i);
      return accepts(binary(data), [B(data)]);
    },
    bigLimit,
  );
});

const FRAGMENT_SIZES = [64, 256, KiB, 4 * KiB, 16 * KiB, 64 * KiB, 256 * KiB, MiB];
FRAGMENT_SIZES.forEach((size, i) => {
  add(
    `9.3.${i + 1}`,
    `text message of 1 MiB in fragments of ${size} bytes`,
    () => {
      const data = asciiOf(MiB, i);
      return accepts(fragments(Op.Text, data, size), [T(data)]);
    },
    bigLimit,
  );
  add(
    `9.4.${i + 1}`,
    `binary message of 1 MiB in fragments of ${size} bytes`,
    () => {
      const data = binaryOf(MiB, i);
      return accepts(fragments(Op.Binary, data, size), [B(data)]);
    },
    bigLimit,
  );
});

const CHOP_SIZES = [64, 128, 256, 512, 1024, 2048];
CHOP_SIZES.forEach((chop, i) => {
  add(
    `9.5.${i + 1}`,
    `text message of 256 KiB written in ${chop}-byte pieces`,
    () => {
      const data = asciiOf(256 * KiB, i);
      return accepts(text(data), [T(data)], { chop });
    },
    bigLimit,
  );
  add(
    `9.6.${i + 1}`,
    `binary message of 256 KiB written in ${chop}-byte pieces`,
    () => {
      const data = binaryOf(256 * KiB, i);
      return accepts(binary(data), [B(data)], { chop });
    },
    bigLimit,
  );
});

const ROUND_TRIP_SIZES = [0, 16, 64, 256, 1024, 4096];
const roundTrips = (binaryMessages: boolean, size: number): CaseScript => {
  const count = 1000;
  const steps: CaseScript['steps'][number][] = [];
  const messages = [];
  for (let i = 0; i < count; i++) {
    const data = binaryMessages ? binaryOf(size, i) : asciiOf(size, i);
    steps.push(send(binaryMessages ? binary(data) : text(data)), wait(i + 1));
    messages.push(binaryMessages ? B(data) : T(data));
  }
  steps.push(close(1000));
  return { steps, expect: { messages, echoMatch: 'exact', pongs: [], clientClose: 'echo' } };
};
ROUND_TRIP_SIZES.forEach((size, i) => {
  add(
    `9.7.${i + 1}`,
    `1000 text messages of ${size} bytes, each echoed before the next`,
    () => roundTrips(false, size),
    bigLimit,
  );
  add(
    `9.8.${i + 1}`,
    `1000 binary messages of ${size} bytes, each echoed before the next`,
    () => roundTrips(true, size),
    bigLimit,
  );
});

const limit = { maxMessageBytes: 64 * KiB, maxFragments: 100 };
add(
  '9.9.1',
  'a message of exactly maxMessageBytes is accepted',
  () => {
    const data = binaryOf(64 * KiB);
    return accepts(binary(data), [B(data)]);
  },
  { options: limit },
);
add(
  '9.9.2',
  'a message one byte over maxMessageBytes fails with 1009',
  () => fails(text(asciiOf(64 * KiB + 1)), ErrorCode.MessageTooBig, 1009),
  { options: limit },
);
add(
  '9.9.3',
  'fragments adding up to more than maxMessageBytes fail with 1009',
  () =>
    fails(fragments(Op.Binary, binaryOf(64 * KiB + 10), 16 * KiB), ErrorCode.MessageTooBig, 1009),
  { options: limit },
);
add(
  '9.9.4',
  'a message of exactly maxFragments fragments is accepted',
  () => {
    const data = asciiOf(100);
    return accepts(fragments(Op.Text, data, 1), [T(data)]);
  },
  { options: limit },
);
add(
  '9.9.5',
  'one fragment more than maxFragments fails with 1009',
  () => fails(fragments(Op.Text, asciiOf(101), 1), ErrorCode.TooManyFragments, 1009),
  { options: limit },
);
add('9.9.6', 'a header announcing 1 TiB fails with 1009 before any payload', () =>
  fails(hex('82 7f 00 00 01 00 00 00 00 00'), ErrorCode.MessageTooBig, 1009),
);
add(
  '9.9.7',
  'over-limit header after an echoed message, one byte per write',
  () =>
    fails(hex('81 7f 00 00 00 00 00 10 00 00'), ErrorCode.MessageTooBig, 1009, {
      before: { frames: [text('small')], messages: [T('small')] },
      chop: 1,
    }),
  { options: limit },
);

// ------------------------------------------------------------------ 10 auto-fragmentation

add('10.1.1', 'text of 64 KiB in 1300-byte fragments', () => {
  const data = asciiOf(64 * KiB, 10);
  return accepts(fragments(Op.Text, data, 1300), [T(data)]);
});
add('10.1.2', 'binary of 64 KiB in 1300-byte fragments', () => {
  const data = binaryOf(64 * KiB, 10);
  return accepts(fragments(Op.Binary, data, 1300), [B(data)]);
});
add('10.1.3', 'text of 4-byte characters in 1301-byte fragments (characters split)', () => {
  const data = utf8('😀'.repeat(16 * KiB));
  return accepts(fragments(Op.Text, data, 1301), [T(data)]);
});
add('10.1.4', 'text of 64 KiB in 1300-byte fragments with a ping after each', () => {
  const data = asciiOf(64 * KiB, 11);
  const parts = fragments(Op.Text, data, 1300);
  const pings = parts.map((_, i) => `p${i}`);
  const frames = parts.flatMap((part, i) => [part, ping(pings[i])]);
  return accepts(frames, [T(data)], { pongs: pings });
});
add('10.1.5', 'binary of 64 KiB in 1300-byte fragments written in 1000-byte pieces', () => {
  const data = binaryOf(64 * KiB, 12);
  return accepts(fragments(Op.Binary, data, 1300), [B(data)], { chop: 1000 });
});

export const moreCases: readonly ConformanceCase[] = cases;
