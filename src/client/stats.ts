// Counters of one connection (or of a reconnecting client over all of its connections):
// messages and bytes each way, round-trip times, time connected. Plain numbers bumped on the
// hot paths; percentiles are computed only when asked for.

/** A snapshot returned by `stats()`. */
export interface ConnectionStats {
  /** Messages received and sent. */
  messagesIn: number;
  /** Bytes on the wire each way: frames with their headers, and the handshake. */
  bytesIn: number;
  messagesOut: number;
  bytesOut: number;
  /** Connections opened after the first one (reconnecting clients only). */
  reconnects: number;
  /** Messages and bytes waiting in the offline queue (reconnecting clients only). */
  queuedMessages: number;
  queuedBytes: number;
  /** Round-trip times of the last pings, in milliseconds (undefined before the first). */
  rttLastMs: number | undefined;
  rttP50Ms: number | undefined;
  rttP99Ms: number | undefined;
  /** Milliseconds spent open, over all connections. */
  connectedMs: number;
}

const RTT_SAMPLES = 256;

export class StatsRecorder {
  messagesIn = 0;
  bytesIn = 0;
  messagesOut = 0;
  bytesOut = 0;
  reconnects = 0;
  /** Made on the first round trip. */
  #rtts: number[] | undefined;
  #rttNext = 0;
  #rttLast: number | undefined;
  #connectedMs = 0;
  #openSince: number | undefined;

  recordRtt(ms: number): void {
    this.#rttLast = ms;
    this.#rtts ??= [];
    if (this.#rtts.length < RTT_SAMPLES) this.#rtts.push(ms);
    else this.#rtts[this.#rttNext] = ms;
    this.#rttNext = (this.#rttNext + 1) % RTT_SAMPLES;
  }

  get rttLastMs(): number | undefined {
    return this.#rttLast;
  }

  opened(now: number): void {
    this.#openSince = now;
  }

  closed(now: number): void {
    if (this.#openSince === undefined) return;
    this.#connectedMs += now - this.#openSince;
    this.#openSince = undefined;
  }

  snapshot(now: number, queuedMessages = 0, queuedBytes = 0): ConnectionStats {
    const sorted = [...(this.#rtts ?? [])].sort((a, b) => a - b);
    const percentile = (p: number): number | undefined =>
      sorted.length === 0
        ? undefined
        : sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
    return {
      messagesIn: this.messagesIn,
      bytesIn: this.bytesIn,
      messagesOut: this.messagesOut,
      bytesOut: this.bytesOut,
      reconnects: this.reconnects,
      queuedMessages,
      queuedBytes,
      rttLastMs: this.#rttLast,
      rttP50Ms: percentile(50),
      rttP99Ms: percentile(99),
      connectedMs: this.#connectedMs + (this.#openSince === undefined ? 0 : now - this.#openSince),
    };
  }
}
