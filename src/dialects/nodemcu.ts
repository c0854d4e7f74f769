// The NodeMCU dialect: `websocket.createClient()` and its client object with `config`,
// `connect`, `on("connection" | "receive" | "close")`, `send` and `close`, as the NodeMCU
// firmware's websocket module offers them (docs/modules/websocket.md of nodemcu-firmware;
// our page: docs/dialects/nodemcu.md). A thin face over the engine's Connection: it turns
// Lua-style calls into engine calls and engine outcomes into NodeMCU callbacks and status
// numbers (decisions N1 to N5, G1 to G6). No protocol logic lives here.

import { type CloseInfo, Connection, type ConnectionHandler } from '../client/connection.js';
import { checkOptionNames } from '../client/option-names.js';
import { type ResolvedOptions, resolveOptions } from '../client/options.js';
import { payloadBytes } from '../client/payload.js';
import { ReadyState } from '../core/constants.js';
import {
  argumentError,
  describeValue,
  ErrorCode,
  InvalidStateError,
  isWebSocketError,
} from '../core/errors.js';
import { OWNED_HEADERS, validateHeaders, validateProtocols } from '../core/handshake.js';
import { DIALECT_HOST_OPTIONS, type DialectHostOptions } from './host-options.js';
import { CallbackQueue, toPayload } from './lua-conventions.js';
import { NodeMcuStatus, statusOf, urlStatus } from './nodemcu-status.js';

export { NodeMcuStatus, statusOf, urlStatus } from './nodemcu-status.js';

/** Opcodes `send` accepts: 1 text, 2 binary, 9 ping, 10 pong. */
export type NodeMcuSendOpcode = 1 | 2 | 9 | 10;
/** Opcodes a `receive` callback sees: 1 for a text message, 2 for a binary one. */
export type NodeMcuReceiveOpcode = 1 | 2;

/** Called once the handshake succeeded and the client can send. */
export type ConnectionCallback = (ws: NodeMcuClient) => void;
/** Called once per whole message: text as a string, binary as a Uint8Array. */
export type ReceiveCallback = (
  ws: NodeMcuClient,
  message: string | Uint8Array,
  opcode: NodeMcuReceiveOpcode,
) => void;
/** Called exactly once per connection attempt, last, with a status from `NodeMcuStatus`. */
export type CloseCallback = (ws: NodeMcuClient, status: NodeMcuStatus) => void;

/** The event names `on` accepts. */
export type NodeMcuEventName = 'connection' | 'receive' | 'close';

/** What `config` reads: `headers`, a table of extra request headers (name → value). */
export interface NodeMcuConfig {
  headers?: Readonly<Record<string, string | number>> | undefined;
}

/**
 * Settings a Lua script cannot make (they have no NodeMCU counterpart): the engine's clock,
 * a debug logger and TLS settings for `wss://`. Tests pass a fake clock here.
 */
export interface NodeMcuClientOptions extends DialectHostOptions {}

/** The firmware's timings and defaults (decisions N3, N5), as engine options. */
const FIRMWARE = {
  /** Connect, TLS and handshake must finish within 10 s, else status -18. */
  openTimeoutMs: 10_000,
  /** After our Close frame, wait at most 5 s for the server before dropping TCP. */
  closeTimeoutMs: 5_000,
  /** Health check: a Ping after 30 s without receiving anything… */
  pingIntervalMs: 30_000,
  /** …another one 30 s later… */
  pongTimeoutMs: 30_000,
  /** …and the end (status -19) when the second one also stays unanswered. */
  maxMissedPongs: 2,
  userAgent: 'ESP8266',
  protocols: ['chat'],
} as const;

const NOT_CONNECTED = "Websocket isn't connected.";
const ALREADY_CONNECTING = 'Websocket already connecting or connected.';

