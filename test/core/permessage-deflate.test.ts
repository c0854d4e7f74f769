// Tests for src/core/permessage-deflate.ts: the perMessageDeflate option, the offer written
// into Sec-WebSocket-Extensions, and the server's answer
// checked against the offer (RFC 7692 §5, §7.1), for every combination of offer and answer;
// then the opening handshake that sends the offer and reports what was agreed.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { latin1Decode } from '../../src/core/bytes.js';
import {
  ErrorCode,
  InvalidArgumentError,
  NegotiationError,
  type WebSocketError,
} from '../../src/core/errors.js';
import { type ExtensionItem, parseExtensionList } from '../../src/core/extension-header.js';
import { type HandshakeOutcome, OpeningHandshake } from '../../src/core/opening-handshake.js';
import {
  type AgreedDeflate,
  formatDeflateOffer,
  type PerMessageDeflateOptions,
  parseDeflateResponse,
  type ResolvedDeflateOptions,
  resolveDeflateOptions,
} from '../../src/core/permessage-deflate.js';
import { parseWebSocketUrl } from '../../src/core/url.js';
import { testPorts } from '../helpers/ports.js';
import { acceptFor } from '../helpers/servers.js';

const DEFAULTS: ResolvedDeflateOptions = {
  clientMaxWindowBits: true,
  serverMaxWindowBits: undefined,
  clientNoContextTakeover: false,
  serverNoContextTakeover: false,
  threshold: 1024,
  level: 6,
  memLevel: 8,
};

function offer(options: PerMessageDeflateOptions = {}): ResolvedDeflateOptions {
  return resolveDeflateOptions(options, false)!;
}

