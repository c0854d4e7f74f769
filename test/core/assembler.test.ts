// Tests for src/core/assembler.ts: frames to messages (RFC 6455 §5.4 fragmentation, §5.6 data
// frames), the message-size and fragment-count limits, and UTF-8 checks on text (§8.1).

import assert from 'node:assert/strict';
import { isUtf8 } from 'node:buffer';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type Message, MessageAssembler } from '../../src/core/assembler.js';
import { Opcode } from '../../src/core/constants.js';
import { ErrorCode, PayloadTooBigError, type ProtocolError } from '../../src/core/errors.js';
import { chunksAt, cutsArbitrary, textArbitrary } from '../helpers/splits.js';

const roomy = { maxMessageBytes: 1 << 20, maxFragments: 1000 };
const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
/** The reference decoding: lone surrogates become U+FFFD, a leading BOM stays. */
const keepBom = new TextDecoder('utf-8', { ignoreBOM: true });

type Step = Message | ProtocolError | undefined;

/** Runs one whole frame through the assembler, payload in the given pieces. */
function runFrame(
  assembler: MessageAssembler,
  opcode: number,
  fin: boolean,
  pieces: readonly Uint8Array[],
): Step {
  const length = pieces.reduce((sum, piece) => sum + piece.length, 0);
  const started = assembler.startFrame(opcode, fin, length);
  if (started !== undefined) return started;
  for (const piece of pieces) {
    const error = assembler.addPayload(piece);
    if (error !== undefined) return error;
  }
  return assembler.endFrame();
}

function isError(step: Step): step is ProtocolError {
  return step instanceof Error;
}

describe('RFC 6455 §5.6 data frames: single-frame messages', () => {
  it('delivers text as a string and binary as bytes', () => {
    const assembler = new MessageAssembler(roomy);
    assert.deepEqual(runFrame(assembler, Opcode.Text, true, [encode('Hello')]), {
      data: 'Hello',
      isBinary: false,
    });
    const binary = runFrame(assembler, Opcode.Binary, true, [Uint8Array.of(1, 2, 3)]);
    assert.ok(binary !== undefined && !isError(binary));
    assert.equal(binary.isBinary, true);
    assert.deepEqual(binary.data, Uint8Array.of(1, 2, 3));
  });

  it('delivers empty messages', () => {
    const assembler = new MessageAssembler(roomy);
    assert.deepEqual(runFrame(assembler, Opcode.Text, true, []), { data: '', isBinary: false });
    const binary = runFrame(assembler, Opcode.Binary, true, []);
    assert.ok(binary !== undefined && !isError(binary));
    assert.deepEqual(binary.data, new Uint8Array(0));
  });

  it('keeps a leading byte order mark as part of the text', () => {
    const assembler = new MessageAssembler(roomy);
    assert.deepEqual(runFrame(assembler, Opcode.Text, true, [encode('\ufeffhi')]), {
      data: '\ufeffhi',
      isBinary: false,
    });
  });

  it('does not check binary messages for UTF-8', () => {
    const assembler = new MessageAssembler(roomy);
    const step = runFrame(assembler, Opcode.Binary, true, [Uint8Array.of(0xff, 0xc0)]);
    assert.ok(step !== undefined && !isError(step));
  });
});

