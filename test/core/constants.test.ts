// Tests for src/core/constants.ts: the protocol's fixed numbers (RFC 6455 §5.2, §5.5, §7.4.1,
// the WHATWG readyState) and the default limits users rely on.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import {
  CloseCode,
  Defaults,
  MAX_CLOSE_REASON_BYTES,
  MAX_CONTROL_PAYLOAD,
  Opcode,
  ReadyState,
  V8_MAX_STRING_LENGTH,
  WEBSOCKET_GUID,
} from '../../src/core/constants.js';

describe('Opcode', () => {
  it('has the values of RFC 6455 §5.2, data below 0x8 and control from 0x8', () => {
    assert.deepEqual(
      { ...Opcode },
      { Continuation: 0, Text: 1, Binary: 2, Close: 8, Ping: 9, Pong: 10 },
    );
    for (const code of [Opcode.Close, Opcode.Ping, Opcode.Pong]) assert.ok(code & 0x8);
    for (const code of [Opcode.Continuation, Opcode.Text, Opcode.Binary]) {
      assert.equal(code & 0x8, 0);
    }
  });
});

describe('CloseCode', () => {
  it('has the codes of RFC 6455 §7.4.1 and the IANA registry', () => {
    const table: [keyof typeof CloseCode, number][] = [
      ['Normal', 1000],
      ['GoingAway', 1001],
      ['ProtocolError', 1002],
      ['UnsupportedData', 1003],
      ['NoStatusReceived', 1005],
      ['Abnormal', 1006],
      ['InvalidPayload', 1007],
      ['PolicyViolation', 1008],
      ['MessageTooBig', 1009],
      ['MandatoryExtension', 1010],
      ['InternalError', 1011],
      ['ServiceRestart', 1012],
      ['TryAgainLater', 1013],
      ['BadGateway', 1014],
      ['TlsHandshake', 1015],
    ];
    for (const [name, code] of table) assert.equal(CloseCode[name], code, name);
    assert.equal(Object.keys(CloseCode).length, table.length);
    // 1004 is reserved: no name may claim it.
    assert.ok(!Object.values(CloseCode).includes(1004 as never));
  });
});

describe('ReadyState', () => {
  it('numbers the states as WHATWG readyState', () => {
    assert.deepEqual({ ...ReadyState }, { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 });
  });
});

describe('limits', () => {
  it('a control payload is at most 125 bytes and a close reason 2 less', () => {
    assert.equal(MAX_CONTROL_PAYLOAD, 125);
    assert.equal(MAX_CLOSE_REASON_BYTES, MAX_CONTROL_PAYLOAD - 2);
  });

  it('V8_MAX_STRING_LENGTH is V8 longest string on 64-bit', () => {
    assert.equal(V8_MAX_STRING_LENGTH, 536_870_888);
  });

  it('the GUID gives the Sec-WebSocket-Accept of the RFC 6455 §1.3 example', () => {
    const accept = createHash('sha1')
      .update(`dGhlIHNhbXBsZSBub25jZQ==${WEBSOCKET_GUID}`)
      .digest('base64');
    assert.equal(accept, 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  it('the defaults are the documented ones', () => {
    assert.deepEqual(
      { ...Defaults },
      {
        maxMessageBytes: 64 * 1024 * 1024,
        maxFragments: 131_072,
        maxHandshakeBytes: 16 * 1024,
        maxRefusalBodyBytes: 64 * 1024,
        openTimeoutMs: 10_000,
        closeTimeoutMs: 10_000,
        pingIntervalMs: 20_000,
        pongTimeoutMs: 20_000,
        receiveHighWaterMark: 16,
        receiveHighWaterBytes: 4 * 1024 * 1024,
        writeHighWaterBytes: 16 * 1024 * 1024,
      },
    );
    assert.ok(Defaults.maxRefusalBodyBytes <= Defaults.maxMessageBytes);
  });
});
