// The JavaScript values that stand for Lua ones across the bridge: references to Lua
// objects, several results of one host function, plain copies of Lua tables, and the signal
// that unwinds Lua when the script ends.

/** A Lua table, function or other object that JavaScript holds by a registry reference. */
export class LuaRef {
  readonly ref: number;
  constructor(ref: number) {
    this.ref = ref;
  }
}

/** Several results of a host function. */
export class Results {
  readonly values: unknown[];
  constructor(...values: unknown[]) {
    this.values = values;
  }
}

/** A plain JS value of a Lua table (for headers, config and cert tables). */
export type LuaPlain = string | number | boolean | Uint8Array | LuaPlainTable | undefined;
export interface LuaPlainTable {
  [key: string]: LuaPlain;
}

/** What a host function may throw to unwind Lua without an error report (os.exit). */
export const EXIT_SIGNAL = 'wsx: the script has ended';
