// TLS failures in words that name the fix: an untrusted certificate points at `tls.ca` (and,
// for testing only, `tls.rejectUnauthorized: false`), a name mismatch at the host name and
// `tls.servername`, a server that answers in plain text at ws://, and a refused client
// certificate at `tls.cert`/`tls.key`. OpenSSL's own text (file names, line numbers) is
// reduced to its reason; the full error stays on `cause`.

import { ErrorCode, TransportError } from '../core/errors.js';

/** Certificate checks that fail because nobody the client trusts vouches for the server. */
const UNTRUSTED = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_FAILURE',
]);

const NAME_MISMATCH = new Set(['ERR_TLS_CERT_ALTNAME_INVALID', 'HOSTNAME_MISMATCH']);

const EXPIRED = new Set(['CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID']);

/** What OpenSSL says when the bytes that came back are not a TLS record. */
const NOT_TLS = new Set([
  'ERR_SSL_WRONG_VERSION_NUMBER',
  'ERR_SSL_HTTP_REQUEST',
  'ERR_SSL_PACKET_LENGTH_TOO_LONG',
  'ERR_SSL_UNKNOWN_PROTOCOL',
  'ERR_SSL_RECORD_LAYER_FAILURE',
]);

const TESTING_ONLY = 'for testing only, tls.rejectUnauthorized: false skips the check';

/** OpenSSL's reason ("wrong version number") out of its multi-part message, else the message. */
export function opensslReason(message: string): string {
  const match = /SSL routines:[^:]*:([^:]+):/.exec(message);
  return (match?.[1] ?? message).trim();
}

/** The TransportError (ERR_TLS, phase tls) for a failed TLS handshake with `where`. */
export function tlsFailure(
  error: Error & { code?: string },
  where: string,
  servername: string,
): TransportError {
  const errno = error.code ?? '';
  const reason = `${errno || 'TLS error'}: ${opensslReason(error.message)}`;
  let message: string;
  if (UNTRUSTED.has(errno)) {
    message =
      `the TLS certificate of ${where} is not trusted (${reason}); pass the CA certificate ` +
      `that signed it as tls.ca (PEM); ${TESTING_ONLY}`;
  } else if (NAME_MISMATCH.has(errno)) {
    message =
      `the TLS certificate of ${where} is not valid for ${JSON.stringify(servername)} ` +
      `(${reason}); connect with a name the certificate lists, or set tls.servername to one, ` +
      `and trust its issuer with tls.ca; ${TESTING_ONLY}`;
  } else if (EXPIRED.has(errno)) {
    message =
      `the TLS certificate of ${where} is outside its validity period (${reason}); ` +
      `the server needs a current certificate (check the clocks too); ${TESTING_ONLY}`;
  } else if (NOT_TLS.has(errno)) {
    message = `the server at ${where} did not answer in TLS (${reason}); is the server plain ws://?`;
  } else if (/certificate required|handshake failure|bad certificate|unknown ca/i.test(reason)) {
    message =
      `the TLS handshake with ${where} failed (${reason}); the server may want a client ` +
      'certificate it trusts: check tls.cert and tls.key (or tls.pfx), tls.ca and tls.servername';
  } else {
    message =
      `the TLS handshake with ${where} failed (${reason}); check tls.ca, tls.servername and ` +
      'the client certificate (tls.cert, tls.key, tls.pfx)';
  }
  return new TransportError(ErrorCode.TlsFailed, message, 'tls', error);
}
