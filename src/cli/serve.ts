// An embedded echo server for demos and examples: the npm `ws` server, echoing every message
// with its type and answering "close" with a Close frame. Not part of the client library.

import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

export async function startEchoServer(port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  const server = new WebSocketServer({
    host,
    port,
    handleProtocols: (protocols) => protocols.values().next().value ?? false,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  server.on('connection', (socket) => {
    socket.on('message', (data, isBinary) => {
      if (!isBinary && data.toString() === 'close') socket.close(4000, 'you asked me to');
      else socket.send(data, { binary: isBinary });
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `ws://${host}:${address.port}/`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of server.clients) client.terminate();
        server.close(() => resolve());
      }),
  };
}
