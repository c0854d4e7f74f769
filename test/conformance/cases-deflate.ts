// Conformance cases for permessage-deflate (RFC 7692): 12 different payloads, 13 different
// parameters (numbered as the Autobahn client cases number them), and 14, our own section of
// compressed frames that break the rules. Same vocabulary as cases.ts (see script.ts); the
// server compresses with ServerDeflater, the runner inflates the echoes (conformance.test.ts).
//
// Every case of 12 and 13 runs one grid entry: a message size from 16 bytes to 128 KiB and a
// count of messages (1000 of 16 bytes; fewer as they grow, at most 256 KiB per case so the
// table stays quick), all written at once; entries 11-18 send each compressed message in three
// frames. See docs/conformance.md.

import { deflateRawSync } from 'node:zlib';
import type { PerMessageDeflateOptions } from '../../src/core/permessage-deflate.js';
import {
  B,
  binary,
  type CaseScript,
  type ConformanceCase,
  caseTable,
  close,
  concat,
  continuation,
  type DeflateAgreement,
  type Echo,
  ErrorCode,
  fails,
  hex,
  Op,
  ping,
  protocolError,
  ServerDeflater,
  send,
  T,
  text,
  wait,
} from './script.js';

const { cases, add } = caseTable();

const KiB = 1024;
const encoder = new TextEncoder();

// ------------------------------------------------------------------ payloads

/** A small seeded generator (xorshift32): the same case always sends the same bytes. */
function randomSource(seed: number): () => number {
  let state = (seed * 0x9e3779b1 + 0x6d2b79f5) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state;
  };
}

/**
 * Text of exactly `size` UTF-8 bytes: pieces from `next` until there are enough, cut at a
 * character boundary and padded with spaces.
 */
function textOf(size: number, next: () => string): Uint8Array {
  const pieces: string[] = [];
  let length = 0;
  while (length < size) {
    const piece = next();
    pieces.push(piece);
    length += piece.length; // code units: at most the byte count
  }
  // At least `size` bytes, as a character is at least as many bytes as code units.
  const encoded = encoder.encode(pieces.join(''));
  let end = size;
  while (end > 0 && end < encoded.length && (encoded[end]! & 0xc0) === 0x80) end--;
  const out = new Uint8Array(size).fill(0x20);
  out.set(encoded.subarray(0, end));
  return out;
}

/** Log-like lines that repeat with small changes: very compressible text. */
function repetitiveText(size: number, seed: number): Uint8Array {
  let line = 0;
  return textOf(size, () => {
    line++;
    return `[worker ${seed % 7}] step ${line % 50} state=ready queue=${line % 4} ok\n`;
  });
}

const GREETINGS = [
  'hi',
  'hello there',
  'good morning',
  'bonjour',
  'grüß dich',
  'hej hej',
  'olá',
  'γεια σου',
  'здравствуйте',
  'שלום',
  'مرحبا',
  'नमस्ते',
  'こんにちは',
  '你好',
  '안녕하세요',
  '👋',
  '🙂',
  'how are you?',
  'see you soon',
  'nice to meet you',
];

/** Short chat lines mixing scripts, 1- to 4-byte characters: mildly compressible text. */
function greetingText(size: number, seed: number): Uint8Array {
  const random = randomSource(seed);
  return textOf(size, () => {
    const first = GREETINGS[random() % GREETINGS.length]!;
    const second = GREETINGS[random() % GREETINGS.length]!;
    return `${first}, ${second}${random() % 3 === 0 ? '!' : '.'} `;
  });
}

// Common English words, most frequent first: picked with a skewed distribution.
const WORDS = (
  'the of and to in is that it for was on with as be at by this had not are but from or ' +
  'have an they which one you were her all she there would their we him been has when who ' +
  'will more no if out so said what up its about into than them can only other new some ' +
  'could time these two may then do first any my now such like our over man me even most ' +
  'made after also did many before must through back years where much your way well down ' +
  'should because each just those people how too little state good very make world still ' +
  'own see men work long get here between both life being under never day same another know ' +
  'while last might great old year off come since against go came right used take three'
).split(' ');

/** Sentences of common words in a skewed mix: text that compresses like prose. */
function proseText(size: number, seed: number): Uint8Array {
  const random = randomSource(seed);
  let word = 0;
  return textOf(size, () => {
    // Taking the smaller of two draws favours the frequent words at the front.
    const pick = Math.min(random() % WORDS.length, random() % WORDS.length);
    const chosen = WORDS[pick]!;
    word++;
    if (word % 11 === 1) return `${chosen[0]!.toUpperCase()}${chosen.slice(1)} `;
    return word % 11 === 0 ? `${chosen}. ` : `${chosen} `;
  });
}

