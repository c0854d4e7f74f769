// Tests for src/core/message-deflater.ts: which messages are compressed (whole ones, from the
// threshold, not with a window of 8), the trailer removed, RSV1 set, the codec made on first
// use, and the order of everything sent behind a message being compressed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Opcode } from '../../src/core/constants.js';
import { FrameWriter } from '../../src/core/frame.js';
import { MessageDeflater } from '../../src/core/message-deflater.js';
import { seededEntropy } from '../helpers/ports.js';
import { scriptedPort } from '../helpers/scripted-codec.js';
import { parseClientFrames } from '../helpers/servers.js';

function setup(
  options: { threshold?: number; windowBits?: number; noContextTakeover?: boolean } = {},
) {
  const { port, codecs } = scriptedPort();
  const writer = new FrameWriter(seededEntropy(3));
  let written = 0;
  const deflater = new MessageDeflater(
    writer,
    {
      port,
      windowBits: options.windowBits ?? 15,
      level: 6,
      memLevel: 8,
      noContextTakeover: options.noContextTakeover === true,
      threshold: options.threshold ?? 4,
    },
    { onCodecProgress: () => written++ },
  );
  const frames = () => parseClientFrames(Buffer.concat(writer.takeOutput())).frames;
  return { deflater, codecs, frames, wasWritten: () => written };
}

/** What zlib's sync flush makes of "abcdef" (raw DEFLATE), trailer included. */
const DEFLATED_ABCDEF = Buffer.from('4a4c4a4e494d03000000ffff', 'hex');

