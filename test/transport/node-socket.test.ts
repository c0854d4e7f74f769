// NodeSocketTransport (src/transport/node-socket.ts) over real loopback sockets: a batch is
// written in order in one writev, events reach the one listener, pause holds data, end and
// destroy close the stream.

import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import type { TransportListener } from '../../src/transport/interface.js';
import { NodeSocketTransport } from '../../src/transport/node-socket.js';

interface Pair {
  client: Socket;
  peer: Socket;
}

async function socketPair(t: TestContext): Promise<Pair> {
  let peer: Socket | undefined;
  const accepted = new Promise<Socket>((resolve) => {
    const server: Server = createServer((socket) => {
      socket.on('error', () => {});
      resolve(socket);
    });
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      client = connect(port, '127.0.0.1');
    });
    t.after(() => {
      client?.destroy();
      peer?.destroy();
      server.close();
    });
  });
  let client: Socket | undefined;
  peer = await accepted;
  await new Promise<void>((resolve) => {
    if (client!.readyState === 'open') resolve();
    else client!.once('connect', () => resolve());
  });
  return { client: client!, peer };
}

function recorder() {
  const seen: string[] = [];
  const data: Buffer[] = [];
  let closed!: () => void;
  const isClosed = new Promise<void>((resolve) => {
    closed = resolve;
  });
  const listener: TransportListener = {
    onData: (chunk) => {
      data.push(Buffer.from(chunk));
      seen.push('data');
    },
    onEnd: () => seen.push('end'),
    onError: (error) => seen.push(`error ${(error as NodeJS.ErrnoException).code ?? ''}`),
    onClose: () => {
      seen.push('close');
      closed();
    },
  };
  return { seen, data, listener, isClosed };
}

function readAll(socket: Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve) => {
    const parts: Buffer[] = [];
    let total = 0;
    const onData = (chunk: Buffer): void => {
      parts.push(chunk);
      total += chunk.length;
      if (total >= bytes) {
        socket.off('data', onData);
        resolve(Buffer.concat(parts));
      }
    };
    socket.on('data', onData);
  });
}

describe('NodeSocketTransport', () => {
  it('writes a batch in order, in one writev, and calls back once', async (t) => {
    const { client, peer } = await socketPair(t);
    const transport = new NodeSocketTransport(client);
    let writevCalls = 0;
    const writev = (client as unknown as { _writev: (...args: unknown[]) => void })._writev;
    (client as unknown as { _writev: (...args: unknown[]) => void })._writev = function (
      this: Socket,
      ...args: unknown[]
    ) {
      writevCalls++;
      return writev.apply(this, args);
    };
    const received = readAll(peer, 9);
    const done = new Promise<Error | null | undefined>((resolve) =>
      transport.writeBatch(
        [Buffer.from('abc'), new Uint8Array([0x64, 0x65, 0x66]), Buffer.from('ghi')],
        resolve,
      ),
    );
    assert.equal(await done, null);
    assert.equal((await received).toString(), 'abcdefghi');
    assert.equal(writevCalls, 1);
    assert.equal(transport.unsentBytes, 0);
    assert.equal(transport.isWritable, true);
  });

  it('a batch of one chunk is a plain write', async (t) => {
    const { client, peer } = await socketPair(t);
    const transport = new NodeSocketTransport(client);
    const received = readAll(peer, 3);
    transport.writeBatch([Buffer.from('xyz')], () => {});
    assert.equal((await received).toString(), 'xyz');
  });

  it('delivers data, end and close to the listener, in order', async (t) => {
    const { client, peer } = await socketPair(t);
    const transport = new NodeSocketTransport(client);
    const { seen, data, listener, isClosed } = recorder();
    transport.listen(listener);
    peer.end('hello');
    // Our side ends too once the peer's end arrived, so the socket closes.
    const ended = new Promise<void>((resolve) => client.once('end', resolve));
    await ended;
    transport.end();
    await isClosed;
    assert.equal(Buffer.concat(data).toString(), 'hello');
    assert.deepEqual(
      seen.filter((event) => event !== 'data'),
      ['end', 'close'],
    );
    assert.equal(transport.isWritable, false);
  });

  it('pause() holds incoming data until resume()', async (t) => {
    const { client, peer } = await socketPair(t);
    const transport = new NodeSocketTransport(client);
    const { data, listener } = recorder();
    transport.listen(listener);
    transport.pause();
    await new Promise<void>((resolve) => peer.write('held', () => resolve()));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(data.length, 0);
    const resumed = new Promise<void>((resolve) => client.once('data', () => resolve()));
    transport.resume();
    await resumed;
    assert.equal(Buffer.concat(data).toString(), 'held');
  });

  it('an error reaches the listener, then close; a replaced listener hears nothing', async (t) => {
    const { client } = await socketPair(t);
    const transport = new NodeSocketTransport(client);
    const first = recorder();
    const second = recorder();
    transport.listen(first.listener);
    transport.listen(second.listener);
    client.destroy(Object.assign(new Error('boom'), { code: 'EBOOM' }));
    await second.isClosed;
    assert.deepEqual(second.seen, ['error EBOOM', 'close']);
    assert.deepEqual(first.seen, []);
  });

  it('destroy() closes at once and the peer sees the end', async (t) => {
    const { client, peer } = await socketPair(t);
    const transport = new NodeSocketTransport(client);
    const { seen, listener, isClosed } = recorder();
    transport.listen(listener);
    const peerClosed = new Promise<void>((resolve) => peer.once('close', () => resolve()));
    transport.destroy();
    assert.equal(transport.isWritable, false);
    await isClosed;
    await peerClosed;
    assert.deepEqual(seen, ['close']);
  });
});
