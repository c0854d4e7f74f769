// The example at the top of the LuatOS websocket document, translated line by line.
// Run: npx tsx examples/luatos/echo.ts [ws://host:port/path]
// Without a URL (argument or WSX_URL) it talks to an embedded echo server started here.
// Changes from the Lua script, each marked below: the server address, a bounded loop
// (WSX_ITERATIONS rounds, default 3, instead of `while true`), a shorter wait between rounds
// (WSX_WAIT_MS, default 2000, instead of 45000), and the conack wait the document comments out.

import { type LuatosClient, sys, websocket } from '../../src/dialects/luatos.js';
import { exampleServer, json, log, os, setting } from './lua-shim.js';

const server = await exampleServer();
const device_id = 'wsc-example';

let wsc: LuatosClient | undefined;
if (websocket) {
  // The document connects to "ws://echo.airtun.air32.cn/ws/echo"; we use a local server.
  wsc = websocket.create(undefined, server.url)!; // undefined only for a bad URL
  wsc.autoreconn(true, 3000); // reconnect automatically
  wsc.on((wsc, event, data) => {
    log.info('wsc', event, data);
    if (event === 'conack') {
      wsc.send(json.encode({ action: 'echo', device_id: device_id }));
      sys.publish('wsc_conack');
    }
  });
  wsc.connect();
  // The document has `--sys.waitUntil("websocket_conack", 15000)` commented out, with a topic
  // nobody publishes; we wait for the one the callback publishes, so the rounds start ready.
  await sys.waitUntil('wsc_conack', 15000);
  // while true do ... end, bounded so that the example ends by itself.
  for (let round = 0; round < setting('WSX_ITERATIONS', 3); round++) {
    await sys.wait(setting('WSX_WAIT_MS', 2000));
    if (wsc.ready()) {
      wsc.send(json.encode({ action: 'echo', msg: os.date() }));
    }
  }
  wsc.close();
  wsc = undefined;
}
await server.stop();
