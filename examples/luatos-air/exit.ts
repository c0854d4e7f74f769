// Seed example of websocket.exit(ws): stop the task that ws:start() runs. (The document
// writes `wesocket.exit(ws)`, a typo for `websocket`.)
//   npx tsx examples/luatos-air/exit.ts [ws://server]

import { websocket } from '../../src/dialects/luatos-air.js';
import { exampleServer, print, sys } from './_support.js';

const server = await exampleServer();
const ws = websocket.new(server.url);
ws.on('open', () => {
  print('open, state', ws.state());
  // wesocket.exit(ws)
  websocket.exit(ws);
});
ws.on('close', (code) => print('close', code));

await sys.taskInit(() => ws.start(30));
print('start returned, state', ws.state());
await server.close();
