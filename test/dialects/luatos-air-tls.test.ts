// The LuatOS-Air `cert` table (decision A1) against in-process TLS servers on 127.0.0.1 that use
// the committed test certificates (test/fixtures/tls/README.md): client certificates given as
// file paths and as PEM text, a passphrase-protected key with clientPassword, the host-name
// leniency of `insist` (only 0 refuses a name mismatch, the chain is verified either way),
// no verification without caCert as the seed document says, and unreadable files.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { TransportError } from '../../src/core/errors.js';
import {
  type LuatosAirCert,
  type LuatosAirClient,
  type LuatosAirHostOptions,
  websocket,
} from '../../src/dialects/luatos-air.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { type PeerServer, startTlsWsPeer } from '../helpers/peers.js';
import { startWsEchoServer } from '../helpers/servers.js';

const path = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const pem = (name: string): string => readFileSync(path(name), 'utf8');

const PASSPHRASE = 'wsc-test-passphrase';
const serverTls = { key: pem('server.key'), cert: pem('server.crt') };

type TlsPeer = PeerServer & { tlsErrors: Error[] };

interface Outcome {
  ws: LuatosAirClient;
  connected: boolean;
  errors: Error[];
  closes: number[];
}

/** Connects with `cert`; when connected, echoes one text message and closes. */
async function attempt(
  t: TestContext,
  url: string,
  cert: LuatosAirCert | undefined,
  options: LuatosAirHostOptions = {},
): Promise<Outcome> {
  const ws = websocket.new(url, cert, { clock: new FakeClock(), ...options });
  t.after(() => websocket.exit(ws));
  const errors: Error[] = [];
  const closes: number[] = [];
  ws.on('error', (error) => errors.push(error));
  ws.on('close', (code) => closes.push(code));
  const connected = await ws.connect(10);
  if (connected) {
    ws.send('über TLS', true);
    assert.deepEqual(await ws.recv(), [true, 'über TLS']);
  }
  return { ws, connected, errors, closes };
}

function tlsFailure(outcome: Outcome): TransportError {
  assert.equal(outcome.connected, false);
  assert.equal(outcome.errors.length, 1, `errors: ${outcome.errors.map(String).join('; ')}`);
  const error = outcome.errors[0] as TransportError;
  assert.equal(error.code, 'ERR_TLS', error.message);
  assert.deepEqual(outcome.closes, [1006]);
  return error;
}

describe('cert with a server that requires a client certificate (A1)', { timeout: 60_000 }, () => {
  let server: TlsPeer;
  before(async () => {
    server = await startTlsWsPeer({
      ...serverTls,
      ca: pem('client-ca.crt'),
      requestCert: true,
      rejectUnauthorized: true,
    });
  });
  after(() => server.close());

  it('accepts caCert, clientCert and clientKey given as file paths', async (t) => {
    const before = server.requests.length;
    const outcome = await attempt(t, server.url, {
      caCert: path('ca.crt'),
      clientCert: path('client.crt'),
      clientKey: path('client.key'),
    });
    assert.equal(outcome.connected, true);
    assert.equal(server.requests[before]?.clientCertificateName, 'wsc test client');
  });

  it('accepts the same certificates given as PEM text', async (t) => {
    const before = server.requests.length;
    const outcome = await attempt(t, server.url, {
      caCert: pem('ca.crt'),
      clientCert: pem('client.crt'),
      clientKey: pem('client.key'),
    });
    assert.equal(outcome.connected, true);
    assert.equal(server.requests[before]?.clientCertificateName, 'wsc test client');
  });

  it('clientPassword decrypts an encrypted clientKey; a wrong one fails with ERR_TLS', async (t) => {
    const cert = {
      caCert: path('ca.crt'),
      clientCert: path('client.crt'),
      clientKey: path('client-encrypted.key'),
    };
    const good = await attempt(t, server.url, { ...cert, clientPassword: PASSPHRASE });
    assert.equal(good.connected, true);
    const bad = await attempt(t, server.url, { ...cert, clientPassword: 'not it' });
    assert.equal(bad.connected, false);
    assert.equal((bad.errors[0] as TransportError).code, 'ERR_TLS');
  });

  it('without a client certificate the server refuses: false, error ERR_TLS, close 1006', async (t) => {
    const requests = server.requests.length;
    tlsFailure(await attempt(t, server.url, { caCert: path('ca.crt') }));
    assert.equal(server.requests.length, requests, 'no upgrade request got through');
  });
});

describe('cert.caCert and cert.insist (A1)', { timeout: 60_000 }, () => {
  let server: TlsPeer;
  before(async () => {
    server = await startTlsWsPeer(serverTls);
  });
  after(() => server.close());

  // The certificate names 127.0.0.1 and localhost; checking it against another name is what
  // happens when a device reaches the server under a name the certificate does not carry.
  const otherName: LuatosAirHostOptions = { tls: { servername: 'wrong.example' } };

  it('insist left out, 1, true or false: a name mismatch still connects', async (t) => {
    for (const insist of [undefined, 1, true, false]) {
      const cert: LuatosAirCert = { caCert: path('ca.crt') };
      if (insist !== undefined) cert.insist = insist;
      const outcome = await attempt(t, server.url, cert, otherName);
      assert.equal(outcome.connected, true, `insist ${String(insist)}`);
    }
  });

  it('insist 0 refuses the mismatch: false with ERR_TLS', async (t) => {
    const outcome = await attempt(t, server.url, { caCert: path('ca.crt'), insist: 0 }, otherName);
    const error = tlsFailure(outcome);
    assert.equal((error.cause as { code?: string }).code, 'ERR_TLS_CERT_ALTNAME_INVALID');
  });

  it('insist 0 with a matching name connects', async (t) => {
    const outcome = await attempt(t, server.url, { caCert: path('ca.crt'), insist: 0 });
    assert.equal(outcome.connected, true);
  });

  it('the chain is verified even when insist allows a name mismatch', async (t) => {
    const outcome = await attempt(t, server.url, { caCert: path('client-ca.crt') }, otherName);
    tlsFailure(outcome);
  });

  it('without caCert nothing is verified, as the document says', async (t) => {
    assert.equal((await attempt(t, server.url, undefined)).connected, true);
    assert.equal((await attempt(t, server.url, {}, otherName)).connected, true);
  });

  it('an unreadable file: false with ERR_INVALID_ARGUMENT naming the field; no attempt', async (t) => {
    const requests = server.requests.length;
    const outcome = await attempt(t, server.url, { caCert: path('no-such-file.crt') });
    assert.equal(outcome.connected, false);
    assert.equal(outcome.errors.length, 1);
    const error = outcome.errors[0] as TransportError;
    assert.equal(error.code, 'ERR_INVALID_ARGUMENT');
    assert.match(error.message, /cert\.caCert/);
    assert.match(error.message, /ENOENT/);
    assert.deepEqual(outcome.closes, []);
    assert.equal(server.requests.length, requests);
  });

  it('cert is not read for ws:// URLs', async (t) => {
    const plain = await startWsEchoServer();
    t.after(() => plain.close());
    const outcome = await attempt(t, plain.url, { caCert: path('no-such-file.crt') });
    assert.equal(outcome.connected, true);
  });
});
