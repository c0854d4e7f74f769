// Reads of a direct TCP socket into buffers of our choosing (net.connect's `onread`): while a
// large message arrives, straight into the message's own buffer (the protocol's receiveTarget),
// so that it is not copied once more when it is complete. The bytes reach the socket's stream
// as before ('data' events, pause and resume, the stream's own buffering): nothing above notices.

import type { OnReadOpts, Socket } from 'node:net';
import type { TransportListener } from './interface.js';

/** Where a socket keeps the listener of its transport (set by NodeSocketTransport). */
export const kListener = Symbol('wsx.listener');

export interface ListenedSocket extends Socket {
  [kListener]?: TransportListener;
}

/** Bytes one read takes when there is no target (as many as Node reads by default). */
const READ_BYTES = 64 * 1024;
/** A read of a socket's own buffer this large is handed over as it is; a smaller one is copied. */
const HAND_OVER_BYTES = READ_BYTES / 2;

/**
 * The buffer of reads of sockets that seem idle. Node asks for a read's buffer and hands it back
 * with the bytes read in the same turn, and these are copied out at once: all sockets share it,
 * so an idle socket holds no buffer of its own.
 */
let shared: Uint8Array | undefined;

/** What one socket's reads need. */
class SocketReads {
  socket: ListenedSocket | undefined;
  /**
   * The last read filled its buffer: more is likely waiting, and the next read gets a buffer of
   * its own (handed over without a copy when it fills well, as Node's own reads are).
   */
  isStreaming = false;
  /** The buffer of its own given for the next read, if one was. */
  own: Uint8Array | undefined;

  /** The buffer for the next read. */
  next(): Uint8Array {
    const socket = this.socket;
    // A target only when every chunk read before was handed to the listener: it starts where
    // the protocol's input ends, and bytes still waiting in the stream are not in yet.
    if (socket !== undefined && socket.readableFlowing === true && socket.readableLength === 0) {
      const target = socket[kListener]?.receiveTarget?.();
      // At most READ_BYTES a read, as Node reads: a read that fills its buffer is followed by
      // another at once, and that one reports a reset (ECONNRESET) of the peer. After a read
      // that does not fill it, libuv takes a hang-up as a plain end of the stream.
      if (target !== undefined && target.length > 0) {
        return target.length > READ_BYTES ? target.subarray(0, READ_BYTES) : target;
      }
    }
    if (this.isStreaming) {
      // Not zero-filled: only the bytes a read writes are ever passed on.
      this.own = Buffer.allocUnsafeSlow(READ_BYTES);
      return this.own;
    }
    shared ??= new Uint8Array(READ_BYTES);
    return shared;
  }

  /** Hands `length` bytes read into `buffer` to the stream; false asks to stop reading. */
  received(length: number, buffer: Uint8Array): boolean {
    this.isStreaming = length === buffer.length;
    const isOwn = buffer === this.own;
    this.own = undefined;
    // The shared buffer is read again next: its bytes are copied out. A socket's own buffer is
    // not, and is freed once no chunk keeps it (a small read is copied, not to keep all of it).
    // A target's bytes are where the protocol expects them.
    let chunk: Uint8Array;
    if (buffer === shared || (isOwn && length < HAND_OVER_BYTES)) {
      // A Buffer, as the stream would make of any other chunk; every byte of it is written.
      chunk = Buffer.allocUnsafeSlow(length);
      chunk.set(buffer.subarray(0, length));
    } else chunk = buffer.subarray(0, length);
    return this.socket!.push(chunk);
  }
}

/**
 * The `onread` option for net.connect, and a function to call with the socket it made (Node
 * may ask for the first buffer before net.connect returns).
 */
export function targetedReads(): { onread: OnReadOpts; bind(socket: Socket): void } {
  const reads = new SocketReads();
  return {
    onread: {
      buffer: () => reads.next(),
      callback: (length, buffer) => reads.received(length, buffer),
    },
    bind(socket) {
      reads.socket = socket;
    },
  };
}
