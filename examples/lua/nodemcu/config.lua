ws = websocket.createClient()
ws:config({headers={['User-Agent']='NodeMCU'}})
