// The options a ClientProtocol takes and the events it reports (protocol.ts). Types only.

import type { WebSocketError } from './errors.js';
import type { HttpResponseHead } from './http-response.js';
import type { OpeningHandshakeOptions } from './opening-handshake.js';

/** Hears that compressing or inflating finished on its own (see codecListener). */
export interface CodecListener {
  onCodecProgress(): void;
}

export interface ClientProtocolOptions extends OpeningHandshakeOptions {
  maxMessageBytes?: number | undefined;
  maxFragments?: number | undefined;
  /**
   * Deliver every data frame as a 'frame' event as it completes, instead of reassembled
   * messages (the model of the LuatOS firmware). Limits and UTF-8 checks still cover the
   * whole message.
   */
  deliverFrames?: boolean | undefined;
  /**
   * When received data breaks the protocol, hold the Close frame that fails the connection
   * until sendPendingClose() is called, instead of writing it at the next dataToSend(). For
   * callers that deliver events on a later turn: the replies to the messages received before
   * the fault then still leave before the Close (failing strictly).
   */
  holdFailureClose?: boolean | undefined;
  /**
   * Keep delivering data messages that arrive after our Close, until the server's Close
   * (a command-line client printing the replies still in flight). By default they are dropped
   * as they arrive (§7.1.2 only asks us to wait for the server's Close).
   */
  receiveAfterClose?: boolean | undefined;
  /**
   * With permessage-deflate, its onCodecProgress() is called when compressing or inflating
   * finished on its own (asynchronously): new events and bytes to send may be waiting
   * (eventsReceived(), dataToSend()). An object, not a function: connections are many.
   */
  codecListener?: CodecListener | undefined;
}

export type ProtocolEvent =
  | {
      readonly type: 'open';
      readonly protocol: string;
      readonly extensions: string;
      readonly head: HttpResponseHead;
    }
  | { readonly type: 'message'; readonly data: string | Uint8Array; readonly isBinary: boolean }
  | {
      readonly type: 'frame';
      /** The frame's payload. */
      readonly data: Uint8Array;
      /** The frame's own opcode: 1 text, 2 binary, 0 continuation. */
      readonly opcode: number;
      readonly fin: boolean;
      /** True when the message the frame belongs to is binary. */
      readonly isBinary: boolean;
    }
  | { readonly type: 'ping'; readonly data: Uint8Array }
  | { readonly type: 'pong'; readonly data: Uint8Array }
  | { readonly type: 'close'; readonly code: number; readonly reason: string }
  | { readonly type: 'error'; readonly error: WebSocketError };
