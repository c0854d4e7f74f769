// The byte-exact bridge between JavaScript and one wasmoon Lua state. Lua strings are byte
// strings: they cross as a JS string when their bytes are valid UTF-8 and as a Uint8Array
// otherwise, and both go back to Lua as the same bytes (wasmoon's own conversion would stop
// at a NUL byte and replace invalid UTF-8). Host functions read their arguments from the Lua
// stack themselves; JavaScript enters Lua only through one dispatcher function, in protected
// mode, never while Lua is already running.

import { createRequire } from 'node:module';
import type { LuaEngine, LuaFactory } from 'wasmoon';
import { EXIT_SIGNAL, type LuaPlain, type LuaPlainTable, LuaRef, Results } from './lua-values.js';

// wasmoon is a CommonJS bundle: require() loads it without the scan for named exports that an
// ESM import makes over its 150 KB, which was a third of `wsx run`'s startup.
const wasmoon = createRequire(import.meta.url)('wasmoon') as typeof import('wasmoon');
const { LUA_REGISTRYINDEX } = wasmoon;
/** Lua type tags (lua.h), as wasmoon's LuaType enum. */
const LuaType = { None: -1, Nil: 0, Boolean: 1, Number: 3, String: 4, Table: 5 } as const;

let factory: LuaFactory | undefined;

/** One wasm module for every script of the process; each script gets its own Lua state. */
export function sharedFactory(): LuaFactory {
  factory ??= new wasmoon.LuaFactory();
  return factory;
}

export {
  EXIT_SIGNAL,
  type LuaPlain,
  type LuaPlainTable,
  LuaRef,
  Results,
} from './lua-values.js';

type HostFunction = (...args: unknown[]) => unknown;

interface HostOptions {
  /** Argument positions (0-based) whose tables are read as plain JS objects. */
  plain?: readonly number[];
}

const utf8 = new TextDecoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();

export class Bridge {
  readonly engine: LuaEngine;
  /** The main Lua thread: where the main chunk and every dispatch run. */
  readonly L: number;
  readonly #m: LuaModule;
  readonly #lenPtr: number;
  #scratch = 0;
  #scratchSize = 0;
  #dispatchRef = 0;
  #depth = 0;
  #isClosed = false;
  /** Set when the script has ended: host calls then raise EXIT_SIGNAL. */
  isStopped = false;
  readonly #refs: FinalizationRegistry<number>;
  /** JS objects (dialect clients) that stand for a Lua value when pushed. */
  readonly objects = new Map<object, LuaRef>();
  /** Receives errors of the dispatcher itself (not of the script, which reports its own). */
  onInternalError: (message: string) => void = () => {};

