// `wsx connect` TLS options against a wss:// server using the test certificates in
// test/fixtures/tls: --ca, -k, and a client certificate with --cert/--key/--passphrase.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { recordingServer, TLS_DIR, wsx } from './cli-harness.js';

const file = (name: string): string => join(TLS_DIR, name);
const read = (name: string): string => readFileSync(file(name), 'utf8');

async function wssServer(t: TestContext, requireClientCert = false): Promise<string> {
  const https: Server = createServer({
    cert: read('server.crt'),
    key: read('server.key'),
    ...(requireClientCert
      ? { ca: read('client-ca.crt'), requestCert: true, rejectUnauthorized: true }
      : {}),
  });
  await new Promise<void>((resolve) => https.listen(0, '127.0.0.1', resolve));
  t.after(() => new Promise((resolve) => https.close(resolve)));
  const server = await recordingServer(t, undefined, { server: https });
  return server.url;
}

describe('wsx connect TLS options', { concurrency: 3 }, () => {
  it('--ca trusts the test CA', async (t) => {
    const url = await wssServer(t);
    const result = await wsx(t, [url, '--ca', file('ca.crt')], { input: 'over tls\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'over tls\n');
  });

  it('without --ca the unknown CA is refused: exit 1, one line naming TLS', async (t) => {
    const url = await wssServer(t);
    const result = await wsx(t, [url], { input: 'x\n' });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(
      result.stderr,
      /^error: .*\(ERR_TLS\); with wsx: --ca FILE trusts that CA, -k skips the check \(testing only\)\n$/,
    );
  });

  it('-k (--insecure) connects without verifying', async (t) => {
    const url = await wssServer(t);
    const result = await wsx(t, [url, '-k'], { input: 'insecure\n' });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stdout, 'insecure\n');
  });

  it('--cert/--key with --passphrase present a client certificate', async (t) => {
    const url = await wssServer(t, true);
    const args = [url, '--ca', file('ca.crt'), '--cert', file('client.crt'), '--key'];
    const ok = await wsx(
      t,
      [...args, file('client-encrypted.key'), '--passphrase', 'wsc-test-passphrase'],
      {
        input: 'client cert\n',
      },
    );
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'client cert\n');
    const wrong = await wsx(t, [...args, file('client-encrypted.key'), '--passphrase', 'wrong']);
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /ERR_TLS/);
    const none = await wsx(t, [url, '--ca', file('ca.crt')], { input: 'x\n' });
    assert.equal(none.code, 1, 'the server requires a client certificate');
  });

  it('--cert without --key is a usage error', async (t) => {
    const result = await wsx(t, ['wss://127.0.0.1:1/', '--cert', file('client.crt')]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--cert and --key go together/);
  });
});
