// Tests for permessage-deflate in src/core/protocol.ts (RFC 7692 §6-§7): compressed messages
// received (in any split, fragmented, with and without context takeover, with Pings and the
// Close behind them), RSV1 where it may not be, bombs and invalid data, and compressed sends
// in order with what follows them. The codec is either real raw DEFLATE answering on a later
// turn or scripted step by step (test/helpers/scripted-codec.ts).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { constants, createDeflateRaw } from 'node:zlib';
import { Opcode } from '../../src/core/constants.js';
import { ErrorCode } from '../../src/core/errors.js';
import { resolveDeflateOptions } from '../../src/core/permessage-deflate.js';
import type { DeflateCodecPort } from '../../src/core/ports.js';
import type { ClientProtocol, ProtocolEvent } from '../../src/core/protocol.js';
import { testPorts } from '../helpers/ports.js';
import {
  deflateMessage,
  inflateMessage,
  oneShotZlibPort,
  scriptedPort,
} from '../helpers/scripted-codec.js';
import {
  closeCodeOf,
  closePayload,
  frame,
  newProtocol,
  sentFrames,
  switchingResponse,
} from './protocol-harness.js';

const RSV1 = 0b100;

interface Setup {
  protocol: ClientProtocol;
  events: ProtocolEvent[];
  /** Resolves at the next codec progress, with the events drained until then. */
  progress(): Promise<void>;
}

function open(
  port: DeflateCodecPort,
  options: { response?: string; maxMessageBytes?: number; deliverFrames?: boolean } = {},
): Setup {
  let wake: (() => void) | undefined;
  const events: ProtocolEvent[] = [];
  const { protocol, key, request } = newProtocol({
    ports: { ...testPorts(7), deflate: port },
    perMessageDeflate: resolveDeflateOptions({ threshold: 8 }, true),
    maxMessageBytes: options.maxMessageBytes,
    deliverFrames: options.deliverFrames,
    codecListener: {
      onCodecProgress: () => {
        events.push(...protocol.eventsReceived());
        wake?.();
      },
    },
  });
  assert.match(
    request,
    /\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n/,
  );
  const response = options.response ?? 'permessage-deflate';
  protocol.receiveData(switchingResponse(key, [`Sec-WebSocket-Extensions: ${response}`]));
  const opened = protocol.eventsReceived();
  assert.equal(opened[0]?.type, 'open');
  return {
    protocol,
    events,
    progress: () =>
      new Promise<void>((resolve) => {
        wake = () => {
          wake = undefined;
          resolve();
        };
      }),
  };
}

/** Feeds `bytes` and waits until `count` events arrived (bounded by the codec's turns). */
async function feedUntil(setup: Setup, bytes: Uint8Array, count: number, size = bytes.length) {
  for (let at = 0; at < bytes.length; at += size) {
    setup.protocol.receiveData(bytes.subarray(at, at + size));
    setup.events.push(...setup.protocol.eventsReceived());
  }
  for (let turns = 0; setup.events.length < count && turns < 1000; turns++) {
    await setup.progress();
  }
  assert.ok(setup.events.length >= count, `expected ${count} events, got ${setup.events.length}`);
}

const text = 'Hello, compressed world! '.repeat(20);

