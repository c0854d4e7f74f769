// The NodeMCU face of the Lua runner: websocket.createClient and every method and event of
// its clients through the NodeMCU dialect, plus tmr, sjson, node.heap and bit.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordingServer, runScript } from './helpers.js';

describe('Lua NodeMCU websocket', () => {
  it('config, connect, on, send (text, binary, ping, pong), close by the server, reconnect, close', async (t) => {
    const server = await recordingServer(t);
    const source = String.raw`
      local ws = websocket.createClient()
      ws:config({ headers = { ["User-Agent"] = "NodeMCU", ["X-Id"] = 5 } })
      local round = 0
      ws:on("connection", function(c)
        assert(c == ws)
        round = round + 1
        print("connection", round)
        if round == 1 then
          c:send("hello")
          c:send("\0\1\255", 2)
          c:send("p", 9)
          c:send("q", 10)
          c:send("close")
        else
          c:close()
        end
      end)
      ws:on("receive", function(_, msg, opcode) print("receive", #msg, opcode) end)
      ws:on("close", function(_, status)
        print("close", status)
        if round == 1 then ws:connect("ws://device.example/again") end
      end)
      ws:connect("ws://device.example/")
    `;
    const { status, lines, run } = await runScript(source, { server, dialect: 'nodemcu' });
    assert.equal(status, 0, run.error);
    assert.deepEqual(lines, [
      'connection\t1',
      'receive\t5\t1',
      'receive\t3\t2',
      'receive\t5\t1',
      'close\t-6',
      'connection\t2',
      'close\t0',
    ]);
    assert.deepEqual(
      server.received.map((item) => item.data.toString('hex')),
      ['68656c6c6f', '0001ff', '636c6f7365'],
    );
    assert.equal(server.requests[0]!.headers['user-agent'], 'NodeMCU');
    assert.equal(server.requests[0]!.headers['x-id'], '5');
    assert.equal(server.requests[1]!.url, '/again');
  });

  it('a refused connection gives close -111; a bad URL -1', async () => {
    const source = `
      local ws = websocket.createClient()
      ws:on("close", function(_, status)
        print("close", status)
        if status == -111 then ws:connect("http://x/") end
      end)
      ws:connect("ws://127.0.0.1:1/")
    `;
    const { status, lines } = await runScript(source);
    assert.equal(status, 0);
    assert.deepEqual(lines, ['close\t-111', 'close\t-1']);
  });

  it('tmr: alarm, register/start/stop, interval, state, unregister, now', async () => {
    const source = `
      local count = 0
      local auto = tmr.create()
      print("state none", auto:state())
      auto:alarm(5, tmr.ALARM_AUTO, function(t)
        count = count + 1
        if count == 3 then
          print("auto state", t:state())
          t:unregister()
          print("after unregister", t:state())
        end
      end)
      local single = tmr.create()
      single:register(20, tmr.ALARM_SINGLE, function(t) print("single fired", t == single, t:state()) end)
      print("started", single:start())
      local semi = tmr.create()
      local fired = 0
      semi:register(100, tmr.ALARM_SEMI, function(t)
        fired = fired + 1
        print("semi", fired, t:state())
        if fired < 2 then t:start() end
      end)
      semi:interval(8)
      semi:start()
      local never = tmr.create()
      never:alarm(10, tmr.ALARM_SINGLE, function() print("never") end)
      print("stop", never:stop(), never:stop())
      never:unregister()
      local t0 = tmr.now()
      print("now", math.type(t0), t0 >= 0, tmr.ALARM_SINGLE, tmr.ALARM_SEMI, tmr.ALARM_AUTO)
    `;
    const { status, lines, run } = await runScript(source, { dialect: 'nodemcu' });
    assert.equal(status, 0, run.error);
    assert.deepEqual([...lines].sort(), [
      'after unregister\tnil',
      'auto state\ttrue\t2',
      'now\tinteger\ttrue\t0\t1\t2',
      'semi\t1\tfalse\t1',
      'semi\t2\tfalse\t1',
      'single fired\ttrue\tnil',
      'started\ttrue',
      'state none\tnil',
      'stop\ttrue\tfalse',
    ]);
  });

  it('sjson, node.heap, bit, and only the NodeMCU globals with --dialect nodemcu', async () => {
    const source = `
      local t = sjson.decode('{"a":[1,2.5,"x"],"b":{"c":true}}')
      print(t.a[1], t.a[2], t.a[3], t.b.c, math.type(t.a[1]))
      print(sjson.encode({ list = { 1, 2 } }), sjson.encode({}))
      print(pcall(sjson.decode, "{bad"))
      print(type(node.heap()), node.heap() > 0)
      print(bit.band(0xF0, 0x3C), bit.bor(1, 2, 4), bit.bxor(5, 1), bit.bnot(0))
      print(bit.lshift(1, 31), bit.rshift(0x80000000, 31), bit.arshift(-16, 2))
      print(bit.bit(3), bit.set(0, 1, 3), bit.clear(15, 0), bit.isset(4, 2), bit.isclear(4, 2))
      print(pcall(sys.wait, 1))
    `;
    const { status, lines } = await runScript(source, { dialect: 'nodemcu' });
    assert.equal(status, 0);
    assert.deepEqual(
      lines.slice(0, 8),
      [
        '1\t2.5\tx\ttrue\tinteger',
        '{"list":[1,2]}\t{}',
        'false\ttest.lua:5: json.decode: expected a string key at character 2',
        'number\ttrue',
        '48\t7\t4\t-1',
        '-2147483648\t1\t-4',
        '8\t10\t14\ttrue\tfalse',
      ].concat([lines[7]!]),
    );
    assert.match(lines[7]!, /^false\t.*sys\.wait\(\) is not available/);
  });
});
