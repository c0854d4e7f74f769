// The core's ports on Node: random bytes and SHA-1 from node:crypto, fast UTF-8 validation
// from node:buffer (simdutf inside Node), raw DEFLATE for permessage-deflate from node:zlib.

import { constants, isUtf8 } from 'node:buffer';
import { createHash, randomFillSync } from 'node:crypto';
import type { CorePorts } from '../core/ports.js';
import { zlibDeflatePort } from './deflate-codec.js';

export const nodePorts: CorePorts = {
  entropy: (target) => {
    randomFillSync(target);
  },
  sha1: (data) => createHash('sha1').update(data).digest(),
  isUtf8: (data) => isUtf8(data),
  maxStringLength: constants.MAX_STRING_LENGTH,
  /** Shared by every connection of the process: its concurrency bound is process-wide. */
  deflate: zlibDeflatePort,
};