/**
 * Sensor-like records of 16 bytes (little-endian): a counter, a time that grows by small
 * steps, one of eight ids, a slowly drifting value and rare flags. Compressible binary.
 */
function recordBinary(size: number, seed: number): Uint8Array {
  const random = randomSource(seed);
  const out = new Uint8Array(Math.ceil(size / 16) * 16);
  const view = new DataView(out.buffer);
  let time = 1_700_000_000 + seed;
  let value = 500;
  for (let at = 0, index = 0; at < out.length; at += 16, index++) {
    time += 1 + (random() % 3);
    value += (random() % 5) - 2;
    view.setUint32(at, index, true);
    view.setUint32(at + 4, time, true);
    view.setUint16(at + 8, random() % 8, true);
    view.setInt16(at + 10, value, true);
    view.setUint32(at + 12, random() % 64 === 0 ? random() : 0, true);
  }
  return out.subarray(0, size);
}

/** Seeded random bytes: deflate cannot make them smaller (it falls back to stored blocks). */
function randomBinary(size: number, seed: number): Uint8Array {
  const random = randomSource(seed);
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i += 4) {
    const word = random();
    for (let j = 0; j < 4 && i + j < size; j++) out[i + j] = (word >>> (8 * j)) & 0xff;
  }
  return out;
}

interface PayloadKind {
  readonly name: string;
  readonly type: 'text' | 'binary';
  readonly make: (size: number, seed: number) => Uint8Array;
}

const KINDS: readonly PayloadKind[] = [
  { name: 'repetitive log-like text', type: 'text', make: repetitiveText },
  { name: 'short multilingual greetings', type: 'text', make: greetingText },
  { name: 'prose-like text', type: 'text', make: proseText },
  { name: 'structured binary records', type: 'binary', make: recordBinary },
  { name: 'random binary', type: 'binary', make: randomBinary },
];

// ------------------------------------------------------------------ the size/count grid

interface GridEntry {
  readonly size: number;
  readonly count: number;
  /** Frames per compressed message (RSV1 on the first). */
  readonly pieces: number;
}

const SIZES = [16, 64, 256, KiB, 4 * KiB, 8 * KiB, 16 * KiB, 32 * KiB, 64 * KiB, 128 * KiB];

/** Messages per size in entries 1-10: 1000 of the smallest, then 16 KiB to 256 KiB in all. */
const COUNTS = [1000, 500, 250, 128, 32, 16, 8, 4, 2, 2];

/**
 * 18 entries: 1-10 every size in one frame per message; 11-18 the sizes from 256 bytes, each
 * message in three frames, as many as fit in 128 KiB (at most 100, at least 2).
 */
const GRID: readonly GridEntry[] = [
  ...SIZES.map((size, i) => ({ size, count: COUNTS[i]!, pieces: 1 })),
  ...SIZES.slice(2).map((size) => ({
    size,
    count: Math.min(100, Math.max(2, Math.floor((128 * KiB) / size))),
    pieces: 3,
  })),
];

function sizeName(size: number): string {
  return size >= KiB ? `${size / KiB} KiB` : `${size} B`;
}

function gridWords(entry: GridEntry): string {
  const framing = entry.pieces === 1 ? '' : `, each in ${entry.pieces} frames`;
  return `${entry.count} messages of ${sizeName(entry.size)}${framing}`;
}

/** What the server compresses with, and what it answers. */
interface Parameters {
  readonly response: string;
  /** The client's option, beyond the default offer. */
  readonly offer?: PerMessageDeflateOptions;
  readonly serverWindowBits: number;
  readonly serverNoContextTakeover: boolean;
  readonly clientWindowBits: number;
  readonly clientNoContextTakeover: boolean;
}

const DEFAULT_PARAMETERS: Parameters = {
  response: 'permessage-deflate',
  serverWindowBits: 15,
  serverNoContextTakeover: false,
  clientWindowBits: 15,
  clientNoContextTakeover: false,
};

/** The server sends `count` compressed messages at once, waits for the echoes, closes. */
function compressedEchoes(
  kind: PayloadKind,
  entry: GridEntry,
  parameters: Parameters,
  seed: number,
): CaseScript {
  const deflater = new ServerDeflater(
    parameters.serverWindowBits,
    parameters.serverNoContextTakeover,
  );
  const opcode = kind.type === 'text' ? Op.Text : Op.Binary;
  const frames: Uint8Array[] = [];
  const messages: Echo[] = [];
  for (let i = 0; i < entry.count; i++) {
    const data = kind.make(entry.size, seed * 1000 + i);
    frames.push(...deflater.message(opcode, data, entry.pieces));
    messages.push({ type: kind.type, data });
  }
  return {
    steps: [send(frames), wait(messages.length), close(1000)],
    expect: { messages, echoMatch: 'exact', pongs: [], clientClose: 'echo' },
    deflate: agreement(parameters),
  };
}

