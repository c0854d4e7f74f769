// The seed document's websocket.createClient() example, line for line:
//
//   local ws = websocket.createClient()
//   -- ...
//   ws:close()
//   ws = nil
//
// Needs no server. Ends by itself: nothing is connected, so nothing keeps Node running.
// Run: npx tsx examples/nodemcu/create-client.ts

import { type NodeMcuClient, websocket } from '../../src/dialects/nodemcu.js';
import { print } from './local-server.js';

let ws: NodeMcuClient | undefined = websocket.createClient();
// ...
ws.close();
ws = undefined;

print('client created and disposed'); // added: show that the example ran