function refused(action: () => unknown, pattern: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof InvalidArgumentError, String(error));
    assert.equal(error.code, ErrorCode.InvalidArgument);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('resolveDeflateOptions', () => {
  it('is off when not set unless on by default; true and {} take every default', () => {
    assert.equal(resolveDeflateOptions(undefined, false), undefined);
    assert.deepEqual(resolveDeflateOptions(undefined, true), DEFAULTS);
    assert.equal(resolveDeflateOptions(false, true), undefined);
    assert.equal(resolveDeflateOptions(false, false), undefined);
    assert.deepEqual(resolveDeflateOptions(true, false), DEFAULTS);
    assert.deepEqual(resolveDeflateOptions({}, false), DEFAULTS);
  });

  it('treats an option set to undefined as not set', () => {
    const options = Object.fromEntries(
      Object.keys(DEFAULTS).map((name) => [name, undefined]),
    ) as PerMessageDeflateOptions;
    assert.deepEqual(resolveDeflateOptions(options, false), DEFAULTS);
  });

  it('keeps every valid value, at both ends of each range', () => {
    const cases: [PerMessageDeflateOptions, Partial<ResolvedDeflateOptions>][] = [
      [{ clientMaxWindowBits: false }, { clientMaxWindowBits: false }],
      [{ clientMaxWindowBits: true }, { clientMaxWindowBits: true }],
      [{ clientMaxWindowBits: 8 }, { clientMaxWindowBits: 8 }],
      [{ clientMaxWindowBits: 15 }, { clientMaxWindowBits: 15 }],
      [{ serverMaxWindowBits: 8 }, { serverMaxWindowBits: 8 }],
      [{ serverMaxWindowBits: 15 }, { serverMaxWindowBits: 15 }],
      [{ clientNoContextTakeover: true }, { clientNoContextTakeover: true }],
      [{ serverNoContextTakeover: true }, { serverNoContextTakeover: true }],
      [{ clientNoContextTakeover: false }, {}],
      [{ threshold: 0 }, { threshold: 0 }],
      [{ threshold: 1023 }, { threshold: 1023 }],
      [{ threshold: 1025 }, { threshold: 1025 }],
      [{ threshold: Number.MAX_SAFE_INTEGER }, { threshold: Number.MAX_SAFE_INTEGER }],
      [{ level: 0 }, { level: 0 }],
      [{ level: 9 }, { level: 9 }],
      [{ memLevel: 1 }, { memLevel: 1 }],
      [{ memLevel: 9 }, { memLevel: 9 }],
    ];
    for (const [options, changed] of cases) {
      assert.deepEqual(offer(options), { ...DEFAULTS, ...changed }, JSON.stringify(options));
    }
  });

  it('refuses values out of range or of the wrong type, naming the option and the value', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [
        { clientMaxWindowBits: 7 },
        /clientMaxWindowBits must be true, false or an integer from 8 to 15 \(got 7\)/,
      ],
      [{ clientMaxWindowBits: 16 }, /clientMaxWindowBits .*got 16/],
      [{ clientMaxWindowBits: 9.5 }, /clientMaxWindowBits .*got 9\.5/],
      [{ clientMaxWindowBits: '10' }, /clientMaxWindowBits .*got a string/],
      [{ clientMaxWindowBits: null }, /clientMaxWindowBits .*got null/],
      [{ serverMaxWindowBits: 7 }, /serverMaxWindowBits must be an integer from 8 to 15 \(got 7\)/],
      [{ serverMaxWindowBits: 16 }, /serverMaxWindowBits .*got 16/],
      [{ serverMaxWindowBits: true }, /serverMaxWindowBits .*got a boolean/],
      [{ serverMaxWindowBits: Number.NaN }, /serverMaxWindowBits .*got NaN/],
      [
        { clientNoContextTakeover: 1 },
        /clientNoContextTakeover must be true or false \(got a number\)/,
      ],
      [{ serverNoContextTakeover: 'yes' }, /serverNoContextTakeover must be true or false/],
      [{ threshold: -1 }, /threshold must be an integer of at least 0 \(got -1\)/],
      [{ threshold: 0.5 }, /threshold .*got 0\.5/],
      [{ threshold: Number.POSITIVE_INFINITY }, /threshold .*got Infinity/],
      [{ threshold: 2 ** 53 }, /threshold .*got 9007199254740992/],
      [{ threshold: '1024' }, /threshold .*got a string/],
      [{ threshold: null }, /threshold .*got null/],
      [{ serverNoContextTakeover: null }, /serverNoContextTakeover .*got null/],
      [{ level: -1 }, /level must be an integer from 0 to 9 \(got -1\)/],
      [{ level: 10 }, /level .*got 10/],
      [{ memLevel: 0 }, /memLevel must be an integer from 1 to 9 \(got 0\)/],
      [{ memLevel: 10 }, /memLevel .*got 10/],
    ];
    for (const [options, pattern] of cases) {
      refused(() => resolveDeflateOptions(options as PerMessageDeflateOptions, false), pattern);
    }
  });

  it('refuses something other than a boolean or an object', () => {
    for (const [value, shown] of [
      [null, 'null'],
      [1, 'a number'],
      ['permessage-deflate', 'a string'],
      [[], 'an array'],
    ] as const) {
      refused(
        () => resolveDeflateOptions(value as unknown as boolean, true),
        new RegExp(`perMessageDeflate must be true, false or an options object \\(got ${shown}\\)`),
      );
    }
  });

  it('refuses unknown options with a suggestion when one fits', () => {
    const cases: [string, RegExp][] = [
      [
        'client_max_window_bits',
        /unknown option "client_max_window_bits" in perMessageDeflate \(did you mean "clientMaxWindowBits"\?\)/,
      ],
      ['servermaxwindowbits', /did you mean "serverMaxWindowBits"/],
      ['Threshold', /did you mean "threshold"/],
      ['zlibDeflateOptions', /"zlibDeflateOptions" .*set level and memLevel directly/],
      ['zlibInflateOptions', /maxMessageBytes/],
      ['concurrencyLimit', /one zlib queue/],
      [
        'windowBits',
        /the options are clientMaxWindowBits, serverMaxWindowBits, clientNoContextTakeover, serverNoContextTakeover, threshold, level, memLevel$/,
      ],
    ];
    for (const [name, pattern] of cases) {
      refused(
        () => resolveDeflateOptions({ [name]: 1 } as PerMessageDeflateOptions, false),
        pattern,
      );
    }
  });
});

