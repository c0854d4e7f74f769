// Hostile and impolite servers in the closing handshake (RFC 6455 §5.5.1, §7.1, §7.4). Bad
// Close payloads fail the connection (1002, or 1007 for a reason that is not UTF-8); a good
// one is echoed with the same code; a server that never ends TCP is cut off by closeTimeoutMs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { WebSocketClient } from '../../src/api/websocket-client.js';
import { ErrorCode, ProtocolError, TimeoutError, TransportError } from '../../src/core/errors.js';
import { cleanClose } from '../helpers/api.js';
import { assertFailedOpenConnection, Peer, runHostile } from '../helpers/hostile.js';
import { acceptHandshake, serverFrame, startScriptedServer } from '../helpers/servers.js';

const CLOSE = 0x8;
const PING = 0x9;

function closePayload(code: number, reason: Buffer | string = ''): Buffer {
  const head = Buffer.alloc(2);
  head.writeUInt16BE(code);
  return Buffer.concat([head, Buffer.from(reason)]);
}

describe('§5.5.1 malformed Close payloads', { timeout: 20_000 }, () => {
  it('a 1-byte payload fails with 1002', async (t) => {
    const result = await runHostile(t, (peer) =>
      peer.write(serverFrame(CLOSE, Buffer.from([0x03]))),
    );
    assertFailedOpenConnection(result, {
      wireCode: 1002,
      code: ErrorCode.InvalidClosePayload,
      errorClass: ProtocolError,
    });
  });

  const badReasons: [string, Buffer][] = [
    ['a lone continuation byte', Buffer.from([0x80])],
    ['a surrogate', Buffer.from([0xed, 0xa0, 0x80])],
    ['a truncated sequence', Buffer.from('ok\xe2\x82', 'latin1')],
    ['0xFF after valid text', Buffer.concat([Buffer.from('bye '), Buffer.from([0xff])])],
  ];
  for (const [name, reason] of badReasons) {
    it(`a reason with ${name} fails with 1007`, async (t) => {
      const result = await runHostile(t, (peer) =>
        peer.write(serverFrame(CLOSE, closePayload(1000, reason))),
      );
      assertFailedOpenConnection(result, {
        wireCode: 1007,
        code: ErrorCode.InvalidUtf8,
        errorClass: ProtocolError,
      });
    });
  }
});

describe('§7.4 close codes that must not appear on the wire (1002)', { timeout: 20_000 }, () => {
  for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535]) {
    it(`code ${code}`, async (t) => {
      const result = await runHostile(t, (peer) =>
        peer.write(serverFrame(CLOSE, closePayload(code, 'bad'))),
      );
      assertFailedOpenConnection(result, {
        wireCode: 1002,
        code: ErrorCode.InvalidCloseCode,
        errorClass: ProtocolError,
      });
    });
  }
});

describe('§5.5.1 the client echoes the server Close', { timeout: 20_000 }, () => {
  const codes = [
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999,
  ];
  for (const code of codes) {
    it(`code ${code} with a reason`, async (t) => {
      const result = await runHostile(t, (peer) =>
        peer.write(serverFrame(CLOSE, closePayload(code, 'server says bye ✓'))),
      );
      assert.equal(result.peer?.close?.code, code);
      assert.equal(result.peer?.framesAfterClose.length, 0);
      assert.deepEqual(result.errors, []);
      assert.deepEqual({ ...result.info }, cleanClose(code, 'server says bye ✓'));
    });
  }

  it('an empty Close is answered with an empty Close and reported as 1005', async (t) => {
    const result = await runHostile(t, (peer) => peer.write(serverFrame(CLOSE)));
    assert.equal(result.peer?.close?.payload.length, 0);
    assert.deepEqual({ ...result.info }, cleanClose(1005, ''));
  });

  it('a 123-byte reason (the largest that fits) is accepted', async (t) => {
    const reason = 'r'.repeat(123);
    const result = await runHostile(t, (peer) =>
      peer.write(serverFrame(CLOSE, closePayload(1000, reason))),
    );
    assert.equal(result.info.reason, reason);
    assert.equal(result.info.wasClean, true);
  });

  it('frames after the server Close are ignored, also a ping and a bad frame', async (t) => {
    const result = await runHostile(t, (peer) =>
      peer.write(
        Buffer.concat([
          serverFrame(CLOSE, closePayload(1000)),
          serverFrame(PING, 'late'),
          serverFrame(0x1, 'late text'),
          serverFrame(0x5, 'reserved'),
        ]),
      ),
    );
    assert.equal(result.peer?.close?.code, 1000);
    assert.deepEqual(result.peer?.pongs, []);
    assert.equal(result.peer?.framesAfterClose.length, 0);
    assert.deepEqual(result.received, []);
    assert.equal(result.info.wasClean, true);
    assert.equal(result.info.error, undefined);
  });

  it('a Close between the fragments of a message is answered at once', async (t) => {
    const result = await runHostile(t, (peer) =>
      peer.write(
        Buffer.concat([
          serverFrame(0x1, 'half', { fin: false }),
          serverFrame(CLOSE, closePayload(1001)),
          serverFrame(0x0, 'never used'),
        ]),
      ),
    );
    assert.equal(result.peer?.close?.code, 1001);
    assert.deepEqual(result.received, []);
    assert.equal(result.info.code, 1001);
  });
});

