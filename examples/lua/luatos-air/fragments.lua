-- The examples of the LuatOS-Air websocket page (new, on, connect, sendFrame, recv, state,
-- online, close, exit), in a minimal wrapper. Two examples cannot run exactly as printed:
-- the `on` one has `local print(message)`, a Lua syntax error (below without `local`), and
-- the `exit` one misspells `wesocket` (the wrapper defines that name).
local ws = websocket.new("ws://121.40.165.18:8800")

local mt = ws
mt:on("message",function(message) print(message)end)

sys.taskInit(function()
    while not ws:connect(20000) do sys.wait(2000) end

    local self = ws
    self:sendFrame(true, 0x1, "www.openluat.com")

    local result, data = ws:recv()
    print("recv", result, data)

    print("state", ws:state())
    print("online", ws:online())

    ws:close()
    print("state after close", ws:state())

    while not ws:connect(20000) do sys.wait(2000) end
    ws:close(1002,"协议错误")
    sys.wait(100)

    local wesocket = websocket
    wesocket.exit(ws)
    print("online after exit", ws:online())
end)
