// Audit: no face ever writes into the bytes a caller passes to send(). Every face (connect(),
// the WHATWG WebSocket, ReconnectingWebSocket, and the LuatOS, LuatOS-Air and NodeMCU dialects)
// sends Buffers, Buffers over part of a larger ArrayBuffer, Uint8Array views at odd offsets,
// ArrayBuffers and DataViews, at sizes around every threshold of the write path (the 7/16/64-bit
// length forms, the frame writer's pooled-copy limit and its 64 KiB block, 1 MiB, 4 MiB), to a
// real npm `ws` echo server on 127.0.0.1. The caller's bytes, and the bytes around them in the
// same ArrayBuffer, must be unchanged right after send() and after the echo, and the echo must
// be exact. One Buffer sent on two connections at once must reach both intact (fan-out).
// Masking a Buffer's slice() (a view, not a copy) once corrupted all of this above 16 KiB.

import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import { ReconnectingWebSocket } from '../../src/api/reconnecting-websocket.js';
import { WebSocket } from '../../src/api/websocket.js';
import { connect } from '../../src/api/websocket-client.js';
import { websocket as air } from '../../src/dialects/luatos-air.js';
import { ADAPTERS } from '../dialects/contract-adapters.js';
import { reader } from '../helpers/api.js';
import { type PeerServer, startWsPeer } from '../helpers/peers.js';

/** Sizes around every threshold of the write path; 16384 is the pooled-copy limit. */
const SIZES = [0, 125, 126, 16384, 16385, 65535, 65536, 65537, 1 << 20, 4 << 20];
const CASE_TIMEOUT_MS = 120_000;

type Binary = ArrayBuffer | ArrayBufferView;

/** One connection of one face, reduced to what the audit needs. */
interface Link {
  send(data: Binary): void;
  /** The next binary message, as bytes. */
  next(): Promise<Uint8Array>;
  dispose(): void;
}

interface Face {
  name: string;
  open(url: string, t: TestContext): Promise<Link>;
}

/** Binary messages arriving through an event listener, handed out in order. */
class Inbox {
  #messages: Uint8Array[] = [];
  #waiters: ((data: Uint8Array) => void)[] = [];
  push(data: Uint8Array): void {
    const waiter = this.#waiters.shift();
    if (waiter === undefined) this.#messages.push(data);
    else waiter(data);
  }
  next(): Promise<Uint8Array> {
    const data = this.#messages.shift();
    if (data !== undefined) return Promise.resolve(data);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }
}

function bytesOf(data: unknown): Uint8Array {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (data instanceof Uint8Array) return data;
  throw new Error(`expected binary data, got ${typeof data}`);
}

const FACES: Face[] = [
  {
    name: 'connect()',
    async open(url, t) {
      const ws = await connect(url, { pingIntervalMs: 0 });
      t.after(() => ws.terminate());
      const read = reader(ws);
      return {
        send: (data) => {
          ws.send(data).catch(() => {});
        },
        next: async () => bytesOf((await read()).data),
        dispose: () => ws.terminate(),
      };
    },
  },
  {
    name: 'WHATWG WebSocket',
    async open(url, t) {
      const ws = new WebSocket(url, { pingIntervalMs: 0 });
      t.after(() => ws.close());
      ws.binaryType = 'arraybuffer';
      const inbox = new Inbox();
      ws.onmessage = (event) => inbox.push(bytesOf(event.data));
      await new Promise((resolve, reject) => {
        ws.onopen = resolve;
        ws.onclose = () => reject(new Error('closed before open'));
      });
      return { send: (data) => ws.send(data), next: () => inbox.next(), dispose: () => ws.close() };
    },
  },
  {
    name: 'ReconnectingWebSocket',
    async open(url, t) {
      const ws = new ReconnectingWebSocket(url, { pingIntervalMs: 0 });
      t.after(() => ws.close());
      ws.binaryType = 'arraybuffer';
      const inbox = new Inbox();
      ws.addEventListener('message', (event) => inbox.push(bytesOf(event.data)));
      await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
      return {
        send: (data) => {
          ws.send(data).catch(() => {});
        },
        next: () => inbox.next(),
        dispose: () => ws.close(),
      };
    },
  },
  ...ADAPTERS.map(
    (adapter): Face => ({
      name: adapter.name,
      async open(url, t) {
        const session = await adapter.open(url);
        t.after(() => session.dispose());
        return {
          send: (data) => session.sendBinary(data),
          next: async () => {
            const message = await session.nextMessage();
            assert.equal(message.kind, 'binary', 'the echo is a binary message');
            return message.kind === 'binary' ? message.bytes : new Uint8Array(0);
          },
          dispose: () => session.dispose(),
        };
      },
    }),
  ),
];

