// The LuatOS face of the Lua runner: every method of a websocket.create client and every
// event, through the LuatOS dialect, checked on the server side and in the script's output.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordingServer, runScript } from './helpers.js';

describe('Lua LuatOS websocket', () => {
  it('create, headers, debug, on, connect, ready, send (text, binary, fragments), close', async (t) => {
    const server = await recordingServer(t);
    const source = String.raw`
      local wsc = websocket.create(socket.ETH0, "ws://device.example:8080/path?q=1", 30, false)
      print("headers", wsc:headers({ ["X-Device"] = "dev1", Num = 7 }), wsc:headers("Bad\r\nLine"))
      wsc:debug(false)
      local events = {}
      wsc:on(function(c, event, data, fin, opcode)
        assert(c == wsc, "the callback gets the client")
        if event == "recv" then
          print("recv", data, fin, opcode)
          if data == "cd" then sys.publish("GOT_ALL") end
        elseif event ~= "sent" then
          print(event)
        end
      end)
      print("ready before", wsc:ready(), wsc:send("too early"))
      print("connect", wsc:connect())
      local ok, client = sys.waitUntil("WEBSOCKET_CONNACK", 3000)
      print("connack", ok, client == wsc, wsc:ready())
      wsc:send("text")
      wsc:send("\1\2\0\255", 1)
      wsc:send(42)
      wsc:send("par", 0, 0)
      wsc:send("ts", 1, 0)
      wsc:send("frag")
      print("waited", (sys.waitUntil("GOT_ALL", 3000)))
      wsc:close()
      print("ready after close", wsc:ready())
    `;
    const { status, lines, run } = await runScript(source, { server });
    assert.equal(status, 0, run.error);
    assert.deepEqual(server.messages(), [
      ['text', false],
      ['010200ff', true],
      ['42', false],
      ['parts', false],
      ['frag', false],
    ]);
    const request = server.requests[0]!;
    assert.equal(request.headers.host, 'device.example:8080');
    assert.equal(request.url, '/path?q=1');
    assert.equal(request.headers['x-device'], 'dev1');
    assert.equal(request.headers.num, '7');
    assert.deepEqual(lines, [
      'headers\ttrue\tfalse',
      'ready before\tfalse\tfalse',
      'connect\ttrue',
      'conack',
      'connack\ttrue\ttrue\ttrue',
      'recv\ttext\t1\t1',
      `recv\t\u0001\u0002\u0000\ufffd\t1\t2`,
      'recv\t42\t1\t1',
      // The server reassembles the fragments and echoes one message.
      'recv\tparts\t1\t1',
      'recv\tfrag\t1\t1',
      'recv\tab\t0\t1',
      'recv\tcd\t1\t0',
      'waited\ttrue',
      'ready after close\tfalse',
    ]);
  });

  it('error and disconnect when the server drops; autoreconn connects again', async (t) => {
    const server = await recordingServer(t);
    const source = `
      local wsc = websocket.create(nil, "ws://device.example/")
      wsc:autoreconn(true, 1000)
      local conacks = 0
      wsc:on(function(c, event, data, fin)
        if event == "conack" then
          conacks = conacks + 1
          c:send(conacks == 1 and "bye" or "again")
        elseif event == "error" or event == "disconnect" then
          print(event, data, fin)
        elseif event == "recv" and data == "again" then
          c:close()
        end
      end)
      wsc:connect()
    `;
    const { status, lines, run } = await runScript(source, { server });
    assert.equal(status, 0, run.error);
    // A dropped TCP connection is a transport failure, which the dialect reports as connect.
    assert.deepEqual(lines, ['error\tconnect\t0', 'disconnect\tnil\tnil']);
    assert.deepEqual(server.texts(), ['bye', 'again']);
    assert.equal(server.requests.length, 2);
  });

  it('a refused connection reports error connect and ends when autoreconn is off', async () => {
    const source = `
      local wsc = websocket.create(nil, "ws://127.0.0.1:1/")
      wsc:on(function(c, event, data) print(event, data) end)
      wsc:connect()
    `;
    const { status, lines } = await runScript(source);
    assert.equal(status, 0);
    assert.deepEqual(lines, ['error\tconnect', 'disconnect\tnil']);
  });

  it('create returns nil for a URL the firmware refuses', async () => {
    const { lines } = await runScript(
      'print(websocket.create(nil, "http://x/"), websocket.create(nil, "ws://"))',
    );
    assert.deepEqual(lines, ['nil\tnil']);
  });
});
