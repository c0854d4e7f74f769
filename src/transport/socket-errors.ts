// Node's socket errors as wsx errors: each names the phase it happened in (dns, tcp, tls,
// handshake, open) and what to check, with the original error as its cause.

import {
  AbortError,
  ErrorCode,
  TransportError,
  type TransportPhase,
  type WebSocketError,
} from '../core/errors.js';
import type { WebSocketTarget } from '../core/url.js';
import { opensslReason, tlsFailure } from './tls-errors.js';

/** node:tls refused the key, certificate, CA or PFX (for example a wrong passphrase). */
export function unusableTlsOptions(error: unknown): TransportError {
  const cause = error as ErrnoLike;
  return new TransportError(
    ErrorCode.TlsFailed,
    `the TLS options could not be used (${cause.code ?? 'TLS error'}: ${opensslReason(cause.message)}); check tls.key, tls.cert, tls.pfx, tls.ca and tls.passphrase`,
    'tls',
    error,
  );
}

export function abortError(signal: AbortSignal): AbortError {
  const reason: unknown = signal.reason;
  return new AbortError(
    ErrorCode.Aborted,
    `the operation was aborted${reason instanceof Error ? `: ${reason.message}` : ''}`,
    { cause: reason },
  );
}

interface ErrnoLike extends Error {
  code?: string;
  syscall?: string;
}

/** Turns a Node socket error into a TransportError naming the phase and what to check. */
export function mapSocketError(
  error: Error,
  phase: TransportPhase,
  target: WebSocketTarget,
  tlsServername?: string,
): WebSocketError {
  const errno = (error as ErrnoLike).code ?? '';
  const where = `${target.hostname}:${target.port}`;
  if (
    (error as ErrnoLike).syscall === 'getaddrinfo' ||
    errno === 'ENOTFOUND' ||
    errno === 'EAI_AGAIN'
  ) {
    return new TransportError(
      ErrorCode.DnsFailed,
      `could not resolve host ${JSON.stringify(target.hostname)} (${errno || error.message}); check the URL and your DNS`,
      'dns',
      error,
    );
  }
  if (phase === 'dns' || phase === 'tcp') {
    const hint =
      errno === 'ECONNREFUSED'
        ? 'nothing is listening there; is the server running?'
        : errno === 'ETIMEDOUT'
          ? 'the host did not answer'
          : 'the network path failed';
    return new TransportError(
      ErrorCode.ConnectFailed,
      `could not connect to ${where} (${errno || error.message}): ${hint}`,
      'tcp',
      error,
    );
  }
  // A TLS alert can arrive after 'secureConnect' (TLS 1.3 checks the client certificate
  // after the client finished its handshake): it is still a TLS failure.
  if (phase === 'tls' || errno.startsWith('ERR_SSL_')) {
    return tlsFailure(error, where, tlsServername ?? target.hostname);
  }
  if (errno === 'ECONNRESET') {
    return new TransportError(
      ErrorCode.ConnectionReset,
      `the connection to ${where} was reset by the peer (${phase === 'open' ? 'while open' : `during the ${phase}`})`,
      phase,
      error,
    );
  }
  return new TransportError(
    ErrorCode.ConnectionLost,
    `the connection to ${where} failed: ${errno ? `${errno} ` : ''}${error.message}`,
    phase,
    error,
  );
}