/** One value to send, the memory the caller owns around it, and copies to compare with. */
interface Input {
  what: string;
  data: Binary;
  /** The payload bytes (a view of the caller's memory). */
  payload: Uint8Array;
  /** The caller's memory around the payload: checked for writes, neighbours included. */
  memory: Uint8Array;
  memoryBefore: Uint8Array;
  payloadBefore: Uint8Array;
}

const SHAPES: readonly [string, (size: number) => { data: Binary; memory: Uint8Array }][] = [
  [
    'Buffer',
    (size) => {
      // allocUnsafe takes small Buffers out of Node's shared pool: a view, like slice().
      const data = Buffer.allocUnsafe(size);
      return { data, memory: data };
    },
  ],
  [
    'Buffer over part of a larger ArrayBuffer',
    (size) => {
      const memory = new Uint8Array(size + 64);
      return { data: Buffer.from(memory.buffer, 24, size), memory };
    },
  ],
  [
    'Uint8Array view at an odd offset',
    (size) => {
      const memory = new Uint8Array(size + 10);
      return { data: memory.subarray(3, 3 + size), memory };
    },
  ],
  [
    'ArrayBuffer',
    (size) => {
      const data = new ArrayBuffer(size);
      return { data, memory: new Uint8Array(data) };
    },
  ],
  [
    'DataView at an odd offset',
    (size) => {
      const memory = new Uint8Array(size + 12);
      return { data: new DataView(memory.buffer, 5, size), memory };
    },
  ],
];

function makeInput(shape: number, size: number): Input {
  const [name, make] = SHAPES[shape]!;
  const { data, memory } = make(size);
  randomFillSync(memory);
  const payload =
    data instanceof ArrayBuffer
      ? new Uint8Array(data)
      : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return {
    what: `${name} of ${size} bytes`,
    data,
    payload,
    memory,
    memoryBefore: memory.slice(),
    payloadBefore: payload.slice(),
  };
}

function assertUntouched(input: Input, when: string): void {
  assert.ok(
    Buffer.from(input.memory).equals(input.memoryBefore),
    `${input.what}: the caller's bytes and their neighbours are unchanged ${when}`,
  );
}

function assertEcho(echo: Uint8Array, input: Input, face: string): void {
  assert.equal(echo.length, input.payloadBefore.length, `${face}, ${input.what}: echo length`);
  assert.ok(
    Buffer.from(echo).equals(input.payloadBefore),
    `${face}, ${input.what}: the echo is exactly what was sent`,
  );
}

async function startPeer(t: TestContext): Promise<PeerServer> {
  const peer = await startWsPeer();
  t.after(() => peer.close());
  return peer;
}

