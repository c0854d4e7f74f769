// The DeflateCodecPort on node:zlib (src/transport/deflate-codec.ts): round trips at every
// window size, context takeover and reset, byte-by-byte input, views at odd offsets, order
// under bounded concurrency, stopping from the sink, an inflation bomb in a child process,
// invalid input, close() while zlib works, and the idle sweeper on a fake clock.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { deflateRaw, deflateRawSync, constants as zlibConstants } from 'node:zlib';
import type { CodecSink, RawCodec } from '../../src/core/ports.js';
import {
  CODEC_CHUNK_BYTES,
  createZlibDeflatePort,
  type ZlibDeflatePort,
  zlibDeflatePort,
} from '../../src/transport/deflate-codec.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { runJsonChild } from '../helpers/json-child.js';

const KiB = 1024;
const MiB = 1024 * 1024;
const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const BOMB_CHILD = fileURLToPath(new URL('../helpers/deflate-bomb-child.ts', import.meta.url));

/** Deterministic text-like bytes (JSON-ish records from a small LCG). */
function textLike(bytes: number, seed = 1): Buffer {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state >>> 8;
  };
  const words = ['id', 'name', 'value', 'status', 'device', 'ok', 'error'];
  let text = '';
  while (text.length < bytes) {
    text += `{"${words[next() % words.length]}":${next() % 1000},"t":"${next().toString(36)}"},`;
  }
  return Buffer.from(text.slice(0, bytes));
}

