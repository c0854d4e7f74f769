// Driving wsx's sans-I/O engine (`wsx/core`) over a socket you open yourself: the engine
// never touches the network. Feed it bytes, write out what it returns, read its events.
// Run: npx tsx examples/core/own-socket.ts [ws://host:port/path]   (default: an echo server)
import { createHash, randomFillSync } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import { ClientProtocol, parseWebSocketUrl } from '../../src/core/index.js'; // 'wsx/core'

export async function talk(url: string): Promise<string[]> {
  const target = parseWebSocketUrl(url);
  const protocol = new ClientProtocol({
    target,
    ports: {
      entropy: (bytes) => void randomFillSync(bytes),
      sha1: (data) => createHash('sha1').update(data).digest(),
    },
  });
  const socket = tcpConnect(target.port, target.hostname); // ws: only; wss: needs node:tls
  const seen: string[] = [];
  const flush = (): void => {
    for (const chunk of protocol.dataToSend()) socket.write(chunk);
  };
  socket.on('connect', flush); // the handshake request is already waiting
  socket.on('data', (data) => {
    protocol.receiveData(new Uint8Array(data));
    for (const event of protocol.eventsReceived()) {
      seen.push(event.type === 'message' ? `message: ${String(event.data)}` : event.type);
      if (event.type === 'open') protocol.sendText('hello from my own socket');
      if (event.type === 'message') protocol.sendClose(1000, 'done');
    }
    flush();
    if (protocol.closeExpected()) socket.end();
  });
  socket.on('end', () => protocol.receiveEof());
  await new Promise((resolve) => socket.on('close', resolve));
  return seen;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { startEchoServer } = await import('../../src/cli/serve.js');
  const server = process.argv[2] === undefined ? await startEchoServer() : undefined;
  console.log(await talk(process.argv[2] ?? server!.url));
  await server?.close();
}