for (const face of FACES) {
  describe(`${face.name} never writes the caller's bytes`, () => {
    it('every input shape at every size threshold: unchanged after send and after the echo', {
      timeout: CASE_TIMEOUT_MS,
    }, async (t) => {
      const peer = await startPeer(t);
      const link = await face.open(peer.url, t);
      // Shape by shape: each size sent back to back, then every echo checked.
      for (let shape = 0; shape < SHAPES.length; shape++) {
        const inputs = SIZES.map((size) => makeInput(shape, size));
        for (const input of inputs) {
          link.send(input.data);
          assertUntouched(input, 'right after send()');
        }
        for (const input of inputs) {
          assertEcho(await link.next(), input, face.name);
          assertUntouched(input, 'after the echo');
        }
      }
      link.dispose();
    });

    it('one Buffer sent on two connections at once reaches both intact', async (t) => {
      const peer = await startPeer(t);
      const links = [await face.open(peer.url, t), await face.open(peer.url, t)];
      // A 1 MiB and a 64 KiB + 1 view into one ArrayBuffer, at an odd offset.
      const memory = randomFillSync(new Uint8Array((1 << 20) + 65537 + 16));
      const before = memory.slice();
      const large = Buffer.from(memory.buffer, 1, 1 << 20);
      const small = Buffer.from(memory.buffer, (1 << 20) + 3, 65537);
      for (const link of links) link.send(large);
      for (const link of links) link.send(small);
      assert.ok(Buffer.from(memory).equals(before), 'unchanged right after both sends');
      for (const link of links) {
        assert.ok(Buffer.from(await link.next()).equals(before.subarray(1, 1 + (1 << 20))));
        const echo = await link.next();
        assert.ok(Buffer.from(echo).equals(before.subarray((1 << 20) + 3, (1 << 20) + 65540)));
      }
      assert.ok(Buffer.from(memory).equals(before), 'unchanged after both echoes');
      for (const link of links) link.dispose();
    });
  });
}

describe('a message that waits is copied: the caller may reuse its Buffer at once', {
  timeout: 20_000,
}, () => {
  /** 70 000 random bytes in a Buffer over part of a larger ArrayBuffer, and a copy of them. */
  function reusable(): { buffer: Buffer; original: Buffer } {
    const buffer = Buffer.from(new ArrayBuffer(70_016), 5, 70_000);
    randomFillSync(buffer);
    return { buffer, original: Buffer.from(buffer) };
  }

  it('ReconnectingWebSocket: sent while connecting (offline queue)', async (t) => {
    const peer = await startPeer(t);
    const ws = new ReconnectingWebSocket(peer.url, { pingIntervalMs: 0 });
    t.after(() => ws.close());
    ws.binaryType = 'arraybuffer';
    const inbox = new Inbox();
    ws.addEventListener('message', (event) => inbox.push(bytesOf(event.data)));
    const { buffer, original } = reusable();
    const sent = ws.send(buffer);
    buffer.fill(0); // reused before the connection is even open
    await sent;
    assert.ok(Buffer.from(await inbox.next()).equals(original));
  });

  it("LuatOS-Air: sent while connect() is under way (the engine's queue)", async (t) => {
    const peer = await startPeer(t);
    const ws = air.new(peer.url);
    t.after(() => ws.close());
    const connected = ws.connect();
    const { buffer, original } = reusable();
    ws.send(buffer); // queued until the connection is open
    buffer.fill(0);
    assert.equal(await connected, true);
    const [ok, echo] = await ws.recv();
    assert.equal(ok, true);
    assert.ok(Buffer.from(echo as Uint8Array).equals(original));
  });

  it('WHATWG WebSocket: sent behind a Blob that is still being read', async (t) => {
    const peer = await startPeer(t);
    const ws = new WebSocket(peer.url, { pingIntervalMs: 0 });
    t.after(() => ws.close());
    ws.binaryType = 'arraybuffer';
    const inbox = new Inbox();
    ws.onmessage = (event) => inbox.push(bytesOf(event.data));
    await new Promise((resolve) => {
      ws.onopen = resolve;
    });
    const { buffer, original } = reusable();
    ws.send(new Blob([Uint8Array.of(1, 2, 3)]));
    ws.send(buffer); // waits behind the Blob
    buffer.fill(0);
    assert.deepEqual([...(await inbox.next())], [1, 2, 3]);
    assert.ok(Buffer.from(await inbox.next()).equals(original));
  });
});
