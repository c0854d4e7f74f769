// Seed example of ws:recv(): wait for the next message and get (result, data).
//   npx tsx examples/luatos-air/recv.ts [ws://server]

import { websocket } from '../../src/dialects/luatos-air.js';
import { exampleServer, print } from './_support.js';

const server = await exampleServer();
const ws = websocket.new(server.url);

if (await ws.connect(20)) {
  ws.send('ping me back', true);

  // local result, data = ws:recv()
  const [result, data] = await ws.recv();

  print('recv', result, data);
}
websocket.exit(ws);
await server.close();
