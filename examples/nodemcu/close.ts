// The seed document's client:close() example, line for line:
//
//   ws = websocket.createClient()
//   ws:close()
//   ws:close() -- nothing will happen
//   ws = nil -- fully dispose the client as Lua will now gc it
//
// Needs no server. Ends by itself: close() without a connection does nothing, so no close
// callback runs and nothing keeps Node running.
// Run: npx tsx examples/nodemcu/close.ts

import { type NodeMcuClient, websocket } from '../../src/dialects/nodemcu.js';
import { print } from './local-server.js';

let ws: NodeMcuClient | undefined = websocket.createClient();
ws.on('close', (_, status) => print('unexpected close callback', status)); // added: never runs
ws.close();
ws.close(); // nothing will happen
ws = undefined; // fully dispose the client: the garbage collector may now take it

print('closed twice without a connection: nothing happened'); // added
