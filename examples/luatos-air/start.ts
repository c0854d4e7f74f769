// Seed example of ws:start(keepAlive, proc, reconnTime): a task that keeps the client
// connected, with a heartbeat every 30 s (180 s in the other copy of the document).
//   npx tsx examples/luatos-air/start.ts [ws://server]
//
// On the device start() never ends. Here the open callback sends one message and the
// message callback calls websocket.exit(ws) once the echo is back, so the task ends.

import { websocket } from '../../src/dialects/luatos-air.js';
import { exampleServer, print, sys } from './_support.js';

const server = await exampleServer();
const ws = websocket.new(server.url);
ws.on('open', () => ws.send('hello from start.ts', true));
ws.on('message', (message) => {
  print('message', message);
  websocket.exit(ws);
});

// sys.taskInit(ws.start,ws,30)
const task = sys.taskInit(() => ws.start(30));

await task;
print('task ended, state', ws.state());
await server.close();