type Phase =
  /** New, or the last attempt's close callback has run: connect() may be called. */
  | 'idle'
  /** DNS, TCP, TLS or the handshake in progress. */
  | 'connecting'
  /** The handshake succeeded. */
  | 'open'
  /** The attempt is over; its close callback is queued. */
  | 'ending';

/** What an Attempt may do inside its NodeMcuClient (set by the client's static block). */
let friend: {
  opened(client: NodeMcuClient, attempt: Attempt): void;
  received(
    client: NodeMcuClient,
    attempt: Attempt,
    data: string | Uint8Array,
    isBinary: boolean,
  ): void;
  ended(client: NodeMcuClient, attempt: Attempt, info: CloseInfo): void;
};

/**
 * One connect() call: its engine connection and what decides its status. It hears its
 * connection itself (methods rather than closures: it lives as long as the connection).
 */
class Attempt implements ConnectionHandler {
  readonly #client: NodeMcuClient;
  connection: Connection | undefined;
  /** The engine reported a failure (recorded before any user close()). */
  hasFailed = false;
  /** The application called close() before any failure was reported. */
  isClosedByUser = false;

  constructor(client: NodeMcuClient) {
    this.#client = client;
  }
  onOpen(): void {
    friend.opened(this.#client, this);
  }
  onMessage(data: string | Uint8Array, isBinary: boolean): void {
    friend.received(this.#client, this, data, isBinary);
  }
  onPing(): void {}
  onPong(): void {}
  onError(): void {
    if (!this.isClosedByUser) this.hasFailed = true;
  }
  onClose(info: CloseInfo): void {
    friend.ended(this.#client, this, info);
  }
}

/**
 * One NodeMCU websocket client. Create it with `websocket.createClient()`; it can connect
 * again (to any URL) after its `close` callback ran, keeping its callbacks and headers.
 */
export class NodeMcuClient {
  readonly #options: NodeMcuClientOptions;
  readonly #queue = new CallbackQueue();
  #onConnection: ConnectionCallback | undefined;
  #onReceive: ReceiveCallback | undefined;
  #onClose: CloseCallback | undefined;
  /** Configured headers, without the built-in ones and without Sec-WebSocket-Protocol. */
  #headers: [string, string][] = [];
  /** Subprotocols from a configured Sec-WebSocket-Protocol header; undefined: offer `chat`. */
  #protocols: string[] | undefined;
  #phase: Phase = 'idle';
  #attempt: Attempt | undefined;

  constructor(options: NodeMcuClientOptions = {}) {
    if (typeof options !== 'object' || options === null) {
      throw argumentError(`createClient options must be an object, not ${describeValue(options)}`);
    }
    checkOptionNames(options, DIALECT_HOST_OPTIONS, 'websocket.createClient');
    const { clock, logger, tls, proxy, proxyTls, connectTo } = options;
    const perMessageDeflate = options.perMessageDeflate ?? false;
    this.#options = { clock, logger, tls, proxy, proxyTls, connectTo, perMessageDeflate };
    // Check the non-Lua options now, so a mistake shows up here rather than at connect().
    resolveOptions('ws://127.0.0.1/', this.#options);
  }

  /**
   * Registers the handler for `connection`, `receive` or `close`, replacing the previous
   * one; `undefined` or `null` removes it. Any other event name throws.
   */
  on(name: 'connection', fn: ConnectionCallback | undefined | null): void;
  on(name: 'receive', fn: ReceiveCallback | undefined | null): void;
  on(name: 'close', fn: CloseCallback | undefined | null): void;
  on(name: NodeMcuEventName, fn: ((...args: never[]) => void) | undefined | null): void {
    if (fn !== undefined && fn !== null && typeof fn !== 'function') {
      throw argumentError(`the ${String(name)} handler must be a function or nil`);
    }
    const handler = fn ?? undefined;
    switch (name) {
      case 'connection':
        this.#onConnection = handler as ConnectionCallback | undefined;
        return;
      case 'receive':
        this.#onReceive = handler as ReceiveCallback | undefined;
        return;
      case 'close':
        this.#onClose = handler as CloseCallback | undefined;
        return;
      default:
        throw argumentError(
          `invalid event name ${JSON.stringify(name)}: use "connection", "receive" or "close"`,
        );
    }
  }

  /**
   * Sets the extra request headers for the next connects. A `headers` table replaces the
   * previous set (an empty one clears it); without one the set is kept. `User-Agent` and
   * `Sec-WebSocket-Protocol` given here replace the defaults `ESP8266` and `chat`.
   */
  config(params: NodeMcuConfig): void {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      throw argumentError(`config expects a table, not ${describeValue(params)}`);
    }
    const headers: unknown = params.headers;
    if (typeof headers !== 'object' || headers === null) return;
    if (Array.isArray(headers)) throw argumentError('headers must be a table of name = value');
    const kept: [string, string][] = [];
    const seen = new Set<string>();
    let protocols: string[] | undefined;
    for (const [name, value] of Object.entries(headers)) {
      if (typeof value !== 'string' && typeof value !== 'number') {
        throw argumentError(`the value of header ${name} must be a string or a number`);
      }
      const lower = name.toLowerCase();
      // The firmware sends the first of several spellings of one name.
      if (seen.has(lower)) continue;
      seen.add(lower);
      const text = String(value);
      if (lower === 'sec-websocket-protocol') {
        protocols = validateProtocols(
          text
            .split(',')
            .map((item) => item.trim())
            .filter((item) => item !== ''),
        );
      } else if (!OWNED_HEADERS.has(lower)) {
        // A header the handshake writes itself is dropped (the built-in wins).
        kept.push([name, text]);
      }
    }
    this.#headers = validateHeaders(kept);
    this.#protocols = protocols;
  }

  /**
   * Starts connecting to `url` (`ws://` or `wss://`). Returns at once; the outcome arrives
   * as a `connection` callback or a `close` callback (URL faults give -1 to -4). Throws when
   * an attempt is still in progress or its close callback has not run yet.
   */
  connect(url: string): void {
    if (typeof url !== 'string') {
      throw argumentError(`connect expects a URL string, not ${describeValue(url)}`);
    }
    if (this.#phase !== 'idle')
      throw new InvalidStateError(ErrorCode.InvalidState, ALREADY_CONNECTING);
    const attempt = new Attempt(this);
    const fault = urlStatus(url);
    if (fault !== undefined) {
      this.#endAttempt(attempt, fault);
      return;
    }
    let options: ResolvedOptions;
    try {
      options = resolveOptions(url, this.#engineOptions());
    } catch (error) {
      if (!isWebSocketError(error) || error.code !== ErrorCode.InvalidUrl) throw error;
      this.#endAttempt(attempt, NodeMcuStatus.InvalidHost);
      return;
    }
    const connection = new Connection(options, attempt);
    attempt.connection = connection;
    this.#attempt = attempt;
    this.#phase = 'connecting';
    connection.start();
  }

  /**
   * Sends one message in one frame: opcode 1 text (the default), 2 binary, 9 ping, 10 pong.
   * Throws "Websocket isn't connected." unless the handshake succeeded and no Close has been
   * sent or received; other opcodes throw too.
   */
  send(
    message: string | Uint8Array | ArrayBuffer | ArrayBufferView,
    opcode: NodeMcuSendOpcode = 1,
  ): void {
    const payload = toPayload(message, 'message');
    if (opcode !== 1 && opcode !== 2 && opcode !== 9 && opcode !== 10) {
      throw argumentError(
        `opcode ${String(opcode)} cannot be sent: use 1 (text), 2 (binary), 9 (ping) or 10 (pong)`,
      );
    }
    const connection = this.#attempt?.connection;
    if (this.#phase !== 'open' || connection === undefined) {
      throw new InvalidStateError(ErrorCode.InvalidState, NOT_CONNECTED);
    }
    try {
      if (opcode === 1) connection.send(asText(payload), false);
      else if (opcode === 2) connection.send(payload, true);
      else if (opcode === 9) connection.ping(payloadBytes(payload)).catch(() => {});
      else connection.pong(payloadBytes(payload));
    } catch (error) {
      // The engine refuses once a Close went either way: for the script that is "not connected".
      if (error instanceof InvalidStateError) {
        throw new InvalidStateError(ErrorCode.InvalidState, NOT_CONNECTED, { cause: error });
      }
      throw error;
    }
  }

  /**
   * Ends the connection: while connecting it gives up at once, when open it sends a Close
   * frame and waits up to 5 s for the server. The `close` callback then reports 0. Does
   * nothing when there is no connection, so it may be called any number of times.
   */
  close(): void {
    const attempt = this.#attempt;
    const connection = attempt?.connection;
    if (attempt === undefined || connection === undefined || this.#phase === 'ending') return;
    const state = connection.readyState;
    if (!attempt.hasFailed && (state === ReadyState.CONNECTING || state === ReadyState.OPEN)) {
      attempt.isClosedByUser = true;
    }
    connection.close();
  }

  #engineOptions() {
    const headers = [...this.#headers];
    if (!headers.some(([name]) => name.toLowerCase() === 'user-agent')) {
      headers.push(['User-Agent', FIRMWARE.userAgent]);
    }
    return {
      ...this.#options,
      headers,
      protocols: this.#protocols ?? [...FIRMWARE.protocols],
      openTimeoutMs: FIRMWARE.openTimeoutMs,
      closeTimeoutMs: FIRMWARE.closeTimeoutMs,
      pingIntervalMs: FIRMWARE.pingIntervalMs,
      pongTimeoutMs: FIRMWARE.pongTimeoutMs,
      maxMissedPongs: FIRMWARE.maxMissedPongs,
    };
  }

  static {
    friend = {
      opened: (client, attempt) => {
        if (client.#attempt !== attempt) return;
        client.#phase = 'open';
        client.#queue.push(() => client.#onConnection?.(client));
      },
      received: (client, attempt, data, isBinary) => {
        const opcode: NodeMcuReceiveOpcode = isBinary ? 2 : 1;
        // Reading pauses while too many bytes wait for their callback.
        const connection = attempt.connection;
        connection?.addReceived(data.length);
        client.#queue.push(() => {
          connection?.releaseReceived(data.length);
          client.#onReceive?.(client, data, opcode);
        });
      },
      ended: (client, attempt, info) => {
        client.#endAttempt(attempt, statusOf(info, attempt.isClosedByUser));
      },
    };
  }

  /** Queues the attempt's one close callback; connect() is allowed again once it runs. */
  #endAttempt(attempt: Attempt, status: NodeMcuStatus): void {
    this.#attempt = attempt;
    this.#phase = 'ending';
    this.#queue.push(() => {
      if (this.#attempt === attempt) {
        this.#attempt = undefined;
        this.#phase = 'idle';
      }
      this.#onClose?.(this, status);
    });
  }
}

/** Bytes for a text frame must be UTF-8 (RFC 6455 §5.6); refuse them otherwise. */
function asText(payload: string | Uint8Array): string {
  if (typeof payload === 'string') return payload;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(payload);
  } catch {
    throw argumentError('a text message (opcode 1) must be valid UTF-8; send bytes with opcode 2');
  }
}

/** The NodeMCU `websocket` module. */
export const websocket = {
  /**
   * Creates a client. Lua scripts call it without arguments; TypeScript callers may pass
   * non-Lua settings (a clock for tests, a logger, TLS options).
   */
  createClient(options?: NodeMcuClientOptions): NodeMcuClient {
    return new NodeMcuClient(options);
  },
} as const;