  constructor(engine: LuaEngine) {
    this.engine = engine;
    this.L = engine.global.address;
    this.#m = engine.global.lua.module as unknown as LuaModule;
    this.#lenPtr = this.#m._malloc(8);
    this.#refs = new FinalizationRegistry((ref) => {
      if (!this.#isClosed) this.#m._luaL_unref(this.L, LUA_REGISTRYINDEX, ref);
    });
  }

  /** True while Lua code runs (a dispatch or a host call is on the stack). */
  get isBusy(): boolean {
    return this.#depth > 0;
  }

  /** Defines the global `__wsx_<name>`; the prelude collects and removes these. */
  define(name: string, fn: HostFunction, options: HostOptions = {}): void {
    const plain = new Set(options.plain ?? []);
    const m = this.#m;
    // A C function of our own (not wasmoon's wrapper, which does string work per call).
    const pointer = m.addFunction((L: number): number => {
      const count = m._lua_gettop(L);
      let result: unknown;
      let failure: string | undefined;
      this.#depth++;
      try {
        const args: unknown[] = new Array(count);
        for (let i = 0; i < count; i++)
          args[i] = plain.has(i) ? this.plain(L, i + 1) : this.read(L, i + 1);
        // After the end (os.exit, an error, a timeout) Lua only unwinds.
        if (this.isStopped) throw new Error(EXIT_SIGNAL);
        result = fn(...args);
      } catch (error) {
        failure = this.#errorText(L, error);
      } finally {
        this.#depth--;
      }
      if (failure !== undefined) {
        // Raised outside the try: lua_error unwinds through this frame.
        this.#pushString(L, failure);
        return m._lua_error(L);
      }
      if (result === undefined) return 0;
      if (result instanceof Results) {
        for (const value of result.values) this.push(L, value);
        return result.values.length;
      }
      this.push(L, result);
      return 1;
    }, 'ii');
    this.#functions.push(pointer);
    m._lua_pushcclosure(this.L, pointer, 0);
    const global = m.stringToNewUTF8(`__wsx_${name}`);
    m._lua_setglobal(this.L, global);
    m._free(global);
  }

  /** The message of a host error, prefixed with the script's file:line that made the call. */
  #errorText(L: number, error: unknown): string {
    const message = error instanceof Error ? error.message : String(error);
    if (message === EXIT_SIGNAL) return message;
    for (let level = 1; level < 8; level++) {
      this.#m._luaL_where(L, level);
      const where = this.#text(L, -1);
      this.#m._lua_settop(L, -2);
      if (where === '') break;
      if (!where.startsWith('[wsx]')) return `${where}${message}`;
    }
    return message;
  }

  /** Reads a Lua value: nil, boolean, number, string (text or bytes), else a LuaRef. */
  read(L: number, index: number): unknown {
    const m = this.#m;
    switch (m._lua_type(L, index)) {
      case LuaType.None:
      case LuaType.Nil:
        return undefined;
      case LuaType.Boolean:
        return m._lua_toboolean(L, index) !== 0;
      case LuaType.Number:
        return m._lua_isinteger(L, index) !== 0
          ? Number(m._lua_tointegerx(L, index, 0))
          : m._lua_tonumberx(L, index, 0);
      case LuaType.String: {
        const bytes = this.#bytes(L, index);
        // One native pass: valid UTF-8 decodes, anything else stays bytes.
        try {
          return strictUtf8.decode(bytes);
        } catch {
          return bytes;
        }
      }
      default: {
        m._lua_pushvalue(L, index);
        return this.#track(new LuaRef(m._luaL_ref(L, LUA_REGISTRYINDEX)));
      }
    }
  }

  #track(value: LuaRef): LuaRef {
    this.#refs.register(value, value.ref);
    return value;
  }

  #bytes(L: number, index: number): Uint8Array {
    const m = this.#m;
    const pointer = m._lua_tolstring(L, index, this.#lenPtr);
    const length = m.HEAPU32[this.#lenPtr >> 2]!;
    return m.HEAPU8.slice(pointer, pointer + length);
  }

  #text(L: number, index: number): string {
    return utf8.decode(this.#bytes(L, index));
  }

  /** Reads a table as a plain object (string keys, nested tables, at most 8 deep). */
  plain(L: number, index: number, depth = 0): LuaPlain {
    const m = this.#m;
    if (m._lua_type(L, index) !== LuaType.Table || depth > 8) {
      const value = this.read(L, index);
      return value instanceof LuaRef ? undefined : (value as LuaPlain);
    }
    const table = m._lua_absindex(L, index);
    const out: LuaPlainTable = {};
    m._lua_pushnil(L);
    while (m._lua_next(L, table) !== 0) {
      // Keys are read from a copy: lua_tolstring on a number key would confuse lua_next.
      m._lua_pushvalue(L, -2);
      const key = this.read(L, -1);
      m._lua_settop(L, -2);
      if (typeof key === 'string' || typeof key === 'number') {
        out[String(key)] = this.plain(L, -1, depth + 1);
      }
      m._lua_settop(L, -2);
    }
    return out;
  }

  /** Pushes a JS value as Lua sees it; strings and bytes become Lua strings byte for byte. */
  push(L: number, value: unknown): void {
    const m = this.#m;
    if (value === undefined || value === null) m._lua_pushnil(L);
    else if (typeof value === 'boolean') m._lua_pushboolean(L, value ? 1 : 0);
    else if (typeof value === 'number') {
      if (Number.isSafeInteger(value)) m._lua_pushinteger(L, BigInt(value));
      else m._lua_pushnumber(L, value);
    } else if (typeof value === 'string') this.#pushString(L, value);
    else if (value instanceof Uint8Array) this.#pushBytes(L, value);
    else if (value instanceof LuaRef) m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(value.ref));
    else if (typeof value === 'object' && this.objects.has(value)) {
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(this.objects.get(value)!.ref));
    } else if (value instanceof Error) this.#pushString(L, value.message);
    else this.#pushString(L, String(value));
  }

  #reserve(size: number): number {
    if (size > this.#scratchSize) {
      if (this.#scratch !== 0) this.#m._free(this.#scratch);
      this.#scratchSize = Math.max(size, 256);
      this.#scratch = this.#m._malloc(this.#scratchSize);
    }
    return this.#scratch;
  }

  #pushString(L: number, text: string): void {
    const pointer = this.#reserve(text.length * 3);
    const { written } = encoder.encodeInto(
      text,
      this.#m.HEAPU8.subarray(pointer, pointer + text.length * 3),
    );
    this.#m._lua_pushlstring(L, pointer, written);
  }

  #pushBytes(L: number, bytes: Uint8Array): void {
    const pointer = this.#reserve(bytes.length);
    this.#m.HEAPU8.set(bytes, pointer);
    this.#m._lua_pushlstring(L, pointer, bytes.length);
  }

  /**
   * Loads a chunk (source bytes) named `@name`, so its errors read `name:LINE:`. Returns the
   * function, or the syntax error message.
   */
  load(source: Uint8Array, name: string): LuaRef | string {
    const m = this.#m;
    const pointer = m._malloc(source.length + 1);
    m.HEAPU8.set(source, pointer);
    const chunkName = m.stringToNewUTF8(name);
    const mode = m.stringToNewUTF8('t');
    try {
      const status = m._luaL_loadbufferx(this.L, pointer, source.length, chunkName, mode);
      if (status !== 0) {
        const message = this.#text(this.L, -1);
        m._lua_settop(this.L, -2);
        return message;
      }
      return this.#track(new LuaRef(m._luaL_ref(this.L, LUA_REGISTRYINDEX)));
    } finally {
      m._free(pointer);
      m._free(chunkName);
      m._free(mode);
    }
  }

  /** Makes the global `name` (a Lua function) the dispatcher and removes the global. */
  setDispatcher(name: string): void {
    const m = this.#m;
    const nameText = m.stringToNewUTF8(name);
    m._lua_getglobal(this.L, nameText);
    m._lua_pushnil(this.L);
    m._lua_setglobal(this.L, nameText);
    m._free(nameText);
    this.#dispatchRef = m._luaL_ref(this.L, LUA_REGISTRYINDEX);
  }

  /**
   * Calls the Lua dispatcher with `args`. Never runs inside Lua: a call made while Lua runs
   * waits for the next microtask. Never throws.
   */
  dispatch(...args: unknown[]): void {
    if (this.#isClosed || this.isStopped) return;
    if (this.#depth > 0) {
      queueMicrotask(() => this.dispatch(...args));
      return;
    }
    const error = this.call(new LuaRef(this.#dispatchRef), args);
    if (error !== undefined && error !== EXIT_SIGNAL) this.onInternalError(error);
  }

  /** Calls a Lua function in protected mode; returns the error message, if any. */
  call(fn: LuaRef, args: readonly unknown[]): string | undefined {
    const m = this.#m;
    const L = this.L;
    const top = m._lua_gettop(L);
    this.#depth++;
    try {
      m._lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(fn.ref));
      for (const arg of args) this.push(L, arg);
      if (m._lua_pcallk(L, args.length, 0, 0, 0, 0) !== 0) return this.#text(L, -1);
      return undefined;
    } catch (error) {
      return error instanceof Error ? error.message : String(error);
    } finally {
      this.#depth--;
      if (!this.#isClosed) m._lua_settop(L, top);
    }
  }

  /**
   * Makes every Lua function raise EXIT_SIGNAL after `deadline()` says so, checked every
   * 10 000 instructions: a loop that never yields still stops at --timeout.
   */
  installDeadline(isPast: () => boolean): void {
    const m = this.#m;
    const hook = m.addFunction((L: number) => {
      if (!isPast()) return undefined;
      this.#pushString(L, EXIT_SIGNAL);
      m._lua_error(L);
      return undefined;
    }, 'vii');
    this.#hook = hook;
    // Count hook; coroutines created later inherit it from the main thread.
    m._lua_sethook(this.L, hook, 8, 10_000);
  }

  #hook = 0;
  /** Host functions in the wasm function table, removed at close. */
  readonly #functions: number[] = [];

  close(): void {
    if (this.#isClosed) return;
    this.#isClosed = true;
    const m = this.#m;
    if (this.#scratch !== 0) m._free(this.#scratch);
    m._free(this.#lenPtr);
    this.engine.global.close();
    if (this.#hook !== 0) m.removeFunction(this.#hook);
    for (const pointer of this.#functions) m.removeFunction(pointer);
  }
}

/** The part of the emscripten module this file uses (wasmoon does not type it). */
interface LuaModule {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  _malloc(size: number): number;
  _free(pointer: number): void;
  stringToNewUTF8(text: string): number;
  addFunction(fn: (...args: number[]) => number | undefined, signature: string): number;
  removeFunction(pointer: number): void;
  _lua_type(L: number, index: number): number;
  _lua_toboolean(L: number, index: number): number;
  _lua_isinteger(L: number, index: number): number;
  _lua_tointegerx(L: number, index: number, isnum: number): bigint;
  _lua_tonumberx(L: number, index: number, isnum: number): number;
  _lua_tolstring(L: number, index: number, len: number): number;
  _lua_pushvalue(L: number, index: number): void;
  _lua_pushnil(L: number): void;
  _lua_pushboolean(L: number, value: number): void;
  _lua_pushinteger(L: number, value: bigint): void;
  _lua_pushnumber(L: number, value: number): void;
  _lua_pushlstring(L: number, pointer: number, length: number): number;
  _lua_rawgeti(L: number, index: number, n: bigint): number;
  _lua_getglobal(L: number, name: number): number;
  _lua_setglobal(L: number, name: number): void;
  _lua_gettop(L: number): number;
  _lua_settop(L: number, index: number): void;
  _lua_absindex(L: number, index: number): number;
  _lua_next(L: number, index: number): number;
  _lua_pushcclosure(L: number, fn: number, n: number): void;
  _lua_pcallk(
    L: number,
    nargs: number,
    nresults: number,
    msgh: number,
    ctx: number,
    k: number,
  ): number;
  _lua_error(L: number): number;
  _lua_sethook(L: number, hook: number, mask: number, count: number): void;
  _luaL_ref(L: number, table: number): number;
  _luaL_unref(L: number, table: number, ref: number): void;
  _luaL_where(L: number, level: number): void;
  _luaL_loadbufferx(L: number, buffer: number, size: number, name: number, mode: number): number;
}
