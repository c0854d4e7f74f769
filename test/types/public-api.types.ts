// Type-level tests of the public API, checked by `npm run typecheck` (never run). Each
// `@ts-expect-error` line must be an error: if the types regress and accept it, tsc reports
// the directive as unused and the type check fails. The other lines must compile as written.

import { websocket as air } from '../../src/dialects/luatos-air.js';
import { websocket as mcu } from '../../src/dialects/nodemcu.js';
import {
  connect,
  connectForever,
  ErrorCode,
  HandshakeError,
  InvalidArgumentError,
  isWebSocketError,
  isWsxError,
  type Message,
  ProtocolError,
  ReconnectingWebSocket,
  TransportError,
  WebSocket,
  type WebSocketClient,
  type WsxError,
} from '../../src/index.js';

declare const ws: WebSocketClient;
declare const unknownValue: unknown;

// ---------------------------------------------------------------- event names

export function eventNames(): void {
  ws.on('message', (message) => message.data);
  ws.on('close', (info) => info.code);
  ws.once('error', (error) => error.code);
  // @ts-expect-error a misspelt event name never fires
  ws.on('mesage', () => {});
  // @ts-expect-error once() checks the name too
  ws.once('opne', () => {});
  // @ts-expect-error off() checks the name too
  ws.off('closed', () => {});
  // @ts-expect-error the listener's argument follows the event
  ws.on('close', (info: string) => info);

  const device = mcu.createClient();
  device.on('receive', (_, message) => message);
  // @ts-expect-error NodeMCU knows connection, receive and close only
  device.on('recieve', () => {});

  const board = air.new('ws://127.0.0.1:1/');
  board.on('message', (message) => message);
  // @ts-expect-error LuatOS-Air: a misspelt name is a compile error (Lua may still pass any)
  board.on('mesage', () => {});
}

// ---------------------------------------------------------------- messages

export function messages(message: Message): number {
  if (message.isBinary) {
    const bytes: Uint8Array = message.data;
    return bytes.byteLength;
  }
  const text: string = message.data;
  // @ts-expect-error without the isBinary check, data may be a string
  const bytes: Uint8Array = message.data;
  return text.length + bytes.length;
}

export async function iteration(): Promise<void> {
  for await (const { data, isBinary } of ws) {
    if (isBinary) data.byteLength;
    else data.toUpperCase();
  }
}

// ---------------------------------------------------------------- errors

/** The example of docs/errors.md, as written there. */
export async function documentedCatch(): Promise<void> {
  try {
    const ws = await connect('wss://example.test/feed');
    void ws;
  } catch (error) {
    if (isWebSocketError(error) && error.code === 'ERR_HANDSHAKE_STATUS') {
      console.error(error.status, error.bodyText); // the server's reason, e.g. a 401 page
    }
    if (isWsxError(error) && error.code === 'ERR_HANDSHAKE_STATUS') {
      const status: number = error.status;
      void status;
    }
  }
}

export function narrowing(error: WsxError): string {
  switch (error.code) {
    case 'ERR_HANDSHAKE_STATUS':
      return error.bodyText;
    case 'ERR_TLS':
    case 'ERR_CONNECT':
      return error.phase;
    case 'ERR_MESSAGE_TOO_BIG':
      return String(error.limit);
    case 'ERR_OPEN_TIMEOUT':
      return String(error.timeoutMs);
    case 'ERR_CONNECTION_CLOSED':
      return String(error.wasClean);
    case 'ERR_HANDSHAKE_ACCEPT':
      // @ts-expect-error only a refused upgrade has a status
      return String(error.status);
    default:
      return error.message;
  }
}

