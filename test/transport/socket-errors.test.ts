// Tests for src/transport/socket-errors.ts: Node's socket errors as wsx errors naming the
// phase and what to check, with the original error as the cause.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AbortError, ErrorCode, type TransportError } from '../../src/core/errors.js';
import { parseWebSocketUrl } from '../../src/core/url.js';
import {
  abortError,
  mapSocketError,
  unusableTlsOptions,
} from '../../src/transport/socket-errors.js';

const target = parseWebSocketUrl('wss://example.test:8443/');

function errno(code: string, message = code, syscall?: string): Error {
  return Object.assign(new Error(message), { code, syscall });
}

describe('mapSocketError', () => {
  it('a failed lookup is a DNS failure, whatever the phase', () => {
    for (const error of [
      errno('ENOTFOUND'),
      errno('EAI_AGAIN'),
      errno('EIO', 'x', 'getaddrinfo'),
    ]) {
      const mapped = mapSocketError(error, 'tcp', target);
      assert.equal(mapped.code, ErrorCode.DnsFailed);
      assert.match(mapped.message, /could not resolve host "example\.test"/);
      assert.equal(mapped.cause, error);
    }
  });

  it('a refused or timed-out TCP connect says what to check', () => {
    const refused = mapSocketError(errno('ECONNREFUSED'), 'tcp', target);
    assert.equal(refused.code, ErrorCode.ConnectFailed);
    assert.match(refused.message, /example\.test:8443 \(ECONNREFUSED\): nothing is listening/);
    assert.match(mapSocketError(errno('ETIMEDOUT'), 'dns', target).message, /did not answer/);
  });

  it('a reset while open or during the handshake names where it happened', () => {
    const open = mapSocketError(errno('ECONNRESET'), 'open', target) as TransportError;
    assert.equal(open.code, ErrorCode.ConnectionReset);
    assert.equal(open.phase, 'open');
    assert.match(open.message, /reset by the peer \(while open\)/);
    const handshake = mapSocketError(errno('ECONNRESET'), 'handshake', target);
    assert.match(handshake.message, /during the handshake/);
  });

  it('a TLS alert after the handshake is still a TLS failure', () => {
    const alert = errno('ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED', 'alert 116');
    assert.equal(mapSocketError(alert, 'open', target).code, ErrorCode.TlsFailed);
  });

  it('anything else is a lost connection that keeps the original message', () => {
    const mapped = mapSocketError(errno('EPIPE', 'write EPIPE'), 'open', target);
    assert.equal(mapped.code, ErrorCode.ConnectionLost);
    assert.match(mapped.message, /failed: EPIPE write EPIPE$/);
  });
});

describe('abortError and unusableTlsOptions', () => {
  it("an abort carries the signal's reason", () => {
    const controller = new AbortController();
    controller.abort(new Error('user left'));
    const error = abortError(controller.signal);
    assert.ok(error instanceof AbortError);
    assert.equal(error.code, ErrorCode.Aborted);
    assert.match(error.message, /aborted: user left$/);
  });

  it('TLS options node:tls refused point at the options to check', () => {
    const error = unusableTlsOptions(
      errno('ERR_OSSL_BAD_DECRYPT', 'error:1C800064:Provider routines::bad decrypt'),
    );
    assert.equal(error.code, ErrorCode.TlsFailed);
    assert.match(
      error.message,
      /the TLS options could not be used \(ERR_OSSL_BAD_DECRYPT: .*\); check tls\.key/,
    );
  });
});