describe('formatDeflateOffer (RFC 7692 §7.1)', () => {
  it('writes each parameter that is set', () => {
    const cases: [PerMessageDeflateOptions, string][] = [
      [{}, 'permessage-deflate; client_max_window_bits'],
      [{ clientMaxWindowBits: false }, 'permessage-deflate'],
      [{ clientMaxWindowBits: 10 }, 'permessage-deflate; client_max_window_bits=10'],
      [
        { clientMaxWindowBits: false, serverMaxWindowBits: 9 },
        'permessage-deflate; server_max_window_bits=9',
      ],
      [
        { clientNoContextTakeover: true, clientMaxWindowBits: false },
        'permessage-deflate; client_no_context_takeover',
      ],
      [
        { serverNoContextTakeover: true, clientMaxWindowBits: false },
        'permessage-deflate; server_no_context_takeover',
      ],
      [
        {
          clientMaxWindowBits: 8,
          serverMaxWindowBits: 15,
          clientNoContextTakeover: true,
          serverNoContextTakeover: true,
          threshold: 0,
          level: 9,
          memLevel: 9,
        },
        'permessage-deflate; client_max_window_bits=8; server_max_window_bits=15; client_no_context_takeover; server_no_context_takeover',
      ],
    ];
    for (const [options, expected] of cases)
      assert.equal(formatDeflateOffer(offer(options)), expected);
  });
});

// ------------------------------------------------------------------- the server's answer

type Answer = AgreedDeflate | WebSocketError | undefined;

function failed(result: Answer, code: ErrorCode, pattern: RegExp, label = ''): void {
  assert.ok(result instanceof NegotiationError, `${label}: ${JSON.stringify(result)}`);
  assert.equal(result.code, code, label);
  assert.match(result.message, pattern, label);
}

const agreed = (changes: Partial<AgreedDeflate> = {}): AgreedDeflate => ({
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
  ...changes,
});

