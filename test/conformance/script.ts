// The vocabulary of the conformance table: how a case describes what the scripted server
// sends and what it expects of an echoing client, plus small builders for server frames and
// for the common case shapes ("these frames must be echoed", "these frames must fail"), and
// the server's side of permessage-deflate (what the handshake agreed, a compressor honouring
// it). Data, apart from that compressor: the runner in conformance.test.ts gives it meaning.

import { constants, deflateRawSync, type ZlibOptions } from 'node:zlib';
import { Opcode } from '../../src/core/constants.js';
import { ErrorCode } from '../../src/core/errors.js';
import type { PerMessageDeflateOptions } from '../../src/core/permessage-deflate.js';

export { ErrorCode };

/** A message the client must deliver and echo back, as bytes. */
export interface Echo {
  readonly type: 'text' | 'binary';
  readonly data: Uint8Array;
}

/** One step of the scripted server, run in order after the opening handshake. */
export type Step =
  /** Write bytes, in one write or in writes of `chop` bytes. */
  | { readonly op: 'send'; readonly bytes: Uint8Array; readonly chop?: number }
  /** Wait until the client echoed `echoes` messages and sent `pongs` pongs in total. */
  | { readonly op: 'wait'; readonly echoes: number; readonly pongs: number }
  /** Send a Close frame (no code: empty payload); remembered for 'echo' expectations. */
  | {
      readonly op: 'close';
      readonly code?: number;
      readonly reason?: Uint8Array;
      readonly chop?: number;
    };

export interface Expectation {
  /** Messages the client must deliver to the application, in order. */
  readonly messages: readonly Echo[];
  /**
   * 'exact': the client echoed every message. 'prefix': the echoes may stop early, for a
   * message that arrived in the same read as the frame that ended the connection.
   */
  readonly echoMatch: 'exact' | 'prefix';
  /** Payloads of the pongs the client must send, in order. */
  readonly pongs: readonly Uint8Array[];
  /** Code in the client's Close frame: a number, 'echo' (the server's code), or 'none'. */
  readonly clientClose: number | 'echo' | 'none';
  /** When set, the connection must be failed with this ErrorCode value. */
  readonly error?: string;
}

/**
 * permessage-deflate as a case's handshake agrees it, seen from the server: what it answers,
 * and how it must read the client's echoes (RFC 7692 §7.1).
 */
export interface DeflateAgreement {
  /** The Sec-WebSocket-Extensions value of the server's 101 response. */
  readonly response: string;
  /** The client's window (2^n bytes): compressed echoes are inflated with it. */
  readonly clientWindowBits: number;
  /** The client resets its compressor after each message: echoes are inflated one by one. */
  readonly clientNoContextTakeover: boolean;
  /**
   * The client's threshold in bytes: an echo of at least this many bytes must come compressed
   * and a shorter one plain; with a window of 8 (which zlib cannot deflate with) every echo
   * comes plain.
   */
  readonly threshold: number;
}

export interface CaseScript {
  readonly steps: readonly Step[];
  readonly expect: Expectation;
  /** permessage-deflate is agreed in the handshake; the echoes may be compressed. */
  readonly deflate?: DeflateAgreement;
}

export interface ConformanceCase {
  /** Dotted id, section first: "6.4.12". */
  readonly id: string;
  readonly description: string;
  /** Client options for this case: limits, and the permessage-deflate offer. */
  readonly options?: {
    readonly maxMessageBytes?: number;
    readonly maxFragments?: number;
    readonly perMessageDeflate?: boolean | PerMessageDeflateOptions;
  };
  /** Milliseconds before the runner gives up on the case (default 10 000). */
  readonly limitMs?: number;
  /** Builds the script when the case runs, so large payloads live only that long. */
  readonly build: () => CaseScript;
}

/** A table of cases under construction, and the function that adds one to it. */
export function caseTable(): {
  cases: ConformanceCase[];
  add: (
    id: string,
    description: string,
    build: () => CaseScript,
    extra?: Pick<ConformanceCase, 'options' | 'limitMs'>,
  ) => void;
} {
  const cases: ConformanceCase[] = [];
  return {
    cases,
    add: (id, description, build, extra = {}) => {
      cases.push({ id, description, build, ...extra });
    },
  };
}

/** Compares dotted ids numerically: 6.10 after 6.9, 10.1.1 after 9.9.7. */
export function compareIds(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i++) {
    const difference = (left[i] ?? -1) - (right[i] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}

// ------------------------------------------------------------------ bytes

const encoder = new TextEncoder();

export function bytes(data: string | Uint8Array | readonly number[]): Uint8Array {
  if (typeof data === 'string') return encoder.encode(data);
  return data instanceof Uint8Array ? data : Uint8Array.from(data);
}

/** Bytes from a hex string; spaces are ignored. */
export function hex(text: string): Uint8Array {
  const clean = text.replace(/\s+/g, '');
  const out = new Uint8Array(clean.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(clean.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const part of parts) length += part.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** `size` bytes of printable ASCII in a repeating, position-dependent pattern. */
export function asciiOf(size: number, seed = 0): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = 0x21 + ((i * 7 + seed) % 94);
  return out;
}

/** `size` bytes of every byte value in a repeating pattern. */
export function binaryOf(size: number, seed = 0): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = 0; i < size; i++) out[i] = (i * 31 + seed) & 0xff;
  return out;
}

