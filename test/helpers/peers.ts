// Independent WebSocket servers for interop tests: npm `ws`, npm `websocket` and
// `faye-websocket`, all in-process on 127.0.0.1 port 0, all behaving the same way (echo,
// subprotocol choice, a close command), plus a TLS `ws` server and random payload makers.
// Every server records what each upgrade request carried and how the server saw it close.

import { randomFillSync } from 'node:crypto';
import {
  createServer as createHttpServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
} from 'node:http';
import { createServer as createHttpsServer, type ServerOptions as HttpsOptions } from 'node:https';
import { createRequire } from 'node:module';
import type { Server as NetServer, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';
import { deferred } from './api.js';

const require = createRequire(import.meta.url);

/** Subprotocols every peer supports; a peer picks the first one the client offered. */
export const PEER_PROTOCOLS = ['wsx.v1', 'wsx.v2'] as const;

/** A text message starting with this makes the peer close: `${CLOSE_COMMAND}<code> <reason>`. */
export const CLOSE_COMMAND = '__wsc_close__ ';

/** How the server saw a connection end. */
export interface PeerClose {
  code: number;
  reason: string;
}

/** What the server saw of one connection. */
export interface PeerRequest {
  /** Request target (path and query). */
  url: string;
  headers: IncomingHttpHeaders;
  /** The subprotocol the server chose, '' for none. */
  protocol: string;
  /** TLS only: the SNI name the client sent (false when none) and the client certificate CN. */
  servername?: string | false;
  clientCertificateName?: string;
  /** TLS only: the protocol version negotiated, e.g. 'TLSv1.3'. */
  tlsVersion?: string;
  /** Resolves when the server saw the connection close. */
  closed: Promise<PeerClose>;
}

export interface PeerServer {
  name: string;
  /** ws://127.0.0.1:port/ (or wss://). */
  url: string;
  port: number;
  /** Upgrade requests in arrival order. */
  requests: PeerRequest[];
  close(): Promise<void>;
}

function chooseProtocol(offered: Iterable<string>): string {
  for (const protocol of offered) {
    if ((PEER_PROTOCOLS as readonly string[]).includes(protocol)) return protocol;
  }
  return '';
}

/** Parses a close command; undefined when `text` is an ordinary message. */
function closeCommand(text: string): PeerClose | undefined {
  if (!text.startsWith(CLOSE_COMMAND)) return undefined;
  const rest = text.slice(CLOSE_COMMAND.length);
  const space = rest.indexOf(' ');
  return space === -1
    ? { code: Number(rest), reason: '' }
    : { code: Number(rest.slice(0, space)), reason: rest.slice(space + 1) };
}

/** Tracks raw sockets so close() can drop upgraded connections too. */
function trackSockets(server: NetServer): () => Promise<void> {
  const sockets = new Set<Socket>();
  const add = (socket: Socket): void => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  };
  server.on('connection', add);
  server.on('secureConnection', add);
  return () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
}

async function listen(server: NetServer): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as { port: number }).port;
}

/**
 * Tracks the server's sockets, listens, and describes the peer; close() runs `stop` (the
 * WebSocket library's own shutdown), then drops every socket and closes the server.
 */
async function serve(
  name: string,
  scheme: 'ws' | 'wss',
  server: NetServer,
  requests: PeerRequest[],
  stop: () => void = () => {},
): Promise<PeerServer> {
  const closeServer = trackSockets(server);
  const port = await listen(server);
  return {
    name,
    url: `${scheme}://127.0.0.1:${port}/`,
    port,
    requests,
    close: async () => {
      stop();
      await closeServer();
    },
  };
}

function record(
  request: IncomingMessage,
  protocol: string,
): PeerRequest & {
  onClose: (close: PeerClose) => void;
} {
  const closed = deferred<PeerClose>();
  const socket = request.socket as Partial<TLSSocket>;
  const entry: PeerRequest & { onClose: (close: PeerClose) => void } = {
    url: request.url ?? '',
    headers: request.headers,
    protocol,
    closed: closed.promise,
    onClose: closed.resolve,
  };
  if (typeof socket.getPeerCertificate === 'function') {
    entry.servername = (socket as TLSSocket).servername ?? false;
    entry.tlsVersion = (socket as TLSSocket).getProtocol() ?? '';
    const subject = socket.getPeerCertificate().subject as { CN?: string } | undefined;
    if (subject?.CN !== undefined) entry.clientCertificateName = subject.CN;
  }
  return entry;
}

// ------------------------------------------------------------------ npm ws

