// The seed document's client:on() example, line for line:
//
//   local ws = websocket.createClient()
//   ws:on("connection", function(ws)
//     print('got ws connection')
//   end)
//   ws:on("receive", function(_, msg, opcode)
//     print('got message:', msg, opcode) -- opcode is 1 for text message, 2 for binary
//   end)
//   ws:on("close", function(_, status)
//     print('connection closed', status)
//     ws = nil -- required to Lua gc the websocket client
//   end)
//
//   ws:connect('ws://echo.websocket.org')
//
// Added so that something arrives and the example ends by itself: one text and one binary
// message on connection, close after the second echo, stop the embedded server on close.
// Run: npx tsx examples/nodemcu/events.ts [ws://server/]

import { type NodeMcuClient, websocket } from '../../src/dialects/nodemcu.js';
import { exampleServer, print } from './local-server.js';

const server = await exampleServer(); // added: where to connect
let received = 0; // added

let ws: NodeMcuClient | undefined = websocket.createClient();
ws.on('connection', (ws) => {
  print('got ws connection');
  ws.send('hello'); // added
  ws.send(new Uint8Array([0x4e, 0x4f, 0x44, 0x45]), 2); // added: "NODE" as binary
});
ws.on('receive', (_, msg, opcode) => {
  // opcode is 1 for text message, 2 for binary (binary arrives as a Uint8Array)
  print('got message:', typeof msg === 'string' ? msg : `[${msg.join(',')}]`, opcode);
  if (++received === 2) _.close(); // added: two echoes, then close
});
ws.on('close', (_, status) => {
  print('connection closed', status);
  ws = undefined; // the Lua code drops its reference here so the client can be collected
  void server.stop(); // added
});

ws.connect(server.url);
