// The host functions behind the Lua `websocket` global: each Lua client is a dialect client
// (LuatOS, LuatOS-Air or NodeMCU) held here by a numeric handle. Method calls go straight to
// the dialect; its events go to the Lua callbacks through the bridge; the calls that block a
// task settle through the host. Also tracks which clients can still produce events, so the
// runner can tell when the script is done, and closes them all at the end.

import type { ConnectTo, Logger } from '../client/options.js';
import { isLuaTruthy } from '../dialects/lua-conventions.js';
import { type LuatosClient, websocket as luatos } from '../dialects/luatos.js';
import { websocket as air, type LuatosAirClient } from '../dialects/luatos-air.js';
import { type NodeMcuClient, websocket as nodemcu } from '../dialects/nodemcu.js';
import type { Bridge } from './bridge.js';
import type { Host } from './host.js';

export interface WebSocketSettings {
  connectTo: ConnectTo | undefined;
  /** The engine's frame log (--debug), or undefined. */
  logger: Logger | undefined;
}

type Entry =
  | { kind: 'luatos'; client: LuatosClient; live: boolean; reconnect: boolean; listening: boolean }
  | {
      kind: 'luatos-air';
      client: LuatosAirClient;
      isUsed: boolean;
      isRunning: boolean;
      connecting: number;
      procDone: (() => void) | undefined;
      listening: Set<string>;
    }
  | { kind: 'nodemcu'; client: NodeMcuClient; live: boolean; listening: Set<string> };

const METHODS: Record<Entry['kind'], ReadonlySet<string>> = {
  luatos: new Set(['connect', 'autoreconn', 'send', 'close', 'ready', 'headers', 'debug']),
  'luatos-air': new Set(['send', 'sendFrame', 'ping', 'pong', 'close', 'state', 'online']),
  nodemcu: new Set(['config', 'connect', 'send', 'close']),
};

export class WebSocketHost {
  readonly #entries = new Map<number, Entry>();
  readonly #bridge: Bridge;
  readonly #host: Host;
  readonly #settings: WebSocketSettings;
  #next = 1;

  constructor(bridge: Bridge, host: Host, settings: WebSocketSettings) {
    this.#bridge = bridge;
    this.#host = host;
    this.#settings = settings;
    bridge.define('create', (kind, ...args) => this.#create(kind as Entry['kind'], args), {
      plain: [2],
    });
    bridge.define('bind', (h, ref) => {
      bridge.objects.set(this.#entry(h).client, ref as never);
    });
    bridge.define('listen', (h, event, has) =>
      this.#listen(this.#entry(h), h as number, event, has === true),
    );
    bridge.define(
      'call',
      (h, method, ...args) => this.#call(this.#entry(h), method as string, args),
      {
        plain: [2],
      },
    );
    bridge.define('await', (id, h, method, timeout) => {
      const entry = this.#entry(h);
      if (entry.kind !== 'luatos-air') throw new Error(`${String(method)} is not a blocking call`);
      entry.isUsed = true;
      if (method === 'connect') {
        entry.connecting++;
        const done = entry.client.connect(timeout as number | undefined);
        const settled = done.finally(() => {
          entry.connecting--;
        });
        host.settle(id as number, settled, true);
      } else host.settle(id as number, entry.client.recv(), true, true);
    });
    bridge.define('start', (id, h, keepAlive, hasProc, reconnTime) => {
      const entry = this.#entry(h);
      if (entry.kind !== 'luatos-air') throw new Error('start is a LuatOS-Air method');
      const task = id as number;
      const proc =
        hasProc === true
          ? (message: string | Uint8Array) =>
              new Promise<void>((resolve) => {
                entry.procDone = resolve;
                host.resume(task, 'message', message);
              })
          : undefined;
      entry.isUsed = true;
      entry.isRunning = true;
      host.pending++;
      entry.client
        .start(keepAlive as number | undefined, proc, reconnTime as number | undefined)
        .then(
          () => ['done'],
          (error: unknown) => ['err', error instanceof Error ? error.message : String(error)],
        )
        .then((result) => {
          entry.isRunning = false;
          host.pending--;
          host.resume(task, ...result);
        });
    });
    bridge.define('procDone', (h) => {
      const entry = this.#entry(h);
      if (entry.kind !== 'luatos-air') return;
      const done = entry.procDone;
      entry.procDone = undefined;
      done?.();
    });
  }