function agreement(parameters: Parameters): DeflateAgreement {
  return {
    response: parameters.response,
    clientWindowBits: parameters.clientWindowBits,
    clientNoContextTakeover: parameters.clientNoContextTakeover,
    threshold: parameters.offer?.threshold ?? 1024,
  };
}

/** A generous limit: 1000 messages each inflated and deflated in zlib's thread pool. */
const GRID_LIMIT_MS = 30_000;

// ------------------------------------------------------------------ 12 different payloads

KINDS.forEach((kind, k) => {
  GRID.forEach((entry, n) => {
    add(
      `12.${k + 1}.${n + 1}`,
      `${kind.name}: ${gridWords(entry)}, default offer`,
      () => compressedEchoes(kind, entry, DEFAULT_PARAMETERS, 12_000 + k * 100 + n),
      { limitMs: GRID_LIMIT_MS },
    );
  });
});

// ------------------------------------------------------------------ 13 different parameters

/** Window bits 8, 9, ..., 15, 8, ...: every size a window may have, across the grid. */
const windowFor = (n: number): number => 8 + (n % 8);

/** The offer/answer combinations of 13.1-13.7; `n` is the grid entry (0-based). */
const PARAMETER_SETS: readonly { name: string; make: (n: number) => Parameters }[] = [
  {
    name: 'permessage-deflate without parameters',
    make: () => ({ ...DEFAULT_PARAMETERS, offer: { threshold: 0 } }),
  },
  {
    // The client offers client_no_context_takeover (a promise it keeps even when the answer
    // leaves it out), or the server asks for it unasked.
    name: 'client_no_context_takeover',
    make: (n) => {
      const offered = n % 3 !== 1;
      const answered = n % 3 !== 2;
      return {
        ...DEFAULT_PARAMETERS,
        response: answered
          ? 'permessage-deflate; client_no_context_takeover'
          : 'permessage-deflate',
        offer: { threshold: 0, clientNoContextTakeover: offered },
        clientNoContextTakeover: true,
      };
    },
  },
  {
    // Asked for by the client (the server must confirm it), or chosen by the server alone.
    name: 'server_no_context_takeover',
    make: (n) => ({
      ...DEFAULT_PARAMETERS,
      response: 'permessage-deflate; server_no_context_takeover',
      offer: { threshold: 0, serverNoContextTakeover: n % 2 === 0 },
      serverNoContextTakeover: true,
    }),
  },
  {
    // The server picks the client's window from a bare offer, or the client offers a value
    // and the answer leaves it out (the client keeps to its own value).
    name: 'client_max_window_bits of 8 to 15, context takeover',
    make: (n) => {
      const bits = windowFor(n);
      return n % 3 === 2
        ? {
            ...DEFAULT_PARAMETERS,
            offer: { threshold: 0, clientMaxWindowBits: bits },
            clientWindowBits: bits,
          }
        : {
            ...DEFAULT_PARAMETERS,
            response: `permessage-deflate; client_max_window_bits=${bits}`,
            offer: { threshold: 0 },
            clientWindowBits: bits,
          };
    },
  },
  {
    // Offered by the client and confirmed, offered as 15 and answered smaller, or unasked.
    name: 'server_max_window_bits of 8 to 15, context takeover',
    make: (n) => {
      const bits = windowFor(n);
      const offered = n % 3 === 0 ? bits : n % 3 === 1 ? 15 : undefined;
      return {
        ...DEFAULT_PARAMETERS,
        response: `permessage-deflate; server_max_window_bits=${bits}`,
        offer:
          offered === undefined ? { threshold: 0 } : { threshold: 0, serverMaxWindowBits: offered },
        serverWindowBits: bits,
      };
    },
  },
  {
    name: 'both windows of 8 to 15, no context takeover either way',
    make: (n) => {
      const bits = windowFor(n);
      return {
        response: `permessage-deflate; client_no_context_takeover; server_no_context_takeover; client_max_window_bits=${bits}; server_max_window_bits=${23 - bits}`,
        offer: { threshold: 0, clientNoContextTakeover: true, serverNoContextTakeover: true },
        serverWindowBits: 23 - bits,
        serverNoContextTakeover: true,
        clientWindowBits: bits,
        clientNoContextTakeover: true,
      };
    },
  },
  {
    // Odd spacing, quoted values and another parameter order; the client's level and memLevel
    // vary too.
    name: 'client window 8 to 15 without context takeover, server window 15 to 8 with it',
    make: (n) => {
      const bits = windowFor(n);
      return {
        response:
          n % 2 === 0
            ? `permessage-deflate;server_max_window_bits="${23 - bits}" ;client_max_window_bits=${bits};  client_no_context_takeover`
            : `permessage-deflate; client_no_context_takeover; client_max_window_bits=${bits}; server_max_window_bits=${23 - bits}`,
        offer: { threshold: 0, level: n % 10, memLevel: 1 + (n % 9) },
        serverWindowBits: 23 - bits,
        serverNoContextTakeover: false,
        clientWindowBits: bits,
        clientNoContextTakeover: true,
      };
    },
  },
];

