// The DeflateCodecPort of core/ports.ts on node:zlib: raw DEFLATE streams for
// permessage-deflate (RFC 7692), made on the first write, run in order per codec, with a
// bounded number of zlib jobs in Node's thread pool at once across every codec of one port.
//
// How work runs. Each codec keeps a queue of writes, flushes and resets. When it has work it
// waits for a slot of its port (at most `concurrency` codecs hold one; the others wait in
// FIFO order). With a slot it takes everything queued, joins neighbouring writes into one
// buffer (up to 64 KiB each) and writes them one after the other into its zlib stream, whose
// flush mode is Z_SYNC_FLUSH: a write followed by a flush is one trip to the thread pool.
// zlib hands its output over in pieces of at most 16 KiB as it makes them, and each piece
// goes to the sink at once, so a sink can stop an inflation bomb after one piece.
//
// Memory. A codec that never sees data is one small object. The zlib state (about 330 KiB
// for a deflater at windowBits 15 and memLevel 8, about 40 KiB for an inflater) is made on the
// first write and freed by close(), by a sink that stops, by invalid input, and by the idle
// sweeper: a codec whose last queued step was a reset (no context takeover, so nothing to
// remember) and that saw no work for `idleFreeMs` loses its stream until its next write.

import { Buffer } from 'node:buffer';
import {
  constants,
  createDeflateRaw,
  createInflateRaw,
  type DeflateRaw,
  type InflateRaw,
  type ZlibOptions,
} from 'node:zlib';
import type { CodecSink, DeflateCodecPort, DeflaterSettings, RawCodec } from '../core/ports.js';

/** Pieces of zlib output handed to the sink: at most this many bytes each. */
export const CODEC_CHUNK_BYTES = 16 * 1024;
/** Queued writes of one codec are joined into buffers of at most this many bytes. */
const JOIN_BYTES = 64 * 1024;
/**
 * A deflater keeps input written without a flush until it holds this many bytes: each zlib
 * write ends with a sync flush (4-5 bytes and the end of a block), so writing every small
 * piece at once would make the output larger.
 */
const DEFLATE_HOLD_BYTES = 64 * 1024;

/** Default number of codecs that may have zlib work in the thread pool at once. */
export const DEFAULT_CODEC_CONCURRENCY = 10;
/**
 * Default idle time (ms) after a reset before a codec's zlib stream is freed. Making a
 * deflate stream again costs about 55 us per message more than reset() (bench/deflate-codec.ts:
 * 33 us against 89 us for a 64-byte message), while an idle deflater holds about 250 KiB: a
 * codec busier than one message a second keeps its stream, a quiet one gives it back soon.
 */
export const DEFAULT_IDLE_FREE_MS = 1000;

/** Time for the idle sweeper; tests pass a fake (the client's Clock fits). */
export interface CodecClock {
  now(): number;
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Real time; the sweeper's timer is unref'd so it never keeps the process alive. */
const unrefClock: CodecClock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs).unref(),
  clearTimeout: (handle) => {
    clearTimeout(handle as ReturnType<typeof setTimeout>);
  },
};

export interface ZlibDeflatePortOptions {
  /** Codecs that may have zlib work in the thread pool at once (default 10, at least 1). */
  concurrency?: number | undefined;
  /**
   * Milliseconds a codec stays idle after a reset before its zlib stream is freed (default
   * 1,000). 0 frees the stream at the reset itself.
   */
  idleFreeMs?: number | undefined;
  clock?: CodecClock | undefined;
}

export interface ZlibDeflatePort extends DeflateCodecPort {
  /** Codecs of this port that hold a zlib stream now. */
  readonly liveStreams: number;
  /** Codecs that hold a slot now (at most `concurrency`). */
  readonly runningJobs: number;
  /** Codecs waiting for a slot. */
  readonly waitingJobs: number;
}

const FLUSH = 0;
const RESET = 1;
type Step = Uint8Array | typeof FLUSH | typeof RESET;

type ZlibStream = InflateRaw | DeflateRaw;

/** What the codecs of one port share: the slots and the idle sweeper. */
class Scheduler {
  readonly concurrency: number;
  readonly idleFreeMs: number;
  readonly clock: CodecClock;
  liveStreams = 0;
  running = 0;
  readonly #waiting: Codec[] = [];
  #waitingHead = 0;
  #pumpQueued = false;
  readonly #idle = new Set<Codec>();
  #sweepArmed = false;

