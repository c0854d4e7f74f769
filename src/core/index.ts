// The public sans-I/O surface (`wsx/core`): bring your own transport, clock and entropy.

export {
  type BinaryMessage,
  type Message,
  MessageAssembler,
  type TextMessage,
} from './assembler.js';
export { concatBytes, utf8Encode } from './bytes.js';
export {
  isValidWireCloseCode,
  parseClosePayload,
  serializeClosePayload,
  validateUserClose,
} from './close.js';
export { CloseCode, Defaults, Opcode, ReadyState } from './constants.js';
export * from './errors.js';
export {
  type ExtensionItem,
  type ExtensionParam,
  parseExtensionList,
} from './extension-header.js';
export { applyMask, FrameWriter } from './frame.js';
export { FrameDecoder, type FrameSink } from './frame-decoder.js';
export {
  buildHandshakeRequest,
  computeAccept,
  type HeadersInit,
  validateHandshakeResponse,
  validateHeaders,
  validateProtocols,
} from './handshake.js';
export { type HttpResponseHead, HttpResponseParser } from './http-response.js';
export {
  type AgreedDeflate,
  DeflateDefaults,
  formatDeflateOffer,
  PERMESSAGE_DEFLATE,
  type PerMessageDeflateOptions,
  parseDeflateResponse,
  type ResolvedDeflateOptions,
  resolveDeflateOptions,
} from './permessage-deflate.js';
export type { AllocateBytes, CorePorts, Entropy, Sha1, Utf8Check } from './ports.js';
export { ClientProtocol, type ClientProtocolOptions, type ProtocolEvent } from './protocol.js';
export { parseWebSocketUrl, type WebSocketTarget } from './url.js';
export { isValidUtf8, Utf8Validator } from './utf8.js';
