// Event classes of the WHATWG WebSocket face that Node 20 lacks as globals: CloseEvent and
// ErrorEvent. Plain DOM-shaped classes over Node's Event; no connection logic.

/** The DOM's EventInit (@types/node keeps its copy private). */
export interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

/** Event constructors take a required type: `new CloseEvent()` throws, as in browsers. */
function requireType(name: string, argumentCount: number): void {
  if (argumentCount === 0) {
    throw new TypeError(`Failed to construct '${name}': 1 argument required, but only 0 present`);
  }
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
    // biome-ignore lint/complexity/noArguments: WebIDL: the type argument is required
    requireType('CloseEvent', arguments.length);
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

/** The `error` event; wsx sets `error` to the WebSocketError that failed the connection. */
export class ErrorEvent extends Event {
  readonly #init: { [K in keyof ErrorEventInit]: ErrorEventInit[K] | undefined };
  constructor(type: string, init: ErrorEventInit = {}) {
    // biome-ignore lint/complexity/noArguments: WebIDL: the type argument is required
    requireType('ErrorEvent', arguments.length);
    super(type, init);
    // Each member is read with a plain property access (inherited ones count), as WebIDL
    // dictionaries are.
    const { message, filename, lineno, colno, error } = init;
    this.#init = { message, filename, lineno, colno, error };
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
  /** What `init.error` was (WebIDL `any`, undefined by default). */
  get error(): unknown {
    return this.#init.error;
  }
}

/** Event handler attributes (`onopen` ...): each keeps the listener position of its first value. */
export class HandlerAttributes {
  readonly #target: EventTarget;
  readonly #entries = new Map<string, { value: Function; listener: (event: Event) => void }>();

  constructor(target: EventTarget) {
    this.#target = target;
  }

  get(type: string): Function | null {
    return this.#entries.get(type)?.value ?? null;
  }

  set(type: string, value: unknown): void {
    const entry = this.#entries.get(type);
    if (typeof value !== 'function') {
      if (entry === undefined) return;
      this.#entries.delete(type);
      this.#target.removeEventListener(type, entry.listener);
    } else if (entry !== undefined) entry.value = value;
    else {
      const target = this.#target;
      const record = {
        value,
        listener: (event: Event): void => void record.value.call(target, event),
      };
      this.#entries.set(type, record);
      target.addEventListener(type, record.listener);
    }
  }
}

/**
 * Gives a WebSocket-like class its WHATWG shape: the CONNECTING/OPEN/CLOSING/CLOSED constants
 * on the class and its prototype, the onopen/onmessage/onerror/onclose attributes, and its
 * toStringTag.
 */
export function defineWebSocketShape<T extends EventTarget>(
  klass: { prototype: T },
  tag: string,
  handlersOf: (instance: T) => HandlerAttributes,
): void {
  const constant = { enumerable: true, writable: false, configurable: false };
  const states = { CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3 };
  for (const target of [klass, klass.prototype]) {
    for (const [name, value] of Object.entries(states)) {
      Object.defineProperty(target, name, { ...constant, value });
    }
  }
  for (const type of ['open', 'message', 'error', 'close']) {
    Object.defineProperty(klass.prototype, `on${type}`, {
      get(this: T) {
        return handlersOf(this).get(type);
      },
      set(this: T, value: unknown) {
        handlersOf(this).set(type, value);
      },
      enumerable: true,
      configurable: true,
    });
  }
  Object.defineProperty(klass.prototype, Symbol.toStringTag, { value: tag, configurable: true });
}
