// Hostile servers sending text that is not UTF-8 (RFC 6455 §8.1, §5.6; RFC 3629 §3-4). The
// client fails with 1007 as soon as a byte can no longer start or continue valid UTF-8, even
// when the rest of the frame never arrives; text split anywhere across frames is accepted.

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { ErrorCode, ProtocolError } from '../../src/core/errors.js';
import { assertFailedOpenConnection, type Peer, runHostile } from '../helpers/hostile.js';
import { serverFrame } from '../helpers/servers.js';

const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE_1000 = serverFrame(0x8, Buffer.from([0x03, 0xe8]));

const hex = (text: string): Buffer => Buffer.from(text.replace(/\s+/g, ''), 'hex');

const INVALID_UTF8 = { wireCode: 1007, code: ErrorCode.InvalidUtf8, errorClass: ProtocolError };

async function expectInvalid(t: TestContext, script: (peer: Peer) => Promise<void>) {
  const result = await runHostile(t, script);
  assertFailedOpenConnection(result, INVALID_UTF8);
  return result;
}

describe('§8.1 invalid UTF-8 in a text message (1007)', { timeout: 20_000 }, () => {
  const invalid: [string, string][] = [
    ['a lone continuation byte', '68 69 80'],
    ['an overlong 2-byte encoding of "/"', 'c0 af'],
    ['the byte 0xC1', 'c1 81'],
    ['an overlong 3-byte encoding', 'e0 80 af'],
    ['a UTF-16 surrogate (U+D800)', 'ed a0 80'],
    ['a code point above U+10FFFF', 'f4 90 80 80'],
    ['the byte 0xF5', 'f5 80 80 80'],
    ['the byte 0xFF', 'ff'],
    ['a 2-byte sequence cut short by ASCII', 'c3 41'],
    ['a 4-byte sequence truncated at the end of the message', 'f0 9f 98'],
  ];
  for (const [name, bytes] of invalid) {
    it(`${name}, in one frame`, async (t) => {
      await expectInvalid(t, (peer) =>
        peer.write(serverFrame(TEXT, Buffer.concat([Buffer.from('ok '), hex(bytes)]))),
      );
    });
    it(`${name}, one byte per fragment`, async (t) => {
      const payload = Buffer.concat([Buffer.from('ok '), hex(bytes)]);
      const frames = [...payload].map((byte, i) =>
        serverFrame(i === 0 ? TEXT : 0, Buffer.from([byte]), { fin: i === payload.length - 1 }),
      );
      await expectInvalid(t, (peer) => peer.writeChopped(Buffer.concat(frames), 1));
    });
  }

  it('a valid first fragment followed by an invalid second one', async (t) => {
    const result = await expectInvalid(t, (peer) =>
      peer.write(
        Buffer.concat([
          serverFrame(TEXT, 'fine so far', { fin: false }),
          serverFrame(0, hex('e2 28 a1')),
        ]),
      ),
    );
    assert.equal(result.received.length, 0);
  });

  it('a sequence left open at the end of a fragmented message', async (t) => {
    await expectInvalid(t, (peer) =>
      peer.write(
        Buffer.concat([
          serverFrame(TEXT, hex('e2 82'), { fin: false }),
          serverFrame(0, Buffer.alloc(0)),
        ]),
      ),
    );
  });
});

