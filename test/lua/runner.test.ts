// runLua as a library: several scripts in one process, each in its own Lua state; output
// capture; and the LuatOS companion globals (sys timers and bus, log, json, os, require).

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runLua } from '../../src/lua/index.js';
import { recordingServer, runScript } from './helpers.js';

describe('runLua', () => {
  it('runs several scripts at once, each in its own state with its own sys bus', async () => {
    const script = (name: string) => `
      shared = (shared or 0) + 1
      sys.subscribe("ping", function(from) print("${name} heard", from, shared) end)
      sys.taskInit(function()
        sys.wait(10)
        sys.publish("ping", "${name}")
        sys.wait(10)
      end)
    `;
    const lines: string[] = [];
    const runs = ['a', 'b', 'c'].map((name) =>
      runLua({ source: script(name), quiet: true, onLine: (line) => lines.push(line) }),
    );
    assert.deepEqual(await Promise.all(runs.map((run) => run.exit)), [0, 0, 0]);
    assert.deepEqual(runs[0]!.lines, ['a heard\ta\t1']);
    assert.deepEqual([...lines].sort(), ['a heard\ta\t1', 'b heard\tb\t1', 'c heard\tc\t1']);
  });

  it('log prints the firmware style and honours setLevel; print and io.write are captured', async () => {
    const source = `
      log.info("tag", "a", 1, nil, true)
      log.warn("w")
      log.setLevel("WARN")
      log.info("hidden")
      log.error("err", "x")
      log.debug("hidden too")
      io.write("part ", 1)
      io.write(" end\\n")
      print({} ~= nil, 1.5, 2^53)
    `;
    const { status, lines } = await runScript(source);
    assert.equal(status, 0);
    assert.deepEqual(lines, [
      'I/user.tag a 1 nil true',
      'W/user.w',
      'E/user.err x',
      'part 1 end',
      'true\t1.5\t9.007199254741e+15',
    ]);
  });

  it('keeps only the last keepLines lines, and cuts text that never ends its line', async () => {
    const source = `
      for i = 1, 2500 do print("line " .. i) end
      io.write(string.rep("x", 64 * 1024 + 10))
    `;
    const run = runLua({ source, quiet: true, keepLines: 1000 });
    assert.equal(await run.exit, 0);
    assert.equal(run.lines.length, 1000);
    assert.equal(run.lines[0], 'line 1503');
    assert.equal(run.lines[997], 'line 2500');
    assert.deepEqual(
      run.lines.slice(998).map((line) => line.length),
      [64 * 1024, 10],
    );
    const none = runLua({ source: 'print("x")', quiet: true, keepLines: 0 });
    assert.equal(await none.exit, 0);
    assert.deepEqual(none.lines, []);
  });

  it('json encodes and decodes as LuatOS does; os.date and os.time work', async () => {
    const source = String.raw`
      print(json.encode({ 1, "two", { x = false } }), json.encode("q\"\n\0"), json.encode(0.5))
      local t, ok = json.decode('{"n": -12, "f": 1e2, "s": "\\u00e9\\ud83d\\ude00", "l": [], "z": null}')
      print(ok, t.n, math.type(t.n), t.f, t.s, #t.l, t.z)
      print(json.decode("[1,"))
      print(pcall(json.encode, { f = print }))
      print(type(os.time()), os.date("%Y", 0), #os.date())
    `;
    const { status, lines } = await runScript(source);
    assert.equal(status, 0);
    assert.deepEqual(lines.slice(0, 4), [
      '[1,"two",{"x":false}]\t"q\\"\\n\\u0000"\t0.5',
      '1\t-12\tinteger\t100.0\té😀\t0\tnil',
      'nil\t0\tjson.decode: unexpected end at character 4',
      'false\ttest.lua:6: json.encode: cannot encode a function',
    ]);
    assert.match(lines[4]!, /^number\t1970\t\d+$/);
  });

  it('sys timers: start, loop, stop by id or function, isActive, stopAll', async () => {
    const source = `
      local ticks = 0
      local loop = sys.timerLoopStart(function()
        ticks = ticks + 1
        if ticks == 3 then sys.publish("THIRD") end
      end, 5)
      local function f(x) print("never", x) end
      sys.timerStart(f, 10, 1)
      sys.timerStart(f, 10, 2)
      print(sys.timerIsActive(f), sys.timerIsActive(f, 2), sys.timerIsActive(f, 3))
      sys.timerStop(f, 1)
      print(sys.timerIsActive(f, 1), sys.timerIsActive(f, 2))
      sys.timerStopAll(f)
      sys.timerStart(function(a, b) print("once", a, b) end, 20, "x", "y")
      sys.taskInit(function()
        sys.waitUntil("THIRD", 5000)
        sys.wait(30)
        print("loop ran", ticks >= 3, sys.timerIsActive(loop))
        sys.timerStop(loop)
        print("stopped", sys.timerIsActive(loop))
      end)
      sys.run()
    `;
    const { status, lines } = await runScript(source);
    assert.equal(status, 0);
    assert.deepEqual(lines.slice(0, 2), ['true\ttrue\tfalse', 'false\ttrue']);
    // The one-shot timer (20 ms) and the task's end may come in either order under load.
    assert.deepEqual([...lines.slice(2)].sort(), [
      'loop ran\ttrue\ttrue',
      'once\tx\ty',
      'stopped\tfalse',
    ]);
  });

  it('sys.waitUntil times out with false; unsubscribe stops delivery; require gives the modules', async () => {
    const source = `
      local function f(v) print("sub", v) end
      sys.subscribe("t", f)
      sys.publish("t", 1)
      -- The publication is delivered later, so a wait started now still gets it.
      print("wait", sys.waitUntil("t", 5000))
      print("timeout", sys.waitUntil("other", 20))
      sys.unsubscribe("t", f)
      sys.publish("t", 2)
      print(require("sys") == sys, require("websocket") == websocket, require("json") == json)
      print(type(websocket.create), type(websocket.new), type(websocket.createClient), unpack({ 1, 2 }))
      print("network", sys.waitUntil("IP_READY", 30000), sys.waitUntil("IP_READY_IND"))
    `;
    const { status, lines } = await runScript(source);
    assert.equal(status, 0);
    assert.deepEqual(lines, [
      'sub\t1',
      'wait\ttrue\t1',
      'timeout\tfalse',
      'true\ttrue\ttrue',
      'function\tfunction\tfunction\t1\t2',
      'network\ttrue\ttrue',
    ]);
  });

  it('--debug adds the engine frame log of every dialect to the error stream', async (t) => {
    const server = await recordingServer(t);
    const source = `
      local mcu = websocket.createClient()
      mcu:on("connection", function(c) c:send("m") end)
      mcu:on("receive", function(c) c:close() end)
      mcu:connect("ws://mcu.example/")
      local lt = websocket.create(nil, "ws://luatos.example/")
      lt:on(function(c, event) if event == "conack" then c:close() end end)
      lt:connect()
      sys.taskInit(function()
        local air = websocket.new("ws://air.example/")
        air:connect()
        air:close()
      end)
    `;
    const streams: string[] = [];
    const { status, lines } = await runScript(source, {
      server,
      debug: true,
      onLine: (_line, stream) => streams.push(stream),
    });
    assert.equal(status, 0);
    for (const host of ['mcu', 'luatos', 'air']) {
      assert.ok(lines.includes(`[wsx] = connecting to ws://${host}.example/`), host);
    }
    assert.ok(lines.some((line) => line.startsWith('[wsx] > text')));
    assert.ok(streams.every((stream) => stream === 'err'));
    const quiet = await runScript(source, { server });
    assert.deepEqual(quiet.lines, []);
  });

  it('--dialect keeps only that firmware', async () => {
    const { lines } = await runScript(
      'print(pcall(tmr.create))\nprint(type(sys.wait), type(websocket.new))',
      {
        dialect: 'luatos',
      },
    );
    assert.match(lines[0]!, /^false\t.*tmr\.create\(\) is not available/);
    assert.equal(lines[1], 'function\tfunction');
    const mcu = await runScript('print(pcall(websocket.create, nil, "ws://x/"))', {
      dialect: 'nodemcu',
    });
    assert.match(mcu.lines[0]!, /websocket\.create\(\) is not available/);
  });
});
