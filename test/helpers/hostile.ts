// Helpers for hostile-server tests and the conformance runner: an incremental reader for the
// client's masked frames (linear in the bytes received, so multi-megabyte echoes stay cheap),
// a server-side view of one connection (echoed messages, pongs, the client's Close), and a
// one-call runner that opens a wsx client against a scripted raw TCP server and collects
// everything both sides saw. Every server binds 127.0.0.1 and is closed by the caller's t.after.

import type { Socket } from 'node:net';
import type { TestContext } from 'node:test';
import {
  type CloseInfo,
  type ConnectOptions,
  type Message,
  WebSocketClient,
} from '../../src/api/websocket-client.js';
import type { WebSocketError } from '../../src/core/errors.js';
import { acceptHandshake, readRequest, startScriptedServer } from './servers.js';

export interface ClientFrame {
  fin: boolean;
  rsv: number;
  opcode: number;
  masked: boolean;
  payload: Buffer;
}

/** Decodes client frames from chunks in any split; each byte is copied at most twice. */
export class ClientFrameReader {
  #chunks: Buffer[] = [];
  #length = 0;
  /** Header size and total frame size of the frame being read, once its header is known. */
  #headerSize = 0;
  #frameSize = 0;

  push(chunk: Buffer): ClientFrame[] {
    if (chunk.length > 0) {
      this.#chunks.push(chunk);
      this.#length += chunk.length;
    }
    const frames: ClientFrame[] = [];
    // Each pass takes one frame or stops; the bound only guards against a logic error.
    for (let guard = 0; guard <= this.#length; guard++) {
      if (this.#frameSize === 0 && !this.#readHeader()) break;
      if (this.#length < this.#frameSize) break;
      frames.push(this.#takeFrame());
    }
    return frames;
  }

  #peek(count: number): Buffer {
    const first = this.#chunks[0]!;
    if (first.length >= count) return first;
    const parts: Buffer[] = [];
    let have = 0;
    for (const chunk of this.#chunks) {
      parts.push(chunk);
      have += chunk.length;
      if (have >= count) break;
    }
    return Buffer.concat(parts, have);
  }

  #readHeader(): boolean {
    if (this.#length < 2) return false;
    const head = this.#peek(Math.min(this.#length, 14));
    const second = head[1]!;
    const short = second & 0x7f;
    const lengthBytes = short === 126 ? 2 : short === 127 ? 8 : 0;
    const headerSize = 2 + lengthBytes + ((second & 0x80) !== 0 ? 4 : 0);
    if (head.length < headerSize) return false;
    const payloadLength =
      short === 126
        ? head.readUInt16BE(2)
        : short === 127
          ? Number(head.readBigUInt64BE(2))
          : short;
    this.#headerSize = headerSize;
    this.#frameSize = headerSize + payloadLength;
    return true;
  }

  #takeFrame(): ClientFrame {
    const size = this.#frameSize;
    const all =
      this.#chunks.length === 1 ? this.#chunks[0]! : Buffer.concat(this.#chunks, this.#length);
    const rest = all.subarray(size);
    this.#chunks = rest.length > 0 ? [rest] : [];
    this.#length = rest.length;
    const first = all[0]!;
    const masked = (all[1]! & 0x80) !== 0;
    const payload = Buffer.from(all.subarray(this.#headerSize, size));
    if (masked) unmask(payload, all.subarray(this.#headerSize - 4, this.#headerSize));
    this.#frameSize = 0;
    return {
      fin: (first & 0x80) !== 0,
      rsv: (first >> 4) & 7,
      opcode: first & 0x0f,
      masked,
      payload,
    };
  }
}

function unmask(payload: Buffer, key: Buffer): void {
  const length = payload.length;
  const aligned = length - (length % 4);
  if (aligned > 0) {
    const word = key.readUInt32LE(0);
    // Word-wise when the payload's buffer offset allows it; bytes otherwise.
    if (payload.byteOffset % 4 === 0) {
      const words = new Uint32Array(payload.buffer, payload.byteOffset, aligned / 4);
      for (let i = 0; i < words.length; i++) words[i] = words[i]! ^ word;
    } else {
      for (let i = 0; i < aligned; i++) payload[i] = payload[i]! ^ key[i & 3]!;
    }
  }
  for (let i = aligned; i < length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
}

/** A data message as the server reassembled it from the client's frames. */
export interface EchoedMessage {
  opcode: number;
  payload: Buffer;
}

/** The client's Close frame, decoded. */
export interface ClientClose {
  /** The status code, or undefined for an empty payload. */
  code: number | undefined;
  reason: string;
  payload: Buffer;
}

/** What the server saw of one client connection after the handshake. */
export class Peer {
  readonly socket: Socket;
  readonly frames: ClientFrame[] = [];
  readonly messages: EchoedMessage[] = [];
  readonly pongs: Buffer[] = [];
  close: ClientClose | undefined;
  /** Frames the client sent after its Close frame (must stay empty). */
  readonly framesAfterClose: ClientFrame[] = [];
  /** Protocol slips by the client: unmasked frames, RSV bits, bad fragmentation. */
  readonly clientErrors: string[] = [];
  isEnded = false;
  readonly ended: Promise<void>;
  readonly #reader = new ClientFrameReader();
  #partial: ClientFrame[] = [];
  #waiters: { check: () => boolean; resolve: (met: boolean) => void }[] = [];

  constructor(socket: Socket, initial: Buffer = Buffer.alloc(0)) {
    this.socket = socket;
    socket.setNoDelay(true);
    this.ended = new Promise<void>((resolve) => {
      socket.once('close', () => {
        this.isEnded = true;
        this.#wake();
        resolve();
      });
    });
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    if (initial.length > 0) this.#receive(initial);
  }

  #receive(chunk: Buffer): void {
    for (const frame of this.#reader.push(chunk)) this.#frame(frame);
    this.#wake();
  }

  #frame(frame: ClientFrame): void {
    this.frames.push(frame);
    if (this.close !== undefined) {
      this.framesAfterClose.push(frame);
      return;
    }
    if (!frame.masked) this.clientErrors.push(`unmasked frame (opcode ${frame.opcode})`);
    if (frame.rsv !== 0) this.clientErrors.push(`RSV bits ${frame.rsv} set`);
    switch (frame.opcode) {
      case 0x8: {
        const { payload } = frame;
        this.close = {
          code: payload.length >= 2 ? payload.readUInt16BE(0) : undefined,
          reason: payload.subarray(2).toString('utf8'),
          payload,
        };
        return;
      }
      case 0x9:
        return;
      case 0xa:
        this.pongs.push(frame.payload);
        return;
      case 0x0:
      case 0x1:
      case 0x2: {
        if ((frame.opcode === 0) !== this.#partial.length > 0) {
          this.clientErrors.push(`bad fragmentation (opcode ${frame.opcode})`);
        }
        this.#partial.push(frame);
        if (!frame.fin) return;
        const parts = this.#partial;
        this.#partial = [];
        this.messages.push({
          opcode: parts[0]!.opcode,
          payload:
            parts.length === 1 ? parts[0]!.payload : Buffer.concat(parts.map((p) => p.payload)),
        });
        return;
      }
      default:
        this.clientErrors.push(`reserved opcode ${frame.opcode}`);
    }
  }

  #wake(): void {
    if (this.#waiters.length === 0) return;
    const waiting = this.#waiters;
    this.#waiters = [];
    for (const waiter of waiting) {
      if (waiter.check()) waiter.resolve(true);
      else if (this.isEnded) waiter.resolve(false);
      else this.#waiters.push(waiter);
    }
  }

  /** Resolves true once `check` holds, false if the socket closes first. */
  waitFor(check: () => boolean): Promise<boolean> {
    if (check()) return Promise.resolve(true);
    if (this.isEnded) return Promise.resolve(false);
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }

  /** Waits for the client's Close frame (or the end of the connection). */
  waitForClose(): Promise<boolean> {
    return this.waitFor(() => this.close !== undefined);
  }

  /** Writes bytes, resolving once they were handed to the kernel. */
  write(bytes: Uint8Array): Promise<void> {
    return new Promise((resolve) => {
      if (this.socket.destroyed || !this.socket.writable) {
        resolve();
        return;
      }
      this.socket.write(bytes, () => resolve());
    });
  }

  /** Writes `bytes` in pieces of `size` bytes, each its own write call. */
  async writeChopped(bytes: Uint8Array, size: number): Promise<void> {
    const pieces = Math.ceil(bytes.length / size);
    for (let i = 0; i < pieces; i++) {
      if (this.socket.destroyed || !this.socket.writable) return;
      const piece = bytes.subarray(i * size, Math.min(bytes.length, (i + 1) * size));
      if (!this.socket.write(piece)) {
        await new Promise<void>((resolve) => {
          const done = (): void => {
            this.socket.off('drain', done);
            this.socket.off('close', done);
            resolve();
          };
          this.socket.on('drain', done);
          this.socket.on('close', done);
        });
      }
    }
    await this.write(new Uint8Array(0));
  }

  /** Half-closes our side after the client's Close (what a polite server does, §7.1.1). */
  end(): void {
    if (!this.socket.destroyed) this.socket.end();
  }
}

/**
 * A scripted server that completes the handshake; `peer` resolves with the Peer of its first
 * connection. The server is closed after the test.
 */
export async function peerServer(t: TestContext): Promise<{ url: string; peer: Promise<Peer> }> {
  let resolvePeer: (peer: Peer) => void = () => {};
  const peer = new Promise<Peer>((resolve) => {
    resolvePeer = resolve;
  });
  const server = await startScriptedServer(async (socket: Socket) => {
    const rest = await acceptHandshake(socket);
    resolvePeer(new Peer(socket, rest));
  });
  t.after(() => server.close());
  return { url: server.url, peer };
}

export interface HostileResult {
  /** Whether the client reported the connection open, or the error it opened with. */
  opened: true | WebSocketError;
  info: CloseInfo;
  /** Every error event the client emitted. */
  errors: WebSocketError[];
  /** Messages the client delivered to the application. */
  received: Message[];
  /** The server's view, when the script got as far as the handshake. */
  peer: Peer | undefined;
  /** In 'raw' mode: the parsed upgrade request. */
  request: { requestLine: string; headers: Record<string, string> } | undefined;
  /** In 'raw' mode: bytes the client sent after its upgrade request (must stay 0). */
  bytesAfterRequest: number;
}

export interface HostileOptions {
  /** Client options (timeouts, limits, protocols). */
  client?: ConnectOptions;
  /**
   * 'accept' (default): the helper completes a valid handshake and hands the script a Peer.
   * 'raw': the script gets the socket and the parsed request and answers itself.
   */
  handshake?: 'accept' | 'raw';
  /** Headers added to the 101 response in 'accept' mode. */
  responseHeaders?: string[];
  /** When true (default) the server ends TCP once the client's Close arrived. */
  endAfterClose?: boolean;
}

export type PeerScript = (peer: Peer) => Promise<void> | void;
export type RawScript = (
  socket: Socket,
  request: { requestLine: string; headers: Record<string, string>; rest: Buffer },
) => Promise<void> | void;

/**
 * Runs one client against one scripted connection and returns what happened. The script runs
 * after the handshake ('accept') or instead of it ('raw'); in 'accept' mode the server then
 * waits for the client's Close and ends TCP, unless endAfterClose is false.
 */
export function runHostile(
  t: TestContext,
  script: PeerScript,
  options?: HostileOptions & { handshake?: 'accept' },
): Promise<HostileResult>;
export function runHostile(
  t: TestContext,
  script: RawScript,
  options: HostileOptions & { handshake: 'raw' },
): Promise<HostileResult>;
export async function runHostile(
  t: TestContext,
  script: PeerScript | RawScript,
  options: HostileOptions = {},
): Promise<HostileResult> {
  let peer: Peer | undefined;
  let request: HostileResult['request'];
  let bytesAfterRequest = 0;
  const mode = options.handshake ?? 'accept';
  const server = await startScriptedServer(async (socket) => {
    socket.setNoDelay(true);
    if (mode === 'raw') {
      const parsed = await readRequest(socket);
      request = { requestLine: parsed.requestLine, headers: parsed.headers };
      bytesAfterRequest += parsed.rest.length;
      socket.on('data', (chunk: Buffer) => {
        bytesAfterRequest += chunk.length;
      });
      await (script as RawScript)(socket, parsed);
      return;
    }
    const rest = await acceptHandshake(socket, options.responseHeaders ?? []);
    peer = new Peer(socket, rest);
    await (script as PeerScript)(peer);
    if (options.endAfterClose ?? true) {
      await peer.waitForClose();
      peer.end();
    }
  });
  t.after(() => server.close());
  const client = new WebSocketClient(server.url, options.client);
  t.after(() => client.terminate());
  const errors: WebSocketError[] = [];
  const received: Message[] = [];
  client.on('error', (error) => errors.push(error));
  client.on('message', (message) => received.push(message));
  const opened = await client.opened.then(
    () => true as const,
    (error: WebSocketError) => error,
  );
  const info = await client.closed;
  if (peer !== undefined) await peer.ended;
  return { opened, info, errors, received, peer, request, bytesAfterRequest };
}

export interface ExpectedFailure {
  /** Close code the client must put in its Close frame. */
  wireCode: number;
  /** ErrorCode value of the reported error. */
  code: string;
  /** Class the reported error must be an instance of. */
  errorClass: abstract new (
    ...args: never[]
  ) => Error;
}

/**
 * Asserts that the client failed an open connection (§7.1.7): it sent exactly one Close with
 * `wireCode` and nothing after it, reported one error of the given class and code, and closed
 * with 1006 (no Close received), wasClean false, and the same error in the close info.
 */
export function assertFailedOpenConnection(result: HostileResult, expected: ExpectedFailure): void {
  const { peer, info } = result;
  if (result.opened !== true) throw new Error(`the connection did not open: ${result.opened.code}`);
  if (peer === undefined) throw new Error('the server never saw the handshake');
  const error = info.error;
  const summary = JSON.stringify({
    wire: peer.close?.code ?? null,
    error: error ? `${error.name} ${error.code} ${error.message}` : null,
    code: info.code,
    wasClean: info.wasClean,
  });
  const check = (ok: boolean, what: string): void => {
    if (!ok) throw new Error(`${what}; observed ${summary}`);
  };
  check(peer.close !== undefined, 'the client sent no Close frame');
  check(
    peer.close?.code === expected.wireCode,
    `the client's Close code is not ${expected.wireCode}`,
  );
  check(peer.framesAfterClose.length === 0, 'the client sent frames after its Close');
  check(peer.clientErrors.length === 0, `client frame errors: ${peer.clientErrors.join(', ')}`);
  check(error instanceof expected.errorClass, `the error is not a ${expected.errorClass.name}`);
  check(error?.code === expected.code, `the error code is not ${expected.code}`);
  check(error?.closeCode === expected.wireCode, `error.closeCode is not ${expected.wireCode}`);
  check(info.code === 1006, 'the close info code is not 1006');
  check(info.reason === '', 'the close info has a reason');
  check(info.wasClean === false, 'the close was reported clean');
  check(
    result.errors.length === 1 && result.errors[0] === error,
    `expected exactly the close info's error as the one error event (got ${result.errors.length})`,
  );
}

/** Writes `chunk` again and again, respecting drain, until `total` bytes or the socket ends. */
export function flood(socket: Socket, chunk: Buffer, total: number): void {
  let written = 0;
  const pump = (): void => {
    while (written < total && !socket.destroyed) {
      written += chunk.length;
      if (!socket.write(chunk)) {
        socket.once('drain', pump);
        return;
      }
    }
  };
  pump();
}