// ------------------------------------------------------------------ frames

/** Opcodes (RFC 6455 §5.2): wire facts, shared with the engine's table. */
export const Op = Opcode;

export interface FrameOptions {
  /** Default true. */
  fin?: boolean;
  /** RSV1..RSV3 as a 3-bit number (RSV1 = 4). */
  rsv?: number;
  /** Mask the payload (a server must not). */
  mask?: boolean;
  /** Force a length encoding: 7-bit, 16-bit or 64-bit (default: the shortest). */
  lengthForm?: 7 | 16 | 64;
}

/** One server frame. */
export function frame(
  opcode: number,
  payload: string | Uint8Array = new Uint8Array(0),
  options: FrameOptions = {},
): Uint8Array {
  const body = bytes(payload);
  const form = options.lengthForm ?? (body.length < 126 ? 7 : body.length < 0x10000 ? 16 : 64);
  const headerLength = form === 7 ? 2 : form === 16 ? 4 : 10;
  const maskLength = options.mask ? 4 : 0;
  const out = new Uint8Array(headerLength + maskLength + body.length);
  out[0] = ((options.fin ?? true) ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  const maskBit = options.mask ? 0x80 : 0;
  const view = new DataView(out.buffer);
  if (form === 7) out[1] = maskBit | body.length;
  else if (form === 16) {
    out[1] = maskBit | 126;
    view.setUint16(2, body.length);
  } else {
    out[1] = maskBit | 127;
    view.setBigUint64(2, BigInt(body.length));
  }
  if (!options.mask) {
    out.set(body, headerLength);
    return out;
  }
  const key = [0x37, 0xfa, 0x21, 0x3d];
  out.set(key, headerLength);
  for (let i = 0; i < body.length; i++) out[headerLength + 4 + i] = body[i]! ^ key[i & 3]!;
  return out;
}

export const text = (data: string | Uint8Array, options?: FrameOptions) =>
  frame(Op.Text, data, options);
export const binary = (data: string | Uint8Array, options?: FrameOptions) =>
  frame(Op.Binary, data, options);
export const continuation = (data: string | Uint8Array, options?: FrameOptions) =>
  frame(Op.Continuation, data, options);
export const ping = (data: string | Uint8Array = '', options?: FrameOptions) =>
  frame(Op.Ping, data, options);
export const pong = (data: string | Uint8Array = '', options?: FrameOptions) =>
  frame(Op.Pong, data, options);

/** A Close payload: 2-byte code then the reason (no code: empty). */
export function closePayload(code?: number, reason: string | Uint8Array = ''): Uint8Array {
  if (code === undefined) return new Uint8Array(0);
  return concat([Uint8Array.of(code >> 8, code & 0xff), bytes(reason)]);
}

/** `data` split into frames of `size` payload bytes (the first `opcode`, then continuations). */
export function fragments(opcode: number, data: Uint8Array, size: number): Uint8Array[] {
  const count = Math.max(1, Math.ceil(data.length / size));
  const out: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      frame(i === 0 ? opcode : Op.Continuation, data.subarray(i * size, (i + 1) * size), {
        fin: i === count - 1,
      }),
    );
  }
  return out;
}

export const T = (data: string | Uint8Array): Echo => ({ type: 'text', data: bytes(data) });
export const B = (data: string | Uint8Array): Echo => ({ type: 'binary', data: bytes(data) });

// ------------------------------------------------------------------ compression

/** §7.2.1: the empty-block trailer a sync flush ends with, removed before sending. */
export const DEFLATE_TRAILER = Uint8Array.of(0x00, 0x00, 0xff, 0xff);

/**
 * The server's compressor for one connection (RFC 7692 §7.2.1), honouring the agreed server
 * window and context takeover. Each message is deflated on its own with a sync flush, the
 * trailer removed; with context takeover the deflater is primed with the last 2^windowBits
 * bytes of the messages compressed before (a preset dictionary), which is what the client's
 * inflater holds in its window. zlib cannot deflate with a 256-byte window, so with a window
 * of 8 it uses run-length matches only (distance 1), which fit in any window.
 */
export class ServerDeflater {
  readonly #windowBits: number;
  readonly #noContextTakeover: boolean;
  readonly #level: number;
  #history: Uint8Array = new Uint8Array(0);

