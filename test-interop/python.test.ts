// Interop with an independent implementation in another language: Debian's python3-websockets
// (10.4) running test-interop/python-server.py under /usr/bin/python3. Exact echo around every
// frame-length class (RFC 6455 §5.2), subprotocols (§4.1), refusal (§4.1 item 1 of the
// response checks), closing both ways (§7), ping (§5.5.2), and wss:// with and without a
// client certificate. The server compresses as python-websockets does by default
// (permessage-deflate, RFC 7692, window 12 both ways, every message compressed), so all of the
// above runs compressed; a second port serves without compression.

import assert from 'node:assert/strict';
import { type ChildProcessByStdio, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { connect, type WebSocketClient } from '../src/api/websocket-client.js';
import type { TransportError, UnexpectedStatusError } from '../src/core/errors.js';
import { reader } from '../test/helpers/api.js';
import {
  assertSameBytes,
  assertSameText,
  CLOSE_COMMAND,
  randomPayload,
  randomText,
} from '../test/helpers/peers.js';

/** Debian's interpreter: the pyenv python3 on PATH does not have the websockets module. */
const PYTHON = '/usr/bin/python3';
const SERVER_SCRIPT = fileURLToPath(new URL('./python-server.py', import.meta.url));
const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../test/fixtures/tls/${name}`, import.meta.url));
const ca = fixture('ca.crt');

const MiB = 1024 * 1024;
const SIZES = [0, 1, 125, 126, 65535, 65536, MiB];
/** What python-websockets 10.4 answers to wsx's default offer. */
const PYTHON_DEFLATE = 'permessage-deflate; server_max_window_bits=12; client_max_window_bits=12';

interface Ports {
  ws: number;
  /** The same server without compression. */
  plain: number;
  wss: number;
  mtls: number;
}
type ServerEvent = Record<string, unknown> & { event: string; path: string; server: string };

interface PythonServer {
  ports: Ports;
  /** Resolves with the first event (seen before or later) that matches. */
  waitForEvent(match: (event: ServerEvent) => boolean): Promise<ServerEvent>;
  stop(): Promise<void>;
}

function pythonWebsocketsVersion(): string | undefined {
  const probe = spawnSync(PYTHON, ['-c', 'import websockets; print(websockets.__version__)'], {
    encoding: 'utf8',
  });
  return probe.status === 0 ? probe.stdout.trim() : undefined;
}

async function startPythonServer(): Promise<PythonServer> {
  const child: ChildProcessByStdio<Writable, Readable, Readable> = spawn(PYTHON, [SERVER_SCRIPT], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    // Keep the tail only: failed TLS handshakes are logged there on purpose.
    stderr = (stderr + chunk).slice(-8192);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const events: ServerEvent[] = [];
  const waiters: { match: (event: ServerEvent) => boolean; resolve: (e: ServerEvent) => void }[] =
    [];
  let onPorts: ((ports: Ports) => void) | undefined;
  const ready = new Promise<Ports>((resolve, reject) => {
    onPorts = resolve;
    child.once('error', reject);
    void exited.then(() =>
      reject(new Error(`python-server.py exited before it was ready:\n${stderr}`)),
    );
  });
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (line) => {
    const value = JSON.parse(line) as Record<string, unknown>;
    if (onPorts !== undefined) {
      const resolve = onPorts;
      onPorts = undefined;
      resolve(value as unknown as Ports);
      return;
    }
    const event = value as ServerEvent;
    events.push(event);
    for (let i = waiters.length - 1; i >= 0; i--) {
      const waiter = waiters[i]!;
      if (waiter.match(event)) {
        waiters.splice(i, 1);
        waiter.resolve(event);
      }
    }
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.stdin.end();
      child.kill('SIGTERM');
    }
    await exited;
    lines.close();
  };
  let ports: Ports;
  try {
    ports = await ready;
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    ports,
    waitForEvent: (match) => {
      const seen = events.find(match);
      if (seen !== undefined) return Promise.resolve(seen);
      return Promise.race([
        new Promise<ServerEvent>((resolve) => waiters.push({ match, resolve })),
        exited.then(() => {
          throw new Error(`python-server.py exited while a test waited for it:\n${stderr}`);
        }),
      ]);
    },
    stop,
  };
}

const version = pythonWebsocketsVersion();
const skip =
  version === undefined && process.env.CI !== 'true'
    ? `${PYTHON} cannot import websockets; install Debian's python3-websockets`
    : false;

test('interop with python-websockets', { skip, timeout: 120_000 }, async (t) => {
  assert.ok(version, `${PYTHON} cannot import websockets; install python3-websockets`);
  t.diagnostic(`python-websockets ${version}`);
  const server = await startPythonServer();
  const clients: WebSocketClient[] = [];
  t.after(async () => {
    await Promise.all(clients.map((client) => client.terminate()));
    await server.stop();
  });
  const { ports } = server;
  const wsUrl = (path = '/'): string => `ws://127.0.0.1:${ports.ws}${path}`;
  const open = async (url: string, options: Parameters<typeof connect>[1] = {}) => {
    const client = await connect(url, options);
    clients.push(client);
    return client;
  };

  await t.test('RFC 6455 §5.6: echoes text and binary exactly, 0 B to 1 MiB', async () => {
    const client = await open(wsUrl('/echo'));
    // Compression is negotiated by default: everything below runs compressed.
    assert.equal(client.extensions, PYTHON_DEFLATE);
    const opened = await server.waitForEvent((e) => e.event === 'open' && e.path === '/echo');
    assert.equal(opened.extensions, PYTHON_DEFLATE);
    const next = reader(client);
    for (const size of SIZES) {
      const text = randomText(size);
      const bytes = randomPayload(size);
      const received = [next(), next()];
      await Promise.all([client.send(text), client.send(bytes)]);
      const [textMessage, binaryMessage] = await Promise.all(received);
      assert.equal(textMessage!.isBinary, false);
      assertSameText(textMessage!.data, text, `text of ${size} UTF-8 bytes`);
      assert.equal(binaryMessage!.isBinary, true);
      assertSameBytes(binaryMessage!.data, bytes, `binary of ${size} bytes`);
    }
    const info = await client.close();
    assert.equal(info.wasClean, true);
  });

  const echoAll = async (client: WebSocketClient, sizes: readonly number[]) => {
    const next = reader(client);
    for (const size of sizes) {
      const repetitive = 'python and wsx '.repeat(Math.ceil(size / 15)).slice(0, size);
      const sent = [randomText(size), randomPayload(size), repetitive, Buffer.from(repetitive)];
      const received = sent.map(() => next());
      const before = client.stats();
      await Promise.all(sent.map((data) => client.send(data)));
      const messages = await Promise.all(received);
      for (let i = 0; i < sent.length; i++) {
        const data = sent[i]!;
        const what = `message ${i} of ${size} bytes`;
        if (typeof data === 'string') assertSameText(messages[i]!.data, data, what);
        else assertSameBytes(messages[i]!.data, data, what);
      }
      const after = client.stats();
      if (size >= 65536 && client.extensions !== '') {
        // Both repetitive messages went compressed each way: far fewer bytes than 4 payloads.
        const bytesOut = after.bytesOut - before.bytesOut;
        const bytesIn = after.bytesIn - before.bytesIn;
        assert.ok(bytesOut < 2.5 * size, `${bytesOut} bytes out for 4 x ${size}`);
        assert.ok(bytesIn < 2.5 * size, `${bytesIn} bytes in for 4 x ${size}`);
      }
    }
  };
  const DEFLATE_SIZES = [0, 1, 125, 126, 1023, 1024, 1025, 65535, 65536, MiB];

  await t.test(
    'RFC 7692: compressed echo both ways (threshold 0), random and repetitive',
    async () => {
      const client = await open(wsUrl('/deflate'), { perMessageDeflate: { threshold: 0 } });
      assert.equal(client.extensions, PYTHON_DEFLATE);
      await echoAll(client, DEFLATE_SIZES);
      assert.equal((await client.close()).wasClean, true);
    },
  );

  await t.test('RFC 7692 §7.1: no context takeover both ways, server window 9', async () => {
    const client = await open(wsUrl('/deflate-nct'), {
      perMessageDeflate: {
        threshold: 0,
        serverNoContextTakeover: true,
        clientNoContextTakeover: true,
        serverMaxWindowBits: 9,
        clientMaxWindowBits: 10,
      },
    });
    assert.equal(
      client.extensions,
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9; client_max_window_bits=10',
    );
    await echoAll(client, DEFLATE_SIZES);
    assert.equal((await client.close()).wasClean, true);
  });

  await t.test('RFC 7692: compression off on either side runs uncompressed', async () => {
    const plain = await open(`ws://127.0.0.1:${ports.plain}/plain`);
    assert.equal(plain.extensions, '');
    const opened = await server.waitForEvent((e) => e.event === 'open' && e.path === '/plain');
    assert.equal(opened.extensions, null);
    await echoAll(plain, [0, 1125, 65536]);
    assert.equal((await plain.close()).wasClean, true);

    const off = await open(wsUrl('/client-off'), { perMessageDeflate: false });
    assert.equal(off.extensions, '');
    await echoAll(off, [0, 1125, 65536]);
    assert.equal((await off.close()).wasClean, true);
  });

  await t.test('RFC 6455 §4.1: subprotocol negotiation', async () => {
    const chosen = await open(wsUrl('/sub-1'), { protocols: ['nope', 'wsx.v2', 'wsx.v1'] });
    assert.equal(chosen.protocol, 'wsx.v2');
    const opened = await server.waitForEvent((e) => e.event === 'open' && e.path === '/sub-1');
    assert.equal(opened.subprotocol, 'wsx.v2');

    const none = await open(wsUrl('/sub-2'), { protocols: 'nope' });
    assert.equal(none.protocol, '');
    await Promise.all([chosen.close(), none.close()]);
  });

  await t.test('Origin reaches the server', async () => {
    const client = await open(wsUrl('/origin'), { origin: 'https://app.example' });
    const opened = await server.waitForEvent((e) => e.event === 'open' && e.path === '/origin');
    assert.equal(opened.origin, 'https://app.example');
    await client.close();
  });

  await t.test('a refused upgrade reports the HTTP status, headers and body', async () => {
    await assert.rejects(connect(wsUrl('/forbidden')), (error: UnexpectedStatusError) => {
      assert.equal(error.code, 'ERR_HANDSHAKE_STATUS');
      assert.equal(error.status, 403);
      assert.equal(error.headers['x-refused-by'], 'python-websockets');
      assert.equal(error.bodyText, 'forbidden by the interop server\n');
      return true;
    });
  });

  await t.test('RFC 6455 §7.1.2: the server closes with a code and reason', async () => {
    const client = await open(wsUrl('/server-close'));
    await client.send(`${CLOSE_COMMAND}4001 python says tschüß`);
    const info = await client.closed;
    assert.equal(info.code, 4001);
    assert.equal(info.reason, 'python says tschüß');
    assert.equal(info.wasClean, true);
    assert.equal(info.error, undefined);
    const closed = await server.waitForEvent(
      (e) => e.event === 'closed' && e.path === '/server-close',
    );
    // python-websockets reports the code of the Close it received: ours echoed its own.
    assert.equal(closed.code, 4001);
  });

  await t.test('RFC 6455 §7.1.2: the client closes with a code and reason', async () => {
    const client = await open(wsUrl('/client-close'));
    const info = await client.close(4002, 'wsx says ¡adiós!');
    // python-websockets echoes the Close frame it received.
    assert.deepEqual(
      { code: info.code, reason: info.reason, wasClean: info.wasClean, error: info.error },
      { code: 4002, reason: 'wsx says ¡adiós!', wasClean: true, error: undefined },
    );
    const closed = await server.waitForEvent(
      (e) => e.event === 'closed' && e.path === '/client-close',
    );
    assert.equal(closed.code, 4002);
    assert.equal(closed.reason, 'wsx says ¡adiós!');

    const plain = await open(wsUrl('/client-close-default'));
    assert.equal((await plain.close()).code, 1000);
    const plainClosed = await server.waitForEvent(
      (e) => e.event === 'closed' && e.path === '/client-close-default',
    );
    assert.equal(plainClosed.code, 1000);
  });

  await t.test('RFC 6455 §5.5.2: ping resolves with a round-trip time', async () => {
    const client = await open(wsUrl('/ping'));
    const rtt = await client.ping();
    assert.ok(Number.isFinite(rtt) && rtt >= 0, `rtt ${rtt}`);
    const rtts = await Promise.all([client.ping('one'), client.ping(new Uint8Array([1, 2]))]);
    for (const value of rtts) assert.ok(Number.isFinite(value) && value >= 0, `rtt ${value}`);
    await client.close();
  });

  await t.test('wss:// with the test CA', async () => {
    const client = await open(`wss://127.0.0.1:${ports.wss}/tls`, {
      tls: { ca, servername: 'localhost' },
    });
    const next = reader(client);
    const text = randomText(70_000);
    const received = next();
    await client.send(text);
    assertSameText((await received).data, text, 'text over TLS');
    assert.equal((await client.close()).wasClean, true);

    await assert.rejects(connect(`wss://127.0.0.1:${ports.wss}/tls`), {
      name: 'TransportError',
      code: 'ERR_TLS',
      phase: 'tls',
    });
  });

  await t.test('wss:// requiring a client certificate', async (t2) => {
    const mtlsUrl = `wss://127.0.0.1:${ports.mtls}/mtls`;
    const client = await open(mtlsUrl, {
      tls: { ca, cert: fixture('client.crt'), key: fixture('client.key') },
    });
    const next = reader(client);
    const received = next();
    const bytes = randomPayload(1000);
    await client.send(bytes);
    assertSameBytes((await received).data, bytes, 'binary over mutual TLS');
    assert.equal((await client.close()).wasClean, true);

    const pfxClient = await open(mtlsUrl, {
      tls: { ca, pfx: fixture('client.p12'), passphrase: 'wsc-test-passphrase' },
    });
    assert.equal((await pfxClient.close()).wasClean, true);

    // The server's OpenSSL rejects the certificate inside the TLS handshake, but asyncio drops
    // the connection without flushing the alert. With TLS 1.3 the client has finished its side
    // of the handshake by then, so all it sees is the connection ending before the 101 (or a
    // reset, whichever the kernel reports); under TLS 1.2 it is a TLS failure.
    for (const [what, tls] of [
      ['wrong', { ca, cert: fixture('wrong-client.crt'), key: fixture('wrong-client.key') }],
      ['no', { ca }],
    ] as const) {
      await assert.rejects(connect(mtlsUrl, { tls }), (error: TransportError) => {
        t2.diagnostic(
          `${what} client certificate -> ${error.code} (${error.phase}): ${error.message}`,
        );
        assert.equal(error.name, 'TransportError');
        assert.ok(
          ['ERR_TLS', 'ERR_CONNECTION_LOST', 'ERR_CONNECTION_RESET'].includes(error.code),
          `unexpected code ${error.code}`,
        );
        assert.ok(['tls', 'handshake'].includes(error.phase), `unexpected phase ${error.phase}`);
        return true;
      });
    }
  });
});
