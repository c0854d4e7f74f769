// Hostile servers breaking the framing rules (RFC 6455 §5.1, §5.2, §5.4, §5.5) and the
// configured limits. Each rule runs against a raw TCP server that sends crafted bytes, once
// in a single write and once one byte per write; the test checks both the Close frame the
// client puts on the wire and the error it reports (class, code, close info).

import assert from 'node:assert/strict';
import { constants } from 'node:buffer';
import { describe, it, type TestContext } from 'node:test';
import { ErrorCode, PayloadTooBigError, ProtocolError } from '../../src/core/errors.js';
import { nodePorts } from '../../src/transport/node-ports.js';
import {
  assertFailedOpenConnection,
  type HostileOptions,
  type Peer,
  runHostile,
} from '../helpers/hostile.js';
import { serverFrame } from '../helpers/servers.js';

const TEXT = 0x1;
const BINARY = 0x2;
const CLOSE = 0x8;
const PING = 0x9;
const PONG = 0xa;

interface Rule {
  name: string;
  /** Bytes sent after the handshake. */
  bytes: () => Buffer;
  wireCode: number;
  code: string;
  errorClass: typeof ProtocolError;
  client?: HostileOptions['client'];
  /** Messages the client must deliver before it fails. */
  delivered?: (string | Buffer)[];
}

const SPLITS = [
  { label: 'in one write', send: (peer: Peer, bytes: Buffer) => peer.write(bytes) },
  {
    label: 'one byte per write',
    send: (peer: Peer, bytes: Buffer) => peer.writeChopped(bytes, 1),
  },
];

async function checkRule(t: TestContext, rule: Rule, splitIndex: number) {
  const split = SPLITS[splitIndex]!;
  const options = rule.client === undefined ? {} : { client: rule.client };
  const result = await runHostile(t, (peer) => split.send(peer, rule.bytes()), options);
  assertFailedOpenConnection(result, {
    wireCode: rule.wireCode,
    code: rule.code,
    errorClass: rule.errorClass,
  });
  assert.deepEqual(
    result.received.map((message) => message.data),
    (rule.delivered ?? []).map((data) => (typeof data === 'string' ? data : new Uint8Array(data))),
  );
  return result;
}

function describeRules(title: string, rules: Rule[]): void {
  describe(title, { timeout: 20_000 }, () => {
    for (const rule of rules) {
      for (let index = 0; index < SPLITS.length; index++) {
        it(`${rule.name} (${SPLITS[index]!.label})`, async (t) => {
          await checkRule(t, rule, index);
        });
      }
    }
  });
}

const protocol = (name: string, bytes: () => Buffer, code: string, extra: Partial<Rule> = {}) =>
  ({ name, bytes, wireCode: 1002, code, errorClass: ProtocolError, ...extra }) satisfies Rule;

describeRules('§5.2 reserved bits without a negotiated extension', [
  ...[1, 2, 3, 4, 5, 6, 7].map((rsv) =>
    protocol(
      `text frame with RSV ${rsv.toString(2).padStart(3, '0')}`,
      () => serverFrame(TEXT, 'hello', { rsv }),
      ErrorCode.ReservedBits,
    ),
  ),
  protocol('RSV1 on a ping', () => serverFrame(PING, 'p', { rsv: 4 }), ErrorCode.ReservedBits),
  protocol(
    'RSV2 on a continuation inside a fragmented message',
    () =>
      Buffer.concat([
        serverFrame(TEXT, 'frag', { fin: false }),
        serverFrame(0, 'ment', { rsv: 2 }),
      ]),
    ErrorCode.ReservedBits,
  ),
  protocol(
    'RSV3 after a valid message (the message is still delivered)',
    () => Buffer.concat([serverFrame(TEXT, 'ok'), serverFrame(BINARY, 'x', { rsv: 1 })]),
    ErrorCode.ReservedBits,
    { delivered: ['ok'] },
  ),
  protocol(
    'RSV1 in a header whose payload never arrives',
    () => serverFrame(TEXT, 'never sent', { rsv: 4 }).subarray(0, 2),
    ErrorCode.ReservedBits,
  ),
]);

