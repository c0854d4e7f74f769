// Helpers for permessage-deflate tests over real sockets: a scripted server that accepts the
// extension, compressed server frames made with node:zlib (RFC 7692 §7.2.1: sync flush, the
// trailer removed), and inflating what the client sent.

import type { TestContext } from 'node:test';
import { constants, deflateRawSync, inflateRawSync } from 'node:zlib';
import { Peer } from './hostile.js';
import { acceptHandshake, serverFrame, startScriptedServer } from './servers.js';

const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** `data` deflated on its own (a fresh window) with a sync flush and no trailer. */
export function deflateMessage(data: Uint8Array | string): Buffer {
  const deflated = deflateRawSync(typeof data === 'string' ? Buffer.from(data) : data, {
    finishFlush: constants.Z_SYNC_FLUSH,
  });
  return deflated.subarray(0, deflated.length - 4);
}

/** Inflates one compressed message payload deflated on its own (no context takeover). */
export function inflateMessage(payload: Uint8Array): Buffer {
  return inflateRawSync(Buffer.concat([payload, TRAILER]), {
    finishFlush: constants.Z_SYNC_FLUSH,
  });
}

/** A whole compressed server message (RSV1 set) as one frame. */
export function compressedFrame(opcode: number, data: Uint8Array | string): Buffer {
  return serverFrame(opcode, deflateMessage(data), { rsv: 4 });
}

/**
 * A scripted server whose 101 accepts `extensions` (permessage-deflate without parameters by
 * default); `peer` resolves with its first connection; `headers` are the upgrade requests'.
 * Closed after the test.
 */
export async function deflatePeerServer(
  t: TestContext,
  extensions = 'permessage-deflate',
): Promise<{ url: string; peer: Promise<Peer>; headers: Record<string, string>[] }> {
  let resolvePeer: (peer: Peer) => void = () => {};
  const peer = new Promise<Peer>((resolve) => {
    resolvePeer = resolve;
  });
  const headers: Record<string, string>[] = [];
  const server = await startScriptedServer(async (socket) => {
    socket.once('data', (chunk: Buffer) => {
      const head = chunk.toString('latin1').split('\r\n\r\n')[0]!.split('\r\n').slice(1);
      headers.push(
        Object.fromEntries(
          head.map((line) => {
            const colon = line.indexOf(':');
            return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
          }),
        ),
      );
    });
    const rest = await acceptHandshake(socket, [`Sec-WebSocket-Extensions: ${extensions}`]);
    resolvePeer(new Peer(socket, rest));
  });
  t.after(() => server.close());
  return { url: server.url, peer, headers };
}
