// Tests for src/lua/prelude-websocket.ts, the Lua face of the dialect clients: methods must be
// called with a colon on a client, callback arguments are checked, each dialect calls its
// callbacks with its own arguments, --dialect picks the globals, and require finds the
// provided modules and .lua files next to the script.

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { recordingServer, runScript } from './helpers.js';

describe('the Lua client objects', () => {
  it('methods called without a colon, or on something else, name the right call', async () => {
    const source = String.raw`
      local lt = websocket.create(nil, "ws://device.example/")
      local air = websocket.new("ws://device.example/")
      local mcu = websocket.createClient()
      local function e(...) print((select(2, pcall(...)))) end
      e(lt.send, "x")
      e(lt.on, function() end)
      e(air.send, {}, "x")
      e(air.connect)
      e(air.recv, 42)
      e(mcu.config, nil)
      e(websocket.exit, {})
      print(tostring(lt), tostring(air), tostring(mcu))
      print(getmetatable(lt) ~= getmetatable(air), getmetatable(air) ~= getmetatable(mcu))
    `;
    const { status, lines, run } = await runScript(source);
    assert.equal(status, 0, run.error);
    assert.deepEqual(lines, [
      'test.lua:5: wsc:send: call it with a colon on a client, as in wsc:send(...)',
      'test.lua:5: wsc:on: call it with a colon on a client, as in wsc:on(...)',
      'test.lua:5: ws:send: call it with a colon on a client, as in ws:send(...)',
      'test.lua:5: ws:connect: call it with a colon on a client, as in ws:connect(...)',
      'test.lua:5: ws:recv: call it with a colon on a client, as in ws:recv(...)',
      'test.lua:5: ws:config: call it with a colon on a client, as in ws:config(...)',
      'test.lua:5: websocket.exit: call it with a colon on a client, as in websocket.exit(...)',
      'websocket client 1\twebsocket client 2\twebsocket client 3',
      'true\ttrue',
    ]);
  });

  it('callback arguments are checked', async () => {
    const source = String.raw`
      local air = websocket.new("ws://device.example/")
      local mcu = websocket.createClient()
      print(select(2, pcall(air.on, air, 42, print)))
      print(select(2, pcall(air.on, air, "message", "print")))
      print(select(2, pcall(mcu.on, mcu, "receive", 1)))
      sys.taskInit(function()
        print(select(2, pcall(air.start, air, 30, "proc")))
      end)
      print(pcall(air.on, air, "message", nil), pcall(mcu.on, mcu, "receive", nil))
    `;
    const { status, lines, run } = await runScript(source);
    assert.equal(status, 0, run.error);
    assert.deepEqual(lines, [
      'test.lua:4: ws:on: the event name must be a string, not number',
      'test.lua:5: ws:on: the message callback must be a function or nil',
      'test.lua:6: ws:on: the handler must be a function or nil',
      'true\ttrue',
      'test.lua:8: ws:start: proc must be a function or nil, not string',
    ]);
  });

  it('each dialect calls its callbacks with its own arguments; a cleared callback is silent', async (t) => {
    const server = await recordingServer(t);
    const source = String.raw`
      local lt = websocket.create(nil, "ws://device.example/")
      lt:on(function(c, event, data) print("luatos", c == lt, event, data) end)
      lt:on(42)
      lt:on(function(c, event, data)
        print("luatos", c == lt, event, data)
        if event == "conack" then c:send("lt") end
        if event == "recv" then c:close() end
      end)
      lt:connect()
      local mcu = websocket.createClient()
      mcu:on("connection", function(c) print("nodemcu connection", c == mcu) c:send("mcu") end)
      mcu:on("receive", function(c, data, opcode)
        print("nodemcu receive", c == mcu, data, opcode)
        mcu:on("close", nil)
        c:close()
      end)
      mcu:on("close", function() print("never") end)
      mcu:connect("ws://device.example/")
      local air = websocket.new("ws://device.example/")
      air:on("open", function(...) print("air open", select('#', ...)) end)
      air:on("close", function(code) print("air close", math.type(code)) end)
      sys.taskInit(function()
        print("air connect", air:connect())
        air:send("air")
        print("air recv", air:recv())
        air:close()
      end)
    `;
    const { status, lines, run } = await runScript(source, { server, timeoutMs: 2000 });
    assert.equal(status, 0, `${run.error} ${lines.join('|')}`);
    assert.deepEqual([...lines].sort(), [
      'air close\tinteger',
      'air connect\ttrue',
      'air open\t0',
      'air recv\ttrue\tair',
      'luatos\ttrue\tconack\tnil',
      'luatos\ttrue\trecv\tlt',
      'luatos\ttrue\tsent\tnil',
      'nodemcu connection\ttrue',
      'nodemcu receive\ttrue\tmcu\t1',
    ]);
  });
});

describe('globals by dialect and require', () => {
  it('--dialect luatos-air gives websocket.new and exit only, sys/log/json, no socket', async () => {
    const source = String.raw`
      print(websocket.new ~= nil, websocket.exit ~= nil, rawget(websocket, "create"), rawget(websocket, "createClient"))
      print(type(sys), type(log), type(json), require("json") == json, require("websocket") == websocket)
      print(pcall(socket.tcp))
      print(pcall(tmr.create))
    `;
    const { status, lines, run } = await runScript(source, { dialect: 'luatos-air' });
    assert.equal(status, 0, run.error);
    assert.equal(lines[0], 'true\ttrue\tnil\tnil');
    assert.equal(lines[1], 'table\ttable\ttable\ttrue\ttrue');
    assert.match(lines[2]!, /^false\t.*socket\.tcp\(\) is not available/);
    assert.match(lines[3]!, /^false\t.*tmr\.create\(\) is not available/);
  });

  it('require loads .lua files next to the script, and names the file it looked for', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'wsx-prelude-ws-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      join(dir, 'helper.lua'),
      'return { twice = function(x) return 2 * x end, path = ... }',
    );
    await writeFile(join(dir, 'broken.lua'), 'return {');
    await writeFile(
      join(dir, 'main.lua'),
      [
        'local helper = require("helper")',
        'print(helper.twice(21), require("helper") == helper)',
        'print(select(2, pcall(require, "broken")))',
        'print(select(2, pcall(require, "missing")))',
        'print(type(require("gpio")), require("sys") == sys)',
      ].join('\n'),
    );
    const { status, lines, run } = await runScript(undefined, { file: join(dir, 'main.lua') });
    assert.equal(status, 0, run.error);
    assert.equal(lines[0], '42\ttrue');
    assert.ok(lines[1]!.startsWith(`${join(dir, 'broken.lua')}:1:`), lines[1]);
    const missing = lines.slice(2, -1).join('\n');
    assert.ok(missing.startsWith("module 'missing' not found:"), missing);
    assert.ok(missing.includes(`no file ${join(dir, 'missing.lua')}`), missing);
    assert.equal(lines.at(-1), 'table\ttrue');
  });
});
