// Seed example of ws:connect(timeout): try until connected, two seconds apart.
//   npx tsx examples/luatos-air/connect.ts [ws://server]

import { websocket } from '../../src/dialects/luatos-air.js';
import { exampleServer, print, sys } from './_support.js';

const server = await exampleServer();
const ws = websocket.new(server.url);

// The timeout is in seconds: 20000 is what the document writes (about 5.5 hours).
// The device loops forever; this example gives up after 5 attempts so that it ends.
let attempts = 0;
// while not ws:connect(20000) do sys.wait(2000) end
while (!(await ws.connect(20000))) {
  if (++attempts === 5) break;
  await sys.wait(2000);
}

print('connected', ws.online(), 'state', ws.state());
websocket.exit(ws);
await server.close();