  constructor(options: ZlibDeflatePortOptions) {
    const concurrency = options.concurrency ?? DEFAULT_CODEC_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be an integer of at least 1, not ${concurrency}`);
    }
    const idleFreeMs = options.idleFreeMs ?? DEFAULT_IDLE_FREE_MS;
    if (!(idleFreeMs >= 0) || idleFreeMs > 2 ** 31 - 1) {
      throw new RangeError(`idleFreeMs must be between 0 and 2^31 - 1, not ${idleFreeMs}`);
    }
    this.concurrency = concurrency;
    this.idleFreeMs = idleFreeMs;
    this.clock = options.clock ?? unrefClock;
  }

  get waiting(): number {
    return this.#waiting.length - this.#waitingHead;
  }

  /** Puts `codec` in line for a slot; jobs start from a microtask, never inside a call. */
  enqueue(codec: Codec): void {
    this.#waiting.push(codec);
    this.#schedulePump();
  }

  release(): void {
    this.running--;
    this.#schedulePump();
  }

  #schedulePump(): void {
    if (this.#pumpQueued) return;
    this.#pumpQueued = true;
    queueMicrotask(() => {
      this.#pumpQueued = false;
      this.#pump();
    });
  }

  #pump(): void {
    while (this.running < this.concurrency && this.#waitingHead < this.#waiting.length) {
      const codec = this.#waiting[this.#waitingHead]!;
      this.#waiting[this.#waitingHead++] = undefined as unknown as Codec;
      if (this.#waitingHead > 1024 && this.#waitingHead * 2 > this.#waiting.length) {
        this.#waiting.splice(0, this.#waitingHead);
        this.#waitingHead = 0;
      }
      // A codec closed while waiting is skipped; it gave its place up already.
      if (codec.startJob()) this.running++;
    }
  }

  markIdle(codec: Codec): void {
    this.#idle.add(codec);
    if (!this.#sweepArmed) this.#armSweep(this.idleFreeMs);
  }

  unmarkIdle(codec: Codec): void {
    this.#idle.delete(codec);
  }

  #armSweep(delayMs: number): void {
    this.#sweepArmed = true;
    this.clock.setTimeout(() => this.#sweep(), delayMs);
  }

  #sweep(): void {
    this.#sweepArmed = false;
    const now = this.clock.now();
    let nextDue = Number.POSITIVE_INFINITY;
    for (const codec of this.#idle) {
      const due = codec.idleSince + this.idleFreeMs;
      if (due <= now) {
        this.#idle.delete(codec);
        codec.freeStream();
      } else if (due < nextDue) {
        nextDue = due;
      }
    }
    if (this.#idle.size > 0) this.#armSweep(Math.max(1, Math.ceil(nextDue - now)));
  }
}

const OPEN = 0;
const DEAD = 1;

/** One raw DEFLATE stream in one direction; the zlib state is made on first use. */
class Codec implements RawCodec {
  readonly #scheduler: Scheduler;
  readonly #sink: CodecSink;
  readonly #isDeflater: boolean;
  readonly #windowBits: number;
  readonly #level: number;
  readonly #memLevel: number;
  #state = OPEN;
  #steps: Step[] = [];
  /** Bytes queued after the last flush or reset (the deflater's hold). */
  #tailBytes = 0;
  #isQueued = false;
  #hasSlot = false;
  #stream: ZlibStream | null = null;
  /** zlib saw the end of the DEFLATE stream (a block with BFINAL set). */
  #isEnded = false;
  /** The last step run was a reset: the stream remembers nothing. */
  #isBlank = true;
  idleSince = 0;

  constructor(
    scheduler: Scheduler,
    sink: CodecSink,
    isDeflater: boolean,
    windowBits: number,
    level: number,
    memLevel: number,
  ) {
    this.#scheduler = scheduler;
    this.#sink = sink;
    this.#isDeflater = isDeflater;
    this.#windowBits = windowBits;
    this.#level = level;
    this.#memLevel = memLevel;
  }

  write(data: Uint8Array): void {
    if (this.#state !== OPEN || data.byteLength === 0) return;
    this.#steps.push(data);
    this.#tailBytes += data.byteLength;
    this.#wake();
  }

  flush(): void {
    if (this.#state !== OPEN) return;
    this.#steps.push(FLUSH);
    this.#tailBytes = 0;
    this.#wake();
  }

  reset(): void {
    if (this.#state !== OPEN) return;
    this.#steps.push(RESET);
    this.#tailBytes = 0;
    this.#wake();
  }

  close(): void {
    this.#die();
  }

  /** Asks for a slot when there is work worth starting. */
  #wake(): void {
    this.#scheduler.unmarkIdle(this);
    if (this.#isQueued || this.#hasSlot || !this.#isRunnable()) return;
    this.#isQueued = true;
    this.#scheduler.enqueue(this);
  }

  #isRunnable(): boolean {
    if (this.#steps.length === 0) return false;
    if (!this.#isDeflater || this.#tailBytes >= DEFLATE_HOLD_BYTES) return true;
    // A deflater's input without a flush after it waits for the flush (or for more input).
    return this.#steps.some((step) => typeof step === 'number');
  }

  /** Called by the scheduler with a free slot; false when there is nothing to do any more. */
  startJob(): boolean {
    this.#isQueued = false;
    if (this.#state !== OPEN || !this.#isRunnable()) return false;
    this.#hasSlot = true;
    let taken: Step[];
    if (this.#isDeflater && this.#tailBytes < DEFLATE_HOLD_BYTES && this.#tailBytes > 0) {
      // Keep the unflushed tail for later.
      let end = this.#steps.length;
      while (end > 0 && typeof this.#steps[end - 1] !== 'number') end--;
      taken = this.#steps.slice(0, end);
      this.#steps = this.#steps.slice(end);
    } else {
      taken = this.#steps;
      this.#steps = [];
      this.#tailBytes = 0;
    }
    this.#run(joinWrites(taken), 0, false);
    return true;
  }

  /** Runs steps[index..] one after the other; `wroteSinceFlush` tells whether a flush needs zlib. */
  #run(steps: Step[], index: number, wroteSinceFlush: boolean): void {
    for (; index < steps.length; index++) {
      if (this.#state !== OPEN) return;
      const step = steps[index]!;
      if (step === RESET) {
        this.#resetStream();
        wroteSinceFlush = false;
        continue;
      }
      if (step === FLUSH) {
        // zlib flushed with the write before; a deflater writes an empty sync flush when
        // nothing was written since the last one (the empty stored block 00 00 00 FF FF on a
        // fresh stream, nothing on a stream that was just flushed).
        if (!wroteSinceFlush && this.#isDeflater) {
          this.#writeToZlib(new Uint8Array(0), steps, index);
          return;
        }
        wroteSinceFlush = false;
        if (!this.#report(() => this.#sink.onFlushed())) return;
        continue;
      }
      // A write; the next step runs from its callback.
      const next = steps[index + 1];
      if (next === FLUSH) {
        // The write itself flushes: report the flush after it.
        this.#writeToZlib(step, steps, index + 1);
      } else {
        this.#writeToZlib(step, steps, index, true);
      }
      return;
    }
    this.#endJob();
  }

  /**
   * Writes `data` to zlib; then reports the flush at steps[flushIndex] (when it is one) and
   * goes on after it, or, with `isPlainWrite`, goes on after steps[flushIndex].
   */
  #writeToZlib(data: Uint8Array, steps: Step[], flushIndex: number, isPlainWrite = false): void {
    const stream = this.#ensureStream();
    this.#isBlank = false;
    stream.write(data, () => {
      if (this.#stream !== stream || this.#state !== OPEN) return;
      if (this.#isEnded) {
        // The peer ended the DEFLATE stream (BFINAL): what followed in this write is past its
        // end; the next input starts a new stream, as the peer's own deflater did.
        this.freeStream();
      }
      if (isPlainWrite) {
        this.#run(steps, flushIndex + 1, true);
        return;
      }
      if (!this.#report(() => this.#sink.onFlushed())) return;
      this.#run(steps, flushIndex + 1, false);
    });
  }

  #ensureStream(): ZlibStream {
    if (this.#stream !== null) return this.#stream;
    const options: ZlibOptions = {
      flush: constants.Z_SYNC_FLUSH,
      chunkSize: CODEC_CHUNK_BYTES,
      // zlib cannot deflate with a 256-byte window, and a peer's zlib asked for 8 deflates
      // with 9: inflating with 9 reads both (a larger window is always correct). Node 20
      // already does this for a raw inflater asked for 8; this keeps it true elsewhere.
      windowBits: Math.max(9, this.#windowBits),
    };
    let stream: ZlibStream;
    if (this.#isDeflater) {
      options.level = this.#level;
      options.memLevel = this.#memLevel;
      stream = createDeflateRaw(options);
    } else {
      stream = createInflateRaw(options);
    }
    stream.on('data', (chunk: Buffer) => {
      if (this.#stream !== stream || this.#state !== OPEN) return;
      // zlib's pieces are views into a 16 KiB buffer it fills further: copy the partial ones
      // so a kept piece holds only its own bytes.
      const piece =
        chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength
          ? chunk
          : new Uint8Array(chunk);
      this.#report(() => this.#sink.onOutput(piece));
    });
    stream.on('end', () => {
      if (this.#stream === stream) this.#isEnded = true;
    });
    // Stays attached after the stream is dropped: a late error is never uncaught.
    stream.on('error', (error: Error) => {
      if (this.#stream !== stream || this.#state !== OPEN) return;
      this.#die();
      this.#report(() => this.#sink.onInvalid(error.message));
    });
    this.#stream = stream;
    this.#isEnded = false;
    this.#scheduler.liveStreams++;
    return stream;
  }

  /**
   * Calls the sink; false when the codec must stop (the sink returned false, or threw: the
   * error is rethrown from a microtask, outside zlib's callbacks).
   */
  #report(call: () => unknown): boolean {
    let keepGoing: unknown;
    try {
      keepGoing = call();
    } catch (error) {
      this.#die();
      queueMicrotask(() => {
        throw error;
      });
      return false;
    }
    if (keepGoing === false) {
      this.#die();
      return false;
    }
    return this.#state === OPEN;
  }

  #resetStream(): void {
    if (this.#stream !== null && !this.#isBlank) {
      if (this.#scheduler.idleFreeMs === 0) this.freeStream();
      else this.#stream.reset();
    }
    this.#isBlank = true;
  }

  #endJob(): void {
    this.#releaseSlot();
    if (this.#isRunnable()) {
      this.#wake();
    } else if (this.#isBlank && this.#stream !== null && this.#steps.length === 0) {
      this.idleSince = this.#scheduler.clock.now();
      this.#scheduler.markIdle(this);
    }
  }

  #releaseSlot(): void {
    if (!this.#hasSlot) return;
    this.#hasSlot = false;
    this.#scheduler.release();
  }

  /** Drops the zlib stream; the next write makes a new one. */
  freeStream(): void {
    const stream = this.#stream;
    if (stream === null) return;
    this.#stream = null;
    this.#isBlank = true;
    this.#scheduler.liveStreams--;
    // A job in the thread pool finishes first; Node closes the handle after it.
    stream.destroy();
  }

  /** Stops for good: drops the queue and the stream, gives the slot back, reports nothing. */
  #die(): void {
    if (this.#state !== OPEN) return;
    this.#state = DEAD;
    this.#steps = [];
    this.#tailBytes = 0;
    this.#scheduler.unmarkIdle(this);
    this.freeStream();
    this.#releaseSlot();
  }
}

/** Joins runs of neighbouring writes into buffers of at most JOIN_BYTES (bigger ones alone). */
function joinWrites(steps: Step[]): Step[] {
  const out: Step[] = [];
  let run: Uint8Array[] = [];
  let runBytes = 0;
  const endRun = (): void => {
    if (run.length === 1) out.push(run[0]!);
    else if (run.length > 1) out.push(Buffer.concat(run, runBytes));
    run = [];
    runBytes = 0;
  };
  for (const step of steps) {
    if (typeof step === 'number') {
      endRun();
      out.push(step);
      continue;
    }
    if (runBytes + step.byteLength > JOIN_BYTES) endRun();
    run.push(step);
    runBytes += step.byteLength;
  }
  endRun();
  return out;
}

function checkRange(name: string, value: number, low: number, high: number): void {
  if (!Number.isInteger(value) || value < low || value > high) {
    throw new RangeError(`${name} must be an integer from ${low} to ${high}, not ${value}`);
  }
}

/**
 * Makes a DeflateCodecPort on node:zlib. Codecs of one port share its `concurrency` slots
 * and its idle sweeper; use the shared `zlibDeflatePort` unless a test needs its own.
 */
export function createZlibDeflatePort(options: ZlibDeflatePortOptions = {}): ZlibDeflatePort {
  const scheduler = new Scheduler(options);
  return {
    createInflater(windowBits, sink) {
      checkRange('windowBits', windowBits, 8, 15);
      return new Codec(scheduler, sink, false, windowBits, 0, 0);
    },
    createDeflater(settings: DeflaterSettings, sink) {
      checkRange('windowBits', settings.windowBits, 9, 15);
      checkRange('level', settings.level, 0, 9);
      checkRange('memLevel', settings.memLevel, 1, 9);
      return new Codec(
        scheduler,
        sink,
        true,
        settings.windowBits,
        settings.level,
        settings.memLevel,
      );
    },
    get liveStreams() {
      return scheduler.liveStreams;
    },
    get runningJobs() {
      return scheduler.running;
    },
    get waitingJobs() {
      return scheduler.waiting;
    },
  };
}

/** The process-wide port: at most 10 codecs in zlib's thread pool at once. */
export const zlibDeflatePort: ZlibDeflatePort = createZlibDeflatePort();
