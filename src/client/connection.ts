// The course of one connection: opens the transport (a socket unless the options say
// otherwise, see attempt.ts), feeds it to the protocol, dispatches the protocol's events to
// the face, follows redirects, closes, and reports exactly one close. What a face can ask at
// any time (state, sending, backpressure) is in connection-base.ts; tracing, deadlines, write
// tracking and read backpressure live in their own files; no protocol rules live here.

import { ReadyState } from '../core/constants.js';
import { AbortError, ErrorCode, type WebSocketError } from '../core/errors.js';
import type { ProtocolEvent } from '../core/protocol.js';
import { redactUrl } from '../core/url.js';
import type { Transport, TransportListener } from '../transport/interface.js';
import { abortError, mapSocketError } from '../transport/transport.js';
import { type ClosePhase, closeCause, connectionLostError } from './close-cause.js';
import { ConnectionBase } from './connection-base.js';
import type { CloseInfo, ConnectionHandler } from './connection-handler.js';
import { closeTimeoutError, Deadlines, openTimeoutError, pongTimeoutError } from './deadlines.js';
import type { KeepaliveHooks } from './keepalive.js';
import type { ResolvedOptions } from './options.js';
import { followRedirect } from './redirect.js';
import { StatsRecorder } from './stats.js';

export type { CloseInfo, ConnectionHandler } from './connection-handler.js';
export type { WriteCallback } from './write-batch.js';

export class Connection extends ConnectionBase implements TransportListener, KeepaliveHooks {
  /** URLs requested so far (passwords hidden), once a redirect came; made on the first one. */
  #chain: string[] | undefined;
  readonly #deadlines = new Deadlines(this);
  #isFinished = false;
  /** terminate() or an abort ran: deliver nothing more, even from a chunk being processed. */
  #isStopped = false;
  /** The transport closed while a compressed message inflated: finish once it is out. */
  #isFinishDeferred = false;
  /** Who sent the first Close frame. */
  #closeInitiator: 'client' | 'server' | undefined;

  constructor(options: ResolvedOptions, handler: ConnectionHandler, stats = new StatsRecorder()) {
    super(options, handler, stats);
  }

  /** Opens the transport and sends the handshake; the handler hears onOpen or onClose. */
  start(): void {
    const { options } = this;
    const { signal } = options;
    this.trace.connecting(options.preferIpv6);
    this.#deadlines.startOpen(() => this.#onOpenTimeout());
    if (signal !== undefined) {
      if (signal.aborted) {
        queueMicrotask(() => this.#abort(abortError(signal)));
        return;
      }
      // Made only for a connection with a signal (most have none).
      this.#onSignal = () => this.#signalAborted(signal);
      signal.addEventListener('abort', this.#onSignal, { once: true });
    }
    this.#open();
  }

  #open(): void {
    this.attempt.open(this.options, this.trace.logFunction).then(
      (transport) => this.#attach(transport),
      (error: WebSocketError) => {
        if (this.#isFinished) return;
        this.#fail(error);
        this.#finish();
      },
    );
  }

  #onSignal: (() => void) | undefined;

  #signalAborted(signal: AbortSignal): void {
    if (this.state === ReadyState.CONNECTING) this.#abort(abortError(signal));
    else this.close(1000, '');
  }

  #attach(transport: Transport): void {
    if (this.#isFinished) {
      transport.destroy();
      return;
    }
    // A socket from a proxy tunnel comes paused; the gate starts reading unless it should wait.
    this.reading.transport = transport;
    this.attempt.attach(transport, this);
  }

  // ------------------------------------------------------------------ the transport's events
  // The connection is its transport's listener (methods, not closures: idle connections are
  // many); nothing but the transport calls these.

