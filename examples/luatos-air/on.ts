// Seed example of ws:on(event, callback): print every message. On LuatOS-Air the message
// event fires when recv() (or start()) takes a message, so this example calls recv() once.
//   npx tsx examples/luatos-air/on.ts [ws://server]

import { websocket } from '../../src/dialects/luatos-air.js';
import { exampleServer, print } from './_support.js';

const server = await exampleServer();
const mt = websocket.new(server.url);

// mt:on("message",function(message) local print(message)end)
mt.on('message', (message) => print(message));

if (await mt.connect(20)) {
  mt.send('hello from on.ts', true);
  await mt.recv(); // the callback above prints the echo
}
websocket.exit(mt);
await server.close();
