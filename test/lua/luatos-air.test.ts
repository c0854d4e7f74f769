// The LuatOS-Air face of the Lua runner: websocket.new/exit and every method and event of its
// clients through the LuatOS-Air dialect, with the calls that block the task.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordingServer, runScript } from './helpers.js';

describe('Lua LuatOS-Air websocket', () => {
  it('connect, send, sendFrame, ping, pong, recv, state, online, close and every event', async (t) => {
    const server = await recordingServer(t);
    const closed = server
      .nextSocket()
      .then(
        (socket) =>
          new Promise<[number, string]>((resolve) =>
            socket.once('close', (code, why) => resolve([code, why.toString()])),
          ),
      );
    const source = String.raw`
      local ws = websocket.new("ws://device.example:8800/air")
      for _, event in ipairs({ "open", "message", "pong", "close", "error" }) do
        ws:on(event, function(value) print("event", event, value) end)
      end
      local sent = 0
      ws:on("sent", function() sent = sent + 1 end)
      print("state", ws:state(), ws:online())
      sys.taskInit(function()
        print("connect", ws:connect(5))
        print("state", ws:state(), ws:online())
        ws:send("text", true)
        print("recv", ws:recv())
        ws:send("\0\255")
        local ok, data = ws:recv()
        print("recv", ok, #data, data:byte(1, 2))
        ws:sendFrame(false, 1, "fr")
        ws:sendFrame(true, 0, "ame")
        print("recv", ws:recv())
        ws:ping("hi")
        ws:pong("unasked")
        sys.wait(50)
        print("sent", sent)
        ws:close(1000, "done")
        print("recv after close", ws:recv())
        print("state", ws:state(), ws:online())
      end)
    `;
    const { status, lines, run } = await runScript(source, { server });
    assert.equal(status, 0, run.error);
    assert.deepEqual(server.messages(), [
      ['text', false],
      ['00ff', true],
      ['frame', false],
    ]);
    assert.deepEqual(await closed, [1000, 'done']);
    assert.equal(server.requests[0]!.headers.origin, 'http://device.example');
    assert.deepEqual(lines, [
      'state\tCONNECTING\tfalse',
      'event\topen\tnil',
      'connect\ttrue',
      'state\tOPEN\ttrue',
      'event\tmessage\ttext',
      'recv\ttrue\ttext',
      'event\tmessage\t\u0000\ufffd',
      'recv\ttrue\t2\t0\t255',
      'event\tmessage\tframe',
      'recv\ttrue\tframe',
      'event\tpong\thi',
      'sent\t2',
      'event\tclose\t1000',
      'recv after close\tfalse\tRead byte error!',
      'state\tCLOSED\tfalse',
    ]);
  });

  it('a refused connect returns false after error and close; recv then fails', async () => {
    const source = `
      local ws = websocket.new("ws://127.0.0.1:1/")
      ws:on("error", function(err) print("error", (tostring(err):match("could not connect"))) end)
      ws:on("close", function(code) print("close", code) end)
      sys.taskInit(function()
        print("connect", ws:connect(2))
        print("recv", ws:recv())
      end)
    `;
    const { status, lines } = await runScript(source);
    assert.equal(status, 0);
    assert.deepEqual(lines, [
      'error\tcould not connect',
      'close\t1006',
      'connect\tfalse',
      'recv\tfalse\tRead byte error!',
    ]);
  });

  it('start hands messages to proc, which may block; websocket.exit ends it', async (t) => {
    const server = await recordingServer(t);
    const source = `
      local ws = websocket.new("ws://device.example/")
      ws:on("open", function() ws:send("one", true) ws:send("two", true) end)
      sys.taskInit(function()
        ws:start(nil, function(msg)
          sys.wait(10)
          print("proc", msg)
          if msg == "two" then websocket.exit(ws) end
        end)
        print("start returned", ws:state())
        print("recv after exit", ws:recv())
      end)
    `;
    const { status, lines, run } = await runScript(source, { server });
    assert.equal(status, 0, run.error);
    assert.deepEqual(lines.slice(0, 3), ['proc\tone', 'proc\ttwo', 'start returned\tCLOSED']);
    assert.match(lines[3]!, /^recv after exit\tfalse\tEXIT_TASK\d+$/);
  });

  it('an error in proc ends the script with the line', async (t) => {
    const server = await recordingServer(t);
    const source =
      'local ws = websocket.new("ws://device.example/")\nws:on("open", function() ws:send("x", true) end)\nsys.taskInit(ws.start, ws, nil, function(msg)\n  error("bad " .. msg)\nend)';
    const { status, run } = await runScript(source, { server });
    assert.equal(status, 1);
    assert.match(run.error!, /^test\.lua:4: bad x/);
  });
});
