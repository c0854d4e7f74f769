// Tests for src/core/close.ts: Close frame payloads (RFC 6455 §5.5.1), status codes (§7.4)
// and what the application may send.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  isValidWireCloseCode,
  parseClosePayload,
  serializeClosePayload,
  validateUserClose,
} from '../../src/core/close.js';
import { ErrorCode, InvalidArgumentError, ProtocolError } from '../../src/core/errors.js';
import { textArbitrary } from '../helpers/splits.js';
import { closePayload as payload } from './protocol-harness.js';

const refusedCodes = [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535];
const acceptedCodes = [
  1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4000, 4999,
];

describe('RFC 6455 §7.4 status codes allowed on the wire', () => {
  it('allows 1000-1003, 1007-1014 and 3000-4999, nothing else', () => {
    for (let code = 0; code <= 65535; code++) {
      const registered = code >= 1000 && code <= 1014 && ![1004, 1005, 1006].includes(code);
      const application = code >= 3000 && code <= 4999;
      assert.equal(isValidWireCloseCode(code), registered || application, `code ${code}`);
    }
  });
});

describe('RFC 6455 §5.5.1 Close payload parsing', () => {
  it('reads an empty payload as "no status" (1005)', () => {
    assert.deepEqual(parseClosePayload(new Uint8Array(0)), { code: 1005, reason: '' });
  });

  it('refuses a 1-byte payload (1002)', () => {
    const error = parseClosePayload(Uint8Array.of(0x03));
    assert.ok(error instanceof ProtocolError);
    assert.equal(error.code, ErrorCode.InvalidClosePayload);
    assert.equal(error.closeCode, 1002);
  });

  for (const code of refusedCodes) {
    it(`refuses status code ${code} (1002)`, () => {
      const error = parseClosePayload(payload(code, 'x'));
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.code, ErrorCode.InvalidCloseCode);
      assert.equal(error.closeCode, 1002);
    });
  }

  for (const code of acceptedCodes) {
    it(`accepts status code ${code}`, () => {
      assert.deepEqual(parseClosePayload(payload(code)), { code, reason: '' });
    });
  }

  it('decodes a UTF-8 reason, keeping a leading byte order mark', () => {
    assert.deepEqual(parseClosePayload(payload(1000, 'bye ✓')), { code: 1000, reason: 'bye ✓' });
    assert.deepEqual(parseClosePayload(payload(3000, '\ufeffx')), {
      code: 3000,
      reason: '\ufeffx',
    });
  });

  it('refuses a reason that is not UTF-8 (1007), also when it is cut mid-character', () => {
    for (const reason of [Uint8Array.of(0xff), Uint8Array.of(0x61, 0xe2, 0x82)]) {
      const error = parseClosePayload(payload(1000, reason));
      assert.ok(error instanceof ProtocolError);
      assert.equal(error.code, ErrorCode.InvalidUtf8);
      assert.equal(error.closeCode, 1007);
    }
  });

  it('uses the given whole-buffer UTF-8 check', () => {
    const seen: Uint8Array[] = [];
    const result = parseClosePayload(payload(1000, 'ok'), (bytes) => {
      seen.push(bytes.slice());
      return false;
    });
    assert.ok(result instanceof ProtocolError);
    assert.deepEqual(seen, [new TextEncoder().encode('ok')]);
  });
});

describe('RFC 6455 §5.5.1 Close payload serialization', () => {
  it('writes the code in network byte order followed by the reason', () => {
    assert.deepEqual(
      serializeClosePayload(1000, 'bye'),
      Uint8Array.of(0x03, 0xe8, 0x62, 0x79, 0x65),
    );
    assert.deepEqual(serializeClosePayload(4999), Uint8Array.of(0x13, 0x87));
  });

  it('writes an empty payload without a code or for 1005', () => {
    assert.deepEqual(serializeClosePayload(undefined), new Uint8Array(0));
    assert.deepEqual(serializeClosePayload(1005, 'ignored'), new Uint8Array(0));
  });

  it('round-trips every valid code and any reason through parseClosePayload', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.constantFrom(...acceptedCodes), fc.integer({ min: 3000, max: 4999 })),
        textArbitrary(40),
        (code, reason) => {
          const bytes = serializeClosePayload(code, reason);
          const parsed = parseClosePayload(bytes);
          assert.deepEqual(parsed, {
            code,
            reason: new TextDecoder('utf-8', { ignoreBOM: true }).decode(
              new TextEncoder().encode(reason),
            ),
          });
        },
      ),
      { seed: 0x7041, numRuns: 300 },
    );
  });
});

describe('RFC 6455 §7.4.2 codes the application may send: validateUserClose', () => {
  it('accepts 1000, 3000-4999, no code, and reasons up to 123 bytes', () => {
    for (const code of [undefined, 1000, 3000, 3999, 4999]) {
      assert.equal(validateUserClose(code, undefined), undefined, `code ${code}`);
    }
    assert.equal(validateUserClose(1000, 'x'.repeat(123)), undefined);
    assert.equal(validateUserClose(1000, '€'.repeat(41)), undefined, '123 bytes of UTF-8');
    assert.equal(validateUserClose(undefined, ''), undefined);
  });

  for (const code of [0, 999, 1001, 1002, 1005, 1006, 1011, 1015, 2999, 5000, 3000.5, Number.NaN]) {
    it(`refuses code ${code}`, () => {
      const error = validateUserClose(code, undefined);
      assert.ok(error instanceof InvalidArgumentError);
      assert.equal(error.code, ErrorCode.InvalidArgument);
    });
  }

  it('refuses a reason over 123 bytes of UTF-8, counting bytes not characters', () => {
    assert.ok(validateUserClose(1000, 'x'.repeat(124)) instanceof InvalidArgumentError);
    // 42 euro signs are 42 characters but 126 bytes.
    const error = validateUserClose(1000, '€'.repeat(42));
    assert.ok(error instanceof InvalidArgumentError);
    assert.match(error.message, /126 bytes/);
  });

  it('refuses a reason that is not a string', () => {
    const error = validateUserClose(1000, 42 as unknown as string);
    assert.ok(error instanceof InvalidArgumentError);
    assert.equal(error.code, ErrorCode.InvalidArgument);
  });
});
