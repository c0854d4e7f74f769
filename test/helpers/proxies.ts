// Proxies for the proxy tests, all on 127.0.0.1 and closed after the test:
// - fakeHttpProxy / fakeSocksProxy: in-process raw `net` proxies that record what the client
//   sent and can be scripted to refuse, ask for credentials or answer garbage;
// - startTinyproxy / startMicrosocks: the real Debian proxies (tinyproxy, microsocks), started
//   as child processes on a free port; the test is skipped with a message when not installed.

import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { type ConnectOptions, connect } from '../../src/api/websocket-client.js';
import { readRequest } from './servers.js';
import { hasTool } from './system-tools.js';

export interface FakeProxy {
  /** http://127.0.0.1:port or socks5://127.0.0.1:port (no credentials). */
  url: string;
  port: number;
  /** Connections accepted. */
  connections: number;
}

async function listen(t: TestContext, onSocket: (socket: Socket) => void): Promise<Server> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return server;
}

/** Pipes `client` to a new TCP connection to host:port; `onReady` writes the success reply. */
function tunnel(client: Socket, host: string, port: number, onReady: (ok: boolean) => void): void {
  const upstream = netConnect({ host, port });
  upstream.on('connect', () => {
    onReady(true);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  upstream.on('error', () => {
    onReady(false);
    client.destroy();
  });
  client.on('close', () => upstream.destroy());
  upstream.on('close', () => client.destroy());
}

export interface HttpProxyRecord {
  requestLine: string;
  headers: Record<string, string>;
}

export interface FakeHttpProxy extends FakeProxy {
  requests: HttpProxyRecord[];
}

/**
 * An HTTP CONNECT proxy. `credentials` ('user:password') makes it answer 407 to any other
 * Proxy-Authorization; `answer` replaces the whole exchange with raw bytes (then it closes,
 * unless `keepOpen`); `leftover` is written right after the 200, as if the target spoke first.
 */
export async function fakeHttpProxy(
  t: TestContext,
  options: { credentials?: string; answer?: string; keepOpen?: boolean; leftover?: string } = {},
): Promise<FakeHttpProxy> {
  const requests: HttpProxyRecord[] = [];
  const proxy: FakeHttpProxy = { url: '', port: 0, connections: 0, requests };
  const server = await listen(t, async (socket) => {
    proxy.connections++;
    const { requestLine, headers, rest } = await readRequest(socket);
    requests.push({ requestLine, headers });
    if (options.answer !== undefined) {
      socket.write(options.answer);
      if (options.keepOpen !== true) socket.end();
      return;
    }
    if (options.credentials !== undefined) {
      const expected = `Basic ${Buffer.from(options.credentials).toString('base64')}`;
      if (headers['proxy-authorization'] !== expected) {
        const body = 'proxy credentials needed';
        socket.end(
          `HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="test"\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
        );
        return;
      }
    }
    const match = /^CONNECT (\[[^\]]+\]|[^:\s]+):(\d+) HTTP\/1\.1$/.exec(requestLine);
    if (match === null) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    tunnel(socket, match[1]!.replace(/^\[|\]$/g, ''), Number(match[2]), (ok) => {
      if (!ok) {
        socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 11\r\n\r\nunreachable');
        return;
      }
      socket.write(`HTTP/1.1 200 Connection established\r\n\r\n${options.leftover ?? ''}`);
      if (rest.length > 0) socket.unshift(rest);
    });
  });
  proxy.port = (server.address() as { port: number }).port;
  proxy.url = `http://127.0.0.1:${proxy.port}`;
  return proxy;
}

export interface SocksRecord {
  methods: number[];
  username?: string;
  password?: string;
  /** 1 IPv4, 3 domain name, 4 IPv6. */
  addressType?: number;
  host?: string;
  port?: number;
}

export interface FakeSocksProxy extends FakeProxy {
  requests: SocksRecord[];
}

/**
 * A SOCKS5 proxy (RFC 1928/1929). `credentials` ('user:password') requires user/password auth;
 * `reply` answers CONNECT with that code instead of connecting; `method` forces the method byte.
 */
export async function fakeSocksProxy(
  t: TestContext,
  options: { credentials?: string; reply?: number; method?: number; raw?: string } = {},
): Promise<FakeSocksProxy> {
  const requests: SocksRecord[] = [];
  const proxy: FakeSocksProxy = { url: '', port: 0, connections: 0, requests };
  const server = await listen(t, (socket) => {
    proxy.connections++;
    const record: SocksRecord = { methods: [] };
    requests.push(record);
    let buffer = Buffer.alloc(0);
    let stage: 'greeting' | 'auth' | 'request' | 'done' = 'greeting';
    const onData = (chunk: Buffer): void => {
      buffer = Buffer.concat([buffer, chunk]);
      for (let guard = 0; guard < 4 && stage !== 'done'; guard++) {
        if (stage === 'greeting') {
          if (buffer.length < 2 || buffer.length < 2 + buffer[1]!) return;
          record.methods = [...buffer.subarray(2, 2 + buffer[1]!)];
          buffer = buffer.subarray(2 + buffer[1]!);
          if (options.raw !== undefined) {
            socket.end(options.raw);
            stage = 'done';
            return;
          }
          const wanted = options.credentials !== undefined ? 2 : 0;
          const method = options.method ?? (record.methods.includes(wanted) ? wanted : 0xff);
          socket.write(Buffer.of(5, method));
          if (method === 0xff) {
            socket.end();
            stage = 'done';
            return;
          }
          stage = method === 2 ? 'auth' : 'request';
        } else if (stage === 'auth') {
          if (buffer.length < 2) return;
          const userLength = buffer[1]!;
          if (buffer.length < 3 + userLength) return;
          const passwordLength = buffer[2 + userLength]!;
          if (buffer.length < 3 + userLength + passwordLength) return;
          record.username = buffer.subarray(2, 2 + userLength).toString();
          record.password = buffer
            .subarray(3 + userLength, 3 + userLength + passwordLength)
            .toString();
          buffer = buffer.subarray(3 + userLength + passwordLength);
          const ok = `${record.username}:${record.password}` === options.credentials;
          socket.write(Buffer.of(1, ok ? 0 : 1));
          if (!ok) {
            socket.end();
            stage = 'done';
            return;
          }
          stage = 'request';
        } else {
          if (buffer.length < 5) return;
          const type = buffer[3]!;
          const length = type === 1 ? 10 : type === 4 ? 22 : 7 + buffer[4]!;
          if (buffer.length < length) return;
          record.addressType = type;
          const address = buffer.subarray(type === 3 ? 5 : 4, length - 2);
          record.host =
            type === 1
              ? [...address].join('.')
              : type === 4
                ? (address.toString('hex').match(/.{4}/g) ?? []).join(':')
                : address.toString();
          record.port = buffer.readUInt16BE(length - 2);
          const rest = buffer.subarray(length);
          stage = 'done';
          socket.off('data', onData);
          const answer = (code: number): Buffer => Buffer.of(5, code, 0, 1, 127, 0, 0, 1, 0, 0);
          if (options.reply !== undefined) {
            socket.end(answer(options.reply));
            return;
          }
          const host = type === 3 && record.host === 'localhost' ? '127.0.0.1' : record.host;
          tunnel(socket, host, record.port, (ok) => {
            socket.write(answer(ok ? 0 : 5));
            if (!ok) socket.end();
            else if (rest.length > 0) socket.unshift(rest);
          });
        }
      }
    };
    socket.on('data', onData);
  });
  proxy.port = (server.address() as { port: number }).port;
  proxy.url = `socks5://127.0.0.1:${proxy.port}`;
  return proxy;
}

// ---------------------------------------------------------------- connecting through them

/** A file of test/fixtures/tls/ (the test CA, the server certificate and key). */
export function tlsFixture(name: string): Buffer {
  return readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));
}

/** Connects, sends `text`, returns what the echo server sent back, and closes. */
export async function echoThrough(
  url: string,
  options: ConnectOptions,
  text = 'through the proxy',
): Promise<string> {
  const ws = await connect(url, { pingIntervalMs: 0, ...options });
  try {
    const next = ws[Symbol.asyncIterator]().next();
    await ws.send(text);
    return String((await next).value?.data);
  } finally {
    await ws.close();
  }
}

/** The error connect() rejects with; fails the test if it opens. */
export async function connectFailure(url: string, options: ConnectOptions): Promise<unknown> {
  try {
    const ws = await connect(url, { pingIntervalMs: 0, ...options });
    await ws.terminate();
  } catch (error) {
    return error;
  }
  assert.fail('connect() should have failed');
}

// ---------------------------------------------------------------- real proxies from Debian

/** The path of `name` on PATH (or in /usr/sbin), or undefined. */
export function findBinary(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name} || ls /usr/sbin/${name} 2>/dev/null`], {
    encoding: 'utf8',
  });
  const path = found.stdout.trim().split('\n')[0];
  return path === undefined || path === '' ? undefined : path;
}

/** A port that was free a moment ago (the child process binds it itself). */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Waits until 127.0.0.1:port accepts connections (at most ~5 s), or the child exits. */
async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (child.exitCode !== null) throw new Error(`the proxy exited early: ${output()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const probe = netConnect({ host: '127.0.0.1', port });
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the proxy did not listen on port ${port}: ${output()}`);
}

async function spawnProxy(
  t: TestContext,
  command: string,
  args: string[],
  port: number,
): Promise<void> {
  let output = '';
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  t.after(
    () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          resolve();
          return;
        }
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  );
  await waitForPort(port, child, () => output);
}

/**
 * tinyproxy on a free loopback port, with BasicAuth when `credentials` ('user:password') is
 * given. Resolves with its URL (no credentials), or undefined after skipping the test.
 */
export async function startTinyproxy(
  t: TestContext,
  credentials?: string,
): Promise<string | undefined> {
  const binary = findBinary('tinyproxy');
  if (!hasTool(t, 'tinyproxy', binary !== undefined) || binary === undefined) return undefined;
  const port = await freePort();
  const directory = mkdtempSync(join(tmpdir(), 'wsx-tinyproxy-'));
  t.after(() => rmSync(directory, { recursive: true, force: true }));
  const lines = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    'MaxClients 20',
    'LogLevel Critical',
    'Allow 127.0.0.1',
    'DisableViaHeader Yes',
  ];
  if (credentials !== undefined) lines.push(`BasicAuth ${credentials.replace(':', ' ')}`);
  const config = join(directory, 'tinyproxy.conf');
  writeFileSync(config, `${lines.join('\n')}\n`);
  await spawnProxy(t, binary, ['-d', '-c', config], port);
  return `http://127.0.0.1:${port}`;
}

/** microsocks on a free loopback port, with user/password auth when `credentials` is given. */
export async function startMicrosocks(
  t: TestContext,
  credentials?: string,
): Promise<string | undefined> {
  const binary = findBinary('microsocks');
  if (!hasTool(t, 'microsocks', binary !== undefined) || binary === undefined) return undefined;
  const port = await freePort();
  const args = ['-i', '127.0.0.1', '-p', String(port)];
  if (credentials !== undefined) {
    const [user, password] = credentials.split(':') as [string, string];
    args.push('-u', user, '-P', password);
  }
  await spawnProxy(t, binary, args, port);
  return `127.0.0.1:${port}`;
}