  constructor(windowBits = 15, noContextTakeover = false, level = 6) {
    this.#windowBits = windowBits;
    this.#noContextTakeover = noContextTakeover;
    this.#level = level;
  }

  /** The compressed payload of one message (trailer removed). */
  compress(data: Uint8Array): Uint8Array {
    const options: ZlibOptions = {
      windowBits: Math.max(9, this.#windowBits),
      level: this.#level,
      finishFlush: constants.Z_SYNC_FLUSH,
    };
    if (this.#windowBits === 8) options.strategy = constants.Z_RLE;
    if (!this.#noContextTakeover && this.#history.length > 0) {
      options.dictionary = this.#history;
    }
    const out = new Uint8Array(deflateRawSync(data, options));
    if (!this.#noContextTakeover) {
      const window = 1 << this.#windowBits;
      const all = concat([this.#history, data]);
      this.#history = all.slice(Math.max(0, all.length - window));
    }
    const ends =
      out.length >= 4 && out.subarray(out.length - 4).every((b, i) => b === DEFLATE_TRAILER[i]);
    return ends ? out.subarray(0, out.length - 4) : out;
  }

  /**
   * One compressed message as frames: the payload split into `pieces` frames (fewer when it
   * is shorter), RSV1 on the first only (§6.1).
   */
  message(opcode: number, data: Uint8Array, pieces = 1): Uint8Array[] {
    const payload = this.compress(data);
    const count = Math.max(1, Math.min(pieces, payload.length));
    const size = Math.ceil(payload.length / count);
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) {
      const part = payload.subarray(i * size, (i + 1) * size);
      const fin = i === count - 1;
      out.push(
        i === 0 ? frame(opcode, part, { fin, rsv: 4 }) : frame(Op.Continuation, part, { fin }),
      );
    }
    return out;
  }
}

// ------------------------------------------------------------------ steps

export const send = (data: Uint8Array | readonly Uint8Array[], chop?: number): Step => {
  const joined = data instanceof Uint8Array ? data : concat(data);
  return chop === undefined ? { op: 'send', bytes: joined } : { op: 'send', bytes: joined, chop };
};
export const wait = (echoes: number, pongs = 0): Step => ({ op: 'wait', echoes, pongs });
export const close = (code?: number, reason?: string | Uint8Array, chop?: number): Step => ({
  op: 'close',
  ...(code === undefined ? {} : { code }),
  ...(reason === undefined ? {} : { reason: bytes(reason) }),
  ...(chop === undefined ? {} : { chop }),
});

// ------------------------------------------------------------------ case shapes

export interface ShapeOptions {
  /** Pong payloads the client must send. */
  pongs?: readonly (string | Uint8Array)[];
  /** Write the frames in pieces of this many bytes. */
  chop?: number;
}

/**
 * The frames must be accepted: the client echoes `messages` (and answers pings with
 * `pongs`); then the server closes with 1000 and the client echoes the Close.
 */
export function accepts(
  frames: Uint8Array | readonly Uint8Array[],
  messages: readonly Echo[],
  options: ShapeOptions = {},
): CaseScript {
  const pongs = (options.pongs ?? []).map(bytes);
  return {
    steps: [send(frames, options.chop), wait(messages.length, pongs.length), close(1000)],
    expect: { messages, echoMatch: 'exact', pongs, clientClose: 'echo' },
  };
}

export interface FailOptions extends ShapeOptions {
  /**
   * Valid frames sent right before the offending ones, in the same write (or the same chopped
   * writes). A strict client delivers and echoes their messages, and answers their pings,
   * before it fails the connection; one that fails first is graded NON-STRICT.
   */
  before?: { frames: readonly Uint8Array[]; messages: readonly Echo[]; pongs?: readonly string[] };
  /** Write each frame on its own (no waiting in between) instead of all in one write. */
  frameByFrame?: boolean;
}

/** The frames must fail the connection with `error`, the client sending Close `closeCode`. */
export function fails(
  frames: Uint8Array | readonly Uint8Array[],
  error: string,
  closeCode: number,
  options: FailOptions = {},
): CaseScript {
  const before = options.before;
  const beforePongs = (before?.pongs ?? []).map(bytes);
  // Pings that arrive before the offending frame are answered before the client fails.
  const pongs = [...beforePongs, ...(options.pongs ?? []).map(bytes)];
  const all = [...(before?.frames ?? []), ...(frames instanceof Uint8Array ? [frames] : frames)];
  const steps: Step[] = options.frameByFrame
    ? all.map((one) => send(one, options.chop))
    : [send(all, options.chop)];
  return {
    steps,
    expect: {
      messages: before?.messages ?? [],
      echoMatch: 'exact',
      pongs,
      clientClose: closeCode,
      error,
    },
  };
}

export const protocolError = (
  frames: Uint8Array | readonly Uint8Array[],
  error: string,
  options?: FailOptions,
) => fails(frames, error, 1002, options);