describeRules('§5.2 reserved opcodes', [
  ...[3, 4, 5, 6, 7, 0xb, 0xc, 0xd, 0xe, 0xf].map((opcode) =>
    protocol(
      `opcode 0x${opcode.toString(16)} with a payload`,
      () => serverFrame(opcode, 'reserved'),
      ErrorCode.ReservedOpcode,
    ),
  ),
  protocol(
    'opcode 0x5 after a valid message and before a ping',
    () => Buffer.concat([serverFrame(TEXT, 'first'), serverFrame(5), serverFrame(PING, 'after')]),
    ErrorCode.ReservedOpcode,
    { delivered: ['first'] },
  ),
  protocol(
    'opcode 0xb inside a fragmented message',
    () => Buffer.concat([serverFrame(TEXT, 'a', { fin: false }), serverFrame(0xb, 'b')]),
    ErrorCode.ReservedOpcode,
  ),
]);

describeRules('§5.5 control frames', [
  protocol(
    'fragmented ping (FIN clear)',
    () => serverFrame(PING, 'part', { fin: false }),
    ErrorCode.FragmentedControl,
  ),
  protocol(
    'fragmented pong (FIN clear)',
    () => serverFrame(PONG, 'part', { fin: false }),
    ErrorCode.FragmentedControl,
  ),
  protocol(
    'fragmented close (FIN clear)',
    () => serverFrame(CLOSE, Buffer.from([0x03, 0xe8]), { fin: false }),
    ErrorCode.FragmentedControl,
  ),
  protocol(
    'ping with a 126-byte payload',
    () => serverFrame(PING, Buffer.alloc(126, 0x61)),
    ErrorCode.ControlFrameTooLong,
  ),
  protocol(
    'pong with a 64-bit length header (header only)',
    () => Buffer.from([0x80 | PONG, 127, 0, 0, 0, 0, 0, 0, 0, 200]),
    ErrorCode.ControlFrameTooLong,
  ),
  protocol(
    'close with a 126-byte payload',
    () => serverFrame(CLOSE, Buffer.concat([Buffer.from([0x03, 0xe8]), Buffer.alloc(124, 0x61)])),
    ErrorCode.ControlFrameTooLong,
  ),
]);

describeRules('§5.1 masking', [
  protocol(
    'masked text frame',
    () => serverFrame(TEXT, 'masked', { mask: true }),
    ErrorCode.MaskedFrame,
  ),
  protocol('masked ping', () => serverFrame(PING, 'm', { mask: true }), ErrorCode.MaskedFrame),
  protocol(
    'masked empty binary frame',
    () => serverFrame(BINARY, '', { mask: true }),
    ErrorCode.MaskedFrame,
  ),
]);

describeRules('§5.4 fragmentation', [
  protocol(
    'continuation frame without a started message (FIN set)',
    () => serverFrame(0, 'orphan'),
    ErrorCode.UnexpectedContinuation,
  ),
  protocol(
    'continuation frame without a started message (FIN clear)',
    () => serverFrame(0, 'orphan', { fin: false }),
    ErrorCode.UnexpectedContinuation,
  ),
  protocol(
    'continuation after a complete message',
    () => Buffer.concat([serverFrame(TEXT, 'done'), serverFrame(0, 'late')]),
    ErrorCode.UnexpectedContinuation,
    { delivered: ['done'] },
  ),
  protocol(
    'new text frame inside a fragmented text message',
    () => Buffer.concat([serverFrame(TEXT, 'one', { fin: false }), serverFrame(TEXT, 'two')]),
    ErrorCode.ExpectedContinuation,
  ),
  protocol(
    'new binary frame inside a fragmented text message, after a ping',
    () =>
      Buffer.concat([
        serverFrame(TEXT, 'one', { fin: false }),
        serverFrame(PING, 'p'),
        serverFrame(BINARY, 'two', { fin: false }),
      ]),
    ErrorCode.ExpectedContinuation,
  ),
]);