/** 13.x.1-10 send prose-like text, 13.x.11-18 structured binary records. */
const prose = KINDS[2]!;
const records = KINDS[3]!;

PARAMETER_SETS.forEach((set, s) => {
  GRID.forEach((entry, n) => {
    const parameters = set.make(n);
    const kind = entry.pieces === 1 ? prose : records;
    add(
      `13.${s + 1}.${n + 1}`,
      `${set.name}; answer "${parameters.response}": ${gridWords(entry)} of ${kind.name}`,
      () => compressedEchoes(kind, entry, parameters, 13_000 + s * 100 + n),
      { limitMs: GRID_LIMIT_MS, options: { perMessageDeflate: parameters.offer ?? true } },
    );
  });
});

// ------------------------------------------------------------------ 14 compressed frames that break the rules

// Not an Autobahn section: wsx's own cases for compressed frames, with permessage-deflate
// agreed (no parameters) and the client's default options (threshold 1024 bytes).

const AGREED: DeflateAgreement = agreement(DEFAULT_PARAMETERS);

/** A CaseScript of the given shape, with permessage-deflate agreed. */
const agreed = (script: CaseScript): CaseScript => ({ ...script, deflate: AGREED });

/** The server's messages in order, compressed with context takeover as by one deflater. */
function compressedText(...texts: string[]): Uint8Array[] {
  const deflater = new ServerDeflater();
  return texts.flatMap((one) => deflater.message(Op.Text, encoder.encode(one)));
}

const accepted = (frames: readonly Uint8Array[], messages: Echo[], pongs: string[] = []) =>
  agreed({
    steps: [send(frames), wait(messages.length, pongs.length), close(1000)],
    expect: {
      messages,
      echoMatch: 'exact',
      pongs: pongs.map((p) => encoder.encode(p)),
      clientClose: 'echo',
    },
  });

/** A compressed text message whose payload is split into 2 frames. */
function twoFrames(data: string, rsvOnSecond: number): Uint8Array[] {
  const payload = new ServerDeflater().compress(encoder.encode(data));
  const half = Math.ceil(payload.length / 2);
  return [
    text(payload.subarray(0, half), { fin: false, rsv: 4 }),
    continuation(payload.subarray(half), { rsv: rsvOnSecond }),
  ];
}

