// Seed example of ws:state(): the state through one connection's life.
//   npx tsx examples/luatos-air/state.ts [ws://server]

import { websocket } from '../../src/dialects/luatos-air.js';
import { exampleServer, print } from './_support.js';

const server = await exampleServer();
const ws = websocket.new(server.url);
let closed: () => void = () => {};
ws.on('close', () => closed());

// ws:state()
print('new', ws.state());
const connected = ws.connect(20);
print('connecting', ws.state());
if (await connected) {
  print('connected', ws.state());
  const done = new Promise<void>((resolve) => (closed = resolve));
  ws.close();
  print('after close()', ws.state());
  await done;
  print('closed', ws.state());
}
await server.close();
