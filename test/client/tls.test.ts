// wss:// (RFC 6455 §4.1 item 3: TLS before the handshake) against an in-process node:https +
// npm `ws` server using the committed test certificates (test/fixtures/tls/README.md):
// trusting a CA, SNI/servername, rejectUnauthorized, and client certificates given as
// PEM key + certificate, passphrase-protected key, or PKCS#12.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { connect, type WebSocketClient } from '../../src/api/websocket-client.js';
import { isWebSocketError, TransportError } from '../../src/core/errors.js';
import type { TlsOptions } from '../../src/transport/transport.js';
import { type PeerServer, startTlsWsPeer } from '../helpers/peers.js';
import { echoServer, readRequest, scripted } from '../helpers/servers.js';

const fixture = (name: string): Buffer =>
  readFileSync(new URL(`../fixtures/tls/${name}`, import.meta.url));

const PASSPHRASE = 'wsc-test-passphrase';
const ca = fixture('ca.crt');
const serverTls = { key: fixture('server.key'), cert: fixture('server.crt') };
const client = { cert: fixture('client.crt'), key: fixture('client.key') };

type TlsPeer = PeerServer & { tlsErrors: Error[] };

/** Connects, echoes one message, closes cleanly; returns the server's record. */
async function echoOnce(server: TlsPeer, tls: TlsOptions, url = server.url) {
  const before = server.requests.length;
  const ws: WebSocketClient = await connect(url, { tls });
  try {
    assert.ok(ws.url.startsWith('wss://'));
    const iterator = ws[Symbol.asyncIterator]();
    const next = iterator.next();
    await ws.send('über TLS');
    const result = await next;
    assert.equal(result.done, false);
    assert.equal(result.value?.data, 'über TLS');
    const info = await ws.close(1000, 'done');
    assert.equal(info.wasClean, true);
  } finally {
    await ws.terminate();
  }
  assert.equal(server.requests.length, before + 1);
  return server.requests[before]!;
}

/** Asserts connect() rejects with a TransportError; returns it for further checks. */
async function connectFails(server: TlsPeer, tls: TlsOptions | undefined): Promise<TransportError> {
  let failure: unknown;
  await assert.rejects(
    connect(server.url, tls === undefined ? {} : { tls }).then((ws) => ws.terminate()),
    (error: unknown) => {
      failure = error;
      return true;
    },
  );
  assert.ok(isWebSocketError(failure), `not a WebSocketError: ${String(failure)}`);
  assert.ok(failure instanceof TransportError, `${(failure as Error).name} is no TransportError`);
  assert.equal(failure.name, 'TransportError');
  return failure;
}

function causeCode(error: Error): string | undefined {
  return (error.cause as { code?: string } | undefined)?.code;
}