function compressedFrame(data: string | Uint8Array, opcode: number = Opcode.Text) {
  return frame(opcode, deflateMessage(data), { rsv: RSV1 });
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

describe('ClientProtocol with permessage-deflate: receiving', () => {
  it('inflates a compressed text message fed one byte at a time', async () => {
    const setup = open(oneShotZlibPort().port);
    await feedUntil(setup, compressedFrame(text), 1, 1);
    assert.deepEqual(setup.events, [{ type: 'message', data: text, isBinary: false }]);
  });

  it('inflates a binary message split into three frames, RSV1 on the first only', async () => {
    const payload = new Uint8Array(3000).map((_, i) => i % 7);
    const deflated = deflateMessage(payload);
    const parts = [deflated.subarray(0, 5), deflated.subarray(5, 9), deflated.subarray(9)];
    const bytes = concat(
      frame(Opcode.Binary, parts[0]!, { rsv: RSV1, fin: false }),
      frame(Opcode.Continuation, parts[1]!, { fin: false }),
      frame(Opcode.Continuation, parts[2]!),
    );
    const setup = open(oneShotZlibPort().port);
    await feedUntil(setup, bytes, 1);
    const [event] = setup.events;
    assert.ok(event?.type === 'message' && event.isBinary);
    assert.deepEqual(event.data, payload);
  });

  it('keeps the order of everything behind a compressed message: messages, Ping, Close', async () => {
    const setup = open(oneShotZlibPort().port);
    const bytes = concat(
      compressedFrame('first, compressed'),
      frame(Opcode.Text, 'second, plain'),
      compressedFrame('third, compressed'),
      frame(Opcode.Ping, 'p'),
      frame(Opcode.Close, closePayload(1000)),
    );
    await feedUntil(setup, bytes, 5);
    assert.deepEqual(
      setup.events.map((e) => (e.type === 'message' ? e.data : e.type)),
      ['first, compressed', 'second, plain', 'third, compressed', 'ping', 'close'],
    );
    const sent = sentFrames(setup.protocol);
    assert.deepEqual(
      sent.map((f) => f.opcode),
      [Opcode.Pong, Opcode.Close],
    );
  });

  it('keeps what arrives while a message inflates, and counts it', () => {
    const { port } = scriptedPort();
    const setup = open(port);
    setup.protocol.receiveData(concat(compressedFrame('abc'), frame(Opcode.Text, 'later')));
    assert.deepEqual(setup.protocol.eventsReceived(), []);
    assert.equal(setup.protocol.heldReceivedBytes, 7);
    setup.protocol.receiveData(frame(Opcode.Text, 'x'));
    assert.equal(setup.protocol.heldReceivedBytes, 10);
  });

  it('uses the context of earlier messages (takeover) and resets it when the server does not', async () => {
    // A server with context takeover: the second message refers back to the first.
    const server = createDeflateRaw();
    const deflate = (data: string) =>
      new Promise<Buffer>((resolve) => {
        const out: Buffer[] = [];
        const onData = (chunk: Buffer) => out.push(chunk);
        server.on('data', onData);
        server.write(data);
        server.flush(constants.Z_SYNC_FLUSH, () => {
          server.off('data', onData);
          const all = Buffer.concat(out);
          resolve(all.subarray(0, all.length - 4));
        });
      });
    const first = await deflate(text);
    const second = await deflate(text);
    server.close();
    assert.ok(second.length < first.length / 4, 'the second message is a back reference');
    const setup = open(oneShotZlibPort().port);
    await feedUntil(
      setup,
      concat(frame(Opcode.Text, first, { rsv: RSV1 }), frame(Opcode.Text, second, { rsv: RSV1 })),
      2,
    );
    assert.deepEqual(
      setup.events.map((e) => e.type === 'message' && e.data),
      [text, text],
    );

    const scripted = scriptedPort();
    const reset = open(scripted.port, {
      response: 'permessage-deflate; server_no_context_takeover',
    });
    reset.protocol.receiveData(compressedFrame('abc'));
    const calls = scripted.codecs[0]!.calls;
    assert.deepEqual(calls.slice(-3), ['write:0000ffff', 'flush', 'reset']);
  });

  it('makes no codec until the first compressed message, and frees it when released', () => {
    const { port, codecs } = scriptedPort();
    const setup = open(port);
    setup.protocol.receiveData(frame(Opcode.Text, 'plain'));
    assert.equal(codecs.length, 0);
    setup.protocol.receiveData(compressedFrame('abc'));
    assert.deepEqual(
      codecs.map((c) => `${c.kind} ${c.windowBits}`),
      ['inflater 15'],
    );
    setup.protocol.releaseCodecs();
    assert.equal(codecs[0]!.isClosed, true);
  });

  it('uses the window the server agreed to', () => {
    const { port, codecs } = scriptedPort();
    const setup = open(port, { response: 'permessage-deflate; server_max_window_bits=10' });
    setup.protocol.receiveData(compressedFrame('abc'));
    assert.equal(codecs[0]!.windowBits, 10);
  });

  it('delivers a compressed message as one frame when delivering frames', async () => {
    const setup = open(oneShotZlibPort().port, { deliverFrames: true });
    const deflated = deflateMessage(text);
    await feedUntil(
      setup,
      concat(
        frame(Opcode.Text, deflated.subarray(0, 10), { rsv: RSV1, fin: false }),
        frame(Opcode.Continuation, deflated.subarray(10)),
      ),
      1,
    );
    const [event] = setup.events;
    assert.ok(event?.type === 'frame');
    assert.equal(Buffer.from(event.data).toString(), text);
    assert.equal(event.opcode, Opcode.Text);
    assert.equal(event.fin, true);
  });
});

describe('ClientProtocol with permessage-deflate: failing', () => {
  function expectFailure(setup: Setup, code: string, closeCode: number) {
    const errors = setup.events.filter((e) => e.type === 'error');
    assert.equal(errors.length, 1, JSON.stringify(setup.events));
    assert.equal(errors[0]!.type === 'error' && errors[0]!.error.code, code);
    setup.protocol.sendPendingClose();
    const close = sentFrames(setup.protocol).at(-1)!;
    assert.equal(close.opcode, Opcode.Close);
    assert.equal(closeCodeOf(close.payload), closeCode);
  }

  for (const [name, bytes] of [
    [
      'a continuation frame',
      concat(
        frame(Opcode.Text, 'a', { fin: false }),
        frame(Opcode.Continuation, 'b', { rsv: RSV1 }),
      ),
    ],
    ['a Ping', frame(Opcode.Ping, 'p', { rsv: RSV1 })],
    ['a Close', frame(Opcode.Close, closePayload(1000), { rsv: RSV1 })],
  ] as const) {
    it(`fails with 1002 when RSV1 is set on ${name}`, () => {
      const setup = open(scriptedPort().port);
      setup.protocol.receiveData(bytes);
      setup.events.push(...setup.protocol.eventsReceived());
      expectFailure(setup, ErrorCode.ReservedBits, 1002);
    });
  }

  it('fails with 1009 as soon as the inflated size crosses maxMessageBytes (a bomb)', () => {
    const { port, codecs } = scriptedPort();
    const setup = open(port, { maxMessageBytes: 40_000 });
    setup.protocol.receiveData(compressedFrame('small'));
    const codec = codecs[0]!;
    assert.equal(codec.output(new Uint8Array(16384)), true);
    assert.equal(codec.output(new Uint8Array(16384)), true);
    assert.equal(codec.output(new Uint8Array(16384)), false, 'the third piece is refused');
    assert.equal(codec.isClosed, true, 'nothing more is inflated');
    expectFailure(setup, ErrorCode.MessageTooBig, 1009);
  });

  it('fails a real bomb with 1009: 1 MiB of zeros in a 1 KiB frame, limit 64 KiB', async () => {
    const setup = open(oneShotZlibPort().port, { maxMessageBytes: 65536 });
    const bomb = compressedFrame(new Uint8Array(1 << 20), Opcode.Binary);
    assert.ok(bomb.length < 2048);
    await feedUntil(setup, bomb, 1);
    expectFailure(setup, ErrorCode.MessageTooBig, 1009);
  });

  it('fails with 1007 for data that does not inflate', async () => {
    const setup = open(oneShotZlibPort().port);
    // Block type 3 is reserved (RFC 1951): never valid.
    await feedUntil(setup, frame(Opcode.Binary, Uint8Array.of(0xff, 0xff, 0xff), { rsv: RSV1 }), 1);
    expectFailure(setup, ErrorCode.InvalidCompressedData, 1007);
  });

  it('fails with 1007 at the first inflated byte that is not UTF-8', () => {
    const { port, codecs } = scriptedPort();
    const setup = open(port);
    setup.protocol.receiveData(compressedFrame('x'));
    assert.equal(codecs[0]!.output(Uint8Array.of(0x61, 0xff)), false);
    expectFailure(setup, ErrorCode.InvalidUtf8, 1007);
  });

  it('fails with 1007 for text that ends inside a character', () => {
    const { port, codecs } = scriptedPort();
    const setup = open(port);
    setup.protocol.receiveData(compressedFrame('x'));
    codecs[0]!.output(Uint8Array.of(0x61, 0xc3));
    codecs[0]!.flushed();
    expectFailure(setup, ErrorCode.InvalidUtf8, 1007);
  });
});

describe('ClientProtocol with permessage-deflate: sending', () => {
  it('compresses from the threshold and keeps later frames and the Close behind', async () => {
    const setup = open(oneShotZlibPort().port);
    const { protocol } = setup;
    protocol.sendText('tiny');
    protocol.sendText(text);
    protocol.sendBinary(new Uint8Array([1, 2, 3]));
    protocol.sendPing(new Uint8Array([9]));
    protocol.sendClose(1000);
    assert.equal(protocol.dataFramesSent, 3);
    assert.equal(protocol.dataFramesWritten, 1);
    assert.equal(protocol.queuedSendBytes, text.length + 3);
    const early = sentFrames(protocol);
    assert.deepEqual(
      early.map((f) => f.opcode),
      [Opcode.Text, Opcode.Ping],
      'the small message and the Ping go at once',
    );
    await setup.progress();
    assert.equal(protocol.dataFramesWritten, 3);
    const late = sentFrames(protocol);
    assert.deepEqual(
      late.map((f) => [f.opcode, f.rsv]),
      [
        [Opcode.Text, RSV1],
        [Opcode.Binary, 0],
        [Opcode.Close, 0],
      ],
    );
    assert.equal(inflateMessage(late[0]!.payload).toString(), text);
    assert.ok(late[0]!.payload.length < text.length / 4);
  });

  it('never compresses when the server limits our window to 8 bits (zlib cannot)', () => {
    const { port, codecs } = scriptedPort();
    const setup = open(port, { response: 'permessage-deflate; client_max_window_bits=8' });
    setup.protocol.sendText(text);
    setup.protocol.sendBinary(new Uint8Array(5000));
    assert.equal(codecs.length, 0, 'no deflater made');
    assert.deepEqual(
      sentFrames(setup.protocol).map((f) => f.rsv),
      [0, 0],
    );
  });

  it('makes no deflater until a message reaches the threshold, then routes everything through it', () => {
    const { port, codecs } = scriptedPort();
    const setup = open(port);
    setup.protocol.sendText('short');
    setup.protocol.sendBinary(new Uint8Array(7));
    setup.protocol.sendText('a fragment that is long', false);
    setup.protocol.sendText('and its end, also long', true);
    assert.equal(codecs.length, 0, 'nothing reached 8 bytes as a whole message');
    setup.protocol.sendBinary(new Uint8Array(8));
    assert.deepEqual(
      codecs.map((c) => c.kind),
      ['deflater'],
    );
    setup.protocol.sendText('x');
    assert.equal(
      setup.protocol.dataFramesWritten,
      4,
      'the last two wait behind the compressed one',
    );
  });

  it('offers no compression without a codec (ports.deflate)', () => {
    const { request } = newProtocol({
      ports: testPorts(7),
      perMessageDeflate: resolveDeflateOptions(true, true),
    });
    assert.doesNotMatch(request, /Sec-WebSocket-Extensions/);
  });
});

describe('ClientProtocol with permessage-deflate: failing while a send compresses', () => {
  it('asks to end the transport only once the Close of a failure is in the output', () => {
    const { port, codecs } = scriptedPort();
    const setup = open(port);
    const { protocol } = setup;
    protocol.sendText(text);
    // The server breaks the protocol while our message is still being compressed.
    protocol.receiveData(frame(Opcode.Ping, 'p', { rsv: RSV1 }));
    assert.equal(protocol.eventsReceived()[0]?.type, 'error');
    protocol.sendPendingClose();
    assert.deepEqual(sentFrames(protocol), [], 'the Close waits behind the compressed message');
    assert.equal(protocol.isEndRequested, false, 'ending now would lose the message and the Close');
    const deflater = codecs.find((c) => c.kind === 'deflater')!;
    deflater.output(Uint8Array.of(0x4b, 0x04, 0x00, 0x00, 0x00, 0xff, 0xff));
    deflater.flushed();
    assert.deepEqual(
      sentFrames(protocol).map((f) => f.opcode),
      [Opcode.Text, Opcode.Close],
    );
    assert.equal(protocol.isEndRequested, true);
  });
});