/** Attaches the echo behaviour to a `ws` server. */
function serveWs(wss: WebSocketServer, requests: PeerRequest[]): void {
  wss.on('connection', (socket: WsSocket, request: IncomingMessage) => {
    const entry = record(request, socket.protocol);
    requests.push(entry);
    socket.on('close', (code, reason) => entry.onClose({ code, reason: reason.toString() }));
    socket.on('error', () => {});
    socket.on('message', (data, isBinary) => {
      const text = isBinary ? undefined : data.toString();
      const command = text === undefined ? undefined : closeCommand(text);
      if (command !== undefined) socket.close(command.code, command.reason);
      else socket.send(data, { binary: isBinary });
    });
  });
}

const wsServerOptions = {
  maxPayload: 64 * 1024 * 1024,
  perMessageDeflate: false,
  handleProtocols: (offered: Set<string>) => chooseProtocol(offered) || false,
} as const;

/** An npm `ws` WebSocketServer echo peer. */
export async function startWsPeer(): Promise<PeerServer> {
  const http = createHttpServer();
  const requests: PeerRequest[] = [];
  const wss = new WebSocketServer({ server: http, ...wsServerOptions });
  serveWs(wss, requests);
  return serve('ws', 'ws', http, requests, () => wss.close());
}

/** An npm `ws` echo peer behind node:https (TLS options as for https.createServer). */
export async function startTlsWsPeer(
  tls: HttpsOptions,
): Promise<PeerServer & { tlsErrors: Error[] }> {
  const https = createHttpsServer(tls);
  const requests: PeerRequest[] = [];
  const tlsErrors: Error[] = [];
  https.on('tlsClientError', (error: Error) => tlsErrors.push(error));
  const wss = new WebSocketServer({ server: https, ...wsServerOptions });
  serveWs(wss, requests);
  return {
    ...(await serve('ws over https', 'wss', https, requests, () => wss.close())),
    tlsErrors,
  };
}

// ------------------------------------------------------------------ npm websocket

interface WebsocketMessage {
  type: 'utf8' | 'binary';
  utf8Data?: string;
  binaryData?: Buffer;
}
interface WebsocketConnection {
  on(event: 'message', listener: (message: WebsocketMessage) => void): void;
  on(event: 'close', listener: (code: number, description: string) => void): void;
  on(event: 'error', listener: (error: Error) => void): void;
  sendUTF(data: string): void;
  sendBytes(data: Buffer): void;
  close(code: number, description: string): void;
}
interface WebsocketRequest {
  httpRequest: IncomingMessage;
  requestedProtocols: string[];
  accept(protocol: string | null, origin: string | null): WebsocketConnection;
}
interface WebsocketServer {
  on(event: 'request', listener: (request: WebsocketRequest) => void): void;
  unmount(): void;
}
type WebsocketServerConstructor = new (config: Record<string, unknown>) => WebsocketServer;

/** An echo peer on the npm `websocket` package (WebSocket-Node). */
export async function startWebsocketPeer(): Promise<PeerServer> {
  const { server: WebsocketServerClass } = require('websocket') as {
    server: WebsocketServerConstructor;
  };
  const http = createHttpServer();
  const requests: PeerRequest[] = [];
  const server = new WebsocketServerClass({
    httpServer: http,
    autoAcceptConnections: false,
    maxReceivedFrameSize: 64 * 1024 * 1024,
    maxReceivedMessageSize: 64 * 1024 * 1024,
    keepalive: false,
  });
  server.on('request', (request) => {
    // WebSocket-Node lower-cases offered subprotocols; ours are lower case already.
    const protocol = chooseProtocol(request.requestedProtocols);
    const entry = record(request.httpRequest, protocol);
    requests.push(entry);
    const connection = request.accept(protocol || null, null);
    connection.on('close', (code, description) => entry.onClose({ code, reason: description }));
    connection.on('error', () => {});
    connection.on('message', (message) => {
      if (message.type === 'utf8') {
        const text = message.utf8Data ?? '';
        const command = closeCommand(text);
        if (command !== undefined) connection.close(command.code, command.reason);
        else connection.sendUTF(text);
      } else {
        connection.sendBytes(message.binaryData ?? Buffer.alloc(0));
      }
    });
  });
  return serve('websocket', 'ws', http, requests, () => server.unmount());
}

// ------------------------------------------------------------------ faye-websocket