describe('§8.1 fail fast: the rest of the frame never arrives', { timeout: 20_000 }, () => {
  // The server announces a long payload, sends only a prefix with a bad byte, and then waits.
  // A client that validated only complete frames would hang here until the test timeout.
  const cases: [string, Buffer][] = [
    ['an invalid byte early in a 1000-byte frame', hex('48 65 6c 6c 6f ff')],
    ['a surrogate prefix (ED A0)', hex('41 ed a0')],
    ['an overlong prefix (E0 80)', hex('e0 80')],
    ['a prefix above U+10FFFF (F4 90)', hex('f4 90')],
    [
      'a surrogate prefix after 100 valid bytes',
      Buffer.concat([Buffer.alloc(100, 0x62), hex('ed bf')]),
    ],
    [
      'a lone continuation byte after 200 valid bytes',
      Buffer.concat([Buffer.alloc(200, 0x63), hex('bf')]),
    ],
  ];
  for (const [name, prefix] of cases) {
    it(`${name} in a single frame`, async (t) => {
      const header = Buffer.from([0x80 | TEXT, 126, 0x03, 0xe8]);
      await expectInvalid(t, (peer) => peer.write(Buffer.concat([header, prefix])));
    });
  }

  it('an invalid byte in a continuation frame whose payload never completes', async (t) => {
    const result = await expectInvalid(t, async (peer) => {
      await peer.write(serverFrame(TEXT, 'first part ', { fin: false }));
      await peer.write(Buffer.concat([Buffer.from([0x80, 126, 0x10, 0x00]), hex('6f 6b c0')]));
    });
    assert.equal(result.received.length, 0);
  });

  it('the invalid byte arrives one byte at a time, after 64 valid bytes', async (t) => {
    const header = Buffer.from([0x80 | TEXT, 126, 0x10, 0x00]);
    const prefix = Buffer.concat([Buffer.alloc(64, 0x61), hex('ed bf')]);
    await expectInvalid(t, (peer) => peer.writeChopped(Buffer.concat([header, prefix]), 1));
  });
});

describe('§8.1 valid text is accepted however it is split', { timeout: 20_000 }, () => {
  const text = 'aä€😀 — ünïcode ✓ \u0000 \u{10ffff}';
  const bytes = Buffer.from(text, 'utf8');

  it('split at every byte boundary into two fragments', async (t) => {
    const frames: Buffer[] = [];
    for (let cut = 0; cut <= bytes.length; cut++) {
      frames.push(serverFrame(TEXT, bytes.subarray(0, cut), { fin: false }));
      frames.push(serverFrame(0, bytes.subarray(cut)));
    }
    const result = await runHostile(t, async (peer) => {
      await peer.write(Buffer.concat([...frames, CLOSE_1000]));
    });
    assert.equal(result.info.error, undefined);
    assert.equal(result.received.length, bytes.length + 1);
    for (const message of result.received) assert.equal(message.data, text);
  });

  it('one byte per frame, one byte per write', async (t) => {
    const frames = [...bytes].map((byte, i) =>
      serverFrame(i === 0 ? TEXT : 0, Buffer.from([byte]), { fin: i === bytes.length - 1 }),
    );
    const result = await runHostile(t, async (peer) => {
      await peer.writeChopped(Buffer.concat([...frames, CLOSE_1000]), 1);
    });
    assert.deepEqual(
      result.received.map((message) => message.data),
      [text],
    );
    assert.equal(result.info.wasClean, true);
  });

  it('a leading byte order mark (U+FEFF) is kept in text and in the close reason', async (t) => {
    const result = await runHostile(t, async (peer) => {
      await peer.write(
        Buffer.concat([
          serverFrame(TEXT, hex('ef bb bf 68 69')),
          serverFrame(0x8, hex('03 e8 ef bb bf 62 79 65')),
        ]),
      );
    });
    assert.deepEqual(
      result.received.map((message) => message.data),
      ['\ufeffhi'],
    );
    assert.equal(result.info.reason, '\ufeffbye');
    assert.equal(result.peer?.close?.reason, '\ufeffbye');
  });

  it('binary messages are never checked for UTF-8', async (t) => {
    const result = await runHostile(t, async (peer) => {
      await peer.write(Buffer.concat([serverFrame(BINARY, hex('ff fe c0 ed a0 80')), CLOSE_1000]));
    });
    assert.equal(result.info.error, undefined);
    assert.deepEqual(result.received[0]?.data, new Uint8Array(hex('ff fe c0 ed a0 80')));
  });
});