describe('RFC 6455 §5.4 fragmentation', () => {
  it('joins a text message from its fragments ("Hel" + "lo")', () => {
    const assembler = new MessageAssembler(roomy);
    assert.equal(runFrame(assembler, Opcode.Text, false, [encode('Hel')]), undefined);
    assert.ok(assembler.isInMessage);
    assert.deepEqual(runFrame(assembler, Opcode.Continuation, true, [encode('lo')]), {
      data: 'Hello',
      isBinary: false,
    });
    assert.equal(assembler.isInMessage, false);
  });

  it('accepts empty fragments anywhere in a message', () => {
    const assembler = new MessageAssembler(roomy);
    assert.equal(runFrame(assembler, Opcode.Binary, false, []), undefined);
    assert.equal(runFrame(assembler, Opcode.Continuation, false, [Uint8Array.of(7)]), undefined);
    const step = runFrame(assembler, Opcode.Continuation, true, []);
    assert.ok(step !== undefined && !isError(step));
    assert.deepEqual(step.data, Uint8Array.of(7));
  });

  it('fails on a continuation frame with no message started (1002)', () => {
    const assembler = new MessageAssembler(roomy);
    const error = assembler.startFrame(Opcode.Continuation, true, 3);
    assert.equal(error?.code, ErrorCode.UnexpectedContinuation);
    assert.equal(error?.closeCode, 1002);
  });

  it('fails on a continuation frame after a finished message (1002)', () => {
    const assembler = new MessageAssembler(roomy);
    runFrame(assembler, Opcode.Text, true, [encode('done')]);
    assert.equal(
      assembler.startFrame(Opcode.Continuation, false, 0)?.code,
      ErrorCode.UnexpectedContinuation,
    );
  });

  for (const opcode of [Opcode.Text, Opcode.Binary]) {
    it(`fails on a new data frame (opcode ${opcode}) inside a fragmented message (1002)`, () => {
      const assembler = new MessageAssembler(roomy);
      assert.equal(runFrame(assembler, Opcode.Text, false, [encode('a')]), undefined);
      const error = assembler.startFrame(opcode, true, 1);
      assert.equal(error?.code, ErrorCode.ExpectedContinuation);
      assert.equal(error?.closeCode, 1002);
    });
  }

  it('round-trips text split into random fragments and random payload pieces', () => {
    fc.assert(
      fc.property(
        textArbitrary(200),
        cutsArbitrary(800, 6),
        cutsArbitrary(800, 6),
        fc.boolean(),
        (message, frameCuts, pieceCuts, useFastCheck) => {
          const bytes = encode(message);
          const assembler = new MessageAssembler(roomy, useFastCheck ? isUtf8 : undefined);
          const fragments = chunksAt(bytes, frameCuts);
          let result: Step;
          fragments.forEach((fragment, i) => {
            const fin = i === fragments.length - 1;
            const opcode = i === 0 ? Opcode.Text : Opcode.Continuation;
            // Cut each fragment's payload again, as the decoder would stream it.
            const offset = fragment.byteOffset;
            const pieces = chunksAt(
              fragment,
              pieceCuts.map((cut) => cut - offset),
            ).filter((piece) => piece.length > 0);
            result = runFrame(assembler, opcode, fin, pieces);
            if (!fin) assert.equal(result, undefined);
          });
          assert.deepEqual(result, { data: keepBom.decode(bytes), isBinary: false });
        },
      ),
      { seed: 0x5407, numRuns: 300 },
    );
  });

  it('round-trips binary split into random fragments', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 300, size: 'medium' }),
        cutsArbitrary(300, 8),
        (bytes, cuts) => {
          const assembler = new MessageAssembler(roomy);
          const fragments = chunksAt(bytes, cuts);
          let result: Step;
          fragments.forEach((fragment, i) => {
            const opcode = i === 0 ? Opcode.Binary : Opcode.Continuation;
            result = runFrame(assembler, opcode, i === fragments.length - 1, [fragment]);
          });
          assert.ok(result !== undefined && !isError(result));
          assert.equal(result.isBinary, true);
          assert.deepEqual(result.data, bytes);
        },
      ),
      { seed: 0x5407, numRuns: 200 },
    );
  });
});

describe('RFC 6455 §8.1 text must be UTF-8, checked as it arrives', () => {
  it('fails (1007) on the piece holding the first bad byte, before the frame ends', () => {
    const assembler = new MessageAssembler(roomy);
    assert.equal(assembler.startFrame(Opcode.Text, true, 10), undefined);
    assert.equal(assembler.addPayload(encode('ab')), undefined);
    const error = assembler.addPayload(Uint8Array.of(0xc3, 0x28));
    assert.equal(error?.code, ErrorCode.InvalidUtf8);
    assert.equal(error?.closeCode, 1007);
  });

  it('accepts a character cut across fragments', () => {
    const euro = encode('€');
    const assembler = new MessageAssembler(roomy);
    assert.equal(runFrame(assembler, Opcode.Text, false, [euro.subarray(0, 1)]), undefined);
    assert.equal(runFrame(assembler, Opcode.Continuation, false, [euro.subarray(1, 2)]), undefined);
    assert.deepEqual(runFrame(assembler, Opcode.Continuation, true, [euro.subarray(2)]), {
      data: '€',
      isBinary: false,
    });
  });

  it('fails (1007) when the message ends inside a character', () => {
    const assembler = new MessageAssembler(roomy);
    const step = runFrame(assembler, Opcode.Text, true, [encode('€').subarray(0, 2)]);
    assert.ok(isError(step));
    assert.equal(step.code, ErrorCode.InvalidUtf8);
    assert.equal(step.closeCode, 1007);
  });

  it('starts each message with a fresh validator', () => {
    const assembler = new MessageAssembler(roomy);
    // The first message ends inside a character and is refused; the state must not leak.
    assert.ok(isError(runFrame(assembler, Opcode.Text, true, [Uint8Array.of(0xe2)])));
    assert.deepEqual(runFrame(assembler, Opcode.Text, true, [encode('ok')]), {
      data: 'ok',
      isBinary: false,
    });
  });
});

