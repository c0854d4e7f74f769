// A DeflateCodecPort for core tests. Two kinds of codec:
// - scripted: records what the core writes and lets the test say when and what it outputs,
//   so ordering and failures can be driven one step at a time;
// - real: raw DEFLATE through node:zlib's one-shot functions, answering on a later turn like
//   the real codec (inflate keeps the whole stream since the last reset, so context takeover
//   works; deflate compresses each message alone, which is valid in a takeover stream too).

import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import type { CodecSink, DeflateCodecPort, RawCodec } from '../../src/core/ports.js';

export interface ScriptedCodec extends RawCodec {
  readonly kind: 'inflater' | 'deflater';
  readonly windowBits: number;
  /** What the core asked for, in order: 'write:<hex>', 'flush', 'reset', 'close'. */
  readonly calls: string[];
  /** Reports output as the codec would; returns what the sink answered. */
  output(bytes: Uint8Array | string): boolean;
  flushed(): void;
  invalid(message: string): void;
  readonly isClosed: boolean;
}

export function scriptedPort(): { port: DeflateCodecPort; codecs: ScriptedCodec[] } {
  const codecs: ScriptedCodec[] = [];
  const make = (kind: 'inflater' | 'deflater', windowBits: number, sink: CodecSink) => {
    let isClosed = false;
    const calls: string[] = [];
    const codec: ScriptedCodec = {
      kind,
      windowBits,
      calls,
      get isClosed() {
        return isClosed;
      },
      write: (data) => calls.push(`write:${Buffer.from(data).toString('hex')}`),
      flush: () => calls.push('flush'),
      reset: () => calls.push('reset'),
      close: () => {
        isClosed = true;
        calls.push('close');
      },
      output: (bytes) => sink.onOutput(typeof bytes === 'string' ? Buffer.from(bytes) : bytes),
      flushed: () => sink.onFlushed(),
      invalid: (message) => sink.onInvalid(message),
    };
    codecs.push(codec);
    return codec;
  };
  return {
    codecs,
    port: {
      createInflater: (windowBits, sink) => make('inflater', windowBits, sink),
      createDeflater: (settings, sink) => make('deflater', settings.windowBits, sink),
    },
  };
}

/** Real raw DEFLATE, answering on a later turn (setImmediate), in order. */
export function oneShotZlibPort(): { port: DeflateCodecPort; created: string[] } {
  const created: string[] = [];
  const make = (kind: 'inflater' | 'deflater', sink: CodecSink): RawCodec => {
    let pending: Uint8Array[] = [];
    /** Inflate: the compressed stream since the last reset, and how much of it was output. */
    let stream: Uint8Array[] = [];
    let outputSoFar = 0;
    let isClosed = false;
    let work: (() => void)[] = [];
    let isScheduled = false;
    const run = () => {
      isScheduled = false;
      const jobs = work;
      work = [];
      for (const job of jobs) {
        if (isClosed) return;
        job();
      }
    };
    const queue = (job: () => void) => {
      work.push(job);
      if (!isScheduled) {
        isScheduled = true;
        setImmediate(run);
      }
    };
    return {
      write: (data) => {
        const copy = new Uint8Array(data);
        queue(() => pending.push(copy));
      },
      flush: () =>
        queue(() => {
          const input = Buffer.concat(pending);
          pending = [];
          if (kind === 'deflater') {
            const out = deflateRawSync(input, { finishFlush: constants.Z_SYNC_FLUSH });
            if (out.length > 0 && !sink.onOutput(new Uint8Array(out))) {
              isClosed = true;
              return;
            }
            sink.onFlushed();
            return;
          }
          stream.push(input);
          let out: Buffer;
          try {
            out = inflateRawSync(Buffer.concat(stream), { finishFlush: constants.Z_SYNC_FLUSH });
          } catch (error) {
            isClosed = true;
            sink.onInvalid((error as Error).message);
            return;
          }
          const fresh = out.subarray(outputSoFar);
          outputSoFar = out.length;
          // In pieces of 16 KiB, as zlib reports them.
          for (let at = 0; at < fresh.length; at += 16384) {
            if (!sink.onOutput(new Uint8Array(fresh.subarray(at, at + 16384)))) {
              isClosed = true;
              return;
            }
          }
          sink.onFlushed();
        }),
      reset: () =>
        queue(() => {
          stream = [];
          outputSoFar = 0;
        }),
      close: () => {
        isClosed = true;
      },
    };
  };
  return {
    created,
    port: {
      createInflater: (windowBits, sink) => {
        created.push(`inflater ${windowBits}`);
        return make('inflater', sink);
      },
      createDeflater: (settings, sink) => {
        created.push(`deflater ${settings.windowBits}`);
        return make('deflater', sink);
      },
    },
  };
}

/** A message compressed as a server sends it: raw DEFLATE, sync flush, trailer removed. */
export function deflateMessage(data: string | Uint8Array): Buffer {
  const out = deflateRawSync(data, { finishFlush: constants.Z_SYNC_FLUSH });
  return out.subarray(0, out.length - 4);
}

/** The inverse: what a server makes of a compressed payload we sent. */
export function inflateMessage(payload: Uint8Array): Buffer {
  return inflateRawSync(Buffer.concat([payload, Buffer.from([0, 0, 0xff, 0xff])]), {
    finishFlush: constants.Z_SYNC_FLUSH,
  });
}
