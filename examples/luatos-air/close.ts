// Seed examples of ws:close(code, reason): without arguments, then with 1002 and a reason.
// The close callback prints the code the server sent back in its Close frame.
//   npx tsx examples/luatos-air/close.ts [ws://server]

import { websocket } from '../../src/dialects/luatos-air.js';
import { exampleServer, print } from './_support.js';

const server = await exampleServer();
const ws = websocket.new(server.url);
let closed: () => void = () => {};
ws.on('close', (code) => {
  print('close', code);
  closed();
});
const nextClose = (): Promise<void> => new Promise((resolve) => (closed = resolve));

if (await ws.connect(20)) {
  const done = nextClose();
  // ws:close()
  ws.close();
  await done;
}

if (await ws.connect(20)) {
  const done = nextClose();
  // ws:close(1002,"协议错误")
  ws.close(1002, '协议错误');
  await done;
}
await server.close();
