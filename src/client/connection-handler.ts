// What a Connection reports to the face that owns it: the handler interface each face
// implements, and how a connection ended (CloseInfo).

import type { WebSocketError } from '../core/errors.js';
import type { CloseCause } from './close-cause.js';

/** How a connection ended. */
export interface CloseInfo {
  /** The server's close code, 1005 when its Close had none, 1006 when there was no Close. */
  readonly code: number;
  readonly reason: string;
  /** True when both Close frames were exchanged and TCP then closed. */
  readonly wasClean: boolean;
  /** Why the connection failed, when it did. */
  readonly error?: WebSocketError | undefined;
  /** What ended the connection and in which phase, for logs and reconnect decisions. */
  readonly cause: CloseCause;
}

/** Receives what happens on a connection; each face implements it. */
export interface ConnectionHandler {
  onOpen(): void;
  onMessage(data: string | Uint8Array, isBinary: boolean): void;
  /** With `deliverFrames`: each data frame as it completes (opcode 0 for continuations). */
  onFrame?(data: Uint8Array, opcode: number, fin: boolean, isBinary: boolean): void;
  onPing(data: Uint8Array): void;
  onPong(data: Uint8Array): void;
  /** The connection failed; onClose follows. */
  onError(error: WebSocketError): void;
  onClose(info: CloseInfo): void;
}
