// --connect-to: the rules as curl reads them, and the engine option under them: TCP goes to
// the other address while the Host header, the TLS server name (SNI) and the certificate
// check keep the URL's host.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { WebSocketServer } from 'ws';
import { connect } from '../../src/api/websocket-client.js';
import { resolveOptions } from '../../src/client/options.js';
import { ErrorCode, TransportError } from '../../src/core/errors.js';
import { parseConnectTo } from '../../src/lua/index.js';
import { runScript } from './helpers.js';

const fixture = new URL('../fixtures/tls/', import.meta.url);

async function tlsEchoServer(t: TestContext) {
  const https = createServer({
    key: readFileSync(new URL('server.key', fixture)),
    cert: readFileSync(new URL('server.crt', fixture)),
  });
  const names: (string | false | null)[] = [];
  const hosts: (string | undefined)[] = [];
  https.on('secureConnection', (socket: TLSSocket) => names.push(socket.servername));
  const wss = new WebSocketServer({ server: https });
  wss.on('connection', (socket, request) => {
    hosts.push(request.headers.host);
    socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }));
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    for (const client of wss.clients) client.terminate();
    wss.close();
    https.close();
  });
  return { port: (https.address() as AddressInfo).port, names, hosts };
}

describe('--connect-to rules', () => {
  it('match host and port, either may be empty; the target keeps what is empty', () => {
    const route = parseConnectTo([
      'a.example:443:127.0.0.1:9443',
      ':8080::9090',
      '[::1]:80:[::2]:',
      'b.example::c.example:',
    ])!;
    assert.deepEqual(route('A.example', 443), { host: '127.0.0.1', port: 9443 });
    assert.equal(route('a.example', 80), undefined);
    assert.deepEqual(route('any.example', 8080), { host: 'any.example', port: 9090 });
    assert.deepEqual(route('::1', 80), { host: '::2', port: 80 });
    assert.deepEqual(route('b.example', 1234), { host: 'c.example', port: 1234 });
    assert.equal(parseConnectTo([]), undefined);
  });

  it('refuses malformed rules with a message naming the rule', () => {
    assert.throws(() => parseConnectTo(['a:1:b']), /--connect-to "a:1:b": it has 3 parts, not 4/);
    assert.throws(() => parseConnectTo(['a:x:b:1']), /"x" is not a port from 1 to 65535/);
    assert.throws(() => parseConnectTo(['a:1:b:70000']), /"70000" is not a port/);
  });
});

describe('the engine option connectTo', () => {
  it('must be a function; one that throws or answers nonsense fails the connect, typed', async () => {
    assert.throws(
      () => resolveOptions('ws://a.example/', { connectTo: 5 as never }),
      /option connectTo must be a function/,
    );
    for (const connectTo of [
      () => {
        throw new Error('no route');
      },
      () => ({ host: 'x' }) as never,
    ]) {
      await assert.rejects(connect('ws://a.example:81/', { connectTo }), (error: unknown) => {
        assert.ok(error instanceof TransportError);
        assert.equal(error.code, ErrorCode.ConnectFailed);
        assert.match(error.message, /option connectTo failed for a\.example:81/);
        return true;
      });
    }
  });
});

describe('--connect-to keeps the URL for TLS', () => {
  const script = `
    local ws = websocket.new(arg[1], { caCert = arg[2], insist = 0 })
    ws:on("error", function(e) print("error", (tostring(e):match("TLS"))) end)
    sys.taskInit(function()
      print("connect", ws:connect(5))
      if ws:online() then
        ws:send("over tls", true)
        print("recv", ws:recv())
        ws:close()
      end
    end)
  `;
  const ca = new URL('ca.crt', fixture).pathname;

  it('SNI and Host are the URL host, and its certificate is checked for that name', async (t) => {
    const server = await tlsEchoServer(t);
    const { status, lines, run } = await runScript(script, {
      args: ['wss://localhost:9443/', ca],
      connectTo: [`localhost:9443:127.0.0.1:${server.port}`],
    });
    assert.equal(status, 0, run.error);
    assert.deepEqual(lines, ['connect\ttrue', 'recv\ttrue\tover tls']);
    assert.deepEqual(server.names, ['localhost']);
    assert.deepEqual(server.hosts, ['localhost:9443']);
  });

  it('a URL host the certificate does not name fails, though the address is in it', async (t) => {
    const server = await tlsEchoServer(t);
    const { status, lines } = await runScript(script, {
      args: ['wss://device.example/', ca],
      connectTo: [`device.example:443:127.0.0.1:${server.port}`],
    });
    assert.equal(status, 0);
    assert.deepEqual(lines, ['error\tTLS', 'connect\tfalse']);
    assert.deepEqual(server.hosts, []);
  });
});
