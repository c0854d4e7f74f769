// One neutral face for the three firmware dialects, so that a single table of contract cases
// (contract.test.ts) can run through each of them. Every adapter drives its dialect only
// through the public API, the way a device script would: LuatOS through `websocket.create`
// and its one callback (joining `recv` frames by `fin` itself), LuatOS-Air through
// `websocket.new`, `connect` and `recv`, NodeMCU through `websocket.createClient` and its
// three callbacks. Where the dialects document different reports for the same outcome (a
// `disconnect`, a `close(code)` event, a status number; a `false`, an `error` event, an
// exception), the adapter turns the documented report into the neutral value the table
// expects, and anything else into an `unexpected: …` description that fails the case.

import { type LuatosClient, websocket as luatos } from '../../src/dialects/luatos.js';
import { websocket as air, type LuatosAirClient } from '../../src/dialects/luatos-air.js';
import {
  type NodeMcuClient,
  NodeMcuStatus,
  websocket as nodemcu,
} from '../../src/dialects/nodemcu.js';

// ------------------------------------------------------------------ the neutral contract

/** One whole received message. */
export type Message = { kind: 'text'; text: string } | { kind: 'binary'; bytes: Uint8Array };

/** A report that does not match the dialect's documentation, spelled out for the assertion. */
export type Unexpected = `unexpected: ${string}`;

/** How an open session ended, as the dialect told the script. */
export type Ending =
  /** The script's own close(), reported (or, where nothing is reported, finished) as documented. */
  | { by: 'client' }
  /** The server closed; `code` is its close code when the dialect reports one, else undefined. */
  | { by: 'server'; code: number | undefined }
  | { by: Unexpected };

/** What an attempt to connect came to. */
export type OpenOutcome = 'opened' | 'refused' | 'bad-url' | Unexpected;

/** What a send without an open connection came to: refused, in the dialect's documented way. */
export type SendOutcome = 'refused' | Unexpected;

export interface Session {
  /** Whether the dialect says the connection is up (ready / online / between the callbacks). */
  isOpen(): boolean;
  sendText(text: string): void;
  /** Sends bytes in any shape a script may pass: a Uint8Array or Buffer, an ArrayBuffer, a view. */
  sendBinary(bytes: ArrayBuffer | ArrayBufferView): void;
  /** The next whole message; rejects when the session ends before one arrives. */
  nextMessage(): Promise<Message>;
  /** Closes the session as a script does. */
  close(): void;
  /** Resolves once the dialect has reported the end of the session. */
  readonly ended: Promise<Ending>;
  /** Tries to send after `ended` resolved. */
  sendWhileClosed(): Promise<SendOutcome>;
  /** Test cleanup: closes whatever is still open; safe to call at any time. */
  dispose(): void;
}

export interface DialectAdapter {
  readonly name: string;
  /** The close code the server sees after `Session.close()` (1005: a Close frame without one). */
  readonly clientCloseCode: number;
  /** Whether the dialect hands the server's close code to the script. */
  readonly reportsServerCloseCode: boolean;
  /** Connects; rejects with the dialect's report when the connection does not open. */
  open(url: string): Promise<Session>;
  /** Connects and classifies the outcome; an opened connection is closed again. */
  tryOpen(url: string): Promise<OpenOutcome>;
  /** Tries to send on a client that never connected. */
  sendBeforeConnecting(url: string): Promise<SendOutcome>;
}

// ------------------------------------------------------------------ shared plumbing

interface Deferred<T> {
  promise: Promise<T>;
  resolve: (value: T) => void;
  isSettled: () => boolean;
}

function deferred<T>(): Deferred<T> {
  let settled = false;
  let resolveFn!: (value: T) => void;
  const promise = new Promise<T>((resolve) => {
    resolveFn = resolve;
  });
  return {
    promise,
    resolve: (value) => {
      if (settled) return;
      settled = true;
      resolveFn(value);
    },
    isSettled: () => settled,
  };
}

/**
 * Whole messages waiting for `nextMessage()`, and callers waiting for messages. Once the
 * session has ended, callers left waiting (and later ones, when nothing is queued) are told.
 */
class MessageQueue {
  readonly #messages: Message[] = [];
  #waiters: { resolve: (message: Message) => void; reject: (error: Error) => void }[] = [];
  #endedWith: string | undefined;

