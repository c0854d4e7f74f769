-- The first ws:start example of the LuatOS-Air websocket page, in a minimal wrapper that
-- prints each message and stops after the first one.
local ws = websocket.new("ws://121.40.165.18:8800")
ws:on("open", function() ws:send("ping me", true) end)
ws:on("message", function(msg) print("message", msg) websocket.exit(ws) end)

sys.taskInit(ws.start,ws,30)
