// The embedded server (`wsx serve`, `npm start`, examples and tests), built on the npm `ws`
// server: echo (text "close" is answered with Close 4000), broadcast, or flood; plain or TLS
// with a freshly generated self-signed certificate. Not part of the client library.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { isIP } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type WebSocket, WebSocketServer } from 'ws';
import { argumentMessage } from './connect-options.js';
import { makeSelfSigned } from './self-signed.js';
import { paletteFor } from './style.js';

export type ServeMode = 'echo' | 'broadcast' | 'flood';

export interface ServeOptions {
  port?: number;
  host?: string;
  mode?: ServeMode;
  tls?: boolean;
  /** Accept permessage-deflate (RFC 7692) when a client offers it. */
  deflate?: boolean;
  /** One line per connection and close (nothing when absent). */
  log?: (line: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  /** With tls: the certificate (PEM), where it was saved, and its SHA-256 fingerprint. */
  certificate?: { pem: string; path: string; fingerprint256: string };
  /** Live connections. */
  readonly connections: number;
  /** Closes every connection (1001, or `code`) and the server. */
  close(code?: number): Promise<void>;
}

const FLOOD_HIGH_WATER = 1024 * 1024;

/** Sends numbered messages without end: a batch per turn, pausing while 1 MiB is unsent. */
function flood(socket: WebSocket): void {
  let count = 0;
  const pump = (): void => {
    for (let batch = 0; batch < 256; batch++) {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount >= FLOOD_HIGH_WATER) {
        // Continue once this message was written out.
        socket.send(`flood ${++count}`, () => setImmediate(pump));
        return;
      }
      socket.send(`flood ${++count}`);
    }
    setImmediate(pump);
  };
  pump();
}

function describePayload(data: Buffer): string {
  if (data.length === 0) return 'empty';
  const text = data.toString('utf8');
  return /^[\x20-\x7e]*$/.test(text) ? JSON.stringify(text) : `${data.length} bytes`;
}

export async function startServer(options: ServeOptions = {}): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  const mode = options.mode ?? 'echo';
  const log = options.log ?? (() => {});
  let https: HttpsServer | undefined;
  let certificate: RunningServer['certificate'];
  let certificateDir: string | undefined;
  if (options.tls === true) {
    const made = makeSelfSigned([host]);
    const dir = mkdtempSync(join(tmpdir(), 'wsx-serve-'));
    certificateDir = dir;
    const path = join(dir, 'cert.pem');
    writeFileSync(path, made.cert);
    certificate = { pem: made.cert, path, fingerprint256: made.fingerprint256 };
    https = createHttpsServer({ cert: made.cert, key: made.key });
  }
  const server = new WebSocketServer({
    ...(https === undefined ? { host, port: options.port ?? 0 } : { server: https }),
    handleProtocols: (protocols) => protocols.values().next().value ?? false,
    // Compresses messages of 1 KiB and more, as wsx itself does.
    perMessageDeflate: options.deflate === true,
  });
  const listener = https ?? server;
  await new Promise<void>((resolve, reject) => {
    listener.once('listening', resolve);
    listener.once('error', reject);
    if (https !== undefined) https.listen(options.port ?? 0, host);
  });
  let serial = 0;
  server.on('connection', (socket, request) => {
    const id = ++serial;
    const peer = `${request.socket.remoteAddress}:${request.socket.remotePort}`;
    const sub = socket.protocol ? ` (subprotocol ${socket.protocol})` : '';
    const ext = socket.extensions ? ` (${socket.extensions})` : '';
    log(`+ #${id} connected from ${peer}${sub}${ext}`);
    socket.on('close', (code, reason) => {
      log(
        `- #${id} closed ${code}${reason.length > 0 ? ` ${JSON.stringify(reason.toString())}` : ''}`,
      );
    });
    socket.on('error', (error) => log(`! #${id} ${error.message}`));
    socket.on('ping', (data) =>
      log(`% #${id} ping received (${describePayload(data)}), pong sent`),
    );
    if (mode === 'flood') {
      flood(socket);
      return;
    }
    socket.on('message', (data, isBinary) => {
      if (mode === 'broadcast') {
        for (const client of server.clients) {
          if (client.readyState === client.OPEN) client.send(data, { binary: isBinary });
        }
      } else if (!isBinary && data.toString() === 'close') {
        socket.close(4000, 'you asked me to');
      } else {
        socket.send(data, { binary: isBinary });
      }
    });
  });
  const address = (https ?? server).address() as AddressInfo;
  const hostPart = isIP(host) === 6 ? `[${host}]` : host;
  const scheme = https === undefined ? 'ws' : 'wss';
  const running: RunningServer = {
    url: `${scheme}://${hostPart}:${address.port}/`,
    port: address.port,
    get connections() {
      return server.clients.size;
    },
    close: (code = 1001) =>
      new Promise<void>((resolve) => {
        const sockets = [...server.clients];
        // Close handshakes first; whoever has not answered within a second is cut off.
        for (const client of sockets) client.close(code, 'server shutting down');
        const timer = setTimeout(() => {
          for (const client of sockets) client.terminate();
        }, 1000);
        server.close(() => {
          const done = (): void => {
            clearTimeout(timer);
            // The certificate was made for this run only.
            if (certificateDir !== undefined)
              rmSync(certificateDir, { recursive: true, force: true });
            resolve();
          };
          if (https === undefined) done();
          else https.close(() => done());
        });
      }),
  };
  if (certificate !== undefined) running.certificate = certificate;
  return running;
}

