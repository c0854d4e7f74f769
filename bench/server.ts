// The benchmark server: a raw `net` server with a hand-written RFC 6455 handshake, so that it
// does far less work per message than any client under test (lpinca's rule: otherwise you
// benchmark the server). The request path picks the mode:
//
//   /upload            walks client frame headers, skips payloads (no unmasking, no copies) and
//                      counts binary messages; any text frame is a command answered with a text
//                      frame `{"messages":n,"bytes":b}` (the counts since the previous command)
//   /download?size=N   after the 101, writes pre-built unmasked binary frames of N bytes as
//                      fast as the socket drains, until the client goes away
//   /echo              unmasks each data frame and writes it back unmasked
//
// Started by run.ts as its own process; prints `{"port":P}` once listening on 127.0.0.1 and
// exits when its stdin closes (the parent went away) or after a hard lifetime cap. It holds
// any number of connections at once (the idle scenario opens thousands).

import { createServer, type Socket } from 'node:net';
import { acceptKey, HOST, payloadOf, serverFrame, serverFrames } from './common.js';

const MAX_LIFETIME_MS = 15 * 60_000;
const MAX_CONNECTION_MS = 60_000;
const MAX_HEAD_BYTES = 16 * 1024;
/** Bytes per pre-built download block (a whole number of frames, about 256 KiB). */
const BLOCK_BYTES = 256 * 1024;
/** socket.write calls per blast turn before yielding to the event loop. */
const WRITES_PER_TURN = 64;

type Mode = 'upload' | 'download' | 'echo';

/**
 * Incremental parser of client (masked) frames. Payloads are skipped unless `collect` is set;
 * `onFrame` gets the opcode, fin, payload length and, when collecting, the unmasked payload.
 */
class FrameWalker {
  readonly #collect: boolean;
  readonly #onFrame: (opcode: number, fin: boolean, length: number, payload?: Buffer) => void;
  readonly #head = Buffer.alloc(14);
  #headLength = 0;
  #remaining = 0;
  #opcode = 0;
  #fin = false;
  #length = 0;
  readonly #key = Buffer.alloc(4);
  #chunks: Buffer[] = [];

  constructor(
    collect: boolean,
    onFrame: (opcode: number, fin: boolean, length: number, payload?: Buffer) => void,
  ) {
    this.#collect = collect;
    this.#onFrame = onFrame;
  }

