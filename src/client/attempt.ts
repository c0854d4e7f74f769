// One request of a connection over one transport: the protocol that speaks it, the write
// batch that carries the protocol's output (write-batch.ts), and the transport, opened
// through the options' opener (a socket by default, node-socket.ts) and ended or destroyed
// when the protocol says so. A followed redirect replaces the attempt; the connection
// (connection.ts) outlives it.

import { ClientProtocol } from '../core/protocol.js';
import type { Transport, TransportListener } from '../transport/interface.js';
import { openNodeTransport } from '../transport/node-socket.js';
import type { ResolvedOptions } from './options.js';
import type { StatsRecorder } from './stats.js';
import { WriteBatch, type WriteBatchHost } from './write-batch.js';

/** What an attempt asks of its connection (methods: no closures per connection). */
export interface AttemptHost extends WriteBatchHost {
  /** Compressing or inflating (permessage-deflate) finished: new events and output wait. */
  onCodecProgress(): void;
}

/** Hears nothing: a transport left behind by a redirect may still fail or close. */
const ignoreTransport: TransportListener = {
  onData: () => {},
  onEnd: () => {},
  onError: () => {},
  onClose: () => {},
};

export class Attempt {
  readonly protocol: ClientProtocol;
  readonly writes: WriteBatch;
  /** Undefined until the transport is open. */
  transport: Transport | undefined;
  /** Aborts the opening of the transport; dropped once it is there (it costs memory). */
  #connectAbort: AbortController | undefined;
  #isEndSent = false;

  constructor(options: ResolvedOptions, stats: StatsRecorder, host: AttemptHost) {
    this.protocol = new ClientProtocol({
      target: options.target,
      protocols: options.protocols,
      origin: options.origin,
      headers: options.headers,
      maxMessageBytes: options.maxMessageBytes,
      maxFragments: options.maxFragments,
      maxHandshakeBytes: options.maxHandshakeBytes,
      deliverFrames: options.deliverFrames,
      receiveAfterClose: options.receiveAfterClose,
      holdFailureClose: true,
      perMessageDeflate: options.perMessageDeflate,
      codecListener: host,
      ports: options.ports,
    });
    this.writes = new WriteBatch(this.protocol, stats, host);
  }

  /** Opens the transport to the options' target (through a proxy when one applies). */
  open(options: ResolvedOptions, log: ((line: string) => void) | undefined): Promise<Transport> {
    this.#connectAbort = new AbortController();
    const open = options.openTransport ?? openNodeTransport;
    return open({
      target: options.target,
      tls: options.tls,
      signal: this.#connectAbort.signal,
      preferIpv6: options.preferIpv6,
      proxy: options.proxy,
      proxyTls: options.proxyTls,
      log,
      connectTo: options.connectTo,
    });
  }

  /** Stops opening the transport (an abort or terminate() before it was there). */
  abortOpen(): void {
    this.#connectAbort?.abort();
  }

  /** The transport is open: `listener` hears it, and what the protocol produced goes out. */
  attach(transport: Transport, listener: TransportListener): void {
    this.transport = transport;
    this.#connectAbort = undefined;
    this.writes.transport = transport;
    transport.listen(listener);
    this.writes.flush();
  }

  /**
   * Ends our side once the protocol asks for it (after a failure or the closing handshake).
   * A handshake that failed has nothing more to say: its transport is destroyed, and this
   * returns true.
   */
  endIfRequested(isConnecting: boolean): boolean {
    const transport = this.transport;
    if (transport === undefined || this.#isEndSent || !this.protocol.isEndRequested) return false;
    this.#isEndSent = true;
    if (!isConnecting) {
      transport.end();
      return false;
    }
    transport.destroy();
    return true;
  }

  /** Leaves the transport behind (a redirect is followed): nobody hears it any more. */
  discard(): void {
    const transport = this.transport;
    this.transport = undefined;
    if (transport === undefined) return;
    transport.listen(ignoreTransport);
    transport.destroy();
  }
}