describe('RFC 6455 §10.4 limits: maxMessageBytes and maxFragments (close code 1009)', () => {
  it('accepts a message of exactly maxMessageBytes and refuses one byte more', () => {
    const limits = { maxMessageBytes: 10, maxFragments: 10 };
    const ok = new MessageAssembler(limits);
    assert.ok(!isError(runFrame(ok, Opcode.Binary, true, [new Uint8Array(10)])));
    const tooBig = new MessageAssembler(limits);
    const error = tooBig.startFrame(Opcode.Binary, true, 11);
    assert.ok(error instanceof PayloadTooBigError);
    assert.equal(error.code, ErrorCode.MessageTooBig);
    assert.equal(error.closeCode, 1009);
    assert.equal(error.limit, 10);
  });

  it('refuses from the header of the fragment that crosses the limit', () => {
    const assembler = new MessageAssembler({ maxMessageBytes: 10, maxFragments: 10 });
    assert.equal(runFrame(assembler, Opcode.Text, false, [encode('123456')]), undefined);
    // The next header announces 5 more bytes: 11 in all. No payload needs to arrive.
    const error = assembler.startFrame(Opcode.Continuation, true, 5);
    assert.equal(error?.code, ErrorCode.MessageTooBig);
  });

  it('counts the size per message, not per connection', () => {
    const assembler = new MessageAssembler({ maxMessageBytes: 10, maxFragments: 10 });
    for (let i = 0; i < 5; i++) {
      assert.ok(!isError(runFrame(assembler, Opcode.Binary, true, [new Uint8Array(8)])));
    }
  });

  it('accepts exactly maxFragments frames and refuses one more from its header', () => {
    const assembler = new MessageAssembler({ maxMessageBytes: 100, maxFragments: 3 });
    assert.equal(runFrame(assembler, Opcode.Binary, false, [Uint8Array.of(1)]), undefined);
    assert.equal(runFrame(assembler, Opcode.Continuation, false, [Uint8Array.of(2)]), undefined);
    assert.equal(runFrame(assembler, Opcode.Continuation, false, [Uint8Array.of(3)]), undefined);
    const error = assembler.startFrame(Opcode.Continuation, true, 1);
    assert.ok(error instanceof PayloadTooBigError);
    assert.equal(error.code, ErrorCode.TooManyFragments);
    assert.equal(error.closeCode, 1009);
    assert.equal(error.limit, 3);

    const exact = new MessageAssembler({ maxMessageBytes: 100, maxFragments: 3 });
    runFrame(exact, Opcode.Binary, false, [Uint8Array.of(1)]);
    runFrame(exact, Opcode.Continuation, false, [Uint8Array.of(2)]);
    const done = runFrame(exact, Opcode.Continuation, true, [Uint8Array.of(3)]);
    assert.ok(done !== undefined && !isError(done));
    assert.deepEqual(done.data, Uint8Array.of(1, 2, 3));
  });

  it('counts fragments per message', () => {
    const assembler = new MessageAssembler({ maxMessageBytes: 100, maxFragments: 2 });
    for (let i = 0; i < 4; i++) {
      assert.equal(runFrame(assembler, Opcode.Text, false, [encode('a')]), undefined);
      assert.deepEqual(runFrame(assembler, Opcode.Continuation, true, [encode('b')]), {
        data: 'ab',
        isBinary: false,
      });
    }
  });
});

describe("the host's string limit (maxTextLength): text too long for a string fails with 1009", () => {
  const limits = { maxMessageBytes: 1000, maxFragments: 100, maxTextLength: 10 };

  it('counts UTF-16 code units, not bytes', () => {
    const cases: [string, boolean][] = [
      ['abcdefghij', true], // 10 units
      ['abcdefghijk', false], // 11
      ['€€€€€€€€€€', true], // 30 bytes, 10 units
      ['€€€€€€€€€€a', false], // 11 units
      ['😀😀😀😀😀', true], // 20 bytes, 10 units (surrogate pairs)
      ['😀😀😀😀😀a', false], // 11 units
    ];
    for (const [text, fits] of cases) {
      const step = runFrame(new MessageAssembler(limits), Opcode.Text, true, [encode(text)]);
      if (fits) {
        assert.deepEqual(step, { data: text, isBinary: false }, text);
        continue;
      }
      assert.ok(step instanceof PayloadTooBigError, `${text}: refused`);
      assert.equal(step.code, ErrorCode.MessageTooBig);
      assert.equal(step.closeCode, 1009);
      assert.equal(step.limit, 10);
      assert.match(step.message, /longest string/);
    }
  });

  it('counts the whole fragmented message, in any split', () => {
    const assembler = new MessageAssembler(limits);
    assert.equal(
      runFrame(assembler, Opcode.Text, false, [encode('abc€'), encode('de')]),
      undefined,
    );
    const step = runFrame(assembler, Opcode.Continuation, true, [encode('fgh'), encode('ij')]);
    assert.ok(step instanceof PayloadTooBigError, '11 units over two frames');
    const fits = new MessageAssembler(limits);
    runFrame(fits, Opcode.Text, false, [encode('abc€')]);
    assert.deepEqual(runFrame(fits, Opcode.Continuation, true, [encode('defghi')]), {
      data: 'abc€defghi',
      isBinary: false,
    });
  });

  it('refuses from the header when even three bytes per unit cannot fit', () => {
    const assembler = new MessageAssembler(limits);
    assert.equal(assembler.startFrame(Opcode.Text, false, 30), undefined, '30 bytes may fit');
    const error = assembler.startFrame(Opcode.Continuation, true, 1);
    assert.ok(error instanceof PayloadTooBigError, '31 bytes are more than 10 units for sure');
  });

  it('never limits binary messages', () => {
    const step = runFrame(new MessageAssembler(limits), Opcode.Binary, true, [new Uint8Array(500)]);
    assert.ok(step !== undefined && !isError(step) && step.isBinary);
  });
});