describeRules('§5.2 payload length', [
  protocol(
    '64-bit length with the most significant bit set',
    () => Buffer.from([0x80 | BINARY, 127, 0x80, 0, 0, 0, 0, 0, 0, 1]),
    ErrorCode.InvalidFrameLength,
  ),
  protocol(
    '64-bit length of all ones',
    () => Buffer.from([0x80 | TEXT, 127, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
    ErrorCode.InvalidFrameLength,
  ),
]);

const tooBig = (name: string, bytes: () => Buffer, code: string, client: Rule['client']): Rule => ({
  name,
  bytes,
  wireCode: 1009,
  code,
  errorClass: PayloadTooBigError,
  client,
});

describeRules('limits (close code 1009)', [
  tooBig(
    'single frame over maxMessageBytes (payload never sent)',
    () => serverFrame(BINARY, Buffer.alloc(2000)).subarray(0, 4),
    ErrorCode.MessageTooBig,
    { maxMessageBytes: 1024 },
  ),
  tooBig(
    'text message over maxMessageBytes by one byte',
    () => serverFrame(TEXT, Buffer.alloc(1025, 0x61)),
    ErrorCode.MessageTooBig,
    { maxMessageBytes: 1024 },
  ),
  tooBig(
    'fragments that add up to more than maxMessageBytes',
    () =>
      Buffer.concat([
        serverFrame(BINARY, Buffer.alloc(600), { fin: false }),
        serverFrame(0, Buffer.alloc(600)),
      ]),
    ErrorCode.MessageTooBig,
    { maxMessageBytes: 1024 },
  ),
  tooBig(
    '64-bit length far over the default limit (header only)',
    () => Buffer.from([0x80 | BINARY, 127, 0, 0, 0x10, 0, 0, 0, 0, 0]),
    ErrorCode.MessageTooBig,
    {},
  ),
  tooBig(
    'more fragments than maxFragments',
    () =>
      Buffer.concat([
        serverFrame(TEXT, 'a', { fin: false }),
        serverFrame(0, 'b', { fin: false }),
        serverFrame(0, 'c', { fin: false }),
        serverFrame(0, 'd'),
      ]),
    ErrorCode.TooManyFragments,
    { maxFragments: 3 },
  ),
]);

/** The client's ports with a string limit of 1000 UTF-16 code units (V8's is 2^29 - 24). */
const shortStrings = { ports: { ...nodePorts, maxStringLength: 1000 } };

describeRules("text longer than the host's longest string (close code 1009, no crash)", [
  {
    ...tooBig(
      'a text message of 1001 characters after one that fits',
      () =>
        Buffer.concat([serverFrame(TEXT, '€'.repeat(1000)), serverFrame(TEXT, 'a'.repeat(1001))]),
      ErrorCode.MessageTooBig,
      shortStrings,
    ),
    delivered: ['€'.repeat(1000)],
  },
  tooBig(
    'a fragmented text message of 1001 characters',
    () =>
      Buffer.concat([
        serverFrame(TEXT, 'a'.repeat(600), { fin: false }),
        serverFrame(0, '😀'.repeat(200) /* 400 code units */, { fin: false }),
        serverFrame(0, 'b'),
      ]),
    ErrorCode.MessageTooBig,
    shortStrings,
  ),
]);

describe("text longer than V8's real string limit", () => {
  // 512 MiB through loopback: about 2 GB of memory and a few seconds, so only on request.
  const skip = process.env.WSX_HUGE_TESTS === '1' ? false : 'set WSX_HUGE_TESTS=1 to run';
  it('MAX_STRING_LENGTH + 1 characters fail with 1009 instead of crashing', {
    skip,
    timeout: 120_000,
  }, async (t) => {
    const length = constants.MAX_STRING_LENGTH + 1;
    const result = await runHostile(
      t,
      (peer) => peer.write(serverFrame(TEXT, Buffer.alloc(length, 0x61))),
      {
        client: { maxMessageBytes: 2 ** 30, openTimeoutMs: 60_000 },
      },
    );
    assertFailedOpenConnection(result, {
      wireCode: 1009,
      code: ErrorCode.MessageTooBig,
      errorClass: PayloadTooBigError,
    });
    assert.equal((result.info.error as PayloadTooBigError).limit, constants.MAX_STRING_LENGTH);
  });
});

describe('limits: the error carries the limit', { timeout: 20_000 }, () => {
  it('PayloadTooBigError.limit is maxMessageBytes', async (t) => {
    const result = await runHostile(t, (peer) => peer.write(serverFrame(TEXT, 'x'.repeat(20))), {
      client: { maxMessageBytes: 10 },
    });
    assert.ok(result.info.error instanceof PayloadTooBigError);
    assert.equal(result.info.error.limit, 10);
  });

  it('a message exactly at maxMessageBytes and maxFragments is accepted', async (t) => {
    const result = await runHostile(
      t,
      async (peer) => {
        await peer.write(
          Buffer.concat([
            serverFrame(TEXT, 'x'.repeat(6), { fin: false }),
            serverFrame(0, 'y'.repeat(4)),
            serverFrame(CLOSE, Buffer.from([0x03, 0xe8])),
          ]),
        );
      },
      { client: { maxMessageBytes: 10, maxFragments: 2 } },
    );
    assert.deepEqual(
      result.received.map((message) => message.data),
      ['xxxxxxyyyy'],
    );
    assert.equal(result.peer?.close?.code, 1000);
    assert.equal(result.info.error, undefined);
    assert.equal(result.info.wasClean, true);
  });
});