  push(message: Message): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#messages.push(message);
    else waiter.resolve(message);
  }

  end(why: string): void {
    this.#endedWith = why;
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiters) waiter.reject(new Error(`no message: ${why}`));
  }

  next(): Promise<Message> {
    const message = this.#messages.shift();
    if (message !== undefined) return Promise.resolve(message);
    if (this.#endedWith !== undefined) {
      return Promise.reject(new Error(`no message: ${this.#endedWith}`));
    }
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }
}

function joinBytes(parts: Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const joined = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    joined.set(part, at);
    at += part.length;
  }
  return joined;
}

function messageOf(data: string | Uint8Array): Message {
  return typeof data === 'string' ? { kind: 'text', text: data } : { kind: 'binary', bytes: data };
}

function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return `${error.name}${typeof code === 'string' ? ` ${code}` : ''}: ${error.message}`;
  }
  return String(error);
}

/**
 * The engine's InvalidStateError, by its code: NodeMCU and a closed LuatOS client throw it,
 * LuatOS-Air's `error` event carries it.
 */
function isInvalidState(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === 'ERR_INVALID_STATE';
}

// ------------------------------------------------------------------ LuatOS

/**
 * A LuatOS script: `websocket.create`, one callback, `connect()`. The documented reports:
 * `conack` when open; `recv(data, fin, opcode)` once per frame, joined here by `fin` (opcode 1
 * or 2 starts a message, 0 continues it); a server's Close frame gives `error('rx', 0)` then
 * `disconnect`; a refused TCP connection `error('connect', 0)` then `disconnect`; `close()`
 * sends Close 1000 and nothing is reported after it; `create` returns undefined for a URL
 * that is not ws:// or wss://; `send` returns false while not connected and throws
 * InvalidStateError once the client was closed.
 */
class LuatosSession implements Session {
  readonly #wsc: LuatosClient;
  readonly #queue = new MessageQueue();
  readonly #ended = deferred<Ending>();
  readonly #opened = deferred<string | undefined>();
  #isClosedByUs = false;
  #errorKinds: string[] = [];
  /** The message being joined from its frames, if one is open. */
  #partial: { kind: 'text'; parts: string[] } | { kind: 'binary'; parts: Uint8Array[] } | undefined;

  constructor(wsc: LuatosClient) {
    this.#wsc = wsc;
    wsc.on((_client, event, data, fin, opcode) => {
      switch (event) {
        case 'conack':
          this.#opened.resolve(undefined);
          return;
        case 'recv':
          this.#frame(data, fin, opcode);
          return;
        case 'error':
          this.#errorKinds.push(String(data));
          return;
        case 'disconnect':
          this.#disconnected();
          return;
        default:
          // `sent` needs nothing here.
          return;
      }
    });
  }

  get ended(): Promise<Ending> {
    return this.#ended.promise;
  }

  /** Resolves undefined at conack, or with what was reported instead. */
  opened(): Promise<string | undefined> {
    this.#wsc.connect();
    return this.#opened.promise;
  }

