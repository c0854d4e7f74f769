// Received messages that wait for a reader, with receive backpressure: once too many messages
// (or bytes) wait, the connection stops reading the socket; once few enough are left, it reads
// again. Used by the modern face (async iteration) and LuatOS-Air (recv/start). No timers, no
// protocol logic: the owner decides who gets a message and when.

/** What an inbox pauses and resumes: the connection's reading. */
export interface ReadControl {
  pause(): void;
  resume(): void;
}

/** When reading pauses (at or above a high mark) and resumes (at or below both low marks). */
export interface InboxMarks {
  /** Messages waiting that pause reading. */
  highWaterMark: number;
  /** Messages waiting at or below which reading resumes. */
  lowWaterMark: number;
  /** Bytes waiting above which reading pauses (Infinity: no byte bound). */
  highWaterBytes: number;
  /** Bytes waiting at or below which reading resumes. */
  lowWaterBytes: number;
}

/** A first-in first-out queue of received items that pauses and resumes reading. */
export class Inbox<T> {
  readonly #reading: ReadControl;
  readonly #marks: InboxMarks;
  readonly #sizeOf: (item: T) => number;
  #items: (T | undefined)[] = [];
  #head = 0;
  #bytes = 0;

  /** `sizeOf` gives an item's size in bytes, counted against the byte marks. */
  constructor(reading: ReadControl, marks: InboxMarks, sizeOf: (item: T) => number) {
    this.#reading = reading;
    this.#marks = marks;
    this.#sizeOf = sizeOf;
  }

  /** Items waiting. */
  get size(): number {
    return this.#items.length - this.#head;
  }

  /** Bytes of the items waiting. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Queues an item; pauses reading when the queue reached a high mark. */
  push(item: T): void {
    this.#items.push(item);
    this.#bytes += this.#sizeOf(item);
    if (this.size >= this.#marks.highWaterMark || this.#bytes > this.#marks.highWaterBytes) {
      this.#reading.pause();
    }
  }

  /** The oldest item, if any; resumes reading once the queue is at or below both low marks. */
  take(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head] as T;
    this.#items[this.#head++] = undefined;
    this.#bytes -= this.#sizeOf(item);
    if (this.#head === this.#items.length) {
      this.#items = [];
      this.#head = 0;
      this.#bytes = 0;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      // Drop the taken slots now and then, so a long-lived queue does not grow without end.
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    if (this.size <= this.#marks.lowWaterMark && this.#bytes <= this.#marks.lowWaterBytes) {
      this.#reading.resume();
    }
    return item;
  }
}
