// Lua strings are byte strings: binary data and text with NUL or multi-byte characters cross
// between Lua, the dialects and the server byte for byte, at sizes around the frame length
// thresholds and up to 1 MiB.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALL_BYTES, recordingServer, runScript } from './helpers.js';

const ALL =
  'local all = {} for i = 0, 255 do all[#all + 1] = string.char(i) end all = table.concat(all)';

describe('Lua strings round-trip byte for byte', () => {
  it('the 256 byte values, sent and received by each dialect', async (t) => {
    const server = await recordingServer(t);
    const source = `
      ${ALL}
      local function check(name, data) print(name, #data, data == all) end
      local lt = websocket.create(nil, "ws://device.example/")
      lt:on(function(c, event, data)
        if event == "conack" then c:send(all, 1) end
        if event == "recv" then check("luatos", data) c:close() end
      end)
      lt:connect()
      local mcu = websocket.createClient()
      mcu:on("connection", function(c) c:send(all, 2) end)
      mcu:on("receive", function(c, data, opcode) check("nodemcu", data) c:close() end)
      mcu:connect("ws://device.example/")
      sys.taskInit(function()
        local air = websocket.new("ws://device.example/")
        air:connect()
        air:send(all)
        local _, data = air:recv()
        check("air", data)
        air:send("bin", true)
        air:recv()
        _, data = air:recv()
        check("from server", data)
        air:close()
      end)
    `;
    const { status, lines, run } = await runScript(source, { server });
    assert.equal(status, 0, run.error);
    assert.deepEqual([...lines].sort(), [
      'air\t256\ttrue',
      'from server\t256\ttrue',
      'luatos\t256\ttrue',
      'nodemcu\t256\ttrue',
    ]);
    const binary = server.received.filter((item) => item.isBinary);
    assert.equal(binary.length, 3);
    for (const item of binary) assert.deepEqual(item.data, ALL_BYTES);
  });

  it('text with NUL and multi-byte characters; sizes 125, 126, 64 KiB +- 1 and 1 MiB', async (t) => {
    const server = await recordingServer(t);
    const source = String.raw`
      ${ALL}
      local sizes = { 125, 126, 65535, 65536, 65537, 1048576 }
      sys.taskInit(function()
        local ws = websocket.new("ws://device.example/")
        ws:connect()
        local text = "a\0b é € 😀"
        ws:send(text, true)
        local _, echo = ws:recv()
        print("text", #echo, echo == text)
        for _, size in ipairs(sizes) do
          local data = string.rep(all, size // 256 + 1):sub(1, size)
          ws:send(data)
          local ok, back = ws:recv()
          print(size, ok, #back, back == data)
        end
        ws:close()
      end)
    `;
    const { status, lines, run } = await runScript(source, { server });
    assert.equal(status, 0, run.error);
    assert.deepEqual(lines, [
      'text\t15\ttrue',
      '125\ttrue\t125\ttrue',
      '126\ttrue\t126\ttrue',
      '65535\ttrue\t65535\ttrue',
      '65536\ttrue\t65536\ttrue',
      '65537\ttrue\t65537\ttrue',
      '1048576\ttrue\t1048576\ttrue',
    ]);
    assert.equal(server.received[0]!.data.toString(), 'a\0b é € 😀');
    assert.equal(server.received[0]!.isBinary, false);
    const big = server.received.at(-1)!.data;
    assert.equal(big.length, 1048576);
    assert.deepEqual(big.subarray(0, 256), ALL_BYTES);
    assert.deepEqual(big.subarray(1048576 - 256), ALL_BYTES);
  });

  it('bytes through sys.publish, log and print stay bytes', async () => {
    const source = String.raw`
      ${ALL}
      sys.subscribe("data", function(d, n) print(#d, d == all, n, math.type(n)) end)
      sys.publish("data", all, 3)
      sys.subscribe("bom", function(d) print("bom", #d, d == "\239\187\191x") end)
      sys.publish("bom", "\239\187\191x")
      print(("\0x\0"):len(), string.toHex("\1\171"), string.fromHex("00ff41") == "\0\255A")
    `;
    const { status, lines } = await runScript(source);
    assert.equal(status, 0);
    // A leading byte order mark is kept too.
    assert.deepEqual(lines, ['3\t01AB\ttrue', '256\ttrue\t3\tinteger', 'bom\t4\ttrue']);
  });
});
