// Encoding of client frames (RFC 6455 §5.2), masked with mask.ts (§5.3). Frames are written
// into a pooled output buffer so that every frame produced in one turn leaves as one
// contiguous block; large payloads get one buffer of their own. The caller's bytes are never
// mutated.

import { Opcode } from './constants.js';
import { applyMask, maskedHeaderLength, maskInto, maskRange, writeMaskedHeader } from './mask.js';
import type { Entropy } from './ports.js';

export { applyMask, maskedHeaderLength, maskInto, maskRange, writeMaskedHeader } from './mask.js';

/** Written pool blocks kept for reuse, shared by all writers of one block size. */
const MAX_SPARE_POOLS = 16;
/** Bytes of random mask keys drawn from the entropy at a time (2048 frames' worth). */
const MASK_POOL_BYTES = 8192;
const NO_BYTES = new Uint8Array(0);
const NO_WORDS = new Uint32Array(0);

/**
 * Spare output blocks by block size, shared by every writer in the process: an idle
 * connection holds no block of its own (see releaseOutput).
 */
const sparePools = new Map<number, Uint8Array[]>();

function sparesFor(poolBytes: number): Uint8Array[] {
  let spares = sparePools.get(poolBytes);
  if (spares === undefined) {
    spares = [];
    sparePools.set(poolBytes, spares);
  }
  return spares;
}

/** Random bytes for mask keys, shared by every writer that draws from the same entropy. */
interface MaskPool {
  bytes: Uint8Array;
  offset: number;
}
const maskPools = new WeakMap<Entropy, MaskPool>();

function maskPoolFor(entropy: Entropy): MaskPool {
  let pool = maskPools.get(entropy);
  if (pool === undefined) {
    pool = { bytes: new Uint8Array(MASK_POOL_BYTES), offset: MASK_POOL_BYTES };
    maskPools.set(entropy, pool);
  }
  return pool;
}

/** Tunables of the frame writer; defaults suit most uses. */
export interface FrameWriterOptions {
  /** Size of each shared output block in bytes. */
  poolBytes?: number;
  /** Payloads up to this size are copied into the shared block; larger ones get their own. */
  smallPayloadBytes?: number;
}

const textEncoder = new TextEncoder();

/** Builds masked client frames and hands them out as a list of byte blocks. */
export class FrameWriter {
  readonly #entropy: Entropy;
  readonly #poolBytes: number;
  readonly #smallPayloadBytes: number;
  /** The shared mask pool's bytes, once a frame was written. */
  #masks: Uint8Array = NO_BYTES;
  #maskPool: MaskPool | undefined;
  /** The current output block; empty until the first frame (allocated lazily). */
  #pool: Uint8Array = NO_BYTES;
  /** A Uint32Array over all of #pool, for maskRange. */
  #pool32: Uint32Array = NO_WORDS;
  #poolUsed = 0;
  #segmentStart = 0;
  /** Blocks produced and not taken yet; made for the first one. */
  #output: Uint8Array[] | undefined;
  #outputBytes = 0;
  /** Number of takeOutput() calls so far. */
  #epoch = 0;
  /**
   * Full pool blocks, and the takeOutput() number their last bytes leave with; made when a
   * block fills up.
   */
  #retired: Uint8Array[] | undefined;
  #retiredEpoch: number[] | undefined;
  /** Pool blocks whose bytes were written (shared): reused before allocating a new one. */
  readonly #spare: Uint8Array[];

  constructor(entropy: Entropy, options: FrameWriterOptions = {}) {
    this.#entropy = entropy;
    this.#poolBytes = options.poolBytes ?? 65536;
    this.#smallPayloadBytes = Math.min(options.smallPayloadBytes ?? 16384, this.#poolBytes - 14);
    this.#spare = sparesFor(this.#poolBytes);
  }

  /** Bytes produced and not yet taken. */
  get pendingBytes(): number {
    return this.#outputBytes + this.#poolUsed - this.#segmentStart;
  }

  /** Takes every byte produced so far, in order. */
  /** Number of the last takeOutput() call; pass it to releaseOutput() once written. */
  get outputEpoch(): number {
    return this.#epoch;
  }

