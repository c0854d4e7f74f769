-- The one-line examples of the LuatOS websocket page (on, connect, autoreconn, send, ready,
-- headers, close), unchanged, in a minimal wrapper: a client for a public echo host, a task
-- that waits for the connection, and the end of the script.
wsc = websocket.create(nil, "ws://echo.airtun.air32.cn/ws/echo")

-- wsc:headers(headers)
-- table形式
wsc:headers({
    Auth="Basic ABCDEFGG"
})
-- 字符串形式
wsc:headers("Auth: Basic ABCDERG\r\n")

-- wsc:on(cb)
wsc:on(function(websocket_client, event, data, payload)
    -- 打印各种事件
    log.info("websocket", "event", event, data, payload)
end)

-- wsc:autoreconn(reconnect, reconnect_time)
wsc:autoreconn(true)

-- wsc:connect()
-- 开始建立连接
wsc:connect()
-- 本函数仅代表发起成功, 后续仍需根据ready函数判断websocket是否连接正常

sys.waitUntil("WEBSOCKET_CONNACK", 5000)

-- wsc:ready()
local stat = wsc:ready()
print("ready", stat)

-- wsc:send(data, fin, opt)
-- 简单发送数据
wsc:send("123")
-- 分段发送数据, 最后要用1(即FIN帧结束)
wsc:send("123", 0)
wsc:send("456", 0)
wsc:send("789", 1)

sys.wait(300)

-- wsc:close()
wsc:close()
