// Colours (NO_COLOR, FORCE_COLOR, terminals) and the byte renderings the CLI shows and reads.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  encodeBytes,
  fromBase64,
  fromHex,
  paletteFor,
  printable,
  toHex,
} from '../../src/cli/style.js';

const tty = { isTTY: true, hasColors: () => true };

describe('paletteFor', () => {
  it('colours a colour terminal, and nothing else', () => {
    assert.equal(paletteFor(tty, {}).enabled, true);
    assert.equal(paletteFor(tty, {}).incoming('x'), '\u001b[32mx\u001b[39m');
    assert.equal(paletteFor({ isTTY: false }, {}).enabled, false);
    assert.equal(paletteFor({ isTTY: true, hasColors: () => false }, {}).enabled, false);
  });

  it('NO_COLOR (any non-empty value) turns colours off, FORCE_COLOR on', () => {
    assert.equal(paletteFor(tty, { NO_COLOR: '1' }).enabled, false);
    assert.equal(paletteFor(tty, { NO_COLOR: '' }).enabled, true);
    assert.equal(paletteFor({ isTTY: false }, { FORCE_COLOR: '1' }).enabled, true);
    assert.equal(paletteFor({ isTTY: false }, { FORCE_COLOR: '0' }).enabled, false);
    assert.equal(paletteFor(tty, { FORCE_COLOR: '1', NO_COLOR: '1' }).enabled, false);
    assert.equal(paletteFor({ isTTY: false }, {}).error('plain'), 'plain');
  });
});

describe('byte renderings', () => {
  it('hex both ways, with spaces or colons allowed in input', () => {
    const bytes = Uint8Array.of(0, 1, 0x7f, 0x80, 0xff);
    assert.equal(toHex(bytes), '00017f80ff');
    assert.equal(toHex(bytes, ' '), '00 01 7f 80 ff');
    assert.deepEqual(fromHex('00 01:7F 80ff'), bytes);
    assert.deepEqual(fromHex(''), new Uint8Array(0));
    assert.throws(() => fromHex('abc'), /not hex bytes: "abc"/);
    assert.throws(() => fromHex('zz'), /not hex bytes/);
  });

  it('base64 both ways, standard and URL-safe input', () => {
    const bytes = Uint8Array.of(0, 1, 254, 255);
    assert.equal(encodeBytes(bytes, 'base64'), 'AAH+/w==');
    assert.deepEqual(fromBase64('AAH+/w=='), bytes);
    assert.deepEqual(fromBase64('AAH-_w'), bytes);
    assert.throws(() => fromBase64('not base64!'), /not base64/);
  });

  it('printable escapes control characters but keeps tabs, newlines and Unicode', () => {
    assert.equal(printable('a\tb\nc'), 'a\tb\nc');
    assert.equal(printable('\u001b[2Jgone\r\u0000\u007f'), '\\x1b[2Jgone\\x0d\\x00\\x7f');
    assert.equal(printable('héllo ✓ 😀'), 'héllo ✓ 😀');
  });
});