/** Deterministic bytes that do not compress. */
function noise(bytes: number, seed = 7): Buffer {
  const out = Buffer.alloc(bytes);
  let state = seed;
  for (let i = 0; i < bytes; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

interface Recorder {
  sink: CodecSink;
  /** Output pieces since the last flush. */
  pieces: Uint8Array[];
  /** Every message (the output between two flushes), in order. */
  messages: Buffer[];
  invalid: string[];
  events: string[];
  /** Resolves once `count` flushes were reported in all. */
  flushed(count: number): Promise<void>;
}

function recorder(options: { stopAfterBytes?: number } = {}): Recorder {
  let pieces: Uint8Array[] = [];
  const messages: Buffer[] = [];
  const invalid: string[] = [];
  const events: string[] = [];
  let outputBytes = 0;
  const waiters: { count: number; resolve: () => void }[] = [];
  const check = (): void => {
    for (const waiter of waiters.splice(0)) {
      if (messages.length >= waiter.count) waiter.resolve();
      else waiters.push(waiter);
    }
  };
  const self: Recorder = {
    pieces,
    messages,
    invalid,
    events,
    sink: {
      onOutput: (chunk) => {
        events.push(`output ${chunk.byteLength}`);
        pieces.push(chunk);
        self.pieces = pieces;
        outputBytes += chunk.byteLength;
        return options.stopAfterBytes === undefined || outputBytes <= options.stopAfterBytes;
      },
      onFlushed: () => {
        events.push('flushed');
        messages.push(Buffer.concat(pieces));
        pieces = [];
        self.pieces = pieces;
        check();
      },
      onInvalid: (message) => {
        events.push(`invalid ${message}`);
        invalid.push(message);
      },
    },
    flushed: (count) =>
      new Promise<void>((resolve) => {
        waiters.push({ count, resolve });
        check();
      }),
  };
  return self;
}

/** Lets the thread pool and the event loop run: a few zlib round trips of our own. */
async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    await new Promise<void>((resolve) => {
      deflateRaw(noise(64 * KiB, i + 1), () => resolve());
    });
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Deflates each message (flushed, optionally reset after), returns the compressed bytes. */
async function deflateAll(
  port: ZlibDeflatePort,
  windowBits: number,
  messages: Uint8Array[],
  withReset: boolean,
): Promise<Buffer[]> {
  const out = recorder();
  const deflater = port.createDeflater({ windowBits, level: 6, memLevel: 8 }, out.sink);
  for (const message of messages) {
    deflater.write(message);
    deflater.flush();
    if (withReset) deflater.reset();
  }
  await out.flushed(messages.length);
  deflater.close();
  return out.messages;
}

async function inflateAll(
  port: ZlibDeflatePort,
  windowBits: number,
  compressed: Uint8Array[],
  withReset: boolean,
): Promise<Buffer[]> {
  const out = recorder();
  const inflater = port.createInflater(windowBits, out.sink);
  for (const message of compressed) {
    inflater.write(message);
    inflater.flush();
    if (withReset) inflater.reset();
  }
  await out.flushed(compressed.length);
  inflater.close();
  assert.deepEqual(out.invalid, []);
  return out.messages;
}

const SIZES = [0, 1, 16, 125, 1 * KiB, 16 * KiB - 1, 16 * KiB, 16 * KiB + 1, 64 * KiB, 128 * KiB];

describe('deflate codec on node:zlib: round trips', () => {
  for (const withReset of [false, true]) {
    for (let windowBits = 9; windowBits <= 15; windowBits++) {
      it(`windowBits ${windowBits}, ${withReset ? 'reset after each message' : 'context takeover'}: sizes 0 B to 128 KiB`, async () => {
        const port = createZlibDeflatePort({ concurrency: 4 });
        const messages = SIZES.flatMap((size, i) => [textLike(size, i + 1), noise(size, i + 1)]);
        const compressed = await deflateAll(port, windowBits, messages, withReset);
        for (const [i, bytes] of compressed.entries()) {
          // Every flushed message ends with the sync-flush marker, except an empty message
          // flushed right after another flush (zlib makes nothing then).
          if (bytes.length > 0) assert.deepEqual(bytes.subarray(-4), TRAILER, `message ${i}`);
        }
        const inflated = await inflateAll(port, windowBits, compressed, withReset);
        assert.equal(inflated.length, messages.length);
        for (const [i, message] of messages.entries()) {
          assert.ok(inflated[i]!.equals(message), `message ${i} (${message.length} B)`);
        }
        // The inflater with window 8 reads what the deflater made with 9.
        if (windowBits === 9) {
          const again = await inflateAll(port, 8, compressed, withReset);
          for (const [i, message] of messages.entries()) assert.ok(again[i]!.equals(message));
        }
        assert.equal(port.liveStreams, 0);
      });
    }
  }

  it('inflater with window 8 reads matches 300 bytes back (it inflates with 9: a peer whose zlib was asked for 8 uses 9)', async () => {
    const block = noise(300, 3);
    const data = Buffer.concat([block, block, block]);
    const compressed = deflateRawSync(data, {
      windowBits: 10,
      finishFlush: zlibConstants.Z_SYNC_FLUSH,
    });
    assert.ok(compressed.length < 400, 'the repeat compresses, so matches 300 bytes back exist');
    const [inflated] = await inflateAll(zlibDeflatePort, 8, [compressed], false);
    assert.ok(inflated!.equals(data));
  });

  it('with context takeover a repeated message compresses far smaller; after reset it does not', async () => {
    const message = noise(2 * KiB, 11);
    const takeover = await deflateAll(zlibDeflatePort, 15, [message, message], false);
    const reset = await deflateAll(zlibDeflatePort, 15, [message, message], true);
    assert.ok(takeover[0]!.length > 2 * KiB, 'noise does not compress on its own');
    assert.ok(takeover[1]!.length < 64, `second message ${takeover[1]!.length} B with takeover`);
    assert.ok(reset[1]!.length > 2 * KiB, `second message ${reset[1]!.length} B after reset`);
    assert.ok(reset[1]!.equals(reset[0]!), 'after a reset the output is what a new stream makes');
    // The inflater must keep its window too: the takeover pair inflates only in order, on one stream.
    const inflated = await inflateAll(zlibDeflatePort, 15, takeover, false);
    assert.ok(inflated[1]!.equals(message));
  });

  it('an empty message on a new deflater is the empty stored block 00 00 00 FF FF', async () => {
    const [empty] = await deflateAll(zlibDeflatePort, 15, [new Uint8Array(0)], false);
    assert.deepEqual([...empty!], [0x00, 0x00, 0x00, 0xff, 0xff]);
  });

  it('reads input written one byte at a time, then flushed (RFC 7692 "Hello", then 4 KiB of text)', async () => {
    const hello = Buffer.from('f248cdc9c90700', 'hex');
    const text = textLike(4 * KiB, 5);
    const [textCompressed] = await deflateAll(zlibDeflatePort, 15, [text], false);
    const out = recorder();
    const inflater = zlibDeflatePort.createInflater(15, out.sink);
    for (const fixture of [Buffer.concat([hello, TRAILER]), textCompressed!]) {
      for (const byte of fixture) inflater.write(Uint8Array.of(byte));
      inflater.flush();
    }
    await out.flushed(2);
    inflater.close();
    assert.equal(out.messages[0]!.toString(), 'Hello');
    assert.ok(out.messages[1]!.equals(text));
  });

  it('a deflater fed one byte at a time makes what one write makes (input is joined)', async () => {
    const text = textLike(3 * KiB, 9);
    const [whole] = await deflateAll(zlibDeflatePort, 15, [text], false);
    const out = recorder();
    const deflater = zlibDeflatePort.createDeflater(
      { windowBits: 15, level: 6, memLevel: 8 },
      out.sink,
    );
    for (const byte of text) deflater.write(Uint8Array.of(byte));
    deflater.flush();
    await out.flushed(1);
    deflater.close();
    assert.ok(out.messages[0]!.equals(whole!));
  });

  it('takes Buffers and Uint8Array views at odd offsets, and never changes them', async () => {
    const text = textLike(10 * KiB, 2);
    const backing = new Uint8Array(text.length + 8);
    backing.set(text, 3);
    const view = new Uint8Array(backing.buffer, 3, text.length);
    const before = Buffer.from(backing);
    const [fromView] = await deflateAll(zlibDeflatePort, 15, [view], false);
    const [fromBuffer] = await deflateAll(zlibDeflatePort, 15, [text], false);
    assert.ok(fromView!.equals(fromBuffer!));
    assert.ok(Buffer.from(backing).equals(before));
    const compressedBacking = new Uint8Array(fromView!.length + 6);
    compressedBacking.set(fromView!, 5);
    const compressedView = compressedBacking.subarray(5, 5 + fromView!.length);
    const [inflated] = await inflateAll(zlibDeflatePort, 15, [compressedView], false);
    assert.ok(inflated!.equals(text));
  });

  it('hands over pieces of at most 16 KiB that own their memory (no views into a zlib buffer)', async () => {
    const text = textLike(100 * KiB, 4);
    const [compressed] = await deflateAll(zlibDeflatePort, 15, [text], false);
    const out = recorder();
    const inflater = zlibDeflatePort.createInflater(15, out.sink);
    const kept: Uint8Array[] = [];
    const sink = out.sink;
    const onOutput = sink.onOutput;
    sink.onOutput = (chunk) => {
      kept.push(chunk);
      return onOutput(chunk);
    };
    inflater.write(compressed!);
    inflater.flush();
    inflater.write(compressed!.subarray(0, 40));
    inflater.flush();
    await out.flushed(2);
    inflater.close();
    assert.ok(kept.length >= 7, `${kept.length} pieces`);
    for (const piece of kept) {
      assert.ok(piece.byteLength <= CODEC_CHUNK_BYTES);
      assert.equal(piece.byteOffset, 0);
      assert.equal(piece.byteLength, piece.buffer.byteLength, 'the piece is its whole buffer');
    }
  });

  it('a peer that ends its DEFLATE stream (BFINAL) in each message: each one inflates', async () => {
    const first = deflateRawSync(Buffer.from('first message'));
    const second = deflateRawSync(Buffer.from('second message'));
    const inflated = await inflateAll(
      zlibDeflatePort,
      15,
      [Buffer.concat([first, TRAILER]), Buffer.concat([second, TRAILER])],
      false,
    );
    assert.deepEqual(
      inflated.map((message) => message.toString()),
      ['first message', 'second message'],
    );
  });

  it('rejects settings outside the ranges with RangeError', () => {
    const sink = recorder().sink;
    assert.throws(() => zlibDeflatePort.createInflater(7, sink), RangeError);
    assert.throws(() => zlibDeflatePort.createInflater(16, sink), RangeError);
    assert.throws(
      () => zlibDeflatePort.createDeflater({ windowBits: 8, level: 6, memLevel: 8 }, sink),
      RangeError,
    );
    assert.throws(
      () => zlibDeflatePort.createDeflater({ windowBits: 15, level: 10, memLevel: 8 }, sink),
      RangeError,
    );
    assert.throws(() => createZlibDeflatePort({ concurrency: 0 }), RangeError);
  });
});

describe('deflate codec on node:zlib: scheduling', () => {
  it('50 codecs x 20 messages at concurrency 2: each codec in order, never more than 2 jobs', async () => {
    const port = createZlibDeflatePort({ concurrency: 2 });
    let maxRunning = 0;
    const codecs = Array.from({ length: 50 }, (_, c) => {
      const messages = Array.from({ length: 20 }, (_, m) =>
        textLike(200 + ((c * 20 + m) % 7) * 900, c * 100 + m + 1),
      );
      const out = recorder();
      const inner = out.sink;
      const sink: CodecSink = {
        onOutput: (chunk) => {
          maxRunning = Math.max(maxRunning, port.runningJobs);
          return inner.onOutput(chunk);
        },
        onFlushed: () => inner.onFlushed(),
        onInvalid: (message) => inner.onInvalid(message),
      };
      const deflater = port.createDeflater({ windowBits: 15, level: 6, memLevel: 8 }, sink);
      return { messages, out, deflater };
    });
    // Messages are written across ticks so the jobs interleave.
    for (let m = 0; m < 20; m++) {
      for (const { messages, deflater } of codecs) {
        deflater.write(messages[m]!);
        deflater.flush();
      }
      if (m % 5 === 4) await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(codecs.map(({ out }) => out.flushed(20)));
    assert.ok(maxRunning <= 2 && maxRunning >= 1, `max running ${maxRunning}`);
    for (const { messages, out, deflater } of codecs) {
      deflater.close();
      const inflated = await inflateAll(port, 15, out.messages, false);
      for (const [i, message] of messages.entries()) assert.ok(inflated[i]!.equals(message));
    }
    assert.equal(port.runningJobs, 0);
    assert.equal(port.waitingJobs, 0);
  });

  it('reports nothing from inside write(), flush(), reset() or close()', () => {
    const out = recorder();
    const inflater = zlibDeflatePort.createInflater(15, out.sink);
    inflater.flush();
    inflater.reset();
    inflater.close();
    assert.deepEqual(out.events, []);
  });
});

describe('deflate codec on node:zlib: stopping, bombs, invalid input, close', () => {
  it('onOutput false stops the codec at once: no more output, queued messages dropped', async () => {
    const text = textLike(256 * KiB, 8);
    const [compressed] = await deflateAll(zlibDeflatePort, 15, [text], false);
    const port = createZlibDeflatePort();
    const out = recorder({ stopAfterBytes: 1 });
    const inflater = port.createInflater(15, out.sink);
    inflater.write(compressed!);
    inflater.flush();
    inflater.write(compressed!);
    inflater.flush();
    for (let i = 0; i < 100 && out.events.length === 0; i++) await settle(1);
    await settle();
    assert.deepEqual(out.events, [`output ${CODEC_CHUNK_BYTES}`]);
    assert.equal(port.liveStreams, 0, 'the zlib stream was freed');
    assert.equal(port.runningJobs, 0, 'the slot was given back');
    inflater.write(compressed!);
    inflater.flush();
    await settle();
    assert.equal(out.events.length, 1);
  });

  it('a bomb of 1 MiB inflating to 1 GiB stops after one piece past the limit, RSS bounded (child process)', async (t) => {
    const limitBytes = 4 * MiB;
    const result = await runJsonChild<Record<string, number | boolean>>(
      BOMB_CHILD,
      [`${limitBytes}`],
      { timeoutMs: 60_000 },
    );
    t.diagnostic(`bomb: ${JSON.stringify(result)}`);
    assert.ok((result.compressedBytes as number) < 1.1 * MiB);
    assert.equal(result.bombInflatedBytes, 1024 * MiB);
    assert.ok((result.outputBytes as number) > limitBytes);
    assert.ok((result.outputBytes as number) <= limitBytes + CODEC_CHUNK_BYTES);
    assert.equal(result.callsAfterStop, 0);
    assert.equal(result.isFlushed, false);
    assert.equal(result.liveStreams, 0);
    assert.ok((result.maxChunkBytes as number) <= CODEC_CHUNK_BYTES);
    assert.ok(
      (result.growthBytes as number) < 64 * MiB,
      `RSS grew ${((result.growthBytes as number) / MiB).toFixed(1)} MiB`,
    );
  });

  it("invalid input: onInvalid with zlib's message, then nothing more", async () => {
    const port = createZlibDeflatePort();
    const out = recorder();
    const inflater = port.createInflater(15, out.sink);
    // A stored block whose LEN (0x0201) and NLEN (0x0403) disagree.
    inflater.write(Uint8Array.of(0x00, 0x01, 0x02, 0x03, 0x04));
    inflater.flush();
    inflater.write(Buffer.concat([deflateRawSync(Buffer.from('later')), TRAILER]));
    inflater.flush();
    for (let i = 0; i < 100 && out.events.length === 0; i++) await settle(1);
    await settle();
    assert.deepEqual(out.events, ['invalid invalid stored block lengths']);
    assert.equal(port.liveStreams, 0);
    assert.equal(port.runningJobs, 0);
    const other = recorder();
    const bad = port.createInflater(15, other.sink);
    bad.write(Uint8Array.of(0xff, 0xff, 0xff));
    for (let i = 0; i < 100 && other.events.length === 0; i++) await settle(1);
    assert.deepEqual(other.events, ['invalid invalid block type']);
    bad.close();
  });

  it('close() while a job is in the thread pool: nothing is reported after it', async () => {
    const text = textLike(2 * MiB, 6);
    const [compressed] = await deflateAll(zlibDeflatePort, 15, [text], false);
    const port = createZlibDeflatePort();
    const out = recorder();
    const inflater = port.createInflater(15, out.sink);
    inflater.write(compressed!);
    inflater.flush();
    // The job starts from a microtask and hands the input to zlib.
    await Promise.resolve();
    await Promise.resolve();
    assert.equal(port.runningJobs, 1, 'the job is running');
    assert.equal(port.liveStreams, 1);
    inflater.close();
    assert.equal(port.runningJobs, 0);
    assert.equal(port.liveStreams, 0);
    await settle();
    assert.deepEqual(out.events, []);
  });

  it('close() from inside onOutput: no more output for that message or later ones', async () => {
    const text = textLike(512 * KiB, 12);
    const [compressed] = await deflateAll(zlibDeflatePort, 15, [text], false);
    const events: string[] = [];
    const inflater: RawCodec = zlibDeflatePort.createInflater(15, {
      onOutput: () => {
        events.push('output');
        inflater.close();
        return true;
      },
      onFlushed: () => events.push('flushed'),
      onInvalid: () => events.push('invalid'),
    });
    inflater.write(compressed!);
    inflater.flush();
    inflater.write(compressed!);
    inflater.flush();
    for (let i = 0; i < 100 && events.length === 0; i++) await settle(1);
    await settle();
    assert.deepEqual(events, ['output']);
  });
});

describe('deflate codec on node:zlib: memory', () => {
  it('creates no zlib stream until the first write; one per used codec', async () => {
    const port = createZlibDeflatePort();
    const sink = recorder().sink;
    const idle = Array.from({ length: 1000 }, () => port.createInflater(15, sink));
    assert.equal(port.liveStreams, 0);
    for (const codec of idle) {
      codec.flush();
      codec.reset();
    }
    await settle(1);
    assert.equal(port.liveStreams, 0, 'flushes and resets alone make no inflate stream');
    const out = recorder();
    const used = port.createInflater(15, out.sink);
    used.write(deflateRawSync(Buffer.from('x'), { finishFlush: zlibConstants.Z_SYNC_FLUSH }));
    used.flush();
    await out.flushed(1);
    assert.equal(port.liveStreams, 1);
    used.close();
    assert.equal(port.liveStreams, 0);
  });

  it('frees the stream of a reset codec after idleFreeMs (one shared timer) and makes it again on the next write', async () => {
    const clock = new FakeClock();
    const port = createZlibDeflatePort({ idleFreeMs: 1000, clock });
    const message = textLike(4 * KiB, 13);
    const reset = recorder();
    const resetting = port.createDeflater({ windowBits: 15, level: 6, memLevel: 8 }, reset.sink);
    const kept = recorder();
    const keeping = port.createDeflater({ windowBits: 15, level: 6, memLevel: 8 }, kept.sink);
    const later = recorder();
    const resetLater = port.createDeflater({ windowBits: 15, level: 6, memLevel: 8 }, later.sink);
    for (const [codec, withReset] of [
      [resetting, true],
      [keeping, false],
      [resetLater, true],
    ] as const) {
      codec.write(message);
      codec.flush();
      if (withReset) codec.reset();
    }
    await Promise.all([reset.flushed(1), kept.flushed(1), later.flushed(1)]);
    assert.equal(port.liveStreams, 3);
    assert.equal(clock.pending, 1, 'one sweeper timer for every idle codec');
    clock.advance(500);
    // A write before the sweep keeps the stream (the codec is busy again).
    resetLater.write(message);
    resetLater.flush();
    await later.flushed(2);
    clock.advance(499);
    assert.equal(port.liveStreams, 3);
    clock.advance(1);
    assert.equal(port.liveStreams, 2, 'the reset, idle codec lost its stream');
    clock.advance(100_000);
    assert.equal(port.liveStreams, 2, 'a codec with context takeover keeps its window');
    assert.equal(clock.pending, 0, 'the sweeper stops when nothing is idle');
    resetting.write(message);
    resetting.flush();
    await reset.flushed(2);
    assert.equal(port.liveStreams, 3, 'made again on the next write');
    assert.ok(reset.messages[1]!.equals(reset.messages[0]!), 'a new stream, same output');
    for (const codec of [resetting, keeping, resetLater]) codec.close();
    assert.equal(port.liveStreams, 0);
  });

  it('idleFreeMs 0 frees the stream at each reset', async () => {
    const port = createZlibDeflatePort({ idleFreeMs: 0, clock: new FakeClock() });
    const out = recorder();
    const deflater = port.createDeflater({ windowBits: 10, level: 1, memLevel: 1 }, out.sink);
    deflater.write(textLike(1000));
    deflater.flush();
    deflater.reset();
    await out.flushed(1);
    assert.equal(port.liveStreams, 0);
    deflater.close();
  });
});
