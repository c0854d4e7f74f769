// Tests for src/transport/tls-errors.ts: each kind of TLS failure named with its fix, OpenSSL's
// text reduced to its reason, the original error kept as the cause.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, TransportError } from '../../src/core/errors.js';
import { opensslReason, tlsFailure } from '../../src/transport/tls-errors.js';

function tlsError(code: string | undefined, message: string): Error & { code?: string } {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

const OPENSSL =
  'C0F7A1B2:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:354:\n';

describe('opensslReason', () => {
  it('takes the reason out of an OpenSSL message, else the whole message', () => {
    assert.equal(opensslReason(OPENSSL), 'wrong version number');
    assert.equal(
      opensslReason('error:0A000410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure:x'),
      'sslv3 alert handshake failure',
    );
    assert.equal(opensslReason('  self-signed certificate  '), 'self-signed certificate');
    assert.equal(opensslReason(''), '');
  });
});

describe('tlsFailure', () => {
  const table: [string | undefined, string, RegExp][] = [
    [
      'DEPTH_ZERO_SELF_SIGNED_CERT',
      'self-signed certificate',
      /is not trusted .*as tls\.ca \(PEM\)/,
    ],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'x', /is not trusted/],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'x', /is not trusted/],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'x', /is not trusted/],
    ['CERT_UNTRUSTED', 'x', /is not trusted/],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 'altname', /is not valid for "site\.test" .*tls\.servername/],
    ['HOSTNAME_MISMATCH', 'x', /is not valid for "site\.test"/],
    ['CERT_HAS_EXPIRED', 'certificate has expired', /outside its validity period .*clocks/],
    ['CERT_NOT_YET_VALID', 'x', /outside its validity period/],
    [
      'ERR_SSL_WRONG_VERSION_NUMBER',
      OPENSSL,
      /did not answer in TLS \(ERR_SSL_WRONG_VERSION_NUMBER: wrong version number\); is the server plain ws:\/\/\?/,
    ],
    ['ERR_SSL_HTTP_REQUEST', 'x', /did not answer in TLS/],
    ['ERR_SSL_PACKET_LENGTH_TOO_LONG', 'x', /did not answer in TLS/],
    [
      'ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED',
      'error:0A00045C:SSL routines:ssl3_read_bytes:tlsv13 alert certificate required:x',
      /failed \(.*certificate required\); the server may want a client certificate .*tls\.cert and tls\.key/,
    ],
    [
      'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE',
      'sslv3 alert bad certificate',
      /may want a client certificate/,
    ],
    ['ERR_SSL_TLSV1_ALERT_UNKNOWN_CA', 'tlsv1 alert unknown ca', /may want a client certificate/],
    [
      'ERR_OSSL_X',
      'something odd',
      /failed \(ERR_OSSL_X: something odd\); check tls\.ca, tls\.servername/,
    ],
    [undefined, 'no code at all', /failed \(TLS error: no code at all\)/],
  ];
  for (const [code, message, expected] of table) {
    it(`${code ?? 'no code'}`, () => {
      const cause = tlsError(code, message);
      const error = tlsFailure(cause, 'site.test:443', 'site.test');
      assert.ok(error instanceof TransportError);
      assert.equal(error.code, ErrorCode.TlsFailed);
      assert.equal(error.phase, 'tls');
      assert.equal(error.cause, cause);
      assert.match(error.message, expected);
      assert.match(error.message, /site\.test:443/);
      // OpenSSL's file names and line numbers stay on the cause only.
      assert.doesNotMatch(error.message, /ssl3_record\.c/);
    });
  }

  it('only trust and name failures suggest turning checks off, a refused client cert does not', () => {
    const offHint = /rejectUnauthorized: false/;
    assert.match(tlsFailure(tlsError('CERT_UNTRUSTED', 'x'), 'w', 's').message, offHint);
    assert.match(tlsFailure(tlsError('HOSTNAME_MISMATCH', 'x'), 'w', 's').message, offHint);
    assert.doesNotMatch(
      tlsFailure(tlsError('ERR_SSL_WRONG_VERSION_NUMBER', 'x'), 'w', 's').message,
      offHint,
    );
    assert.doesNotMatch(tlsFailure(tlsError('E', 'bad certificate'), 'w', 's').message, offHint);
  });
});
