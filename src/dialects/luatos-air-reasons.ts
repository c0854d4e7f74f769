// The reasons a LuatOS-Air `recv()` gives with `false` (the firmware's table, in English), and
// which one a closed connection reports.

import type { CloseInfo } from '../client/connection.js';
import { ErrorCode } from '../core/errors.js';

/**
 * The second value `recv()` gives with `false`, in English. The firmware's own strings are
 * kept where they already were English (`WEBSOCKET_OK`, `Read byte error!`).
 */
export const RecvReason = {
  /** Nothing arrived during the 60 s receive wait; not an error, call `recv()` again. */
  Ok: 'WEBSOCKET_OK',
  /** The connection is closed, was lost, or failed for a reason without its own entry. */
  ReadError: 'Read byte error!',
  /** The server set reserved bits (an extension nobody negotiated). */
  UndefinedExtension: 'The server is using an undefined extension!',
  /** The server sent a fragmented control frame or one longer than 125 bytes. */
  ControlFrame: 'Control frame error!',
  /** The server masked its frames, which only clients may do. */
  MaskedFrame: 'The data frame is masked!',
  /** A message was larger than the engine's limits (maxMessageBytes, maxFragments). */
  TooLong: 'The data frame length exceeds the supported range!',
} as const;
export type RecvReason = (typeof RecvReason)[keyof typeof RecvReason];

/** The reason `recv()` gives after `websocket.exit(ws)`: `EXIT_TASK` and the client's id. */
export function exitReason(id: number): string {
  return `EXIT_TASK${id}`;
}

const REASON_BY_CODE: Partial<Record<ErrorCode, RecvReason>> = {
  [ErrorCode.ReservedBits]: RecvReason.UndefinedExtension,
  [ErrorCode.FragmentedControl]: RecvReason.ControlFrame,
  [ErrorCode.ControlFrameTooLong]: RecvReason.ControlFrame,
  [ErrorCode.MaskedFrame]: RecvReason.MaskedFrame,
  [ErrorCode.MessageTooBig]: RecvReason.TooLong,
  [ErrorCode.TooManyFragments]: RecvReason.TooLong,
  [ErrorCode.InvalidFrameLength]: RecvReason.TooLong,
};

/**
 * What `recv()` reports once a connection ended: the server's close reason after a Close the
 * server started (undefined when its Close frame was empty, the firmware's nil), the matching
 * reason for a protocol error, and `Read byte error!` for everything else (user close,
 * network failure, timeouts).
 */
export function reasonOf(info: CloseInfo): string | undefined {
  const { error } = info;
  if (error !== undefined) return REASON_BY_CODE[error.code] ?? RecvReason.ReadError;
  if (info.cause.kind === 'server') return info.code === 1005 ? undefined : info.reason;
  return RecvReason.ReadError;
}
