// The per-function examples of the LuatOS websocket document (create, headers, on, autoreconn,
// connect, ready, send, close), translated line by line and run in one script.
// Run: npx tsx examples/luatos/functions.ts [ws://host:port/path]
// Without a URL (argument or WSX_URL) it talks to an embedded echo server started here.
// Where the script has to wait (the device would run these lines in a task), it waits with
// sys.waitUntil on a topic the callback publishes, so it ends as soon as the echoes are back.

import { type LuatosClient, sys, websocket } from '../../src/dialects/luatos.js';
import { exampleServer, log } from './lua-shim.js';

const server = await exampleServer();
let wsc: LuatosClient | undefined;

// websocket.create: the document uses "ws://air32.cn/abc" and "wss://air32.cn/abc".
// A plain TCP connection
wsc = websocket.create(undefined, server.url)!;
// An encrypted (TLS) connection: created only to show the form, never connected here.
const secure = websocket.create(undefined, server.url.replace(/^ws:/, 'wss:'))!;
secure.close();

// wsc:headers: the table form
wsc.headers({
  Auth: 'Basic ABCDEFGG',
});
// the string form (replaces the table above)
wsc.headers('Auth: Basic ABCDERG\r\n');

// wsc:on: the document names the fourth argument `payload`; the firmware passes the frame's
// fin flag there (and the opcode after it), and so does wsc.
const expectedEchoes = 5;
let echoes = 0;
wsc.on((websocket_client, event, data, fin, opcode) => {
  // print every event
  log.info('websocket', 'event', event, data, fin, opcode);
  if (event === 'recv' && ++echoes === expectedEchoes) sys.publish('all_echoed');
  void websocket_client;
});

// wsc:autoreconn
wsc.autoreconn(true);

// wsc:connect: start connecting
wsc.connect();
// connect only says the attempt started; ready() (or the conack event) says it is usable.
const [isConnected] = await sys.waitUntil('WEBSOCKET_CONNACK', 15000);

// wsc:ready
const stat = wsc.ready();
log.info('websocket', 'ready', stat, 'conack', isConnected);

// wsc:send: simple sending
wsc.send('123');
// The document's "segmented" example. Like the firmware and its demos (decision L2), a second
// argument of 1 means binary and anything else text, so these are three messages: "123" and
// "456" as text, "789" as binary.
wsc.send('123', 0);
wsc.send('456', 0);
wsc.send('789', 1);
// Real fragmentation takes the documented three-argument form (fin, opt): one text message.
wsc.send('123', 0, 0);
wsc.send('456', 0, 0);
wsc.send('789', 1, 0);

const [isEchoed] = await sys.waitUntil('all_echoed', 15000);
if (!isEchoed) {
  log.info('websocket', 'not every echo came back in time');
  process.exitCode = 1;
}

// wsc:close
wsc.close();
wsc = undefined;
await server.stop();