  push(chunk: Buffer): void {
    const length = chunk.length;
    let position = 0;
    while (position < length) {
      if (this.#remaining > 0) {
        const take = Math.min(this.#remaining, length - position);
        if (this.#collect) this.#chunks.push(chunk.subarray(position, position + take));
        position += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#end();
        continue;
      }
      if (this.#headLength === 0 && length - position >= 2) {
        const size = headSize(chunk[position + 1]!);
        if (length - position >= size) {
          this.#parse(chunk, position);
          position += size;
          continue;
        }
      }
      // A header split across reads: gather it byte by byte (rare).
      this.#head[this.#headLength++] = chunk[position++]!;
      if (this.#headLength >= 2 && this.#headLength === headSize(this.#head[1]!)) {
        this.#headLength = 0;
        this.#parse(this.#head, 0);
      }
    }
  }

  #parse(bytes: Buffer, at: number): void {
    const first = bytes[at]!;
    const second = bytes[at + 1]!;
    let length = second & 0x7f;
    let p = at + 2;
    if (length === 126) {
      length = bytes.readUInt16BE(p);
      p += 2;
    } else if (length === 127) {
      length = bytes.readUInt32BE(p) * 0x100000000 + bytes.readUInt32BE(p + 4);
      p += 8;
    }
    if ((second & 0x80) !== 0 && this.#collect) bytes.copy(this.#key, 0, p, p + 4);
    this.#opcode = first & 0x0f;
    this.#fin = (first & 0x80) !== 0;
    this.#length = length;
    this.#remaining = length;
    if (length === 0) this.#end();
  }

  #end(): void {
    let payload: Buffer | undefined;
    if (this.#collect) {
      payload =
        this.#chunks.length === 1 ? Buffer.from(this.#chunks[0]!) : Buffer.concat(this.#chunks);
      this.#chunks = [];
      const key = this.#key;
      for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ key[i & 3]!;
    }
    this.#onFrame(this.#opcode, this.#fin, this.#length, payload);
  }
}

function headSize(second: number): number {
  const length = second & 0x7f;
  const base = length < 126 ? 2 : length === 126 ? 4 : 10;
  return (second & 0x80) !== 0 ? base + 4 : base;
}

const blocks = new Map<number, Buffer>();

function blockFor(size: number): Buffer {
  let block = blocks.get(size);
  if (block === undefined) {
    const frameLength = serverFrame(2, payloadOf(size)).length;
    block = serverFrames(payloadOf(size), Math.max(1, Math.floor(BLOCK_BYTES / frameLength)));
    blocks.set(size, block);
  }
  return block;
}

const CLOSE_FRAME = serverFrame(8, Buffer.from([0x03, 0xe8]));

function startUpload(socket: Socket): FrameWalker {
  let messages = 0;
  let bytes = 0;
  return new FrameWalker(false, (opcode, fin, length) => {
    if (opcode === 2 || opcode === 0) {
      bytes += length;
      if (fin) messages++;
    } else if (opcode === 1) {
      socket.write(serverFrame(1, Buffer.from(JSON.stringify({ messages, bytes }))));
      messages = 0;
      bytes = 0;
    } else if (opcode === 8) {
      socket.end(CLOSE_FRAME);
    }
  });
}

function startEcho(socket: Socket): FrameWalker {
  return new FrameWalker(true, (opcode, _fin, _length, payload) => {
    if (opcode === 1 || opcode === 2) socket.write(serverFrame(opcode, payload!));
    else if (opcode === 8) socket.end(CLOSE_FRAME);
  });
}

function startDownload(socket: Socket, size: number): FrameWalker {
  const block = blockFor(size);
  const blast = (): void => {
    for (let i = 0; i < WRITES_PER_TURN; i++) {
      if (socket.destroyed || !socket.writable) return;
      if (!socket.write(block)) {
        socket.once('drain', blast);
        return;
      }
    }
    setImmediate(blast);
  };
  blast();
  // The client's input is only read to notice a Close.
  return new FrameWalker(false, (opcode) => {
    if (opcode === 8) socket.destroy();
  });
}

function onConnection(socket: Socket): void {
  socket.setNoDelay(true);
  const lifetime = setTimeout(() => socket.destroy(), MAX_CONNECTION_MS);
  socket.on('close', () => clearTimeout(lifetime));
  socket.on('error', () => socket.destroy());
  let head: Buffer = Buffer.alloc(0);
  let walker: FrameWalker | undefined;
  socket.on('data', (chunk: Buffer) => {
    if (walker !== undefined) {
      walker.push(chunk);
      return;
    }
    head = head.length === 0 ? chunk : Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end === -1) {
      if (head.length > MAX_HEAD_BYTES) socket.destroy();
      return;
    }
    const text = head.subarray(0, end).toString('latin1');
    const rest = head.subarray(end + 4);
    const key = /^sec-websocket-key:\s*(\S+)/im.exec(text)?.[1];
    const target = /^GET (\S+) HTTP\/1\.1/.exec(text)?.[1];
    if (key === undefined || target === undefined) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const url = new URL(target, 'http://bench');
    const mode = url.pathname.slice(1) as Mode;
    socket.write(
      'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
        `Sec-WebSocket-Accept: ${acceptKey(key)}\r\n\r\n`,
    );
    if (mode === 'upload') walker = startUpload(socket);
    else if (mode === 'echo') walker = startEcho(socket);
    else if (mode === 'download')
      walker = startDownload(socket, Number(url.searchParams.get('size') ?? 64));
    else {
      socket.destroy();
      return;
    }
    if (rest.length > 0) walker.push(rest);
  });
}

const server = createServer(onConnection);
server.listen(0, HOST, () => {
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  process.stdout.write(`${JSON.stringify({ port })}\n`);
});

const shutdown = (): void => {
  server.close();
  process.exit(0);
};
setTimeout(shutdown, MAX_LIFETIME_MS).unref();
process.stdin.on('end', shutdown);
process.stdin.on('error', shutdown);
process.stdin.resume();
process.on('SIGTERM', shutdown);
