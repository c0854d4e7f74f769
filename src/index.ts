// wsx: the modern API, the WHATWG WebSocket and the error classes.

export { type ConnectForeverOptions, connectForever } from './api/connect-forever.js';
export type { SendData } from './api/data.js';
export {
  GiveUpEvent,
  type OpenHookSocket,
  type PartysocketOptions,
  ReconnectEvent,
  ReconnectingCloseEvent,
  ReconnectingWebSocket,
  type ReconnectingWebSocketEventMap,
  type ReconnectingWebSocketOptions,
  type WebSocketConstructor,
  type WebSocketLike,
} from './api/reconnecting-websocket.js';
export {
  CloseEvent,
  ErrorEvent,
  MessageEvent,
  WebSocket,
  type WebSocketErrorEvent,
} from './api/websocket.js';
export {
  type BinaryMessage,
  type CloseCause,
  type CloseCauseKind,
  type CloseInfo,
  type ClosePhase,
  type ConnectionStats,
  type ConnectOptions,
  connect,
  type Message,
  type TextMessage,
  WebSocketClient,
  type WebSocketClientEvents,
} from './api/websocket-client.js';
export type { Clock, TimerHandle } from './client/clock.js';
export type { Logger } from './client/options.js';
export type {
  Provider,
  ReconnectContext,
  ReconnectingEvent,
  ReconnectingOptions,
  ReconnectOptions,
} from './client/reconnect.js';
export { CloseCode, ReadyState } from './core/constants.js';
export * from './core/errors.js';
export type { ProxyOption } from './transport/proxy.js';
export type { TlsOptions } from './transport/transport.js';
