// Tests for src/lua/prelude-libs.ts: the edge cases of json/sjson encode and decode, bit on
// 32-bit signed integers, tmr argument checks and modes, node/socket constants, unpack and
// string.toHex/fromHex. (The everyday uses are in runner.test.ts and nodemcu.test.ts.)

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScript } from './helpers.js';

/** Runs `source`, expects status 0, returns the printed lines. */
async function lines(source: string): Promise<readonly string[]> {
  const result = await runScript(source);
  assert.equal(result.status, 0, result.run.error);
  return result.lines;
}

describe('json and sjson', () => {
  it('encode: escapes, numbers, arrays versus objects, and what cannot be encoded', async () => {
    const out = await lines(String.raw`
      print(json.encode("a\"b\\c\n\r\t\b\f\1\31\127/é"))
      print(json.encode(3), json.encode(-0.5), json.encode(1/3), json.encode(2^63), json.encode(1e300))
      print(json.encode({}), json.encode({ 1, 2, nil, 4 }), json.encode({ [1] = "a", [3] = "c" }))
      print(json.encode({ [0] = "z" }), json.encode({ 1, x = 2 }) == '{"1":1,"x":2}' or json.encode({ 1, x = 2 }) == '{"x":2,"1":1}')
      print(json.encode(nil), json.encode(true), json.encode({ { {} } }))
      for _, bad in ipairs({ 0/0, math.huge, -math.huge }) do print(pcall(json.encode, bad)) end
      print(pcall(json.encode, { [true] = 1 }))
      local loop = {} loop.self = loop
      print(pcall(json.encode, loop))
      print(pcall(sjson.encode, coroutine.create(print)))
    `);
    // 0/0 prints as nan or -nan depending on the sign bit.
    assert.match(out[5]!, /^false\ttest\.lua:7: json\.encode: cannot encode -?nan$/);
    assert.deepEqual(out.toSpliced(5, 1), [
      String.raw`"a\"b\\c\n\r\t\b\f\u0001\u001f\u007f/é"`,
      '3\t-0.5\t0.33333333333333\t9.2233720368548e+18\t1e+300',
      '{}\t[1,2,null,4]\t{"1":"a","3":"c"}',
      '{"0":"z"}\ttrue',
      'null\ttrue\t[[{}]]',
      'false\ttest.lua:7: json.encode: cannot encode inf',
      'false\ttest.lua:7: json.encode: cannot encode -inf',
      'false\ttest.lua:8: json.encode: cannot encode a boolean key',
      'false\ttest.lua:10: json.encode: nested too deeply (a table that contains itself?)',
      'false\ttest.lua:11: json.encode: cannot encode a thread',
    ]);
  });

  it('decode: strings, escapes, surrogate pairs, numbers, nesting and whitespace', async () => {
    const out = await lines(String.raw`
      local t = json.decode([[ { "a\"\\\/\b\f\n\r\t" : [ 1 , -2.5e1 , 0.25, 1E2, true , false , null , "x" ] } ]])
      local k, v = next(t)
      print(#k, k == "a\"\\/\b\f\n\r\t", #v, v[1], math.type(v[1]), v[2], v[3], v[4], v[5], v[6], v[7], v[8])
      print(json.decode([["\u00e9\u20ac\ud83d\ude00"]]) == "é€😀", json.decode([["\ud800x"]]) == "\237\160\128x")
      print(json.decode('"a\0b"') == "a\0b", json.decode('[]')[1], next((json.decode('{}'))))
      print(json.decode(string.rep("[", 150) .. string.rep("]", 150)) ~= nil)
      print(json.decode("3"), json.decode('"\255"') == "\255")
    `);
    assert.deepEqual(out, [
      '9\ttrue\t8\t1\tinteger\t-25.0\t0.25\t100.0\ttrue\tfalse\tnil\tx',
      'true\ttrue',
      'true\tnil\tnil',
      'true',
      '3\ttrue',
    ]);
  });

  it('decode errors: json returns nil, 0 and the reason; sjson raises it', async () => {
    const out = await lines(String.raw`
      for _, bad in ipairs({ '', '[1,]', '{"a" 1}', '{"a":1,}', '{1:2}', '"abc', [["\q"]], [["\u12"]],
          '[1] x', 'nul', '[1 2]', '-', '1e', string.rep("[", 202) .. string.rep("]", 202) }) do
        print(json.decode(bad))
      end
      print(json.decode(42))
      print(pcall(sjson.decode, "[1,"))
      print(select('#', sjson.decode("[1]")))
    `);
    assert.deepEqual(out, [
      'nil\t0\tjson.decode: unexpected end at character 1',
      "nil\t0\tjson.decode: unexpected ']' at character 4",
      "nil\t0\tjson.decode: expected ':' at character 6",
      'nil\t0\tjson.decode: expected a string key at character 8',
      'nil\t0\tjson.decode: expected a string key at character 2',
      'nil\t0\tjson.decode: unterminated string at character 1',
      'nil\t0\tjson.decode: bad escape at character 2',
      'nil\t0\tjson.decode: bad \\u escape at character 2',
      'nil\t0\tjson.decode: trailing characters at character 5',
      "nil\t0\tjson.decode: unexpected 'n' at character 1",
      "nil\t0\tjson.decode: expected ',' or ']' at character 4",
      "nil\t0\tjson.decode: unexpected '-' at character 1",
      'nil\t0\tjson.decode: bad number at character 1',
      'nil\t0\tjson.decode: nested too deeply at character 202',
      'nil\t0\tjson.decode: expected a string, not number',
      'false\ttest.lua:7: json.decode: unexpected end at character 4',
      '1',
    ]);
  });
});

