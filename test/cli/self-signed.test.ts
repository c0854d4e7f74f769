// The certificate `wsx serve --tls` generates: a valid X.509 v3 certificate that node:crypto
// and openssl read, signed by its own key, for localhost, 127.0.0.1, ::1 and the given hosts,
// and usable by a TLS server that a client trusting it accepts.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { createServer } from 'node:https';
import { describe, it } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { makeSelfSigned } from '../../src/cli/self-signed.js';
import { hasTool } from '../helpers/system-tools.js';

describe('makeSelfSigned', () => {
  it('makes a certificate signed by its own key, valid now, for the local names', () => {
    const now = new Date('2031-05-06T07:08:09Z');
    const made = makeSelfSigned(['example.test', '10.1.2.3', 'fe80::1'], now);
    const cert = new X509Certificate(made.cert);
    assert.ok(cert.verify(cert.publicKey), 'self-signed: the signature checks with its own key');
    assert.equal(cert.checkIssued(cert), true);
    assert.equal(cert.fingerprint256, made.fingerprint256);
    assert.ok(new Date(cert.validFrom) < now && now < new Date(cert.validTo));
    assert.equal(new Date(cert.validTo).getTime() - now.getTime(), 30 * 86_400_000);
    assert.equal(cert.checkHost('localhost'), 'localhost');
    assert.equal(cert.checkHost('example.test'), 'example.test');
    assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(cert.checkIP('::1'), '::1');
    assert.equal(cert.checkIP('10.1.2.3'), '10.1.2.3');
    assert.equal(cert.checkIP('fe80::1'), 'fe80::1');
    assert.equal(cert.checkHost('other.test'), undefined);
    assert.equal(cert.ca, false);
    assert.equal(cert.publicKey.asymmetricKeyType, 'ec');
    assert.match(made.key, /^-----BEGIN PRIVATE KEY-----\n/);
  });

  it('uses GeneralizedTime for dates from 2050 on', () => {
    const cert = new X509Certificate(makeSelfSigned([], new Date('2060-01-02T00:00:00Z')).cert);
    assert.equal(new Date(cert.validTo).getUTCFullYear(), 2060);
    assert.ok(cert.verify(cert.publicKey));
  });

  it('every certificate is new: fresh key and serial', () => {
    const a = new X509Certificate(makeSelfSigned().cert);
    const b = new X509Certificate(makeSelfSigned().cert);
    assert.notEqual(a.serialNumber, b.serialNumber);
    assert.notEqual(a.fingerprint256, b.fingerprint256);
  });

  it('openssl reads it and shows the same fingerprint', (t) => {
    const made = makeSelfSigned();
    const result = spawnSync(
      'openssl',
      ['x509', '-noout', '-fingerprint', '-sha256', '-ext', 'subjectAltName'],
      {
        input: made.cert,
        encoding: 'utf8',
      },
    );
    if (!hasTool(t, 'openssl', result.error === undefined)) return;
    assert.equal(result.status, 0, result.stderr);
    assert.ok(result.stdout.includes(made.fingerprint256), result.stdout);
    assert.match(
      result.stdout,
      /DNS:localhost, IP Address:127\.0\.0\.1, IP Address:0:0:0:0:0:0:0:1/,
    );
  });

  it('a TLS client that trusts it connects to 127.0.0.1 and localhost', async (t) => {
    const made = makeSelfSigned();
    const server = createServer({ cert: made.cert, key: made.key }, (_, response) =>
      response.end('ok'),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as { port: number };
    for (const servername of [undefined, 'localhost']) {
      await new Promise<void>((resolve, reject) => {
        const socket = tlsConnect(
          { host: '127.0.0.1', port, ca: made.cert, ...(servername ? { servername } : {}) },
          () => {
            socket.end();
            resolve();
          },
        );
        socket.on('error', reject);
      });
    }
  });
});