  #frame(data: unknown, fin: unknown, opcode: unknown): void {
    if (opcode === 1 || opcode === 2) {
      if (this.#partial !== undefined) {
        this.#fail('a new message started before the previous one had its fin frame');
        return;
      }
      this.#partial = opcode === 1 ? { kind: 'text', parts: [] } : { kind: 'binary', parts: [] };
    } else if (opcode !== 0 || this.#partial === undefined) {
      this.#fail(`a recv frame with opcode ${String(opcode)} and no message to continue`);
      return;
    }
    const partial = this.#partial;
    if (partial.kind === 'text' && typeof data === 'string') partial.parts.push(data);
    else if (partial.kind === 'binary' && data instanceof Uint8Array) partial.parts.push(data);
    else {
      this.#fail(`a ${partial.kind} message continued with a frame of ${typeof data}`);
      return;
    }
    if (fin !== 1) return;
    this.#partial = undefined;
    this.#queue.push(
      partial.kind === 'text'
        ? { kind: 'text', text: partial.parts.join('') }
        : { kind: 'binary', bytes: joinBytes(partial.parts) },
    );
  }

  #fail(detail: string): void {
    this.#queue.end(detail);
    this.#ended.resolve({ by: `unexpected: ${detail}` });
  }

  #disconnected(): void {
    const kinds = this.#errorKinds;
    this.#errorKinds = [];
    if (!this.#opened.isSettled()) {
      this.#opened.resolve(`error(${kinds.join(', ')}) then disconnect before conack`);
      return;
    }
    const partial = this.#partial === undefined ? '' : ' in the middle of a message';
    const ending: Ending =
      kinds.length === 1 && kinds[0] === 'rx' && partial === ''
        ? { by: 'server', code: undefined }
        : { by: `unexpected: error(${kinds.join(', ')}) then disconnect${partial}` };
    this.#queue.end('the server closed');
    this.#ended.resolve(ending);
  }

  isOpen(): boolean {
    return this.#wsc.ready();
  }

  sendText(text: string): void {
    if (!this.#wsc.send(text)) throw new Error('wsc.send(text) returned false');
  }

  sendBinary(bytes: ArrayBuffer | ArrayBufferView): void {
    if (!this.#wsc.send(bytes, 1)) throw new Error('wsc.send(bytes, 1) returned false');
  }

  nextMessage(): Promise<Message> {
    return this.#queue.next();
  }

  close(): void {
    this.#isClosedByUs = true;
    this.#wsc.close();
    // Documented: close() removes the callback, so nothing more is reported.
    this.#queue.end('the client closed');
    this.#ended.resolve({ by: 'client' });
  }

  async sendWhileClosed(): Promise<SendOutcome> {
    let accepted: boolean;
    try {
      accepted = this.#wsc.send('while closed');
    } catch (error) {
      // After close() the client is released: documented to throw InvalidStateError.
      return this.#isClosedByUs && isInvalidState(error)
        ? 'refused'
        : `unexpected: send threw ${describeError(error)}`;
    }
    if (this.#isClosedByUs) return `unexpected: send returned ${accepted} after close()`;
    return accepted ? 'unexpected: send returned true' : 'refused';
  }

  dispose(): void {
    this.#wsc.close();
  }
}

export const luatosAdapter: DialectAdapter = {
  name: 'LuatOS',
  clientCloseCode: 1000,
  reportsServerCloseCode: false,

  async open(url) {
    const wsc = luatos.create(undefined, url);
    if (wsc === undefined) throw new Error(`websocket.create returned undefined for ${url}`);
    const session = new LuatosSession(wsc);
    const failure = await session.opened();
    if (failure !== undefined) {
      session.dispose();
      throw new Error(failure);
    }
    return session;
  },

  async tryOpen(url) {
    const wsc = luatos.create(undefined, url);
    if (wsc === undefined) return 'bad-url';
    const events: string[] = [];
    const outcome = await new Promise<OpenOutcome>((resolve) => {
      wsc.on((_client, event, data) => {
        if (event === 'conack') resolve('opened');
        else if (event === 'error') events.push(`error(${String(data)})`);
        else if (event === 'disconnect') {
          resolve(
            events.length === 1 && events[0] === 'error(connect)'
              ? 'refused'
              : `unexpected: ${[...events, 'disconnect'].join(', ')}`,
          );
        }
      });
      wsc.connect();
    });
    wsc.close();
    return outcome;
  },

  async sendBeforeConnecting(url) {
    const wsc = luatos.create(undefined, url);
    if (wsc === undefined) return 'unexpected: websocket.create returned undefined';
    try {
      return wsc.send('too early') ? 'unexpected: send returned true' : 'refused';
    } catch (error) {
      return `unexpected: send threw ${describeError(error)}`;
    } finally {
      wsc.close();
    }
  },
};

// ------------------------------------------------------------------ LuatOS-Air

/**
 * Records what `error`, `sent` and `close` reported, and lets the adapter wait for the next
 * one of them. Callbacks are set once per client, as a script would.
 */
class AirEvents {
  readonly errors: unknown[] = [];
  readonly closes: number[] = [];
  sent = 0;
  /** Called after each `close` event was recorded. */
  afterClose: ((code: number) => void) | undefined;
  #waiters: (() => void)[] = [];

  constructor(ws: LuatosAirClient) {
    ws.on('error', (error) => this.#push(() => this.errors.push(error)));
    ws.on('close', (code) => {
      this.#push(() => this.closes.push(code));
      this.afterClose?.(code);
    });
    ws.on('sent', () => this.#push(() => this.sent++));
  }

  #push(record: () => void): void {
    record();
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves at the next `error`, `sent` or `close` event. */
  next(): Promise<void> {
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  errorCodes(): string[] {
    return this.errors.map((error) => String((error as { code?: unknown }).code));
  }
}

/**
 * `send` while not connected: documented to send nothing and say so with an `error` event
 * (ERR_INVALID_STATE) instead of throwing. One of `error` or `sent` must follow the call.
 */
async function airSendWhileClosed(ws: LuatosAirClient, events: AirEvents): Promise<SendOutcome> {
  const errorsBefore = events.errors.length;
  const sentBefore = events.sent;
  const next = events.next();
  try {
    ws.send('while closed', true);
  } catch (error) {
    return `unexpected: send threw ${describeError(error)}`;
  }
  await next;
  if (events.sent !== sentBefore) return 'unexpected: a sent event followed';
  const error = events.errors[errorsBefore];
  return isInvalidState(error)
    ? 'refused'
    : `unexpected: the error event carried ${describeError(error)}`;
}

/**
 * A LuatOS-Air script: `websocket.new`, `connect()` resolving true or false, messages taken
 * with `recv()`. The documented reports: a server's Close gives `close(code)` with its code;
 * our `close()` sends an empty Close frame (the server sees 1005) and `close` follows; a
 * refused connection gives `error` (ERR_CONNECT), `close(1006)`, then `false`; a malformed URL
 * gives `error` (ERR_INVALID_URL) and `false` with no `close` (no attempt was made); `send`
 * while not connected fires `error` (ERR_INVALID_STATE) and sends nothing.
 */
class AirSession implements Session {
  readonly #ws: LuatosAirClient;
  readonly #events: AirEvents;
  readonly #ended = deferred<Ending>();
  #isClosedByUs = false;

  constructor(ws: LuatosAirClient, events: AirEvents) {
    this.#ws = ws;
    this.#events = events;
    const errorsWhenOpened = events.errors.length;
    events.afterClose = (code) => {
      const errors = events.errorCodes().slice(errorsWhenOpened);
      let ending: Ending;
      if (errors.length > 0) ending = { by: `unexpected: error(${errors.join(', ')}) then close` };
      else if (this.#isClosedByUs) ending = { by: 'client' };
      else ending = { by: 'server', code };
      this.#ended.resolve(ending);
    };
  }

  get ended(): Promise<Ending> {
    return this.#ended.promise;
  }

  isOpen(): boolean {
    return this.#ws.online();
  }

  sendText(text: string): void {
    this.#ws.send(text, true);
  }

  sendBinary(bytes: ArrayBuffer | ArrayBufferView): void {
    this.#ws.send(bytes);
  }

  async nextMessage(): Promise<Message> {
    const [ok, data] = await this.#ws.recv();
    if (!ok) throw new Error(`no message: recv() gave false, ${String(data)}`);
    return messageOf(data);
  }

  close(): void {
    this.#isClosedByUs = true;
    this.#ws.close();
  }

  sendWhileClosed(): Promise<SendOutcome> {
    return airSendWhileClosed(this.#ws, this.#events);
  }

  dispose(): void {
    this.#ws.close();
  }
}

export const airAdapter: DialectAdapter = {
  name: 'LuatOS-Air',
  clientCloseCode: 1005,
  reportsServerCloseCode: true,

  async open(url) {
    const ws = air.new(url);
    const events = new AirEvents(ws);
    if (!(await ws.connect())) {
      ws.close();
      throw new Error(
        `connect() resolved false after error(${events.errorCodes().join(', ')}), close(${events.closes.join(', ')})`,
      );
    }
    return new AirSession(ws, events);
  },

  async tryOpen(url) {
    const ws = air.new(url);
    const events = new AirEvents(ws);
    const isOpen = await ws.connect();
    ws.close();
    if (isOpen) return 'opened';
    const errors = events.errorCodes().join(', ');
    const closes = events.closes.join(', ');
    if (errors === 'ERR_CONNECT' && closes === '1006') return 'refused';
    if (errors === 'ERR_INVALID_URL' && closes === '') return 'bad-url';
    return `unexpected: connect() resolved false after error(${errors}), close(${closes})`;
  },

  async sendBeforeConnecting(url) {
    const ws = air.new(url);
    const outcome = await airSendWhileClosed(ws, new AirEvents(ws));
    ws.close();
    return outcome;
  },
};

// ------------------------------------------------------------------ NodeMCU

const NOT_CONNECTED = "Websocket isn't connected.";

function nodemcuSendWhileClosed(ws: NodeMcuClient): SendOutcome {
  try {
    ws.send('while closed');
  } catch (error) {
    return isInvalidState(error) && (error as Error).message === NOT_CONNECTED
      ? 'refused'
      : `unexpected: send threw ${describeError(error)}`;
  }
  return 'unexpected: send did not throw';
}

function isUrlStatus(status: number): boolean {
  return status <= NodeMcuStatus.InvalidScheme && status >= NodeMcuStatus.InvalidHost;
}

/**
 * A NodeMCU script: `websocket.createClient()`, the `connection`, `receive` and `close`
 * callbacks, `connect(url)`. The documented reports: `receive` once per whole message, text
 * with opcode 1 and binary with 2; exactly one `close(status)` per attempt: 0 after our
 * `close()` (which sends an empty Close frame, so the server sees 1005), -6 when the server
 * closed, -111 when TCP could not connect, -1 to -4 for URL faults; `send` while not
 * connected throws "Websocket isn't connected.".
 */
class NodeMcuSession implements Session {
  readonly #ws: NodeMcuClient;
  readonly #queue = new MessageQueue();
  readonly #ended = deferred<Ending>();
  readonly #opened = deferred<number | undefined>();
  #isOpen = false;
  #isClosedByUs = false;

  constructor(ws: NodeMcuClient) {
    this.#ws = ws;
    ws.on('connection', () => {
      this.#isOpen = true;
      this.#opened.resolve(undefined);
    });
    ws.on('receive', (_client, message, opcode) => {
      const kind = typeof message === 'string' ? 1 : 2;
      if (opcode !== kind) {
        this.#queue.end(`a message of ${typeof message} came with opcode ${opcode}`);
        return;
      }
      this.#queue.push(messageOf(message));
    });
    ws.on('close', (_client, status) => {
      this.#isOpen = false;
      if (!this.#opened.isSettled()) {
        this.#opened.resolve(status);
        return;
      }
      let ending: Ending;
      if (status === NodeMcuStatus.Closed && this.#isClosedByUs) ending = { by: 'client' };
      else if (status === NodeMcuStatus.ServerClosed && !this.#isClosedByUs) {
        ending = { by: 'server', code: undefined };
      } else ending = { by: `unexpected: close status ${status}` };
      this.#queue.end(`close status ${status}`);
      this.#ended.resolve(ending);
    });
  }

  get ended(): Promise<Ending> {
    return this.#ended.promise;
  }

  /** Resolves undefined at `connection`, or with the status of a `close` that came instead. */
  opened(url: string): Promise<number | undefined> {
    this.#ws.connect(url);
    return this.#opened.promise;
  }

  isOpen(): boolean {
    return this.#isOpen;
  }

  sendText(text: string): void {
    this.#ws.send(text, 1);
  }

  sendBinary(bytes: ArrayBuffer | ArrayBufferView): void {
    this.#ws.send(bytes, 2);
  }

  nextMessage(): Promise<Message> {
    return this.#queue.next();
  }

  close(): void {
    this.#isClosedByUs = true;
    this.#ws.close();
  }

  async sendWhileClosed(): Promise<SendOutcome> {
    return nodemcuSendWhileClosed(this.#ws);
  }

  dispose(): void {
    this.#ws.close();
  }
}

export const nodemcuAdapter: DialectAdapter = {
  name: 'NodeMCU',
  clientCloseCode: 1005,
  reportsServerCloseCode: false,

  async open(url) {
    const session = new NodeMcuSession(nodemcu.createClient());
    const status = await session.opened(url);
    if (status !== undefined) throw new Error(`the close callback came first, status ${status}`);
    return session;
  },

  tryOpen(url) {
    const ws = nodemcu.createClient();
    let isOpen = false;
    return new Promise<OpenOutcome>((resolve) => {
      ws.on('connection', () => {
        isOpen = true;
        ws.close();
      });
      ws.on('close', (_client, status) => {
        if (isOpen) resolve('opened');
        else if (status === NodeMcuStatus.ConnectFailed) resolve('refused');
        else if (isUrlStatus(status)) resolve('bad-url');
        else resolve(`unexpected: close status ${status}`);
      });
      ws.connect(url);
    });
  },

  async sendBeforeConnecting() {
    return nodemcuSendWhileClosed(nodemcu.createClient());
  },
};

/** The three dialects, in the order the contract runs them. */
export const ADAPTERS: readonly DialectAdapter[] = [luatosAdapter, airAdapter, nodemcuAdapter];
