// The seed document's client:send() example, line for line:
//
//   ws = websocket.createClient()
//   ws:on("connection", function()
//     ws:send('hello!')
//   end)
//   ws:connect('ws://echo.websocket.org')
//
// Added so the example ends by itself: print the echo, then close; the close callback
// stops the embedded server.
// Run: npx tsx examples/nodemcu/send.ts [ws://server/]

import { websocket } from '../../src/dialects/nodemcu.js';
import { exampleServer, print } from './local-server.js';

const server = await exampleServer(); // added: where to connect

const ws = websocket.createClient();
ws.on('connection', () => {
  ws.send('hello!');
});

// added: print the echo, close, stop
ws.on('receive', (_, msg, opcode) => {
  print('echo:', msg, opcode);
  ws.close();
});
ws.on('close', (_, status) => {
  print('connection closed', status);
  void server.stop();
});

ws.connect(server.url);
