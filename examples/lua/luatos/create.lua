-- The websocket.create examples of the LuatOS websocket page, unchanged, in a wrapper that
-- prints whether each call returned a client.
-- 普通TCP链接
wsc = websocket.create(nil,"ws://air32.cn/abc")
print("ws", wsc ~= nil)
-- 加密TCP链接
wsc = websocket.create(nil,"wss://air32.cn/abc")
print("wss", wsc ~= nil)
