// The vocabulary of the conformance table: how a case describes what the scripted server
// sends and what it expects of an echoing client, plus small builders for server frames and
// for the common case shapes ("these frames must be echoed", "these frames must fail").
// Pure data: the runner in conformance.test.ts gives it meaning.

import { Opcode } from '../../src/core/constants.js';
import { ErrorCode } from '../../src/core/errors.js';

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

export interface CaseScript {
  readonly steps: readonly Step[];
  readonly expect: Expectation;
}

export interface ConformanceCase {
  /** Dotted id, section first: "6.4.12". */
  readonly id: string;
  readonly description: string;
  /** Client limits for this case. */
  readonly options?: { readonly maxMessageBytes?: number; readonly maxFragments?: number };
  /** Milliseconds before the runner gives up on the case (default 10 000). */
  readonly limitMs?: number;
  /** Builds the script when the case runs, so large payloads live only that long. */
  readonly build: () => CaseScript;
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
