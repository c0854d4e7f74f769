// Keeps send() order across Blobs for the WHATWG faces: a Blob is read asynchronously, so
// everything sent after it (and a close() called after it) waits until it was read. No I/O
// here: what is ready is handed to `forward`, in order.

import { argumentError, type InvalidArgumentError } from '../core/errors.js';
import { messageOf, sizeOf } from './webidl.js';

/** Called once per send: without an error when written, with one when refused or lost. */
export type Settle = (error: Error | undefined) => void;

type Forward = (data: string | Uint8Array, bytes: number, settle: Settle) => void;

/** A send (or an action such as close) waiting behind a Blob that is still being read. */
interface Waiting {
  data: string | Uint8Array | undefined;
  readError?: unknown;
  bytes: number;
  settle: Settle;
  action?: () => void;
}

const ignore: Settle = () => {};

export class SendOrder {
  readonly #forward: Forward;
  readonly #onReadError: (error: InvalidArgumentError, settle: Settle) => void;
  #waiting: Waiting[] = [];
  #waitingBytes = 0;

  /**
   * `forward` sends ready data; `onReadError` decides what an unreadable Blob does (settle
   * the send with the error, or fail the connection).
   */
  constructor(
    forward: Forward,
    onReadError: (error: InvalidArgumentError, settle: Settle) => void = (error, settle) =>
      settle(error),
  ) {
    this.#forward = forward;
    this.#onReadError = onReadError;
  }

  /** Payload bytes waiting behind a Blob being read. */
  get waitingBytes(): number {
    return this.#waitingBytes;
  }

  send(value: string | Uint8Array | Blob, settle: Settle = ignore): void {
    if (value instanceof Blob) {
      const item: Waiting = { data: undefined, bytes: value.size, settle };
      this.#wait(item);
      value.arrayBuffer().then(
        (buffer) => {
          item.data = new Uint8Array(buffer);
          this.#forwardReady();
        },
        (error: unknown) => {
          item.readError = error ?? new Error('unreadable Blob');
          this.#forwardReady();
        },
      );
    } else if (this.#waiting.length === 0) {
      this.#forward(value, sizeOf(value), settle);
    } else {
      // Copy now: the caller may reuse its buffer meanwhile (a Buffer's slice() is a view).
      const copy = typeof value === 'string' ? value : new Uint8Array(value);
      this.#wait({ data: copy, bytes: sizeOf(value), settle });
    }
  }

  /** Runs `action` once everything sent before it was forwarded (at once when nothing waits). */
  after(action: () => void): void {
    if (this.#waiting.length === 0) action();
    else this.#wait({ data: undefined, bytes: 0, settle: ignore, action });
  }

  /** Drops everything waiting; returns the payload bytes dropped. */
  clear(): number {
    const bytes = this.#waitingBytes;
    this.#waiting = [];
    this.#waitingBytes = 0;
    return bytes;
  }

  #wait(item: Waiting): void {
    this.#waitingBytes += item.bytes;
    this.#waiting.push(item);
  }

  /** Forwards what waits at the head until a Blob still being read blocks. */
  #forwardReady(): void {
    const queue = this.#waiting;
    while (queue.length > 0 && queue === this.#waiting) {
      const item = queue[0]!;
      if (item.data === undefined && item.readError === undefined && item.action === undefined) {
        return;
      }
      queue.shift();
      this.#waitingBytes -= item.bytes;
      if (item.action !== undefined) item.action();
      else if (item.data !== undefined) this.#forward(item.data, item.bytes, item.settle);
      else {
        const message = `a Blob passed to send() could not be read: ${messageOf(item.readError)}`;
        this.#onReadError(argumentError(message, item.readError), item.settle);
      }
    }
  }
}