  /** Everything taken up to takeOutput() number `epoch` was written: reuse its blocks. */
  releaseOutput(epoch: number): void {
    const retired = this.#retired;
    if (retired !== undefined) {
      const retiredEpoch = this.#retiredEpoch!;
      while (retired.length > 0 && retiredEpoch[0]! <= epoch) {
        const pool = retired.shift()!;
        retiredEpoch.shift();
        if (this.#spare.length < MAX_SPARE_POOLS) this.#spare.push(pool);
      }
    }
    // Everything this writer produced has been written: hand its block back to the shared
    // spares, so that an idle connection holds no output memory.
    if (
      epoch === this.#epoch &&
      (retired === undefined || retired.length === 0) &&
      this.#poolUsed === this.#segmentStart &&
      this.#pool.length === this.#poolBytes
    ) {
      if (this.#spare.length < MAX_SPARE_POOLS) this.#spare.push(this.#pool);
      this.#pool = NO_BYTES;
      this.#pool32 = NO_WORDS;
      this.#poolUsed = 0;
      this.#segmentStart = 0;
    }
  }

  takeOutput(): Uint8Array[] {
    this.#closeSegment();
    this.#epoch++;
    const output = this.#output;
    if (output === undefined) return [];
    this.#output = undefined;
    this.#outputBytes = 0;
    return output;
  }

  /** Appends raw bytes (the handshake request) to the output. */
  writeRaw(bytes: Uint8Array): void {
    this.#closeSegment();
    this.#pushOutput(bytes);
  }

  /** Appends a frame whose payload is `payload` (copied and masked, never mutated). */
  writeFrame(opcode: number, payload: Uint8Array, fin: boolean, rsv1 = false): void {
    const length = payload.length;
    const maskOffset = this.#nextMask();
    if (length <= this.#smallPayloadBytes) {
      const start = this.#reserve(14 + length);
      const pool = this.#pool;
      const headerLength = writeMaskedHeader(
        pool,
        start,
        opcode,
        fin,
        rsv1,
        length,
        this.#masks,
        maskOffset,
      );
      const payloadStart = start + headerLength;
      maskInto(pool, this.#pool32, payloadStart, payload, this.#masks, maskOffset);
      this.#poolUsed = payloadStart + length;
      return;
    }
    // A block of our own, starting at the payload's alignment so that masking runs a word at a
    // time while copying. Never mask `payload` itself: a Buffer's slice() is a view of the
    // caller's memory, not a copy.
    const shift = payload.byteOffset & 3;
    const block = new Uint8Array(length + shift);
    const blockWords = new Uint32Array(block.buffer, 0, block.length >>> 2);
    maskInto(block, blockWords, shift, payload, this.#masks, maskOffset);
    this.#writeHeaderThenOwned(opcode, fin, rsv1, block.subarray(shift), maskOffset);
  }

  /**
   * Appends a frame whose payload is the UTF-8 encoding of `text`, encoding straight into
   * the output block when it fits. Returns the payload length in bytes.
   */
  writeTextFrame(opcode: number, text: string, fin: boolean): number {
    const maxBytes = text.length * 3;
    const maskOffset = this.#nextMask();
    if (maxBytes <= this.#smallPayloadBytes) {
      const reservedHeader = maskedHeaderLength(maxBytes);
      const start = this.#reserve(reservedHeader + maxBytes);
      const pool = this.#pool;
      const { written } = textEncoder.encodeInto(
        text,
        pool.subarray(start + reservedHeader, start + reservedHeader + maxBytes),
      );
      const headerLength = maskedHeaderLength(written);
      if (headerLength !== reservedHeader) {
        pool.copyWithin(
          start + headerLength,
          start + reservedHeader,
          start + reservedHeader + written,
        );
      }
      writeMaskedHeader(pool, start, opcode, fin, false, written, this.#masks, maskOffset);
      const payloadStart = start + headerLength;
      maskRange(pool, this.#pool32, payloadStart, payloadStart + written, this.#masks, maskOffset);
      this.#poolUsed = payloadStart + written;
      return written;
    }
    const bytes = textEncoder.encode(text);
    applyMask(bytes, this.#masks, maskOffset);
    this.#writeHeaderThenOwned(opcode, fin, false, bytes, maskOffset);
    return bytes.length;
  }

  /** Header into the shared block, then an already masked payload block we own. */
  #writeHeaderThenOwned(
    opcode: number,
    fin: boolean,
    rsv1: boolean,
    masked: Uint8Array,
    maskOffset: number,
  ): void {
    const start = this.#reserve(14);
    this.#poolUsed =
      start +
      writeMaskedHeader(
        this.#pool,
        start,
        opcode,
        fin,
        rsv1,
        masked.length,
        this.#masks,
        maskOffset,
      );
    this.#closeSegment();
    this.#pushOutput(masked);
  }

  /** Offset of 4 fresh random bytes in the mask pool (RFC 6455 §5.3: a new key per frame). */
  #nextMask(): number {
    const pool = (this.#maskPool ??= maskPoolFor(this.#entropy));
    if (pool.offset + 4 > pool.bytes.length) {
      this.#entropy(pool.bytes);
      pool.offset = 0;
    }
    this.#masks = pool.bytes;
    const offset = pool.offset;
    pool.offset += 4;
    return offset;
  }

  /** Makes room for `bytes` in the shared block and returns where they start. */
  #reserve(bytes: number): number {
    if (this.#poolUsed + bytes > this.#pool.length) {
      this.#closeSegment();
      if (this.#pool.length === this.#poolBytes) {
        (this.#retired ??= []).push(this.#pool);
        (this.#retiredEpoch ??= []).push(this.#epoch + 1);
      }
      this.#pool =
        bytes <= this.#poolBytes && this.#spare.length > 0
          ? this.#spare.pop()!
          : new Uint8Array(Math.max(this.#poolBytes, bytes));
      this.#pool32 = new Uint32Array(this.#pool.buffer, 0, this.#pool.length >>> 2);
      this.#poolUsed = 0;
      this.#segmentStart = 0;
    }
    return this.#poolUsed;
  }

  #closeSegment(): void {
    if (this.#poolUsed > this.#segmentStart) {
      this.#pushOutput(this.#pool.subarray(this.#segmentStart, this.#poolUsed));
      this.#segmentStart = this.#poolUsed;
    }
  }

  #pushOutput(bytes: Uint8Array): void {
    const output = this.#output;
    if (output === undefined) this.#output = [bytes];
    else output.push(bytes);
    this.#outputBytes += bytes.length;
  }
}

/** True for the opcodes RFC 6455 §5.2 defines; the rest are reserved. */
export function isKnownOpcode(opcode: number): boolean {
  return opcode <= Opcode.Binary || (opcode >= Opcode.Close && opcode <= Opcode.Pong);
}

/** True for control opcodes (RFC 6455 §5.5: the most significant opcode bit is set). */
export function isControlOpcode(opcode: number): boolean {
  return (opcode & 0x8) !== 0;
}
