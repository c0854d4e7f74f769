local ws = websocket.createClient()
-- ...
ws:close()
ws = nil
