// Tests for src/lua/bridge.ts on one bare Lua state: host functions see Lua strings as text
// (valid UTF-8) or bytes (anything else), with NUL and a byte order mark kept; what they
// return goes back byte for byte; numbers keep integer or float; tables arrive as references
// or plain objects; host errors name the script line; the dispatcher and close.

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Bridge, EXIT_SIGNAL, LuaRef, Results, sharedFactory } from '../../src/lua/bridge.js';

const enc = new TextEncoder();
let bridge: Bridge;
/** What the host function `seen` received, per call. */
let seen: unknown[][] = [];
/** Lines sent to the host function `out`. */
let out: unknown[] = [];

/** Runs a chunk named test.lua; returns its error message, if any. */
function run(source: string | Uint8Array): string | undefined {
  const chunk = bridge.load(typeof source === 'string' ? enc.encode(source) : source, '@test.lua');
  if (typeof chunk === 'string') return chunk;
  return bridge.call(chunk, []);
}

before(async () => {
  bridge = new Bridge(await sharedFactory().createEngine({ injectObjects: false }));
  bridge.define('seen', (...args) => {
    seen.push(args);
  });
  bridge.define('out', (value) => {
    out.push(value);
  });
  bridge.define(
    'plain',
    (...args) => {
      seen.push(args);
    },
    { plain: [0] },
  );
  bridge.define('echo', (...args) => new Results(...args));
  bridge.define('give', (value) => value);
  bridge.define('fail', (message) => {
    throw new Error(String(message));
  });
  bridge.define('throwString', () => {
    throw 'not an Error';
  });
});
after(() => bridge.close());

function reset(): void {
  seen = [];
  out = [];
}

describe('Bridge: Lua to JavaScript', () => {
  it('valid UTF-8 arrives as a string, with NUL and a byte order mark kept', () => {
    reset();
    assert.equal(run(String.raw`__wsx_seen("a\0b", "é€😀", "\239\187\191x", "")`), undefined);
    assert.deepEqual(seen, [['a\0b', 'é€😀', '\uFEFFx', '']]);
  });

  it('invalid UTF-8 arrives as the exact bytes', () => {
    reset();
    assert.equal(
      run(String.raw`__wsx_seen("\255", "a\192\128", "\237\160\128", "\0\200")`),
      undefined,
    );
    const [args] = seen;
    assert.deepEqual(
      args!.map((value) => (value instanceof Uint8Array ? [...value] : value)),
      [[255], [97, 192, 128], [237, 160, 128], [0, 200]],
    );
  });

  it('integers and floats, booleans, nil and missing arguments', () => {
    reset();
    assert.equal(
      run('__wsx_seen(1, -7, 2.5, 1e300, 2^53, math.maxinteger, true, false, nil, 0/0)'),
      undefined,
    );
    const [args] = seen;
    assert.equal(args!.length, 10);
    assert.deepEqual(args!.slice(0, 9), [
      1,
      -7,
      2.5,
      1e300,
      2 ** 53,
      Number(9223372036854775807n),
      true,
      false,
      undefined,
    ]);
    assert.ok(Number.isNaN(args![9]));
  });

  it('a table or function arrives as a LuaRef; a plain position as an object', () => {
    reset();
    assert.equal(
      run(
        '__wsx_seen({}, print)\n__wsx_plain({ a = 1, [2] = "x", n = { b = true }, [true] = 1 }, {})',
      ),
      undefined,
    );
    assert.ok(seen[0]![0] instanceof LuaRef);
    assert.ok(seen[0]![1] instanceof LuaRef);
    assert.deepEqual(seen[1]![0], { a: 1, '2': 'x', n: { b: true } });
    assert.ok(seen[1]![1] instanceof LuaRef);
  });

  it('a plain table nested deeper than 8 levels stops there', () => {
    reset();
    assert.equal(run('local t = {} t.t = t __wsx_plain(t)'), undefined);
    let depth = 0;
    let node = seen[0]![0] as Record<string, unknown> | undefined;
    while (node !== undefined) {
      depth++;
      node = node.t as Record<string, unknown> | undefined;
    }
    assert.equal(depth, 9);
  });
});