  onData(chunk: Uint8Array): void {
    this.liveness.keepalive?.received();
    this.stats.bytesIn += chunk.byteLength;
    // While a Pong of ours is still unsent, Pings are answered by one Pong for the latest.
    this.engine.holdPongs = this.writes.isPongInFlight;
    // A plain Uint8Array view, so that binary messages have one type whatever their size.
    this.engine.receiveData(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    this.#process();
    this.reading.checkWriteBuffer();
    this.reading.checkHeldInput();
  }

  receiveTarget(): Uint8Array | undefined {
    return this.engine.receiveTarget();
  }

  onEnd(): void {
    this.trace.endOfStream();
    this.engine.receiveEof();
    this.#process();
  }

  onError(error: Error): void {
    const phase = this.state === ReadyState.CONNECTING ? 'handshake' : 'open';
    const cleanlyDone =
      this.engine.closeSent !== undefined && this.engine.closeReceived !== undefined;
    if (!cleanlyDone) {
      const { target, tls } = this.options;
      this.#fail(mapSocketError(error, phase, target, tls?.servername));
    }
  }

  onClose(): void {
    // A compressed message still inflating, and the frames behind it, are delivered first.
    if (this.engine.isInflating && !this.#isStopped && this.failure === undefined) {
      this.#isFinishDeferred = true;
      return;
    }
    this.#finish();
  }

  // ------------------------------------------------------------------ events

  override onCodecProgress(): void {
    if (this.#isFinished) return;
    // Called from the codec's callbacks, which stop the codec for good when they throw: an
    // error of the application's handlers is rethrown on its own instead.
    try {
      this.#process();
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
    this.reading.checkHeldInput();
    if (this.#isFinishDeferred && !this.engine.isInflating) this.#finish();
  }

  #process(): void {
    this.#dispatch(this.engine.eventsReceived(), 0);
  }

  #dispatch(events: readonly ProtocolEvent[], from: number): void {
    const handler = this.handler;
    for (let i = from; i < events.length; i++) {
      if (this.#isFinished || this.#isStopped) return;
      const event = events[i]!;
      switch (event.type) {
        case 'message':
          this.stats.messagesIn++;
          this.trace.messageReceived(event.data, event.isBinary);
          handler.onMessage(event.data, event.isBinary);
          break;
        case 'open':
          this.#deadlines.stopOpen();
          this.state = ReadyState.OPEN;
          this.acceptedProtocol = event.protocol;
          this.acceptedExtensions = event.extensions;
          this.acceptedHeaders = event.head.headers;
          this.stats.opened(this.options.clock.now());
          this.trace.opened(event.protocol);
          this.#startKeepalive();
          handler.onOpen();
          if (i + 1 < events.length) {
            this.#holdAfterOpen(events, i + 1);
            this.writes.flush();
            this.#afterProtocolStep();
            return;
          }
          break;
        case 'frame':
          this.stats.messagesIn += event.fin ? 1 : 0;
          handler.onFrame?.(event.data, event.opcode, event.fin, event.isBinary);
          break;
        case 'ping':
          this.trace.pingReceived(event.data.length);
          handler.onPing(event.data);
          break;
        case 'pong':
          this.#receivePong(event.data);
          handler.onPong(event.data);
          break;
        case 'close':
          this.#closeInitiator ??= 'server';
          this.trace.closeReceived(event.code, event.reason);
          if (this.state === ReadyState.OPEN) this.state = ReadyState.CLOSING;
          break;
        case 'error':
          if (this.#followRedirect(event.error)) return;
          this.#fail(event.error);
          if (this.engine.hasPendingClose) this.#sendPendingCloseLater();
          break;
      }
    }
    this.writes.flush();
    this.#afterProtocolStep();
  }

  /**
   * A redirect answer to the upgrade: with followRedirects, start over at the Location (the
   * open timeout keeps running). Returns true when a new request is on its way; a redirect
   * that must not be followed fails the connection with a RedirectError.
   */
  #followRedirect(error: WebSocketError): boolean {
    if (this.state !== ReadyState.CONNECTING) return false;
    // Once openTimeoutMs ran out (a redirect whose body never ended), report it instead.
    if (this.#deadlines.hasOpenExpired) return false;
    let next: ReturnType<typeof followRedirect>;
    try {
      const chain = this.#chain ?? [redactUrl(this.currentOptions.target.url)];
      next = followRedirect(this.currentOptions, chain, error, this.trace.logFunction);
    } catch (refusal) {
      this.#fail(refusal as WebSocketError);
      return false;
    }
    if (next === undefined) return false;
    this.attempt.discard();
    this.#chain = next.chain;
    this.currentOptions = next.options;
    this.attempt = this.makeAttempt(next.options);
    this.#open();
    return true;
  }

  /**
   * Frames that came in the same read as the 101 wait one turn of the event loop, with reading
   * paused, so that code resuming after the open (`await connect(url)`, then `on('message')`)
   * is in place before they are delivered. Nothing overtakes them: the transport is paused.
   */
  #holdAfterOpen(events: readonly ProtocolEvent[], from: number): void {
    this.transport?.pause();
    setImmediate(() => {
      this.reading.update();
      this.#dispatch(events, from);
    });
  }

  /**
   * Received data broke the protocol (§7.1.7). The faces deliver the messages that came before
   * the fault on a later turn (their task queues run on setImmediate, in order), so the Close
   * that fails the connection waits one turn as well: what the application answers to those
   * messages at once still leaves first (failing strictly).
   */
  #sendPendingCloseLater(): void {
    setImmediate(() => {
      if (this.#isFinished) return;
      this.engine.sendPendingClose();
      this.writes.flush();
      this.#afterProtocolStep();
    });
  }

  /** Ends or times out the transport once the protocol says the connection is over. */
  #afterProtocolStep(): void {
    const { protocol, transport } = this.attempt;
    if (transport === undefined || this.#isFinished) return;
    // Receive backpressure must not stall the closing handshake (our Close waits for a reply).
    if (protocol.closeSent !== undefined) this.reading.update();
    // A handshake that failed destroys its transport: no closing handshake to wait for.
    if (this.attempt.endIfRequested(this.state === ReadyState.CONNECTING)) return;
    if (protocol.closeExpected()) this.#startCloseDeadline();
  }

  #startKeepalive(): void {
    this.liveness.startKeepalive(this.options, this);
    this.reading.update();
  }

  /** KeepaliveHooks: the connection was silent for pingIntervalMs; send a Ping. */
  sendKeepalivePing(): void {
    if (this.state !== ReadyState.OPEN || this.engine.closeSent !== undefined) return;
    this.trace.keepalivePing();
    const payload = this.options.emptyKeepalivePings ? new Uint8Array(0) : undefined;
    this.ping(payload).catch(() => {});
  }

  /**
   * KeepaliveHooks: the peer showed no sign of life after a keepalive Ping: fail without
   * waiting for it.
   */
  onKeepaliveTimeout(): void {
    const { pingIntervalMs, pongTimeoutMs } = this.options;
    const error = pongTimeoutError(pingIntervalMs, pongTimeoutMs);
    this.#isStopped = true;
    // Say why with Close 1011 if the socket still takes bytes, but do not wait for an answer
    // that cannot come.
    this.engine.fail(error);
    this.#fail(error);
    this.writes.flush();
    this.transport?.destroy();
  }

  #receivePong(payload: Uint8Array): void {
    const rttMs = this.liveness.pongReceived(payload);
    if (rttMs === undefined) return;
    this.stats.recordRtt(rttMs);
    this.trace.pongReceived(rttMs);
  }

  // ------------------------------------------------------------------ closing

  /** Starts the closing handshake (or aborts a pending open). Idempotent. */
  close(code?: number, reason?: string): void {
    if (this.#isFinished) return;
    if (this.state === ReadyState.CONNECTING) {
      this.#abort(
        new AbortError(
          ErrorCode.Aborted,
          'the connection was closed by the application before it opened',
        ),
      );
      return;
    }
    if (this.engine.closeSent !== undefined) return;
    this.#closeInitiator ??= 'client';
    this.trace.closeSending(code, reason);
    this.engine.sendClose(code, reason);
    this.state = ReadyState.CLOSING;
    this.writes.flush();
    this.#startCloseDeadline();
    this.#afterProtocolStep();
  }

  /** Tears the connection down at once without a closing handshake. */
  terminate(error?: WebSocketError): void {
    if (this.#isFinished) return;
    this.#isStopped = true;
    this.#fail(
      error ?? new AbortError(ErrorCode.Aborted, 'the application terminated the connection'),
    );
    if (this.transport === undefined) {
      this.attempt.abortOpen();
      this.#finish();
    } else if (this.#isFinishDeferred) {
      // The transport closed already (its close waited for a compressed message).
      this.#finish();
    } else this.transport.destroy();
  }

  #abort(error: WebSocketError): void {
    if (this.#isFinished) return;
    this.#isStopped = true;
    this.#fail(error);
    this.attempt.abortOpen();
    if (this.transport !== undefined) this.transport.destroy();
    else this.#finish();
  }

  #onOpenTimeout(): void {
    if (this.engine.isReadingRefusalBody) {
      // The server refused and keeps the socket open: report the refusal with what arrived.
      this.engine.receiveEof();
      this.#process();
      this.transport?.destroy();
      return;
    }
    this.#abort(openTimeoutError(this.options.openTimeoutMs, this.transport !== undefined));
  }