describe('bit, node, socket, unpack, string hex', () => {
  it('bit works on 32-bit signed integers and refuses non-integers', async () => {
    const out = await lines(String.raw`
      print(bit.bnot(-1), bit.bnot(0x7fffffff), bit.band(-1, 0xffffffff), bit.bor(0x80000000, 0))
      print(bit.lshift(1, 32), bit.lshift(3, 31), bit.rshift(-1, 28), bit.rshift(-1, 0))
      print(bit.arshift(0x80000000, 4), bit.arshift(-1, 31), bit.arshift(64, 3))
      print(bit.bxor(0xff, 0x0f, 0xf0), bit.band(7), bit.bit(31), bit.set(0, 31), bit.clear(-1, 31))
      print(bit.isset(-1, 31), bit.isclear(0x80000000, 31), bit.band(2.0, 3))
      print(pcall(bit.band, 1.5, 1))
      print(pcall(bit.lshift, 1, "x"))
    `);
    assert.deepEqual(out, [
      '0\t-2147483648\t-1\t-2147483648',
      '0\t-2147483648\t15\t-1',
      '-134217728\t-1\t8',
      '0\t7\t-2147483648\t-2147483648\t2147483647',
      'true\tfalse\t2',
      'false\ttest.lua:7: bit.band: expected an integer, got 1.5',
      'false\ttest.lua:8: bit.lshift: expected an integer, got x',
    ]);
  });

  it('node.heap, socket constants, unpack, string.toHex and string.fromHex', async () => {
    const out = await lines(String.raw`
      print(math.type(node.heap()), node.heap() <= 2097152, socket.STA, socket.ETH0)
      print(unpack == table.unpack, unpack({ 1, nil, 3 }, 1, 3))
      print(string.toHex(""))
      print(("\0\255a"):toHex())
      print(string.toHex("ab", ":"))
      print(string.fromHex("4a 4B-zz"), #string.fromHex(""), string.fromHex("00ff") == "\0\255")
    `);
    assert.deepEqual(out, [
      'integer\ttrue\t1\t3',
      'true\t1\tnil\t3',
      '\t0',
      '00FF61\t3',
      '61:62:\t2',
      'JK\t0\ttrue',
    ]);
  });
});

describe('string.fromHex with an odd number of hex digits', () => {
  // The firmware reads the digits in pairs; a lone last digit has no byte (it used to stay in
  // the result as the text character "0").
  it('drops a lone last digit', async () => {
    const out = await lines('print(#string.fromHex("4a4B0"), string.fromHex("4a4B0") == "JK")');
    assert.deepEqual(out, ['2\ttrue']);
  });
});

describe('tmr', () => {
  it('refuses bad intervals, modes, callbacks and calls without a colon', async () => {
    const out = await lines(String.raw`
      local t = tmr.create()

      print(select(2, pcall(t.register, t, 0, tmr.ALARM_SINGLE, print)))
      print(select(2, pcall(t.register, t, 6870948, tmr.ALARM_SINGLE, print)))
      print(select(2, pcall(t.register, t, 1.5, tmr.ALARM_SINGLE, print)))
      print(select(2, pcall(t.register, t, 10, 3, print)))
      print(select(2, pcall(t.register, t, 10, tmr.ALARM_AUTO, "print")))
      print(select(2, pcall(t.start, t)))
      print(select(2, pcall(t.start)))
      print(select(2, pcall(t.interval, t, 0)))
      print(t:state(), t:stop(), type(tmr.time()), tmr.wdclr())
    `);
    assert.deepEqual(out, [
      'test.lua:4: tmr: the interval must be 1 to 6870947 ms',
      'test.lua:5: tmr: the interval must be 1 to 6870947 ms',
      'test.lua:6: tmr: the interval must be 1 to 6870947 ms',
      'test.lua:7: tmr: mode must be tmr.ALARM_SINGLE, tmr.ALARM_SEMI or tmr.ALARM_AUTO',
      'test.lua:8: tmr: the callback must be a function',
      'test.lua:9: tmr: the timer is not registered',
      'test.lua:10: tmr: call start with a colon on a timer, as in t:start(...)',
      'test.lua:11: tmr: the interval must be 1 to 6870947 ms',
      'nil\tfalse\tnumber',
    ]);
  });

  it('a single alarm unregisters itself; a semi alarm restarts on start; re-register replaces', async () => {
    const out = await lines(String.raw`
      local single, semi, auto = tmr.create(), tmr.create(), tmr.create()
      single:register(1, tmr.ALARM_SINGLE, function(t) print("single", t:state()) end)
      print(single:start(), single:start(), single:state())
      local n = 0
      semi:alarm(1, tmr.ALARM_SEMI, function(t)
        n = n + 1
        print("semi", n, t:state())
        if n < 2 then t:start() end
      end)
      local ticks = 0
      auto:register(1, tmr.ALARM_AUTO, function() print("replaced") end)
      auto:register(1, tmr.ALARM_AUTO, function(t)
        ticks = ticks + 1
        if ticks == 3 then print("auto", t:state()) t:unregister() print(t:state()) end
      end)
      auto:start()
    `);
    assert.deepEqual([...out].sort(), [
      'auto\ttrue\t2',
      'nil',
      'semi\t1\tfalse\t1',
      'semi\t2\tfalse\t1',
      'single\tnil',
      'true\ttrue\ttrue\t0',
    ]);
  });
});
