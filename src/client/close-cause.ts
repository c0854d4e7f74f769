// Why a connection ended, in machine-readable form: the kind of cause and the phase it hit,
// derived from the error code (if any) and who started the closing handshake.

import { ErrorCode, ProtocolError, TransportError, type WebSocketError } from '../core/errors.js';

export type CloseCauseKind =
  | 'user'
  | 'server'
  | 'aborted'
  | 'dns'
  | 'connect'
  | 'tls'
  | 'handshake-refused'
  | 'handshake'
  | 'open-timeout'
  | 'close-timeout'
  | 'no-pong'
  | 'protocol'
  | 'peer-reset'
  | 'connection-lost';

export type ClosePhase = 'connecting' | 'open' | 'closing';

export interface CloseCause {
  kind: CloseCauseKind;
  /** Where the connection was when it ended. */
  phase: ClosePhase;
  /** The HTTP status of a refused handshake. */
  status?: number;
}

const KIND_BY_CODE: Partial<Record<ErrorCode, CloseCauseKind>> = {
  [ErrorCode.Aborted]: 'aborted',
  [ErrorCode.DnsFailed]: 'dns',
  [ErrorCode.ConnectFailed]: 'connect',
  [ErrorCode.TlsFailed]: 'tls',
  [ErrorCode.UnexpectedStatus]: 'handshake-refused',
  [ErrorCode.OpenTimeout]: 'open-timeout',
  [ErrorCode.CloseTimeout]: 'close-timeout',
  [ErrorCode.PongTimeout]: 'no-pong',
  [ErrorCode.ConnectionReset]: 'peer-reset',
  [ErrorCode.ConnectionLost]: 'connection-lost',
};

/** Classifies how a connection ended. */
export function closeCause(
  error: WebSocketError | undefined,
  initiator: 'client' | 'server' | undefined,
  phase: ClosePhase,
): CloseCause {
  if (error === undefined) return { kind: initiator === 'client' ? 'user' : 'server', phase };
  const kind =
    KIND_BY_CODE[error.code] ?? (error instanceof ProtocolError ? 'protocol' : 'handshake');
  const status = (error as { status?: unknown }).status;
  return typeof status === 'number' ? { kind, phase, status } : { kind, phase };
}

/** The error of a transport that closed without a complete closing handshake (§7.1.5). */
export function connectionLostError(isConnecting: boolean): TransportError {
  return new TransportError(
    ErrorCode.ConnectionLost,
    isConnecting
      ? 'the connection closed during the opening handshake'
      : 'the connection closed without a closing handshake (abnormal closure, 1006)',
    isConnecting ? 'handshake' : 'open',
  );
}