describe('wss:// to a server whose certificate the test CA signed', { timeout: 60_000 }, () => {
  let server: TlsPeer;
  before(async () => {
    server = await startTlsWsPeer(serverTls);
  });
  after(() => server.close());

  test('connects and echoes when tls.ca trusts the CA; no SNI for an IP address', async () => {
    const request = await echoOnce(server, { ca });
    // RFC 6066 §3: SNI carries host names only, never IP literals.
    assert.equal(request.servername, false);
  });

  test('without the CA: TransportError ERR_TLS in phase tls, naming the cause', async () => {
    const error = await connectFails(server, undefined);
    assert.equal(error.code, 'ERR_TLS');
    assert.equal(error.phase, 'tls');
    assert.equal(causeCode(error), 'UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    // The message names the fix: the CA to trust, and the switch for testing only.
    assert.match(error.message, /^the TLS certificate of 127\.0\.0\.1:\d+ is not trusted /);
    assert.match(error.message, /pass the CA certificate that signed it as tls\.ca/);
    assert.match(error.message, /for testing only, tls\.rejectUnauthorized: false/);
    assert.doesNotMatch(error.message, /\n|ssl3_|\.c:\d/);
    assert.equal(server.requests.length, 1, 'no upgrade request may pass a failed TLS check');
  });

  test('a CA that did not sign the certificate is refused the same way', async () => {
    const error = await connectFails(server, { ca: fixture('client-ca.crt') });
    assert.equal(error.code, 'ERR_TLS');
    assert.equal(error.phase, 'tls');
    assert.match(error.message, /is not trusted .*tls\.ca.*tls\.rejectUnauthorized: false/);
  });

  test('servername sets SNI and the name the certificate is checked against', async () => {
    const request = await echoOnce(server, { ca, servername: 'localhost' });
    assert.equal(request.servername, 'localhost');

    const error = await connectFails(server, { ca, servername: 'wrong.example' });
    assert.equal(error.code, 'ERR_TLS');
    assert.equal(error.phase, 'tls');
    assert.equal(causeCode(error), 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.match(error.message, /is not valid for "wrong\.example"/);
    assert.match(error.message, /tls\.servername/);
    assert.match(error.message, /tls\.ca/);
    assert.match(error.message, /for testing only, tls\.rejectUnauthorized: false/);
  });

  test('rejectUnauthorized: false accepts a certificate nobody vouches for', async () => {
    await echoOnce(server, { rejectUnauthorized: false });
    await echoOnce(server, { rejectUnauthorized: false, servername: 'wrong.example' });
  });

  test('minVersion TLSv1.3 connects with TLS 1.3 to a server that offers it', async () => {
    const request = await echoOnce(server, { ca, minVersion: 'TLSv1.3' });
    assert.equal(request.tlsVersion, 'TLSv1.3');
  });
});

describe('minVersion against a server limited to TLS 1.2', { timeout: 60_000 }, () => {
  let server: TlsPeer;
  before(async () => {
    server = await startTlsWsPeer({ ...serverTls, maxVersion: 'TLSv1.2' });
  });
  after(() => server.close());

  test('without minVersion the client settles for TLS 1.2', async () => {
    const request = await echoOnce(server, { ca });
    assert.equal(request.tlsVersion, 'TLSv1.2');
  });

  test('minVersion TLSv1.3 refuses it: ERR_TLS in phase tls, no upgrade request', async () => {
    const before = server.requests.length;
    const error = await connectFails(server, { ca, minVersion: 'TLSv1.3' });
    assert.equal(error.code, 'ERR_TLS');
    assert.equal(error.phase, 'tls');
    assert.match(causeCode(error) ?? '', /PROTOCOL_VERSION|UNSUPPORTED_PROTOCOL/);
    assert.equal(server.requests.length, before);
  });
});

describe('wss:// to a server that requires a client certificate', { timeout: 60_000 }, () => {
  let server: TlsPeer;
  before(async () => {
    server = await startTlsWsPeer({
      ...serverTls,
      ca: fixture('client-ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    });
  });
  after(() => server.close());

  test('accepts the client certificate signed by its client CA (PEM cert + key)', async () => {
    const request = await echoOnce(server, { ca, ...client });
    assert.equal(request.clientCertificateName, 'wsc test client');
  });

  test('accepts a passphrase-protected key with its passphrase', async () => {
    const request = await echoOnce(server, {
      ca,
      cert: client.cert,
      key: fixture('client-encrypted.key'),
      passphrase: PASSPHRASE,
    });
    assert.equal(request.clientCertificateName, 'wsc test client');
  });

  test('a wrong passphrase fails before connecting: ERR_TLS in phase tls', async () => {
    const requests = server.requests.length;
    const error = await connectFails(server, {
      ca,
      cert: client.cert,
      key: fixture('client-encrypted.key'),
      passphrase: 'not the passphrase',
    });
    assert.equal(error.code, 'ERR_TLS');
    assert.equal(error.phase, 'tls');
    assert.match(error.message, /tls\.passphrase/);
    assert.equal(server.requests.length, requests);
  });

  test('accepts a PKCS#12 bundle (pfx) with its passphrase', async () => {
    const request = await echoOnce(server, {
      ca,
      pfx: fixture('client.p12'),
      passphrase: PASSPHRASE,
    });
    assert.equal(request.clientCertificateName, 'wsc test client');

    const error = await connectFails(server, { ca, pfx: fixture('client.p12'), passphrase: 'x' });
    assert.equal(error.code, 'ERR_TLS');
    assert.equal(error.phase, 'tls');
  });

  test('refuses a connection without a client certificate', async (t) => {
    const requests = server.requests.length;
    const error = await connectFails(server, { ca });
    t.diagnostic(`no client certificate -> ${error.code} (${error.phase}): ${error.message}`);
    // With TLS 1.3 the server's "certificate required" alert arrives after the client
    // finished its side of the handshake; it is still reported as a TLS failure.
    assert.equal(error.code, 'ERR_TLS');
    assert.equal(error.phase, 'tls');
    assert.match(error.message, /certificate required/i);
    assert.equal(server.requests.length, requests);
  });

  test('refuses a self-signed client certificate it does not trust', async (t) => {
    const requests = server.requests.length;
    const error = await connectFails(server, {
      ca,
      cert: fixture('wrong-client.crt'),
      key: fixture('wrong-client.key'),
    });
    t.diagnostic(
      `untrusted client certificate -> ${error.code} (${error.phase}): ${error.message}`,
    );
    // node:https checks client certificates after the TLS handshake and just drops the
    // socket without a TLS alert, so the client sees the connection end (or be reset)
    // before the 101 response, whichever the kernel reports first.
    assert.ok(
      ['ERR_CONNECTION_LOST', 'ERR_CONNECTION_RESET', 'ERR_TLS'].includes(error.code),
      `unexpected code ${error.code}`,
    );
    assert.ok(['handshake', 'tls'].includes(error.phase), `unexpected phase ${error.phase}`);
    assert.equal(server.requests.length, requests);
  });
});

describe('the wrong scheme for the server', { timeout: 60_000 }, () => {
  test('wss:// to a plain ws:// server: one line ending "is the server plain ws://?"', async (t) => {
    const plain = await echoServer(t);
    const url = plain.url.replace('ws://', 'wss://');
    const error = await connect(url).then(
      (ws) => assert.fail(`opened ${ws.url}`),
      (failure: unknown) => failure,
    );
    assert.ok(error instanceof TransportError);
    assert.equal(error.code, 'ERR_TLS');
    assert.equal(error.phase, 'tls');
    assert.match(error.message, /^the server at 127\.0\.0\.1:\d+ did not answer in TLS \(/);
    assert.ok(error.message.endsWith('; is the server plain ws://?'), error.message);
    // OpenSSL's dump (file, line, routines) stays on the cause, out of the message.
    assert.doesNotMatch(error.message, /\n|ssl3_|\.c:\d|routines/);
    assert.match(String((error.cause as Error).message), /wrong version number/);
  });

  test('ws:// to a wss:// server: the message suggests wss://', async (t) => {
    const server = await startTlsWsPeer(serverTls);
    t.after(() => server.close());
    const url = server.url.replace('wss://', 'ws://');
    const error = await connect(url).then(
      (ws) => assert.fail(`opened ${ws.url}`),
      (failure: unknown) => failure,
    );
    assert.ok(isWebSocketError(error), String(error));
    // node:https drops a connection that does not start with TLS without a word.
    assert.equal(error.code, 'ERR_CONNECTION_LOST');
    assert.match(error.message, /use wss:\/\/ instead of ws:\/\//);
  });

  test('ws:// to a server that answers with a TLS record: named at once', async (t) => {
    const server = await scripted(t, async (socket) => {
      await readRequest(socket);
      // A TLS alert record (21, TLS 1.2, 2 bytes: fatal, protocol_version), as OpenSSL sends;
      // the socket stays open, so only the bytes themselves can tell.
      socket.write(Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46]));
    });
    await assert.rejects(connect(server.url), (error: unknown) => {
      assert.ok(isWebSocketError(error), String(error));
      assert.equal(error.code, 'ERR_HANDSHAKE_MALFORMED');
      assert.equal(
        error.message,
        'the server answered in TLS, not HTTP: it expects a secure connection; use wss:// instead of ws://',
      );
      return true;
    });
  });
});