describe('§7.1.1 who closes TCP', { timeout: 20_000 }, () => {
  it('a server that never closes TCP after the closing handshake is cut off', async (t) => {
    // The Close frames were exchanged; only TCP stays open. closeTimeoutMs ends it. Whether
    // it took 200 ms is not asserted, only that the connection ends and how it is reported.
    const result = await runHostile(
      t,
      async (peer) => {
        await peer.write(serverFrame(CLOSE, closePayload(1000, 'done')));
        await peer.waitForClose();
      },
      { endAfterClose: false, client: { closeTimeoutMs: 200 } },
    );
    assert.equal(result.peer?.close?.code, 1000);
    assert.deepEqual(result.errors, []);
    assert.deepEqual({ ...result.info }, cleanClose(1000, 'done'));
  });

  it('client close: the server answers and ends TCP, a clean close', async (t) => {
    let peer: Peer | undefined;
    const server = await startScriptedServer(async (socket) => {
      peer = new Peer(socket, await acceptHandshake(socket));
      await peer.waitForClose();
      await peer.write(serverFrame(CLOSE, peer.close!.payload));
      peer.end();
    });
    t.after(() => server.close());
    const client = new WebSocketClient(server.url);
    t.after(() => client.terminate());
    await client.opened;
    const info = await client.close(4000, 'app done');
    assert.equal(peer?.close?.code, 4000);
    assert.equal(peer?.close?.reason, 'app done');
    assert.deepEqual({ ...info }, cleanClose(4000, 'app done', 'user'));
  });

  it('client close: no Close comes back, closeTimeoutMs fails the connection', async (t) => {
    let peer: Peer | undefined;
    const server = await startScriptedServer(async (socket) => {
      peer = new Peer(socket, await acceptHandshake(socket));
    });
    t.after(() => server.close());
    const client = new WebSocketClient(server.url, { closeTimeoutMs: 200 });
    t.after(() => client.terminate());
    const errors: unknown[] = [];
    client.on('error', (error) => errors.push(error));
    await client.opened;
    const info = await client.close(1000);
    assert.equal(peer?.close?.code, 1000);
    assert.ok(info.error instanceof TimeoutError);
    assert.equal(info.error.code, ErrorCode.CloseTimeout);
    assert.equal(info.error.phase, 'close');
    assert.equal(info.code, 1006);
    assert.equal(info.wasClean, false);
    assert.deepEqual(errors, [info.error]);
  });

  it('the server drops TCP without a Close: 1006 and ERR_CONNECTION_LOST', async (t) => {
    const result = await runHostile(
      t,
      async (peer) => {
        await peer.write(serverFrame(0x1, 'last words'));
        peer.end();
      },
      { endAfterClose: false },
    );
    assert.equal(result.peer?.close, undefined);
    assert.deepEqual(
      result.received.map((message) => message.data),
      ['last words'],
    );
    assert.ok(result.info.error instanceof TransportError);
    assert.equal(result.info.error.code, ErrorCode.ConnectionLost);
    assert.equal(result.info.code, 1006);
    assert.equal(result.info.wasClean, false);
  });

  it('the server drops TCP in the middle of a frame: 1006 and ERR_CONNECTION_LOST', async (t) => {
    const result = await runHostile(
      t,
      async (peer) => {
        await peer.write(serverFrame(0x2, Buffer.alloc(100)).subarray(0, 50));
        peer.end();
      },
      { endAfterClose: false },
    );
    assert.deepEqual(result.received, []);
    assert.ok(result.info.error instanceof TransportError);
    assert.equal(result.info.error.code, ErrorCode.ConnectionLost);
    assert.equal(result.info.wasClean, false);
  });
});
