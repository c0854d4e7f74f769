// Event classes of the WHATWG WebSocket face that Node 20 lacks as globals: CloseEvent and
// ErrorEvent. Plain DOM-shaped classes over Node's Event; no connection logic.

/** The DOM's EventInit (@types/node keeps its copy private). */
export interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

export interface CloseEventInit extends EventInit {
  wasClean?: boolean;
  code?: number;
  reason?: string;
}

/** The event fired when a WebSocket closes (the standard's CloseEvent interface). */
export class CloseEvent extends Event {
  readonly #init: { wasClean: boolean; code: number; reason: string };
  constructor(type: string, init: CloseEventInit = {}) {
    super(type, init);
    this.#init = {
      wasClean: Boolean(init.wasClean),
      code: Number(init.code ?? 0) & 0xffff,
      reason: `${init.reason ?? ''}`,
    };
  }
  /** True when the closing handshake completed and TCP then closed. */
  get wasClean(): boolean {
    return this.#init.wasClean;
  }
  /** The server's close code; 1005 when its Close had none, 1006 when no Close arrived. */
  get code(): number {
    return this.#init.code;
  }
  get reason(): string {
    return this.#init.reason;
  }
}

export interface ErrorEventInit extends EventInit {
  message?: string;
  filename?: string;
  lineno?: number;
  colno?: number;
  error?: unknown;
}

/** The `error` event; wsc sets `error` to the WebSocketError that failed the connection. */
export class ErrorEvent extends Event {
  readonly #init: ErrorEventInit;
  constructor(type: string, init: ErrorEventInit = {}) {
    super(type, init);
    this.#init = { ...init };
  }
  get message(): string {
    return `${this.#init.message ?? ''}`;
  }
  get filename(): string {
    return `${this.#init.filename ?? ''}`;
  }
  get lineno(): number {
    return (Number(this.#init.lineno) || 0) >>> 0;
  }
  get colno(): number {
    return (Number(this.#init.colno) || 0) >>> 0;
  }
  get error(): unknown {
    return 'error' in this.#init ? this.#init.error : null;
  }
}