/** The echo server of the examples and demos: a free port on 127.0.0.1 unless told. */
export function startEchoServer(port = 0, host = '127.0.0.1'): Promise<RunningServer> {
  return startServer({ port, host, mode: 'echo' });
}

export const SERVE_HELP = `Usage: wsx serve [options]

A local WebSocket server to try things on.

  --port PORT          port to listen on (default 8080; 0 picks a free one)
  --host HOST          address to listen on (default 127.0.0.1)
  --mode MODE          echo (default): sends every message back; the text "close" gets
                       Close 4000. broadcast: sends every message to every client.
                       flood: sends "flood N" messages as fast as the client reads.
  --tls                wss:// with a new self-signed certificate; prints its SHA-256
                       fingerprint and where it was saved (for wsx connect --ca FILE)
  --deflate            accept permessage-deflate compression when the client offers it
  -h, --help           this help

Prints its URL and each connection. Ctrl-C closes every connection (1001) and stops.
`;

/** Runs `wsx serve` until Ctrl-C; resolves with the exit status. */
export async function serveCommand(args: readonly string[]): Promise<number> {
  let values: {
    port?: string;
    host?: string;
    mode?: string;
    tls?: boolean;
    deflate?: boolean;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        mode: { type: 'string' },
        tls: { type: 'boolean' },
        deflate: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    const flags = ['--port', '--host', '--mode', '--tls', '--deflate', '--help'];
    return usage(argumentMessage(error, flags));
  }
  if (values.help === true) {
    process.stdout.write(SERVE_HELP);
    return 0;
  }
  const port = Number(values.port ?? 8080);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    return usage(`--port needs a port number 0-65535, not ${JSON.stringify(values.port)}`);
  }
  const mode = values.mode ?? 'echo';
  if (mode !== 'echo' && mode !== 'broadcast' && mode !== 'flood') {
    return usage(`--mode is echo, broadcast or flood, not ${JSON.stringify(mode)}`);
  }
  const palette = paletteFor(process.stdout);
  const stamp = (): string => new Date().toISOString().slice(11, 19);
  let server: RunningServer;
  try {
    server = await startServer({
      port,
      host: values.host ?? '127.0.0.1',
      mode,
      tls: values.tls === true,
      deflate: values.deflate === true,
      log: (line) => console.log(`${palette.dim(stamp())} ${line}`),
    });
  } catch (error) {
    console.error(`wsx serve: cannot listen: ${(error as Error).message}`);
    return 1;
  }
  console.log(`wsx serve: ${mode} server listening on ${palette.bold(server.url)}`);
  if (server.certificate !== undefined) {
    const { fingerprint256, path } = server.certificate;
    console.log(`TLS certificate (self-signed) SHA-256 fingerprint: ${fingerprint256}`);
    console.log(`saved to ${path}; connect with: wsx ${server.url} --ca ${path}`);
  }
  console.log(palette.dim('Ctrl-C stops it.'));
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      console.log(`stopping: closing ${server.connections} connection(s)`);
      void server.close().then(resolve);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  console.log('stopped');
  return 0;
}

function usage(message: string): number {
  process.stderr.write(`wsx serve: ${message}\nTry 'wsx serve --help'.\n`);
  return 2;
}