describe('RFC 7692 §7.1 the answer to the offer', () => {
  it('finds no agreement when the server lists no extension (it declined)', () => {
    for (const header of ['', ' ', ',', ' , ']) {
      assert.equal(parseDeflateResponse(header, offer()), undefined, JSON.stringify(header));
    }
  });

  it('agrees on what the server answered, filling in what it may leave out', () => {
    const cases: [PerMessageDeflateOptions, string, AgreedDeflate][] = [
      [{}, 'permessage-deflate', agreed()],
      [{}, 'permessage-deflate; client_max_window_bits=8', agreed({ clientMaxWindowBits: 8 })],
      [{}, 'permessage-deflate;client_max_window_bits="12"', agreed({ clientMaxWindowBits: 12 })],
      [{}, 'permessage-deflate; server_max_window_bits=9', agreed({ serverMaxWindowBits: 9 })],
      [
        {},
        'permessage-deflate; server_no_context_takeover',
        agreed({ serverNoContextTakeover: true }),
      ],
      [
        {},
        'permessage-deflate; client_no_context_takeover',
        agreed({ clientNoContextTakeover: true }),
      ],
      [
        { clientNoContextTakeover: true },
        'permessage-deflate',
        agreed({ clientNoContextTakeover: true }),
      ],
      [{ clientMaxWindowBits: 10 }, 'permessage-deflate', agreed({ clientMaxWindowBits: 10 })],
      [
        { clientMaxWindowBits: 10 },
        'permessage-deflate; client_max_window_bits=9',
        agreed({ clientMaxWindowBits: 9 }),
      ],
      // A larger value than offered leaves the client at its own (§7.1.2.2: the offer's value is
      // a limit the client keeps whatever the server answers).
      [
        { clientMaxWindowBits: 10 },
        'permessage-deflate; client_max_window_bits=15',
        agreed({ clientMaxWindowBits: 10 }),
      ],
      [{ clientMaxWindowBits: false }, 'permessage-deflate', agreed()],
      [
        { serverMaxWindowBits: 10 },
        'permessage-deflate; server_max_window_bits=10',
        agreed({ serverMaxWindowBits: 10 }),
      ],
      [
        { serverMaxWindowBits: 10 },
        'permessage-deflate; server_max_window_bits=8',
        agreed({ serverMaxWindowBits: 8 }),
      ],
      [
        { serverNoContextTakeover: true },
        'permessage-deflate; server_no_context_takeover',
        agreed({ serverNoContextTakeover: true }),
      ],
      [
        {
          clientMaxWindowBits: 12,
          serverMaxWindowBits: 11,
          clientNoContextTakeover: true,
          serverNoContextTakeover: true,
        },
        '  permessage-deflate ;server_no_context_takeover;  client_no_context_takeover ; server_max_window_bits = "11";client_max_window_bits=12 ',
        {
          serverNoContextTakeover: true,
          clientNoContextTakeover: true,
          serverMaxWindowBits: 11,
          clientMaxWindowBits: 12,
        },
      ],
      [{}, ', permessage-deflate ,', agreed()],
    ];
    for (const [options, header, expected] of cases) {
      assert.deepEqual(parseDeflateResponse(header, offer(options)), expected, header);
    }
  });

  it('refuses an extension that was not offered, or permessage-deflate twice (ERR_HANDSHAKE_EXTENSION)', () => {
    const cases: [string, RegExp][] = [
      [
        'x-foo',
        /accepted extension "x-foo", which the client did not offer \(it offered only permessage-deflate\)$/,
      ],
      ['permessage-deflate, x-foo; a=1', /"x-foo"/],
      ['x-webkit-deflate-frame', /"x-webkit-deflate-frame"/],
      ['Permessage-Deflate', /"Permessage-Deflate".*extension names are case-sensitive/],
      [
        'permessage-deflate, permessage-deflate',
        /accepted permessage-deflate twice in "permessage-deflate, permessage-deflate", but the client offered it once/,
      ],
      ['permessage-deflate; client_max_window_bits=9, permessage-deflate', /twice/],
    ];
    for (const [header, pattern] of cases) {
      failed(parseDeflateResponse(header, offer()), ErrorCode.UnexpectedExtension, pattern, header);
    }
  });

  it('refuses bad parameters, quoting what the server sent (ERR_HANDSHAKE_EXTENSION_PARAMS)', () => {
    const pmd = 'permessage-deflate';
    const cases: [PerMessageDeflateOptions, string, RegExp][] = [
      // the header does not parse
      [
        {},
        `${pmd};`,
        /Sec-WebSocket-Extensions "permessage-deflate;" is malformed: expected a parameter name at character 20 \(the end\) \(RFC 6455 §9\.1\)/,
      ],
      [
        {},
        `${pmd}; server_max_window_bits="1 0"`,
        /is malformed: expected a quoted value that is a token/,
      ],
      [{}, `${pmd} server_no_context_takeover`, /is malformed: expected "," or ";"/],
      // unknown parameters
      [
        {},
        `${pmd}; x-foo`,
        /unknown parameter "x-foo"; RFC 7692 §7\.1 defines only server_no_context_takeover, client_no_context_takeover, server_max_window_bits, client_max_window_bits$/,
      ],
      [
        {},
        `${pmd}; Server_No_Context_Takeover`,
        /unknown parameter "Server_No_Context_Takeover" \(parameter names are case-sensitive\)/,
      ],
      [{}, `${pmd}; c2s_max_window_bits=10`, /unknown parameter "c2s_max_window_bits"/],
      // repeated parameters (§7)
      [
        {},
        `${pmd}; server_no_context_takeover; server_no_context_takeover`,
        /parameter server_no_context_takeover twice/,
      ],
      [
        {},
        `${pmd}; client_no_context_takeover; client_no_context_takeover`,
        /client_no_context_takeover twice/,
      ],
      [
        {},
        `${pmd}; server_max_window_bits=10; server_max_window_bits=10`,
        /server_max_window_bits twice/,
      ],
      [
        {},
        `${pmd}; client_max_window_bits=10; client_max_window_bits=9`,
        /client_max_window_bits twice/,
      ],
      // a value on a parameter that has none (§7.1.1)
      [
        {},
        `${pmd}; server_no_context_takeover=1`,
        /sent server_no_context_takeover="1", but server_no_context_takeover takes no value \(RFC 7692 §7\.1\.1\)/,
      ],
      [
        {},
        `${pmd}; client_no_context_takeover="true"`,
        /client_no_context_takeover="true", but .* takes no value/,
      ],
      // window values (§7.1.2): 8 to 15, decimal, no leading zeros, and present in an answer
      [
        {},
        `${pmd}; server_max_window_bits`,
        /sent server_max_window_bits without a value; in a response it must be a number from 8 to 15 \(RFC 7692 §7\.1\.2\)/,
      ],
      [{}, `${pmd}; client_max_window_bits`, /client_max_window_bits without a value/],
      // client_max_window_bits that was not offered (§7.1.2.2)
      [
        { clientMaxWindowBits: false },
        `${pmd}; client_max_window_bits=15`,
        /sent client_max_window_bits=15, but the client did not offer client_max_window_bits \(RFC 7692 §7\.1\.2\.2\)/,
      ],
      // an answer that ignores what the client asked
      [
        { serverNoContextTakeover: true },
        pmd,
        /without server_no_context_takeover, which the client asked for and a server must confirm \(RFC 7692 §7\.1\.1\.1\)/,
      ],
      [
        { serverMaxWindowBits: 10 },
        pmd,
        /without server_max_window_bits, which the client offered as 10 and a server must confirm \(RFC 7692 §7\.1\.2\.1\)/,
      ],
      [
        { serverMaxWindowBits: 10 },
        `${pmd}; server_max_window_bits=11`,
        /sent server_max_window_bits=11, larger than the 10 the client offered \(RFC 7692 §7\.1\.2\.1\)/,
      ],
      [
        { serverMaxWindowBits: 8 },
        `${pmd}; server_max_window_bits="15"`,
        /server_max_window_bits=15, larger than the 8/,
      ],
    ];
    for (const bits of [
      '0',
      '1',
      '7',
      '16',
      '99',
      '08',
      '010',
      '015',
      '-9',
      '+9',
      '9.0',
      '1e1',
      '0x9',
      'ten',
      '9a',
      '"7"',
      '"08"',
      '"16"',
    ]) {
      for (const name of ['server_max_window_bits', 'client_max_window_bits']) {
        const shown = JSON.stringify(bits.replace(/"/g, ''));
        const pattern = new RegExp(
          `sent ${name}=${shown.replace(/[+.]/g, '\\$&')}; in a response it must be a number from 8 to 15`,
        );
        cases.push([{}, `${pmd}; ${name}=${bits}`, pattern]);
      }
    }
    for (const [options, header, pattern] of cases) {
      failed(
        parseDeflateResponse(header, offer(options)),
        ErrorCode.InvalidExtensionParams,
        pattern,
        header,
      );
    }
  });
});

// Every offer against every answer, checked against the rules written out once more:
// a second statement of RFC 7692 §7.1 that the implementation must agree with.

interface AnswerParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  clientMaxWindowBits: number | undefined;
}

function expectedOutcome(o: ResolvedDeflateOptions, a: AnswerParams): AgreedDeflate | 'refused' {
  // The server must confirm server_no_context_takeover and server_max_window_bits (§7.1.1.1,
  // §7.1.2.1), must not raise the server window, and must not name a client window unasked.
  if (o.serverNoContextTakeover && !a.serverNoContextTakeover) return 'refused';
  if (o.serverMaxWindowBits !== undefined && a.serverMaxWindowBits === undefined) return 'refused';
  if ((a.serverMaxWindowBits ?? 0) > (o.serverMaxWindowBits ?? 15)) return 'refused';
  if (o.clientMaxWindowBits === false && a.clientMaxWindowBits !== undefined) return 'refused';
  const ownLimit = typeof o.clientMaxWindowBits === 'number' ? o.clientMaxWindowBits : 15;
  return {
    serverNoContextTakeover: a.serverNoContextTakeover,
    clientNoContextTakeover: o.clientNoContextTakeover || a.clientNoContextTakeover,
    serverMaxWindowBits: a.serverMaxWindowBits ?? 15,
    clientMaxWindowBits: Math.min(ownLimit, a.clientMaxWindowBits ?? 15),
  };
}

function answerParams(a: AnswerParams, quoted: boolean): string[] {
  const q = (n: number) => (quoted ? `"${n}"` : String(n));
  const params: string[] = [];
  if (a.serverNoContextTakeover) params.push('server_no_context_takeover');
  if (a.clientNoContextTakeover) params.push('client_no_context_takeover');
  if (a.serverMaxWindowBits !== undefined)
    params.push(`server_max_window_bits=${q(a.serverMaxWindowBits)}`);
  if (a.clientMaxWindowBits !== undefined)
    params.push(`client_max_window_bits=${q(a.clientMaxWindowBits)}`);
  return params;
}

describe('RFC 7692 §7.1 every offer against every answer', () => {
  const booleans = [false, true];
  const offers: ResolvedDeflateOptions[] = [];
  for (const clientMaxWindowBits of [true, false, 8, 12, 15])
    for (const serverMaxWindowBits of [undefined, 8, 12, 15])
      for (const clientNoContextTakeover of booleans)
        for (const serverNoContextTakeover of booleans)
          offers.push(
            offer({
              clientMaxWindowBits,
              serverMaxWindowBits,
              clientNoContextTakeover,
              serverNoContextTakeover,
            }),
          );
  const answers: AnswerParams[] = [];
  for (const serverNoContextTakeover of booleans)
    for (const clientNoContextTakeover of booleans)
      for (const serverMaxWindowBits of [undefined, 8, 9, 12, 15])
        for (const clientMaxWindowBits of [undefined, 8, 9, 12, 15])
          answers.push({
            serverNoContextTakeover,
            clientNoContextTakeover,
            serverMaxWindowBits,
            clientMaxWindowBits,
          });

  it(`agrees with the rules for ${offers.length} offers x ${answers.length} answers, in any parameter order`, () => {
    let refusedCount = 0;
    let agreedCount = 0;
    for (const o of offers) {
      for (const a of answers) {
        const expected = expectedOutcome(o, a);
        const params = answerParams(a, false);
        const headers = [
          ['permessage-deflate', ...params].join('; '),
          ['permessage-deflate', ...params.reverse()].join(';'),
          ['permessage-deflate', ...answerParams(a, true)].join(' ; '),
        ];
        for (const header of headers) {
          const label = `${formatDeflateOffer(o)} -> ${header}`;
          const result = parseDeflateResponse(header, o);
          if (expected === 'refused') {
            failed(result, ErrorCode.InvalidExtensionParams, /RFC 7692 §7\.1\.[12]/, label);
          } else {
            assert.deepEqual(result, expected, label);
          }
        }
        if (expected === 'refused') refusedCount++;
        else agreedCount++;
      }
    }
    // Both outcomes are well represented, so the table tests something either way.
    assert.ok(refusedCount > 1000 && agreedCount > 1000, `${refusedCount} / ${agreedCount}`);
  });

  it('never agrees on a window larger than the offer allows, or on context takeover refused', () => {
    for (const o of offers) {
      for (const a of answers) {
        const header = ['permessage-deflate', ...answerParams(a, false)].join('; ');
        const label = `${formatDeflateOffer(o)} -> ${header}`;
        const result = parseDeflateResponse(header, o);
        if (result === undefined || result instanceof Error) continue;
        assert.ok(result.serverMaxWindowBits <= (o.serverMaxWindowBits ?? 15), label);
        if (typeof o.clientMaxWindowBits === 'number') {
          assert.ok(result.clientMaxWindowBits <= o.clientMaxWindowBits, label);
        }
        for (const bits of [result.serverMaxWindowBits, result.clientMaxWindowBits]) {
          assert.ok(Number.isInteger(bits) && bits >= 8 && bits <= 15, label);
        }
        if (o.clientNoContextTakeover) assert.equal(result.clientNoContextTakeover, true, label);
        if (o.serverNoContextTakeover) assert.equal(result.serverNoContextTakeover, true, label);
      }
    }
  });

  it('reads its own offer back, for every offer', () => {
    for (const o of offers) {
      const list = parseExtensionList(formatDeflateOffer(o));
      assert.ok(Array.isArray(list) && list.length === 1, String(list));
      const [item] = list as ExtensionItem[];
      assert.equal(item?.name, 'permessage-deflate');
      const params = new Map(item?.params.map((p) => [p.name, p.value]));
      assert.equal(
        params.get('client_max_window_bits'),
        typeof o.clientMaxWindowBits === 'number' ? String(o.clientMaxWindowBits) : undefined,
      );
      assert.equal(params.has('client_max_window_bits'), o.clientMaxWindowBits !== false);
      assert.equal(params.get('server_max_window_bits'), o.serverMaxWindowBits?.toString());
      assert.equal(params.has('client_no_context_takeover'), o.clientNoContextTakeover);
      assert.equal(params.has('server_no_context_takeover'), o.serverNoContextTakeover);
      assert.equal(params.size, item?.params.length, 'no parameter twice');
    }
  });
});

// ------------------------------------------------------------------- the opening handshake

function handshake(perMessageDeflate?: ResolvedDeflateOptions) {
  return new OpeningHandshake({
    target: parseWebSocketUrl('ws://example.test/chat'),
    protocols: [],
    perMessageDeflate,
    ports: testPorts(9),
  });
}

function answer(shake: OpeningHandshake, extra = ''): Buffer {
  const key = /sec-websocket-key: (\S+)/i.exec(latin1Decode(shake.requestBytes))![1]!;
  return Buffer.from(
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptFor(key)}\r\n${extra}\r\n\x81\x00`,
    'latin1',
  );
}

type Open = Extract<HandshakeOutcome, { type: 'open' }>;

function opened(outcome: HandshakeOutcome | undefined): Open {
  assert.equal(outcome?.type, 'open', JSON.stringify(outcome));
  return outcome as Open;
}

function failure(outcome: HandshakeOutcome | undefined): WebSocketError {
  assert.equal(outcome?.type, 'failed');
  return (outcome as Extract<HandshakeOutcome, { type: 'failed' }>).error;
}

describe('OpeningHandshake with permessage-deflate', () => {
  it('offers nothing without the option, and the offer with it', () => {
    assert.doesNotMatch(latin1Decode(handshake().requestBytes), /sec-websocket-extensions/i);
    const request = latin1Decode(handshake(offer()).requestBytes);
    assert.match(
      request,
      /\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n/,
    );
    const full = offer({
      clientMaxWindowBits: 9,
      serverMaxWindowBits: 10,
      serverNoContextTakeover: true,
    });
    assert.match(
      latin1Decode(handshake(full).requestBytes),
      /\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=9; server_max_window_bits=10; server_no_context_takeover\r\n/,
    );
  });

  it('opens with the agreed parameters and the raw header, fed whole or byte by byte', () => {
    const value = 'permessage-deflate; server_no_context_takeover; client_max_window_bits=10';
    for (const byByte of [false, true]) {
      const shake = handshake(offer());
      const data = answer(shake, `Sec-WebSocket-Extensions: ${value}\r\n`);
      let outcome: HandshakeOutcome | undefined;
      if (byByte) {
        for (let i = 0; i < data.length && outcome === undefined; i++)
          outcome = shake.receive(data.subarray(i, i + 1));
      } else outcome = shake.receive(data);
      const open = opened(outcome);
      assert.equal(open.extensions, value);
      assert.deepEqual(
        open.deflate,
        agreed({ serverNoContextTakeover: true, clientMaxWindowBits: 10 }),
      );
      if (!byByte) assert.deepEqual([...open.rest], [0x81, 0x00]);
    }
  });

  it('opens without compression when the server declines the offer', () => {
    const shake = handshake(offer());
    const open = opened(shake.receive(answer(shake)));
    assert.equal(open.deflate, undefined);
    assert.equal(open.extensions, '');
  });

  it('opens without compression when nothing was offered and nothing accepted', () => {
    const shake = handshake();
    const open = opened(shake.receive(answer(shake)));
    assert.equal(open.deflate, undefined);
    assert.equal(open.extensions, '');
  });

  it('fails when the server accepts permessage-deflate that was not offered (ERR_HANDSHAKE_EXTENSION)', () => {
    const shake = handshake();
    const error = failure(
      shake.receive(answer(shake, 'Sec-WebSocket-Extensions: permessage-deflate\r\n')),
    );
    assert.ok(error instanceof NegotiationError, String(error));
    assert.equal(error.code, ErrorCode.UnexpectedExtension);
  });

  it('fails on bad parameters, and on extensions joined from two header lines', () => {
    const shake = handshake(offer({ serverMaxWindowBits: 10 }));
    const error = failure(
      shake.receive(
        answer(
          shake,
          'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=12\r\n',
        ),
      ),
    );
    assert.ok(error instanceof NegotiationError, String(error));
    assert.equal(error.code, ErrorCode.InvalidExtensionParams);
    const twice = handshake(offer());
    const lines =
      'Sec-WebSocket-Extensions: permessage-deflate\r\nSec-WebSocket-Extensions: permessage-deflate\r\n';
    const joined = failure(twice.receive(answer(twice, lines)));
    assert.equal(joined.code, ErrorCode.UnexpectedExtension);
    assert.match(joined.message, /twice/);
  });

  it('reports a bad extension before a bad subprotocol, as the checks run in RFC 6455 §4.1 order', () => {
    const shake = handshake(offer());
    const error = failure(
      shake.receive(
        answer(
          shake,
          'Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate; x\r\n',
        ),
      ),
    );
    assert.equal(error.code, ErrorCode.InvalidExtensionParams);
  });
});