  #entry(h: unknown): Entry {
    const entry = this.#entries.get(h as number);
    if (entry === undefined) throw new Error('not a websocket client');
    return entry;
  }

  #emit(h: number, ...args: unknown[]): void {
    if (this.#host.isFinished) return;
    this.#bridge.dispatch('ev', h, ...args);
    this.#host.changed();
  }

  #create(kind: Entry['kind'], args: unknown[]): number | undefined {
    const { connectTo, logger } = this.#settings;
    const h = this.#next++;
    if (kind === 'luatos') {
      const [adapter, url, keepalive, ipv6] = args;
      const client = luatos.create(
        adapter as number | undefined,
        url as string,
        keepalive as number | undefined,
        ipv6 as boolean | undefined,
        { bus: this.#host.bus, connectTo, logger },
      );
      if (client === undefined) return undefined;
      const entry: Entry = { kind, client, live: false, reconnect: false, listening: false };
      if (logger !== undefined) client.debug(true);
      client.on((_client, event, ...rest) => {
        if (event === 'conack') entry.live = true;
        if (event === 'disconnect') entry.live = entry.reconnect;
        if (entry.listening) this.#emit(h, event, ...rest);
        else this.#host.changed();
      });
      this.#entries.set(h, entry);
    } else if (kind === 'luatos-air') {
      const [url, cert] = args;
      const client = air.new(url as string, cert as never, { logger, connectTo });
      const entry: Entry = {
        kind,
        client,
        isUsed: false,
        isRunning: false,
        connecting: 0,
        procDone: undefined,
        listening: new Set(),
      };
      // Always heard: the end of a connection may be the end of the script.
      client.on('close', (code) => {
        if (entry.listening.has('close')) this.#emit(h, 'close', code);
        else this.#host.changed();
      });
      this.#entries.set(h, entry);
    } else {
      const client = nodemcu.createClient({ logger, connectTo });
      const entry: Entry = { kind, client, live: false, listening: new Set() };
      client.on('close', (_client, status) => {
        entry.live = false;
        if (entry.listening.has('close')) this.#emit(h, 'close', status);
        else this.#host.changed();
      });
      this.#entries.set(h, entry);
    }
    return h;
  }

  #listen(entry: Entry, h: number, event: unknown, has: boolean): void {
    if (entry.kind === 'luatos') {
      entry.listening = has;
    } else if (entry.kind === 'luatos-air') {
      const name = event as string;
      if (name === 'close') {
        if (has) entry.listening.add('close');
        else entry.listening.delete('close');
      } else {
        // Any name is accepted at run time, as on the device; only the typed overload is narrow.
        const listen = entry.client.on as (name: string, callback: unknown) => void;
        listen.call(
          entry.client,
          name,
          has ? (...args: unknown[]) => this.#emit(h, name, ...args) : null,
        );
      }
    } else if (event === 'close') {
      if (has) entry.listening.add('close');
      else entry.listening.delete('close');
    } else if (event === 'connection') {
      entry.client.on('connection', has ? () => this.#emit(h, 'connection') : null);
    } else if (event === 'receive') {
      entry.client.on(
        'receive',
        has ? (_client, message, opcode) => this.#emit(h, 'receive', message, opcode) : null,
      );
    } else {
      entry.client.on(event as 'close', null);
    }
  }

  #call(entry: Entry, method: string, args: unknown[]): unknown {
    if (method === 'exit' && entry.kind === 'luatos-air') {
      air.exit(entry.client);
      return undefined;
    }
    if (!METHODS[entry.kind].has(method)) throw new Error(`unknown method ${method}`);
    // The firmware reads a number where it wants a string (luaL_checklstring).
    if (method === 'send' && typeof args[0] === 'number' && entry.kind !== 'luatos') {
      args[0] = String(args[0]);
    }
    const client = entry.client as unknown as Record<string, (...values: unknown[]) => unknown>;
    const result = client[method]!(...args);
    if (entry.kind === 'luatos') {
      if (method === 'connect') entry.live = true;
      if (method === 'autoreconn') entry.reconnect = isLuaTruthy(args[0]);
      if (method === 'close') entry.live = false;
    } else if (entry.kind === 'nodemcu' && method === 'connect') {
      entry.live = true;
    }
    return result;
  }

  /** Whether some client can still produce an event. */
  get isLive(): boolean {
    for (const entry of this.#entries.values()) {
      if (entry.kind === 'luatos-air') {
        if (entry.isRunning || entry.connecting > 0) return true;
        const state = entry.isUsed ? entry.client.state() : 'CLOSED';
        if (state === 'OPEN' || state === 'CLOSING') return true;
      } else if (entry.live) return true;
    }
    return false;
  }

  /** Closes every client: the end of the script, --timeout or stop(). */
  closeAll(): void {
    for (const entry of this.#entries.values()) {
      try {
        if (entry.kind === 'luatos-air') air.exit(entry.client);
        else entry.client.close();
      } catch {
        // A client that cannot be closed has nothing open.
      }
    }
  }
}
