// Seed example of ws:start(keepAlive, proc, reconnTime) with a proc that forwards every
// message to a UART (`u1`). There is no UART on a PC: `u1` below prints what it would send.
//   npx tsx examples/luatos-air/start-proc.ts [ws://server]
//
// On the device start() never ends. Here the task is stopped with websocket.exit(ws)
// after the second message reached the UART.

import { websocket } from '../../src/dialects/luatos-air.js';
import { exampleServer, print, sys } from './_support.js';

const server = await exampleServer();
const ws = websocket.new(server.url);

let forwarded = 0;
const u1 = {
  send(data: string | Uint8Array): void {
    print('uart1 <-', data);
    if (++forwarded === 2) websocket.exit(ws);
  },
};
ws.on('open', () => {
  ws.send('line 1', true);
  ws.send('line 2', true);
});

// sys.taskInit(ws.start,ws,30,function(msg)u1:send(msg) end)
const task = sys.taskInit(() => ws.start(30, (msg) => u1.send(msg)));

await task;
print('task ended');
await server.close();