interface FayeSocket {
  protocol: string;
  on(event: 'message', listener: (event: { data: string | Buffer }) => void): void;
  on(event: 'close', listener: (event: { code: number; reason: string }) => void): void;
  on(event: 'error', listener: (event: unknown) => void): void;
  on(event: 'open', listener: () => void): void;
  send(data: string | Buffer): boolean;
  close(code: number, reason: string): void;
}
type FayeConstructor = new (
  request: IncomingMessage,
  socket: Socket,
  body: Buffer,
  protocols: string[],
  options: { maxLength: number },
) => FayeSocket;

/** An echo peer on `faye-websocket`, attached to an http server's 'upgrade' event. */
export async function startFayePeer(): Promise<PeerServer> {
  const FayeWebSocket = require('faye-websocket') as FayeConstructor & {
    isWebSocket(request: IncomingMessage): boolean;
  };
  const http = createHttpServer();
  const requests: PeerRequest[] = [];
  http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => {
    if (!FayeWebSocket.isWebSocket(request)) {
      socket.destroy();
      return;
    }
    const socketOf = new FayeWebSocket(request, socket, head, [...PEER_PROTOCOLS], {
      maxLength: 64 * 1024 * 1024,
    });
    // faye-websocket picks the first offered protocol it supports, as the other peers do; it
    // tells which one at 'open', which comes before the 101 response is written.
    const entry = record(request, '');
    requests.push(entry);
    socketOf.on('open', () => {
      entry.protocol = socketOf.protocol;
    });
    socketOf.on('close', (event) => entry.onClose({ code: event.code, reason: event.reason }));
    socketOf.on('error', () => {});
    socketOf.on('message', (event) => {
      const command = typeof event.data === 'string' ? closeCommand(event.data) : undefined;
      if (command !== undefined) socketOf.close(command.code, command.reason);
      else socketOf.send(event.data);
    });
  });
  return serve('faye-websocket', 'ws', http, requests);
}

// ------------------------------------------------------------------ payloads

/** `length` random bytes. */
export function randomPayload(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let at = 0; at < length; at += 65536) {
    randomFillSync(bytes.subarray(at, Math.min(length, at + 65536)));
  }
  return bytes;
}

/**
 * Random text whose UTF-8 encoding is exactly `byteLength` bytes, mixing 1-, 2-, 3- and
 * 4-byte characters (never a surrogate, never NUL).
 */
export function randomText(byteLength: number): string {
  const parts: string[] = [];
  const codePoints: number[] = [];
  const random = new Uint32Array(16384);
  let next = random.length;
  let remaining = byteLength;
  while (remaining > 0) {
    if (next === random.length) {
      randomFillSync(random);
      next = 0;
    }
    const r = random[next++]!;
    const width = Math.min(remaining, 1 + (r & 3));
    const value = r >>> 2;
    let codePoint: number;
    if (width === 1) codePoint = 0x20 + (value % 0x5f);
    else if (width === 2) codePoint = 0x80 + (value % (0x800 - 0x80));
    else if (width === 3) {
      codePoint = 0x800 + (value % (0x10000 - 0x800 - 0x800));
      if (codePoint >= 0xd800) codePoint += 0x800;
    } else codePoint = 0x10000 + (value % 0x100000);
    codePoints.push(codePoint);
    remaining -= width;
    if (codePoints.length === 8192) {
      parts.push(String.fromCodePoint(...codePoints));
      codePoints.length = 0;
    }
  }
  parts.push(String.fromCodePoint(...codePoints));
  return parts.join('');
}

/** Throws a short assertion message (not a megabyte diff) when two byte arrays differ. */
export function assertSameBytes(actual: unknown, expected: Uint8Array, what: string): void {
  if (!(actual instanceof Uint8Array)) {
    throw new Error(`${what}: expected bytes, got ${typeof actual}`);
  }
  if (actual.length !== expected.length) {
    throw new Error(`${what}: expected ${expected.length} bytes, got ${actual.length}`);
  }
  if (Buffer.compare(actual, expected) !== 0) {
    const at = actual.findIndex((byte, i) => byte !== expected[i]);
    throw new Error(`${what}: content differs from byte ${at}`);
  }
}

/** Throws a short assertion message when two strings differ. */
export function assertSameText(actual: unknown, expected: string, what: string): void {
  if (typeof actual !== 'string') throw new Error(`${what}: expected text, got ${typeof actual}`);
  if (actual === expected) return;
  let at = 0;
  while (at < actual.length && actual[at] === expected[at]) at++;
  throw new Error(
    `${what}: expected ${expected.length} UTF-16 units, got ${actual.length}; first difference at ${at}`,
  );
}