export function guards(): void {
  if (isWsxError(unknownValue)) {
    const code: ErrorCode = unknownValue.code;
    void code;
    // @ts-expect-error not a code of any wsx error
    if (unknownValue.code === 'ERR_NOPE') return;
  }
  if (unknownValue instanceof TransportError) {
    // @ts-expect-error a TransportError never has a handshake code
    if (unknownValue.code === 'ERR_HANDSHAKE_STATUS') return;
  }
  if (unknownValue instanceof HandshakeError && unknownValue.code === 'ERR_HANDSHAKE_UPGRADE') {
    void unknownValue.message;
  }
}

export function construction(): void {
  new ProtocolError(ErrorCode.ReservedBits, 'rsv');
  new InvalidArgumentError(ErrorCode.InvalidUrl, 'bad url');
  // @ts-expect-error each class takes only its own codes
  new ProtocolError(ErrorCode.Aborted, 'aborted');
  // @ts-expect-error each class takes only its own codes
  new TransportError(ErrorCode.UnexpectedStatus, 'refused', 'handshake');
}

export function whatwgErrorEvent(socket: WebSocket): void {
  socket.onerror = (event) => console.error(event.error?.code, event.message);
  socket.addEventListener('error', (event) => {
    if (event.error.code === 'ERR_HANDSHAKE_STATUS') void event.error.status;
  });
}

// ---------------------------------------------------------------- options

export async function options(): Promise<void> {
  await connect('ws://127.0.0.1:1/', { protocols: ['chat'] });
  // @ts-expect-error an unknown option (also refused at run time, naming "protocols")
  await connect('ws://127.0.0.1:1/', { protocol: ['chat'] });
  new WebSocket('ws://127.0.0.1:1/', ['chat'], { openTimeoutMs: 1000 });
  // @ts-expect-error an unknown option
  new WebSocket('ws://127.0.0.1:1/', ['chat'], { openTimeout: 1000 });
  new ReconnectingWebSocket('ws://127.0.0.1:1/', [], { maxRetries: 3 });
  // @ts-expect-error an unknown option
  new ReconnectingWebSocket('ws://127.0.0.1:1/', [], { maxRetry: 3 });
  // @ts-expect-error an unknown option
  connectForever('ws://127.0.0.1:1/', { maxRetry: 3 });
  // @ts-expect-error an unknown option
  mcu.createClient({ logger: () => {}, debug: true });
}

// ---------------------------------------------------------------- renamed names still work

import type { LuatosClient } from '../../src/dialects/luatos.js';
import { websocket as luatos } from '../../src/dialects/luatos.js';
import type {
  LuatOsAirCert,
  LuatOsAirClient,
  LuatOsAirEventMap,
  LuatOsAirEventName,
  LuatOsAirHostOptions,
  LuatOsAirMessage,
  LuatOsAirPayload,
  LuatOsAirState,
  LuatosAirCert,
  LuatosAirClient,
  LuatosAirEventName,
  LuatosAirHostOptions,
  LuatosAirMessage,
  LuatosAirState,
  RecvResult,
} from '../../src/dialects/luatos-air.js';

export function renamedNames(oldClient: LuatOsAirClient, oldMessage: LuatOsAirMessage): void {
  const client: LuatosAirClient = oldClient;
  const message: LuatosAirMessage = oldMessage;
  const created: LuatosClient | undefined = luatos.create(null, 'ws://h/');
  void [client, message, created];
}

export function oldAirNames(
  cert: LuatOsAirCert,
  options: LuatOsAirHostOptions,
  event: LuatOsAirEventName,
  state: LuatOsAirState,
  payload: LuatOsAirPayload,
  onClose: LuatOsAirEventMap['close'],
  result: RecvResult,
): void {
  const sameCert: LuatosAirCert = cert;
  const sameOptions: LuatosAirHostOptions = options;
  const sameEvent: LuatosAirEventName = event;
  const sameState: LuatosAirState = state;
  // @ts-expect-error a state outside the four names
  const wrongState: LuatOsAirState = 'OPENED';
  void [sameCert, sameOptions, sameEvent, sameState, payload, onClose, result, wrongState];
}
