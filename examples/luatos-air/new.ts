// Seed example of websocket.new(url, cert): make a client object. Nothing connects yet.
//   npx tsx examples/luatos-air/new.ts [ws://server]

import { websocket } from '../../src/dialects/luatos-air.js';
import { exampleServer, print } from './_support.js';

const server = await exampleServer();

// local ws = websocket.new("ws://121.40.165.18:8800")
const ws = websocket.new(server.url); // our local server instead of the document's address

print('created, state', ws.state(), 'online', ws.online());
await server.close();
