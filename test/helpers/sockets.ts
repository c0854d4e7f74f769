// Small helpers for the transport tests: a raw TLS server with the test certificate, and the
// reason a promise is expected to reject with.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import type { TestContext } from 'node:test';
import { createServer as createTlsServer } from 'node:tls';
import { tlsFixture } from './proxies.js';

/**
 * A TLS server on 127.0.0.1 with test/fixtures/tls/server.crt (127.0.0.1 and localhost) that
 * completes handshakes and says nothing; closed with its sockets after the test. Its port.
 */
export async function tlsTestServer(t: TestContext): Promise<number> {
  const server = createTlsServer({ key: tlsFixture('server.key'), cert: tlsFixture('server.crt') });
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return (server.address() as { port: number }).port;
}

/** What `promise` rejects with; fails the test when it resolves. */
export function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => assert.fail('expected a rejection, got a value'),
    (error: unknown) => error,
  );
}