add('14.1', 'RSV1 on the continuation frame of a compressed message fails with 1002', () =>
  agreed(protocolError(twoFrames('compressed in two frames', 4), ErrorCode.ReservedBits)),
);
add('14.2', 'RSV1 on the continuation frame of a plain message fails with 1002', () =>
  agreed(
    protocolError(
      [text('plain ', { fin: false }), continuation('message', { rsv: 4 })],
      ErrorCode.ReservedBits,
    ),
  ),
);
add('14.3', 'RSV1 on a ping fails with 1002', () =>
  agreed(protocolError(ping('compressed?', { rsv: 4 }), ErrorCode.ReservedBits)),
);
add('14.4', 'RSV1 on a ping between the frames of a compressed message fails with 1002', () => {
  const [first, second] = twoFrames('a message with a ping inside', 0);
  return agreed(protocolError([first!, ping('x', { rsv: 4 }), second!], ErrorCode.ReservedBits));
});
add('14.5', 'RSV1 and RSV2 on a compressed text frame fail with 1002', () => {
  const payload = new ServerDeflater().compress(encoder.encode('RSV2 means nothing here'));
  return agreed(protocolError(text(payload, { rsv: 6 }), ErrorCode.ReservedBits));
});
add('14.6', 'compressed data with a reserved block type fails with 1007', () =>
  agreed(fails(text(hex('07 00'), { rsv: 4 }), ErrorCode.InvalidCompressedData, 1007)),
);
add('14.7', 'invalid compressed data right behind a valid compressed message fails with 1007', () =>
  agreed(
    fails(binary(hex('ff ff ff ff'), { rsv: 4 }), ErrorCode.InvalidCompressedData, 1007, {
      before: { frames: compressedText('fine, then garbage'), messages: [T('fine, then garbage')] },
    }),
  ),
);
add('14.8', 'a stored block whose length check fails is invalid data (1007)', () =>
  agreed(
    fails(binary(hex('00 05 00 00 00 41'), { rsv: 4 }), ErrorCode.InvalidCompressedData, 1007),
  ),
);
add(
  '14.9',
  'a frame of about 8 KiB inflating to 8 MiB, over maxMessageBytes (64 KiB), fails with 1009',
  () => {
    const payload = new ServerDeflater().compress(new Uint8Array(8 * KiB * KiB));
    return agreed(fails(binary(payload, { rsv: 4 }), ErrorCode.MessageTooBig, 1009));
  },
  { options: { maxMessageBytes: 64 * KiB } },
);
add(
  '14.10',
  'a compressed message inflating to exactly maxMessageBytes (64 KiB) is accepted',
  () => {
    const data = recordBinary(64 * KiB, 14_10);
    return accepted(new ServerDeflater().message(Op.Binary, data, 3), [B(data)]);
  },
  { options: { maxMessageBytes: 64 * KiB } },
);
add(
  '14.11',
  'a compressed message inflating to one byte over maxMessageBytes fails with 1009',
  () => {
    const data = recordBinary(64 * KiB + 1, 14_11);
    return agreed(
      fails(new ServerDeflater().message(Op.Binary, data, 3), ErrorCode.MessageTooBig, 1009),
    );
  },
  { options: { maxMessageBytes: 64 * KiB } },
);
add('14.12', 'compressed text that inflates to invalid UTF-8 fails with 1007', () =>
  agreed(
    fails(
      new ServerDeflater().message(
        Op.Text,
        concat([encoder.encode('valid, then '), hex('ed a0 80')]),
      ),
      ErrorCode.InvalidUtf8,
      1007,
    ),
  ),
);
add('14.13', 'compressed text that ends inside a 4-byte character fails with 1007', () =>
  agreed(
    fails(
      new ServerDeflater().message(
        Op.Text,
        concat([encoder.encode('cut short '), hex('f0 9f 98')]),
      ),
      ErrorCode.InvalidUtf8,
      1007,
    ),
  ),
);
add('14.14', 'compressed text of 4-byte characters, one compressed byte per frame', () => {
  const data = '😀 wsx 😀 '.repeat(40);
  return accepted(new ServerDeflater().message(Op.Text, encoder.encode(data), 10_000), [T(data)]);
});
add('14.15', 'an empty compressed message (payload 00) and one with no payload at all', () =>
  accepted(
    [text(hex('00'), { rsv: 4 }), binary(new Uint8Array(0), { rsv: 4 })],
    [T(''), B(new Uint8Array(0))],
  ),
);
add('14.16', 'a message ending the DEFLATE stream (BFINAL), then one in a new stream', () => {
  const first = encoder.encode('the last block of this stream has BFINAL set');
  const ended = new Uint8Array(deflateRawSync(first));
  return accepted(
    [text(ended, { rsv: 4 }), ...compressedText('and the next message starts a new one')],
    [T(first), T('and the next message starts a new one')],
  );
});
add('14.17', 'plain and compressed messages interleaved, context taken over across them', () => {
  const deflater = new ServerDeflater();
  const words = ['context is kept ', 'plain in between', 'context is kept again ', 'plain again'];
  const frames = [
    ...deflater.message(Op.Text, encoder.encode(words[0]!.repeat(20))),
    text(words[1]!),
    ...deflater.message(Op.Text, encoder.encode(words[2]!.repeat(20))),
    binary(words[3]!),
  ];
  return accepted(frames, [
    T(words[0]!.repeat(20)),
    T(words[1]!),
    T(words[2]!.repeat(20)),
    B(words[3]!),
  ]);
});
add('14.18', 'pings and empty frames between the frames of a compressed message', () => {
  const message = proseText(4 * KiB, 14_18);
  const parts = new ServerDeflater().message(Op.Text, message, 4);
  const frames = [
    parts[0]!,
    ping('one'),
    continuation(new Uint8Array(0), { fin: false }),
    ...parts.slice(1, -1),
    ping('two'),
    parts.at(-1)!,
  ];
  return accepted(frames, [T(message)], ['one', 'two']);
});

export const deflateCases: readonly ConformanceCase[] = cases;
