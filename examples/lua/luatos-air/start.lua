-- The ws:start examples of the LuatOS-Air websocket page, in a minimal wrapper: `u1` stands
-- for the UART the page forwards messages to, and a subscriber ends the run with
-- websocket.exit once the echo of "hello" has been forwarded.
local ws = websocket.new("ws://121.40.165.18:8800")
ws:on("open", function() ws:send("hello", true) end)

u1 = { send = function(_, msg) print("uart", msg) sys.publish("FORWARDED") end }
sys.subscribe("FORWARDED", function() websocket.exit(ws) end)

sys.taskInit(ws.start,ws,30,function(msg)u1:send(msg) end)
