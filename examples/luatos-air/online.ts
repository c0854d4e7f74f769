// Seed example of ws:online(): is the client connected?
//   npx tsx examples/luatos-air/online.ts [ws://server]

import { websocket } from '../../src/dialects/luatos-air.js';
import { exampleServer, print } from './_support.js';

const server = await exampleServer();
const ws = websocket.new(server.url);

// ws:online()
print('before connect', ws.online());
if (await ws.connect(20)) print('after connect', ws.online());
ws.close();
print('after close()', ws.online());
websocket.exit(ws);
await server.close();
