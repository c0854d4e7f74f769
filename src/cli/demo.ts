// What `npm start` runs: a local echo server, then a short session through each face (the
// modern API, the WHATWG WebSocket and a firmware dialect),
// printing what happens, then one failure to show what an error says.

import { websocket as nodemcu } from '../dialects/nodemcu.js';
import { connect, isWebSocketError, WebSocket } from '../index.js';
import { startEchoServer } from './serve.js';

function say(face: string, line: string): void {
  console.log(`[${face}] ${line}`);
}

async function modernFace(url: string): Promise<void> {
  const ws = await connect(url, { protocols: ['demo'] });
  say('connect', `open, subprotocol ${JSON.stringify(ws.protocol)}`);
  await ws.send('hello from the modern API');
  await ws.send(new Uint8Array([1, 2, 3, 4]));
  say('connect', `ping round trip ${(await ws.ping()).toFixed(2)} ms`);
  let count = 0;
  for await (const message of ws) {
    say(
      'connect',
      message.isBinary
        ? `binary echo: ${message.data.length} bytes`
        : `text echo: ${JSON.stringify(message.data)}`,
    );
    if (++count === 2) break; // leaving the loop closes the connection
  }
  const info = await ws.closed;
  say('connect', `closed: code ${info.code}, clean ${info.wasClean}`);
}

function whatwgFace(url: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    ws.onopen = () => {
      say('WebSocket', 'open');
      ws.send('hello from the WHATWG API');
      ws.send('close'); // the demo server answers with Close 4000
    };
    ws.onmessage = (event) => say('WebSocket', `message: ${JSON.stringify(event.data)}`);
    ws.onclose = (event) => {
      say(
        'WebSocket',
        `close: code ${event.code}, reason ${JSON.stringify(event.reason)}, clean ${event.wasClean}`,
      );
      resolve();
    };
  });
}

/** Device code written for NodeMCU's websocket module, unchanged but for Lua syntax. */
function firmwareFace(url: string): Promise<void> {
  return new Promise((resolve) => {
    const ws = nodemcu.createClient();
    ws.on('connection', () => {
      say('nodemcu', 'connection');
      ws.send('hello from device code');
    });
    ws.on('receive', (_, msg, opcode) => {
      say('nodemcu', `receive: ${JSON.stringify(msg)} (opcode ${opcode})`);
      ws.close();
    });
    ws.on('close', (_, status) => {
      say('nodemcu', `close: status ${status}`);
      resolve();
    });
    ws.connect(url);
  });
}

async function failure(): Promise<void> {
  try {
    await connect('ws://127.0.0.1:1/', { openTimeoutMs: 2000 });
  } catch (error) {
    if (!isWebSocketError(error)) throw error;
    say('error', `${error.code}: ${error.message}`);
  }
}

const server = await startEchoServer();
console.log(`echo server on ${server.url}`);
try {
  await modernFace(server.url);
  await whatwgFace(server.url);
  await firmwareFace(server.url);
  await failure();
} finally {
  await server.close();
}
