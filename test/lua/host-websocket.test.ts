// Tests for src/lua/host-websocket.ts, the host side of the Lua clients: numbers sent where
// the firmware reads a string, tables read as plain objects (headers), which clients keep the
// script alive and which do not, and closing every client when the script ends.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { recordingServer, runScript } from './helpers.js';

describe('WebSocketHost', () => {
  it('a number sent by LuatOS-Air or NodeMCU goes as its text; header tables reach the handshake', async (t) => {
    const server = await recordingServer(t);
    const source = String.raw`
      local mcu = websocket.createClient()
      mcu:config({ headers = { ["X-Mcu"] = "m1" } })
      mcu:on("connection", function(c) c:send(42) c:send(2.5) c:close() end)
      mcu:connect("ws://device.example/")
      local lt = websocket.create(nil, "ws://device.example/")
      lt:headers({ ["X-Lt"] = "l1" })
      lt:on(function(c, event) if event == "conack" then c:send("lt") c:close() end end)
      lt:connect()
      sys.taskInit(function()
        local air = websocket.new("ws://device.example/")
        air:connect()
        air:send(7)
        air:close()
      end)
    `;
    const { status, run } = await runScript(source, { server });
    assert.equal(status, 0, run.error);
    assert.deepEqual(server.texts().sort(), ['2.5', '42', '7', 'lt']);
    const headers = server.requests.map(
      (request) => `${request.headers['x-mcu'] ?? '-'} ${request.headers['x-lt'] ?? '-'}`,
    );
    assert.deepEqual(headers.sort(), ['- -', '- l1', 'm1 -']);
  });

  it('clients never connected do not keep the script alive', async () => {
    // With one counted as live, the script would run into the timeout (status 124).
    const source = String.raw`
      local air = websocket.new("ws://device.example/")
      local mcu = websocket.createClient()
      mcu:on("connection", print)
      local lt = websocket.create(nil, "ws://device.example/")
      lt:on(print)
      print(air:state())
    `;
    const { status, lines, run } = await runScript(source, { timeoutMs: 2000 });
    assert.equal(status, 0, run.error);
    assert.deepEqual(lines, ['CONNECTING']);
  });

  it('a LuatOS-Air connection left open by its task keeps the script alive', async (t) => {
    const server = await recordingServer(t);
    const source = String.raw`
      local air = websocket.new("ws://device.example/")
      air:on("close", function(code) print("closed", code) end)
      sys.taskInit(function() air:connect() air:send("close", true) end)
    `;
    const { status, lines, run } = await runScript(source, { server, timeoutMs: 3000 });
    assert.equal(status, 0, run.error);
    assert.deepEqual(lines, ['closed\t4000']);
  });

  it('an open connection keeps the script alive until the server closes it', async (t) => {
    const server = await recordingServer(t);
    // Each client asks the server to close ("close": Close 4000, "bye": TCP drop); the
    // script ends by itself only after every close has arrived.
    const source = String.raw`
      sys.taskInit(function()
        local air = websocket.new("ws://device.example/")
        air:on("close", function(code) print("air closed", code) end)
        air:connect()
        air:send("close", true)
      end)
      local mcu = websocket.createClient()
      mcu:on("connection", function(c) c:send("bye") end)
      mcu:on("close", function(c, status) print("mcu closed", type(status)) end)
      mcu:connect("ws://device.example/")
      local lt = websocket.create(nil, "ws://device.example/")
      lt:on(function(c, event)
        if event == "conack" then c:send("close") end
        if event == "disconnect" then print("lt disconnected") end
      end)
      lt:connect()
    `;
    const { status, lines, run } = await runScript(source, { server, timeoutMs: 3000 });
    assert.equal(status, 0, run.error);
    assert.deepEqual([...lines].sort(), [
      'air closed\t4000',
      'lt disconnected',
      'mcu closed\tnumber',
    ]);
  });

  it('os.exit closes every client with a Close frame', async (t) => {
    const server = await recordingServer(t);
    const codes: Promise<number>[] = [];
    const source = String.raw`
      local open = 0
      local function opened() open = open + 1 if open == 3 then print("all open") end end
      local lt = websocket.create(nil, "ws://device.example/")
      lt:on(function(c, event) if event == "conack" then opened() end end)
      lt:connect()
      local mcu = websocket.createClient()
      mcu:on("connection", opened)
      mcu:connect("ws://device.example/")
      sys.taskInit(function()
        local air = websocket.new("ws://device.example/")
        air:connect()
        opened()
      end)
      sys.timerLoopStart(function() if open == 3 then os.exit(0) end end, 5)
    `;
    const { status, lines, run } = await runScript(source, {
      server,
      timeoutMs: 3000,
      onLine: (line) => {
        // Every server socket is open now: hear how each one closes.
        if (line !== 'all open') return;
        // Bounded: a client left open fails the test instead of hanging it.
        const signal = AbortSignal.timeout(2000);
        for (const socket of server.sockets) {
          codes.push(once(socket, 'close', { signal }).then(([code]) => code as number));
        }
      },
    });
    assert.equal(status, 0, run.error);
    assert.deepEqual(lines, ['all open']);
    assert.equal(codes.length, 3);
    // A Close frame came from each client: none ended with 1006 (the TCP connection dropped).
    for (const code of await Promise.all(codes)) assert.notEqual(code, 1006);
  });
});
