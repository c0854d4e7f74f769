// Tests for src/dialects/luatos-air-cert.ts: the LuatOS-Air `cert` table as TLS settings and
// the engine options of each connection.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ErrorCode, InvalidArgumentError } from '../../src/core/errors.js';
import { checkCert, engineOptions, tlsFromCert } from '../../src/dialects/luatos-air-cert.js';
import { FakeClock } from '../helpers/fake-clock.js';

const caPath = fileURLToPath(new URL('../fixtures/tls/ca.crt', import.meta.url));

const refused = (pattern: RegExp) => (error: unknown) =>
  error instanceof InvalidArgumentError &&
  error.code === ErrorCode.InvalidArgument &&
  pattern.test(error.message);

describe('checkCert', () => {
  it('takes nil or a table of strings and bytes', () => {
    assert.equal(checkCert(undefined), undefined);
    assert.equal(checkCert(null), undefined);
    const cert = { caCert: 'ca.crt', clientKey: new Uint8Array(1), insist: 0 };
    assert.equal(checkCert(cert), cert);
  });

  it('refuses other shapes naming the field', () => {
    assert.throws(() => checkCert('ca.crt'), refused(/cert must be a table/));
    assert.throws(() => checkCert([]), refused(/not an array/));
    assert.throws(() => checkCert({ caCert: 5 }), refused(/cert\.caCert must be/));
    assert.throws(() => checkCert({ clientPassword: 1 }), refused(/clientPassword/));
    assert.throws(() => checkCert({ insist: 'yes' }), refused(/insist must be 0 or 1/));
  });
});

describe('tlsFromCert', () => {
  it('without caCert nothing is verified', () => {
    assert.deepEqual(tlsFromCert(undefined, undefined), { rejectUnauthorized: false });
  });

  it('reads a CA file, verifies the chain, and checks the host name only with insist 0', () => {
    const lenient = tlsFromCert({ caCert: caPath }, undefined);
    assert.equal(lenient.rejectUnauthorized, true);
    assert.deepEqual(lenient.ca, readFileSync(caPath));
    assert.equal(typeof lenient.checkServerIdentity, 'function');
    const strict = tlsFromCert({ caCert: caPath, insist: 0 }, { servername: 'x' });
    assert.equal(strict.checkServerIdentity, undefined);
    assert.equal(strict.servername, 'x');
  });

  it('uses PEM text as it is and names an unreadable file', () => {
    const pem = readFileSync(caPath, 'utf8');
    assert.equal(tlsFromCert({ caCert: pem, clientPassword: 'pw' }, undefined).ca, pem);
    assert.equal(tlsFromCert({ caCert: pem, clientPassword: 'pw' }, undefined).passphrase, 'pw');
    assert.throws(
      () => tlsFromCert({ caCert: pem, clientKey: '/no/such/key.pem' }, undefined),
      (error: unknown) =>
        refused(/cert\.clientKey: cannot read the file .*ENOENT/)(error) &&
        (error as Error).cause !== undefined,
    );
  });
});

describe('engineOptions', () => {
  it("sends the firmware's Origin, no idle keepalive, and TLS only for wss://", () => {
    const clock = new FakeClock();
    const settings = {
      url: 'ws://device.example:8080/x',
      cert: undefined,
      clock,
      logger: undefined,
      tls: undefined,
    };
    const plain = engineOptions(settings, 20_000);
    assert.equal(plain.origin, 'http://device.example');
    assert.equal(plain.pingIntervalMs, 0);
    assert.equal(plain.openTimeoutMs, 20_000);
    assert.equal(plain.tls, undefined);
    const secure = engineOptions({ ...settings, url: 'wss://device.example/' }, 1000);
    assert.deepEqual(secure.tls, { rejectUnauthorized: false });
  });
});
