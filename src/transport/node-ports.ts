// The core's ports on Node: random bytes and SHA-1 from node:crypto, fast UTF-8 validation
// from node:buffer (simdutf inside Node), raw DEFLATE for permessage-deflate from node:zlib.

import { Buffer, constants, isUtf8 } from 'node:buffer';
import { createHash, randomFillSync } from 'node:crypto';
import type { CorePorts } from '../core/ports.js';
import { zlibDeflatePort } from './deflate-codec.js';

export const nodePorts: CorePorts = {
  entropy: (target) => {
    randomFillSync(target);
  },
  sha1: (data) => createHash('sha1').update(data).digest(),
  isUtf8: (data) => isUtf8(data),
  allocate: allocateBytes,
  maxStringLength: constants.MAX_STRING_LENGTH,
  /** Shared by every connection of the process: its concurrency bound is process-wide. */
  deflate: zlibDeflatePort,
};

/**
 * Below this, `new Uint8Array` (zero-filled, but made on the JavaScript heap) is as fast; above
 * it, skipping the zero fill saves a pass over the memory of every large message.
 */
const UNFILLED_MIN_BYTES = 4096;

/**
 * A message's buffer without the zero fill: the core writes every byte of it. A plain
 * Uint8Array over its own ArrayBuffer (not Node's shared pool), like every other message.
 */
function allocateBytes(length: number): Uint8Array {
  if (length < UNFILLED_MIN_BYTES) return new Uint8Array(length);
  return new Uint8Array(Buffer.allocUnsafeSlow(length).buffer, 0, length);
}
