// The seed document's client:connect() example, line for line:
//
//   ws = websocket.createClient()
//   ws:connect('ws://echo.websocket.org')
//
// The document adds: "If it fails, an error will be delivered via on("close", handler)".
// The added handlers below show both outcomes: the first connect succeeds and is closed,
// then a URL without ws:// fails with status -1.
// Ends by itself: two connect calls in a fixed sequence, then the embedded server stops.
// Run: npx tsx examples/nodemcu/connect.ts [ws://server/]

import { websocket } from '../../src/dialects/nodemcu.js';
import { exampleServer, print } from './local-server.js';

const server = await exampleServer(); // added: where to connect

const ws = websocket.createClient();

// added: report each outcome
let attempts = 0;
ws.on('connection', (client) => {
  print('connected');
  client.close();
});
ws.on('close', (client, status) => {
  print('connection closed', status);
  attempts += 1;
  if (attempts === 1)
    client.connect('echo.websocket.org'); // no scheme: fails with -1
  else void server.stop();
});

ws.connect(server.url);
