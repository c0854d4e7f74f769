// One adapter per client under test, so that every scenario driver in client.ts is written
// once. An adapter opens a connection with its message handler already in place (frames may
// come in the same read as the 101), and offers what the drivers need: send, an upload loop
// with the library's own way of waiting for writes, a clean close and a hard drop.
//
// Flow control in the upload loop (two batches of about 256 KiB in flight at most):
//   wsx (modern)   send() promise of the last message of each batch
//   ws             send() callback of the last message of each batch
//   undici, WHATWG bufferedAmount, polled once per event-loop turn (setImmediate)
//   NodeMCU        has neither a write callback nor bufferedAmount: it does not run uploads

import { setImmediate as nextTurn } from 'node:timers/promises';

/** Called for every message: its length, and its text when it is a text message. */
export type OnMessage = (length: number, text: string | undefined) => void;

export interface Conn {
  send(payload: Uint8Array): void;
  sendText(text: string): void;
  /**
   * Sends `payload` as fast as the library allows until `deadline` (performance.now()), with
   * at most two batches of `batch` messages in flight; resolves once everything was written.
   */
  sendUntil(payload: Uint8Array, batch: number, deadline: number): Promise<void>;
  /** Clean close (Close frames both ways, then TCP); resolves once the library says closed. */
  close(): Promise<void>;
  /** Drops the connection without a closing handshake. */
  terminate(): void;
}

export interface Library {
  open(url: string, onMessage: OnMessage): Promise<Conn>;
}

/** Reports a failure of an open connection that nobody asked for. */
export type OnFailure = (error: unknown) => void;

const now = (): number => performance.now();
/** Hard cap on waiting for a library's buffer to drain. */
const DRAIN_CAP_MS = 20_000;

/** Upload loop for libraries that only offer bufferedAmount (undici, WHATWG). */
async function pollingUpload(
  ws: { send(data: Uint8Array): void; readonly bufferedAmount: number },
  payload: Uint8Array,
  batch: number,
  deadline: number,
): Promise<void> {
  const high = 2 * batch * payload.length;
  const low = batch * payload.length;
  const giveUp = deadline + DRAIN_CAP_MS;
  while (now() < deadline) {
    for (let i = 0; i < 2 * batch && ws.bufferedAmount < high; i++) ws.send(payload);
    while (ws.bufferedAmount > low && now() < giveUp) await nextTurn();
  }
  while (ws.bufferedAmount > 0 && now() < giveUp) await nextTurn();
}

/** Two batches in flight, each ending with a send that tells when it was written. */
async function callbackUpload(sendBatch: () => Promise<void>, deadline: number): Promise<void> {
  let previous: Promise<void> | undefined;
  while (now() < deadline) {
    const last = sendBatch();
    if (previous !== undefined) await previous;
    previous = last;
  }
  await previous;
}

// ------------------------------------------------------------------ wsx, modern face

export async function wsxModern(
  module: string,
  fail: OnFailure,
  iterate = false,
): Promise<Library> {
  const { connect } = (await import(module)) as typeof import('../src/index.js');
  return {
    async open(url, onMessage) {
      const ws = await connect(url);
      let ending = false;
      ws.on('close', (info) => {
        if (!ending && info.error !== undefined) fail(info.error);
      });
      if (iterate) {
        void (async () => {
          for await (const message of ws) {
            const { data } = message;
            onMessage(data.length, typeof data === 'string' ? data : undefined);
          }
        })();
      } else {
        ws.on('message', ({ data }) => {
          onMessage(data.length, typeof data === 'string' ? data : undefined);
        });
      }
      return {
        send: (payload) => void ws.send(payload),
        sendText: (text) => void ws.send(text),
        sendUntil: (payload, batch, deadline) =>
          callbackUpload(() => {
            for (let i = 1; i < batch; i++) ws.send(payload);
            return ws.send(payload);
          }, deadline),
        close: async () => {
          ending = true;
          await ws.close();
        },
        terminate: () => {
          ending = true;
          void ws.terminate();
        },
      };
    },
  };
}

// ------------------------------------------------------------------ WHATWG (wsx and undici)

interface WhatwgLike {
  binaryType: string;
  readonly bufferedAmount: number;
  send(data: string | Uint8Array): void;
  close(): void;
  addEventListener(type: string, listener: (event: never) => void): void;
}

