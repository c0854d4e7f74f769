ws = websocket.createClient()
ws:connect('ws://echo.websocket.org')
