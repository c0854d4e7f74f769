// Local peers for integration tests: an in-process npm `ws` echo server, and a scripted
// raw TCP server for hostile cases. Every server listens on 127.0.0.1 port 0 and is closed
// by the test that opened it.

import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { WebSocketServer, type WebSocket as WsSocket } from 'ws';

export interface EchoServer {
  url: string;
  server: WebSocketServer;
  close(): Promise<void>;
}

/** An npm `ws` server echoing every message with its type. */
export async function startWsEchoServer(
  options: ConstructorParameters<typeof WebSocketServer>[0] = {},
): Promise<EchoServer> {
  const server = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    maxPayload: 256 * 1024 * 1024,
    ...options,
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  server.on('connection', (socket: WsSocket) => {
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}

/** An npm `ws` echo server (see startWsEchoServer) that is closed after the test. */
export async function echoServer(
  t: TestContext,
  options?: Parameters<typeof startWsEchoServer>[0],
): Promise<EchoServer> {
  const server = await startWsEchoServer(options);
  t.after(() => server.close());
  return server;
}

/** Computes Sec-WebSocket-Accept for a request key. */
export function acceptFor(key: string): string {
  return createHash('sha1').update(`${key}258EAFA5-E914-47DA-95CA-C5AB0DC85B11`).digest('base64');
}

/** Reads the upgrade request head from `socket`; resolves with its headers and leftover bytes. */
export function readRequest(
  socket: Socket,
): Promise<{ requestLine: string; headers: Record<string, string>; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.off('data', onData);
      const lines = buffered.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({ requestLine: lines[0] ?? '', headers, rest: buffered.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
  });
}

/** Server frame bytes (unmasked): opcode byte with FIN/RSV bits as given, then the payload. */
export function serverFrame(
  opcode: number,
  payload: Uint8Array | string = new Uint8Array(0),
  options: { fin?: boolean; rsv?: number; mask?: boolean } = {},
): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : Buffer.from(payload);
  const fin = options.fin ?? true;
  const first = (fin ? 0x80 : 0) | ((options.rsv ?? 0) << 4) | opcode;
  const maskBit = options.mask ? 0x80 : 0;
  let header: Buffer;
  if (body.length < 126) header = Buffer.from([first, maskBit | body.length]);
  else if (body.length < 65536) {
    header = Buffer.alloc(4);
    header[0] = first;
    header[1] = maskBit | 126;
    header.writeUInt16BE(body.length, 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = first;
    header[1] = maskBit | 127;
    header.writeBigUInt64BE(BigInt(body.length), 2);
  }
  if (!options.mask) return Buffer.concat([header, body]);
  const key = Buffer.from([1, 2, 3, 4]);
  const masked = Buffer.from(body.map((byte, i) => byte ^ key[i & 3]!));
  return Buffer.concat([header, key, masked]);
}

/** Decodes masked client frames from a byte stream; returns complete frames and the rest. */
export function parseClientFrames(bytes: Buffer): {
  frames: { fin: boolean; rsv: number; opcode: number; payload: Buffer }[];
  rest: Buffer;
} {
  const frames: { fin: boolean; rsv: number; opcode: number; payload: Buffer }[] = [];
  let at = 0;
  for (;;) {
    if (bytes.length - at < 2) break;
    const first = bytes[at]!;
    const second = bytes[at + 1]!;
    let length = second & 0x7f;
    let p = at + 2;
    if (length === 126) {
      if (bytes.length - p < 2) break;
      length = bytes.readUInt16BE(p);
      p += 2;
    } else if (length === 127) {
      if (bytes.length - p < 8) break;
      length = Number(bytes.readBigUInt64BE(p));
      p += 8;
    }
    const masked = (second & 0x80) !== 0;
    const key = masked ? bytes.subarray(p, p + 4) : undefined;
    if (masked) p += 4;
    if (bytes.length - p < length) break;
    const payload = Buffer.from(bytes.subarray(p, p + length));
    if (key) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
    frames.push({
      fin: (first & 0x80) !== 0,
      rsv: (first >> 4) & 7,
      opcode: first & 0x0f,
      payload,
    });
    at = p + length;
  }
  return { frames, rest: bytes.subarray(at) };
}

export interface ScriptedServer {
  url: string;
  port: number;
  server: Server;
  close(): Promise<void>;
}

/**
 * A raw TCP server that runs `script` for each connection: the script reads the request,
 * writes whatever bytes it likes, and inspects what the client sends.
 */
export async function startScriptedServer(
  script: (socket: Socket) => void | Promise<void>,
): Promise<ScriptedServer> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    void Promise.resolve(script(socket)).catch(() => socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}/`,
    port,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A scripted server (see startScriptedServer) that is closed after the test. */
export async function scripted(
  t: TestContext,
  script: Parameters<typeof startScriptedServer>[0],
): Promise<ScriptedServer> {
  const server = await startScriptedServer(script);
  t.after(() => server.close());
  return server;
}

/** A server whose every connection is dropped at once (a network error for the client). */
export function dropEverything(t: TestContext): Promise<ScriptedServer> {
  return scripted(t, (socket) => {
    socket.destroy();
  });
}

/** A port on 127.0.0.1 where nothing listens any more: open a server, note its port, close it. */
export async function closedPort(): Promise<number> {
  const server = await startScriptedServer(() => {});
  await server.close();
  return server.port;
}

/** A ws:// URL to a port on 127.0.0.1 where nothing listens any more. */
export async function closedPortUrl(): Promise<string> {
  return `ws://127.0.0.1:${await closedPort()}/`;
}

/** Completes a valid 101 handshake on `socket`; resolves with the bytes after the request. */
export async function acceptHandshake(
  socket: Socket,
  extraHeaders: string[] = [],
): Promise<Buffer> {
  const { headers, rest } = await readRequest(socket);
  const key = headers['sec-websocket-key'] ?? '';
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${acceptFor(key)}`,
      ...extraHeaders,
      '',
      '',
    ].join('\r\n'),
  );
  return rest;
}

/** Collects client frames from `socket` until `until` says stop or the socket ends. */
export function collectClientFrames(
  socket: Socket,
  initial: Buffer = Buffer.alloc(0),
): {
  frames: { fin: boolean; rsv: number; opcode: number; payload: Buffer }[];
  ended: Promise<void>;
} {
  let buffered = initial;
  const frames: { fin: boolean; rsv: number; opcode: number; payload: Buffer }[] = [];
  const take = (): void => {
    const parsed = parseClientFrames(buffered);
    frames.push(...parsed.frames);
    buffered = parsed.rest;
  };
  take();
  socket.on('data', (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    take();
  });
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  return { frames, ended };
}
