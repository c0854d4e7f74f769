// Seed example of ws:sendFrame(fin, opcode, data): one final text frame, then its echo.
//   npx tsx examples/luatos-air/send-frame.ts [ws://server]

import { websocket } from '../../src/dialects/luatos-air.js';
import { exampleServer, print } from './_support.js';

const server = await exampleServer();
const self = websocket.new(server.url);

if (await self.connect(20)) {
  // self:sendFrame(true, 0x1, "www.openluat.com")
  self.sendFrame(true, 0x1, 'www.openluat.com');

  const [result, data] = await self.recv();
  print('echo', result, data);
}
websocket.exit(self);
await server.close();