  #startCloseDeadline(): void {
    if (this.#isFinished) return;
    this.#deadlines.startClose((ms) => {
      this.trace.closeTimedOut(ms);
      const protocol = this.engine;
      const isHandshakeDone =
        protocol.closeSent !== undefined && protocol.closeReceived !== undefined;
      if (!isHandshakeDone) this.#fail(closeTimeoutError(ms));
      this.transport?.destroy();
    });
  }

  /** Records the first failure and tells the handler once. */
  #fail(error: WebSocketError): void {
    if (this.failure !== undefined || this.#isFinished) return;
    this.failure = error;
    this.trace.failed(error);
    this.handler.onError(error);
  }

  #finish(): void {
    if (this.#isFinished) return;
    const protocol = this.engine;
    const received = protocol.closeReceived;
    const sent = protocol.closeSent;
    if (this.failure === undefined && (received === undefined || sent === undefined)) {
      // TCP ended without a complete closing handshake (§7.1.5: code 1006).
      this.#fail(connectionLostError(this.state === ReadyState.CONNECTING));
    }
    const phase: ClosePhase =
      this.state === ReadyState.CONNECTING
        ? 'connecting'
        : this.state === ReadyState.OPEN
          ? 'open'
          : 'closing';
    this.#isFinished = true;
    this.state = ReadyState.CLOSED;
    protocol.releaseCodecs();
    this.liveness.keepalive?.stop();
    this.stats.closed(this.options.clock.now());
    this.#deadlines.stop();
    if (this.#onSignal !== undefined) {
      this.options.signal?.removeEventListener('abort', this.#onSignal);
      this.#onSignal = undefined;
    }
    const error = this.failure;
    this.failWaiting(error);
    const info: CloseInfo = {
      code: received?.code ?? 1006,
      reason: received?.reason ?? '',
      wasClean: received !== undefined && sent !== undefined && error === undefined,
      error,
      cause: closeCause(error, this.#closeInitiator, phase),
    };
    this.trace.closed(info);
    this.handler.onClose(info);
  }
}
