// A tiny typed event emitter. Unlike node:events, an 'error' without listeners is not
// thrown: every failure also reaches the close information, so nothing is lost. The event map
// is a closed set of names: `on('mesage', …)` is a compile error, not a listener that never runs.

export type Listener<Args extends unknown[]> = (...args: Args) => void;

/** An event map: each event name to the tuple of its listener's arguments. */
export type EventMap<Events> = { [K in keyof Events]: unknown[] };

export class TypedEmitter<Events extends EventMap<Events>> {
  #listeners: { [K in keyof Events]?: Listener<Events[K]>[] } = {};

  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    if (typeof listener !== 'function') throw new TypeError('the listener must be a function');
    const list = this.#listeners[event];
    if (list === undefined) this.#listeners[event] = [listener];
    else list.push(listener);
    return this;
  }

  once<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const wrapper: Listener<Events[K]> = (...args) => {
      this.off(event, wrapper);
      listener(...args);
    };
    return this.on(event, wrapper);
  }

  off<K extends keyof Events>(event: K, listener: Listener<Events[K]>): this {
    const list = this.#listeners[event];
    if (list === undefined) return this;
    const index = list.indexOf(listener);
    if (index !== -1) list.splice(index, 1);
    return this;
  }

  listenerCount<K extends keyof Events>(event: K): number {
    return this.#listeners[event]?.length ?? 0;
  }

  protected emit<K extends keyof Events>(event: K, ...args: Events[K]): void {
    const list = this.#listeners[event];
    if (list === undefined || list.length === 0) return;
    if (list.length === 1) {
      list[0]!(...args);
      return;
    }
    for (const listener of list.slice()) listener(...args);
  }
}