describe('Bridge: JavaScript to Lua', () => {
  it('strings and bytes come back as the same Lua bytes', () => {
    reset();
    const source = String.raw`
      local all = {} for i = 0, 255 do all[#all + 1] = string.char(i) end all = table.concat(all)
      local a, b, c, d = __wsx_echo(all, "a\0b", "\239\187\191", "é")
      __wsx_out(#a) __wsx_out(a == all)
      __wsx_out(b == "a\0b") __wsx_out(#b)
      __wsx_out(c == "\239\187\191") __wsx_out(d == "\195\169")
      local big = string.rep("\0\255", 40000)
      __wsx_out(__wsx_echo(big) == big)
    `;
    assert.equal(run(source), undefined);
    assert.deepEqual(out, [256, true, true, 3, true, true, true]);
  });

  it('JS strings with NUL, lone surrogates and Uint8Array views', () => {
    reset();
    bridge.define('values', () => {
      const backing = new Uint8Array([9, 0, 255, 65, 9]);
      return new Results('x\0y', '\uD800', backing.subarray(1, 4), new Uint8Array(0));
    });
    const source = String.raw`
      local a, b, c, d = __wsx_values()
      __wsx_out(a == "x\0y") __wsx_out(b == "\239\191\189") __wsx_out(c == "\0\255A") __wsx_out(d == "")
    `;
    assert.equal(run(source), undefined);
    assert.deepEqual(out, [true, true, true, true]);
  });

  it('numbers keep integer or float; null, Errors, objects and refs', () => {
    reset();
    bridge.define('mixed', () => new Results(3, 2.5, 2 ** 60, null, new Error('boom'), { a: 1 }));
    const source = String.raw`
      local i, f, big, n, e, o = __wsx_mixed()
      __wsx_out(math.type(i)) __wsx_out(math.type(f)) __wsx_out(math.type(big))
      __wsx_out(n == nil) __wsx_out(e) __wsx_out(o)
      local t = {}
      __wsx_out(__wsx_give(t) == t) __wsx_out(select('#', __wsx_seen()))
    `;
    assert.equal(run(source), undefined);
    assert.deepEqual(out, ['integer', 'float', 'float', true, 'boom', '[object Object]', true, 0]);
  });

  it('a registered object pushes as its Lua value', () => {
    reset();
    const token = {};
    bridge.define('register', (ref) => {
      bridge.objects.set(token, ref as LuaRef);
    });
    bridge.define('token', () => token);
    assert.equal(run('local o = {} __wsx_register(o) __wsx_out(__wsx_token() == o)'), undefined);
    assert.deepEqual(out, [true]);
  });
});

describe('Bridge: errors, load, dispatch', () => {
  it('a host error is a Lua error naming the calling line', () => {
    reset();
    const source =
      'local ok, err = pcall(function()\n  __wsx_fail("bad thing")\nend)\n__wsx_out(err)';
    assert.equal(run(source), undefined);
    assert.deepEqual(out, ['test.lua:2: bad thing']);
    assert.equal(run('\n\n__wsx_throwString()'), 'test.lua:3: not an Error');
    assert.equal(run(`__wsx_fail("${EXIT_SIGNAL}")`), EXIT_SIGNAL);
  });

  it('a syntax error is returned by load with the chunk name; binary chunks are refused', () => {
    assert.match(bridge.load(enc.encode('x = = 1'), '@bad.lua') as string, /^bad\.lua:1: /);
    const binary = bridge.load(new Uint8Array([0x1b, 0x4c, 0x75, 0x61]), '@bin.lua');
    assert.match(binary as string, /binary/);
  });

  it('dispatch runs the dispatcher; inside Lua it waits for a microtask', async () => {
    reset();
    const errors: string[] = [];
    bridge.onInternalError = (message) => errors.push(message);
    bridge.define('nested', () => {
      assert.equal(bridge.isBusy, true);
      bridge.dispatch('later');
      out.push('after nested');
    });
    assert.equal(
      run(
        'function __wsx_dispatch(what) if what == "fail" then error("oops", 0) end __wsx_out(what) end',
      ),
      undefined,
    );
    bridge.setDispatcher('__wsx_dispatch');
    bridge.dispatch('now', 1);
    assert.equal(bridge.isBusy, false);
    assert.equal(run('__wsx_nested() __wsx_out(__wsx_dispatch == nil)'), undefined);
    assert.deepEqual(out, ['now', 'after nested', true]);
    await Promise.resolve();
    assert.deepEqual(out, ['now', 'after nested', true, 'later']);
    bridge.dispatch('fail');
    assert.deepEqual(errors, ['oops']);
  });

  it('after isStopped, host calls raise EXIT_SIGNAL and dispatch does nothing', () => {
    reset();
    bridge.isStopped = true;
    try {
      assert.equal(run('__wsx_out(1)'), EXIT_SIGNAL);
      bridge.dispatch('ignored');
      assert.deepEqual(out, []);
    } finally {
      bridge.isStopped = false;
    }
  });

  it('the deadline hook stops a loop that never yields; close is idempotent', async () => {
    const other = new Bridge(await sharedFactory().createEngine({ injectObjects: false }));
    let past = false;
    other.define('tick', () => {
      past = true;
    });
    other.installDeadline(() => past);
    const chunk = other.load(enc.encode('__wsx_tick() while true do end'), '@loop.lua');
    assert.equal(other.call(chunk as LuaRef, []), EXIT_SIGNAL);
    other.close();
    other.close();
    other.dispatch('after close');
  });
});