function whatwgLibrary(
  create: (url: string) => WhatwgLike,
  terminate: (ws: WhatwgLike) => void,
  fail: OnFailure,
): Library {
  return {
    open(url, onMessage) {
      return new Promise((resolve, reject) => {
        const ws = create(url);
        ws.binaryType = 'arraybuffer';
        let opened = false;
        let ending = false;
        ws.addEventListener('message', (event: { data: string | ArrayBuffer }) => {
          const { data } = event;
          if (typeof data === 'string') onMessage(data.length, data);
          else onMessage(data.byteLength, undefined);
        });
        ws.addEventListener('error', (event: { error?: unknown; message?: string }) => {
          const error = event.error ?? new Error(event.message ?? 'WebSocket error');
          if (!opened) reject(error);
          else if (!ending) fail(error);
        });
        const closed = new Promise<void>((done) => {
          ws.addEventListener('close', () => {
            if (!opened) reject(new Error('closed before open'));
            done();
          });
        });
        ws.addEventListener('open', () => {
          opened = true;
          resolve({
            send: (payload) => ws.send(payload),
            sendText: (text) => ws.send(text),
            sendUntil: (payload, batch, deadline) => pollingUpload(ws, payload, batch, deadline),
            close: () => {
              ending = true;
              ws.close();
              return closed;
            },
            terminate: () => {
              ending = true;
              terminate(ws);
            },
          });
        });
      });
    },
  };
}

export async function wsxWhatwg(module: string, fail: OnFailure): Promise<Library> {
  const { WebSocket } = (await import(module)) as typeof import('../src/index.js');
  // The WHATWG API has no way to drop a connection without a Close frame: close() it is.
  return whatwgLibrary(
    (url) => new WebSocket(url) as unknown as WhatwgLike,
    (ws) => ws.close(),
    fail,
  );
}

export async function undici(fail: OnFailure): Promise<Library> {
  const { WebSocket } = await import('undici');
  return whatwgLibrary(
    (url) => new WebSocket(url) as unknown as WhatwgLike,
    (ws) => ws.close(),
    fail,
  );
}

// ------------------------------------------------------------------ wsx, NodeMCU dialect

export async function wsxNodeMcu(module: string, fail: OnFailure): Promise<Library> {
  const { websocket } = (await import(module)) as typeof import('../src/dialects/nodemcu.js');
  return {
    open(url, onMessage) {
      return new Promise((resolve, reject) => {
        const ws = websocket.createClient();
        let opened = false;
        let ending = false;
        let onClosed: () => void = () => {};
        ws.on('receive', (_ws, message, opcode) => {
          if (opcode === 1) onMessage(message.length, message as string);
          else onMessage(message.length, undefined);
        });
        ws.on('close', (_ws, status) => {
          if (!opened) reject(new Error(`NodeMCU connect failed with status ${status}`));
          else if (!ending && status !== 0) fail(new Error(`NodeMCU close status ${status}`));
          onClosed();
        });
        ws.on('connection', () => {
          opened = true;
          const closed = new Promise<void>((done) => {
            onClosed = done;
          });
          resolve({
            send: (payload) => ws.send(payload, 2),
            sendText: (text) => ws.send(text, 1),
            sendUntil: () => Promise.reject(new Error('NodeMCU has no write flow control')),
            close: () => {
              ending = true;
              ws.close();
              return closed;
            },
            terminate: () => {
              ending = true;
              ws.close();
            },
          });
        });
        ws.connect(url);
      });
    },
  };
}

// ------------------------------------------------------------------ ws

export async function ws(fail: OnFailure): Promise<Library> {
  const { default: WebSocket } = await import('ws');
  return {
    open(url, onMessage) {
      return new Promise((resolve, reject) => {
        const socket = new WebSocket(url);
        let opened = false;
        let ending = false;
        socket.on('message', (data: Buffer, isBinary: boolean) => {
          if (isBinary) onMessage(data.length, undefined);
          else onMessage(data.length, String(data));
        });
        socket.on('error', (error) => {
          if (!opened) reject(error);
          else if (!ending) fail(error);
        });
        const closed = new Promise<void>((done) => socket.once('close', () => done()));
        socket.once('open', () => {
          opened = true;
          resolve({
            send: (payload) => socket.send(payload),
            sendText: (text) => socket.send(text),
            sendUntil: (payload, batch, deadline) =>
              callbackUpload(
                () =>
                  new Promise((done, failed) => {
                    for (let i = 1; i < batch; i++) socket.send(payload);
                    socket.send(payload, (error) => (error ? failed(error) : done()));
                  }),
                deadline,
              ),
            close: () => {
              ending = true;
              socket.close();
              return closed;
            },
            terminate: () => {
              ending = true;
              socket.terminate();
            },
          });
        });
      });
    },
  };
}
