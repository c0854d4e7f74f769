// The seed document's client:config() example, line for line, then (added) one connection
// so the header can be seen at the server:
//
//   ws = websocket.createClient()
//   ws:config({headers={['User-Agent']='NodeMCU'}})
//
// Ends by itself: it closes as soon as the connection is up, and the close callback stops
// the embedded server.
// Run: npx tsx examples/nodemcu/config.ts [ws://server/]

import { websocket } from '../../src/dialects/nodemcu.js';
import { exampleServer, print } from './local-server.js';

const server = await exampleServer(); // added: where to connect

const ws = websocket.createClient();
ws.config({ headers: { 'User-Agent': 'NodeMCU' } });

// added: connect once with the configured header, then close
ws.on('connection', (client) => {
  print('connected with User-Agent NodeMCU');
  client.close();
});
ws.on('close', (_, status) => {
  print('connection closed', status);
  void server.stop();
});
ws.connect(server.url);
