// The client's side of the opening handshake, sans I/O (RFC 6455 §4.1-§4.2): the upgrade
// request, then the server's answer read from the bytes that arrive: the response head,
// interim (1xx) responses skipped, the 101 checked (accept key, subprotocol, extensions), the
// body of a refusal read for the error, and the end of input before the answer explained.
// The connection state machine (protocol.ts) hands it bytes until it reports an outcome.

import { Defaults } from './constants.js';
import { ErrorCode, HandshakeError, TransportError, type WebSocketError } from './errors.js';
import { buildHandshakeRequest, validateHandshakeResponse } from './handshake.js';
import { type HttpResponseHead, HttpResponseParser } from './http-response.js';
import {
  type AgreedDeflate,
  formatDeflateOffer,
  type ResolvedDeflateOptions,
} from './permessage-deflate.js';
import type { CorePorts } from './ports.js';
import { RefusalBodyReader } from './refusal-body.js';
import type { WebSocketTarget } from './url.js';

export interface OpeningHandshakeOptions {
  target: WebSocketTarget;
  /** Subprotocols to offer, already validated (see validateProtocols). */
  protocols?: readonly string[] | undefined;
  origin?: string | undefined;
  /** Extra request headers, already validated (see validateHeaders). */
  headers?: readonly (readonly [string, string])[] | undefined;
  maxHandshakeBytes?: number | undefined;
  maxRefusalBodyBytes?: number | undefined;
  /**
   * Offer permessage-deflate (RFC 7692) with these options (see resolveDeflateOptions);
   * undefined offers no extension, and any extension in the answer fails the handshake.
   */
  perMessageDeflate?: ResolvedDeflateOptions | undefined;
  ports: CorePorts;
}

/** How the handshake ended: the connection is open (with the bytes after the 101), or not. */
export type HandshakeOutcome =
  | {
      readonly type: 'open';
      readonly protocol: string;
      /** The Sec-WebSocket-Extensions value as the server sent it ('' when none). */
      readonly extensions: string;
      /** The permessage-deflate parameters agreed on; undefined when not offered or declined. */
      readonly deflate: AgreedDeflate | undefined;
      readonly head: HttpResponseHead;
      /** Bytes that followed the 101 in the same read: the first frames. */
      readonly rest: Uint8Array;
    }
  | { readonly type: 'failed'; readonly error: WebSocketError };

/** Interim (1xx) responses skipped before the real one; more fail the handshake. */
const MAX_INTERIM_RESPONSES = 8;

export class OpeningHandshake {
  /** The upgrade request, to write before anything else. */
  readonly requestBytes: Uint8Array;
  readonly #key: string;
  readonly #protocols: readonly string[];
  readonly #deflate: ResolvedDeflateOptions | undefined;
  readonly #secure: boolean;
  readonly #sha1: CorePorts['sha1'];
  readonly #maxHandshakeBytes: number;
  readonly #maxRefusalBodyBytes: number;
  #headParser: HttpResponseParser;
  #interimResponses = 0;
  /** Set once the head of a refusal (not 101) was read: its body is arriving. */
  #refusal: RefusalBodyReader | undefined;

  constructor(options: OpeningHandshakeOptions) {
    this.#secure = options.target.secure;
    this.#sha1 = options.ports.sha1;
    this.#protocols = options.protocols ?? [];
    this.#deflate = options.perMessageDeflate;
    this.#maxRefusalBodyBytes = options.maxRefusalBodyBytes ?? Defaults.maxRefusalBodyBytes;
    this.#maxHandshakeBytes = options.maxHandshakeBytes ?? Defaults.maxHandshakeBytes;
    this.#headParser = new HttpResponseParser(this.#maxHandshakeBytes);
    const request = buildHandshakeRequest(
      {
        target: options.target,
        protocols: this.#protocols,
        origin: options.origin,
        headers: options.headers ?? [],
        extensions: this.#deflate === undefined ? undefined : formatDeflateOffer(this.#deflate),
      },
      options.ports.entropy,
    );
    this.#key = request.key;
    this.requestBytes = request.bytes;
  }

  /** True while the head of a refused handshake was read and its body is still arriving. */
  get isReadingRefusalBody(): boolean {
    return this.#refusal !== undefined;
  }

  /** Feeds bytes of the server's answer; undefined while more are needed. */
  receive(data: Uint8Array): HandshakeOutcome | undefined {
    if (this.#refusal !== undefined) {
      return this.#refusal.push(data) ? this.#finishRefusal() : undefined;
    }
    const parsed = this.#headParser.push(data);
    if (!this.#secure && this.#headParser.looksLikeTls) return failed(notHttpButTls());
    if (parsed === undefined) return undefined;
    if (parsed instanceof Error) return failed(parsed);
    const { head, rest } = parsed;
    if (head.status >= 100 && head.status < 200 && head.status !== 101) {
      // An interim response (e.g. 100 Continue, 103 Early Hints) has no body and is followed
      // by the real one (RFC 9110 §15.2): skip it and parse what comes next, a few times at most.
      if (++this.#interimResponses > MAX_INTERIM_RESPONSES) {
        return failed(
          new HandshakeError(
            ErrorCode.InvalidHttpResponse,
            `the server sent more than ${MAX_INTERIM_RESPONSES} interim (1xx) responses before its answer`,
          ),
        );
      }
      this.#headParser = new HttpResponseParser(this.#maxHandshakeBytes);
      return rest.length > 0 ? this.receive(rest) : undefined;
    }
    if (head.status !== 101) {
      this.#refusal = new RefusalBodyReader(head, this.#maxRefusalBodyBytes);
      return this.receive(rest);
    }
    const result = validateHandshakeResponse(
      head,
      this.#key,
      this.#protocols,
      [],
      this.#sha1,
      this.#deflate,
    );
    if (result instanceof Error) return failed(result);
    return {
      type: 'open',
      protocol: result.protocol,
      extensions: result.extensions,
      deflate: result.deflate,
      head,
      rest,
    };
  }

  /** The input ended before an outcome: why (a refusal reports what of its body arrived). */
  receiveEof(): WebSocketError {
    if (this.#refusal !== undefined) return this.#refusal.finish();
    const parser = this.#headParser;
    if (this.#secure) {
      return new TransportError(
        ErrorCode.ConnectionLost,
        'the server closed the connection before completing the opening handshake (over TLS this is also how some servers refuse a missing or unknown client certificate)',
        'handshake',
      );
    }
    if (parser.looksLikeTls) return notHttpButTls();
    return new TransportError(
      ErrorCode.ConnectionLost,
      parser.bytesReceived === 0
        ? 'the server closed the connection without answering the opening handshake; if it expects TLS, use wss:// instead of ws://'
        : 'the server closed the connection before completing the opening handshake',
      'handshake',
    );
  }

  #finishRefusal(): HandshakeOutcome {
    return failed(this.#refusal!.finish());
  }
}

function failed(error: WebSocketError): HandshakeOutcome {
  return { type: 'failed', error };
}

/** A ws:// connection whose server answered with a TLS record. */
function notHttpButTls(): HandshakeError {
  return new HandshakeError(
    ErrorCode.InvalidHttpResponse,
    'the server answered in TLS, not HTTP: it expects a secure connection; use wss:// instead of ws://',
  );
}