describe('MessageDeflater', () => {
  it('sends messages below the threshold as they are, without making a codec', () => {
    const { deflater, codecs, frames } = setup({ threshold: 4 });
    assert.equal(deflater.text(Opcode.Text, 'abc', true), 3);
    assert.equal(deflater.bytes(Opcode.Binary, new Uint8Array(3), true), 3);
    assert.equal(codecs.length, 0);
    assert.deepEqual(
      frames().map((f) => [f.opcode, f.rsv, f.payload.length]),
      [
        [Opcode.Text, 0, 3],
        [Opcode.Binary, 0, 3],
      ],
    );
  });

  it('compresses a message at the threshold: RSV1 set, the trailer removed, after the flush', () => {
    const { deflater, codecs, frames, wasWritten } = setup({ threshold: 6 });
    assert.equal(deflater.text(Opcode.Text, 'abcdef', true), 6);
    assert.equal(codecs.length, 1);
    const codec = codecs[0]!;
    assert.deepEqual(codec.calls, [`write:${Buffer.from('abcdef').toString('hex')}`, 'flush']);
    assert.equal(deflater.queuedDataFrames, 1);
    assert.equal(deflater.queuedBytes, 6);
    assert.deepEqual(frames(), [], 'nothing written before the codec flushed');
    // Output in two pieces, the trailer split between them.
    codec.output(DEFLATED_ABCDEF.subarray(0, 10));
    codec.output(DEFLATED_ABCDEF.subarray(10));
    codec.flushed();
    assert.equal(wasWritten(), 1);
    assert.equal(deflater.queuedDataFrames, 0);
    assert.equal(deflater.queuedBytes, 0);
    const [frame] = frames();
    assert.equal(frame!.rsv, 0b100);
    assert.equal(frame!.fin, true);
    assert.equal(frame!.opcode, Opcode.Text);
    assert.deepEqual(frame!.payload, DEFLATED_ABCDEF.subarray(0, DEFLATED_ABCDEF.length - 4));
  });

  it('counts the threshold in UTF-8 bytes, not characters', () => {
    const { deflater, codecs } = setup({ threshold: 10 });
    deflater.text(Opcode.Text, 'éééé', true); // 8 bytes
    assert.equal(codecs.length, 0);
    deflater.text(Opcode.Text, 'ééééé', true); // 10 bytes, 5 characters
    assert.equal(codecs.length, 1);
  });

  it('keeps later frames and the Close behind a message being compressed, in order', () => {
    const { deflater, codecs, frames } = setup({ threshold: 6 });
    deflater.bytes(Opcode.Binary, Buffer.from('abcdef'), true);
    const caller = Buffer.from('xyz');
    deflater.bytes(Opcode.Binary, caller, true);
    deflater.text(Opcode.Text, 'hi', false);
    deflater.text(Opcode.Continuation, '!', true);
    deflater.close(Uint8Array.of(0x03, 0xe8));
    caller.fill(0); // the caller reuses its buffer: what was sent is kept
    assert.equal(deflater.queuedDataFrames, 4);
    assert.equal(deflater.queuedBytes, 6 + 3 + 2 + 1);
    assert.deepEqual(frames(), []);
    codecs[0]!.output(DEFLATED_ABCDEF);
    codecs[0]!.flushed();
    assert.deepEqual(
      frames().map((f) => [f.opcode, f.fin, f.rsv, f.payload.toString('latin1')]),
      [
        [Opcode.Binary, true, 0b100, DEFLATED_ABCDEF.subarray(0, 8).toString('latin1')],
        [Opcode.Binary, true, 0, 'xyz'],
        [Opcode.Text, false, 0, 'hi'],
        [Opcode.Continuation, true, 0, '!'],
        [Opcode.Close, true, 0, '\x03\xe8'],
      ],
    );
    assert.equal(deflater.isBusy, false);
  });

  it('writes up to the next message being compressed, which keeps its own followers', () => {
    const { deflater, codecs, frames } = setup({ threshold: 6 });
    deflater.text(Opcode.Text, 'abcdef', true);
    deflater.text(Opcode.Text, 'a', true);
    deflater.text(Opcode.Text, 'abcdef', true);
    deflater.text(Opcode.Text, 'b', true);
    const codec = codecs[0]!;
    codec.output(DEFLATED_ABCDEF);
    codec.flushed();
    assert.deepEqual(
      frames().map((f) => f.rsv),
      [0b100, 0],
    );
    assert.equal(deflater.queuedDataFrames, 2);
    codec.output(DEFLATED_ABCDEF);
    codec.flushed();
    assert.deepEqual(
      frames().map((f) => [f.rsv, f.payload.length]),
      [
        [0b100, 8],
        [0, 1],
      ],
    );
  });

  it('resets the window after each message without context takeover', () => {
    const { deflater, codecs } = setup({ threshold: 1, noContextTakeover: true });
    deflater.text(Opcode.Text, 'aa', true);
    deflater.text(Opcode.Text, 'bb', true);
    assert.deepEqual(
      codecs[0]!.calls.filter((call) => !call.startsWith('write')),
      ['flush', 'reset', 'flush', 'reset'],
    );
  });

  it('leaves frames sent by hand (fragments) uncompressed', () => {
    const { deflater, codecs } = setup({ threshold: 0 });
    deflater.bytes(Opcode.Binary, new Uint8Array(100), false);
    deflater.bytes(Opcode.Continuation, new Uint8Array(100), true);
    assert.equal(codecs.length, 0);
  });

  it('sends an empty compressed message as the single 00 byte', () => {
    const { deflater, codecs, frames } = setup({ threshold: 0 });
    deflater.text(Opcode.Text, '', true);
    codecs[0]!.output(Buffer.from('0000ffff', 'hex'));
    codecs[0]!.flushed();
    const [frame] = frames();
    assert.deepEqual([...frame!.payload], [0]);
    assert.equal(frame!.rsv, 0b100);
  });

  it('sends an empty message that deflated to nothing (right after a flush) as the 00 byte too', () => {
    const { deflater, codecs, frames } = setup({ threshold: 0 });
    deflater.text(Opcode.Text, '', true);
    // zlib makes no output for a sync flush with no input right after another one.
    codecs[0]!.flushed();
    const [frame] = frames();
    assert.deepEqual([...frame!.payload], [0]);
    assert.equal(frame!.rsv, 0b100);
  });

  it('drops what waits once disposed; late output is refused', () => {
    const { deflater, codecs, frames, wasWritten } = setup({ threshold: 1 });
    deflater.text(Opcode.Text, 'abc', true);
    deflater.text(Opcode.Text, 'd', false);
    deflater.dispose();
    assert.equal(codecs[0]!.isClosed, true);
    assert.equal(deflater.queuedDataFrames, 0);
    assert.equal(codecs[0]!.output(DEFLATED_ABCDEF), false);
    codecs[0]!.flushed();
    assert.deepEqual(frames(), []);
    assert.equal(wasWritten(), 0);
  });
});
