// permessage-deflate (RFC 7692) against npm `ws` servers over real sockets on 127.0.0.1: exact
// echo of text and binary, random and repetitive, around every frame-length class and the
// default 1 KiB threshold, with each server configuration ws offers (threshold, context
// takeover both ways, window bits). The server's socket is tapped to check that the client's
// frames really were compressed (RSV1, §6), and client.extensions must be exactly what the
// server's 101 said (§7.1).

import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { PerMessageDeflateOptions as WsDeflateOptions } from 'ws';
import { connect, type WebSocketClient } from '../../src/api/websocket-client.js';
import type { PerMessageDeflateOptions } from '../../src/core/permessage-deflate.js';
import { reader } from '../helpers/api.js';
import { ClientFrameReader } from '../helpers/hostile.js';
import { assertSameBytes, assertSameText, randomPayload, randomText } from '../helpers/peers.js';
import { type EchoServer, startWsEchoServer } from '../helpers/servers.js';

const KiB = 1024;
const MiB = 1024 * KiB;
/** Every payload-length class (RFC 6455 §5.2) and both sides of the 1 KiB threshold. */
const SIZES = [0, 1, 125, 126, 1023, 1024, 1025, 65535, 65536, MiB];

function repetitiveText(size: number): string {
  return 'wsx permessage-deflate '.repeat(Math.ceil(size / 23)).slice(0, size);
}
function repetitiveBytes(size: number): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i % 251) & 0xf0;
  return bytes;
}

// Made once, shared by every configuration.
const payloads = SIZES.map((size) => ({
  size,
  randomText: randomText(size),
  randomBytes: randomPayload(size),
  repetitiveText: repetitiveText(size),
  repetitiveBytes: repetitiveBytes(size),
}));

interface Tapped {
  server: EchoServer;
  /** RSV bits of every data frame the client sent, per connection in order. */
  clientRsv: number[][];
  /** The Sec-WebSocket-Extensions of each 101 the server wrote. */
  answered: (string | undefined)[];
}

async function startTapped(perMessageDeflate: boolean | WsDeflateOptions): Promise<Tapped> {
  const server = await startWsEchoServer({ perMessageDeflate });
  const clientRsv: number[][] = [];
  const answered: (string | undefined)[] = [];
  server.server.on('headers', (headers: string[]) => {
    const line = headers.find((header) => /^sec-websocket-extensions:/i.test(header));
    answered.push(line?.slice(line.indexOf(':') + 1).trim());
  });
  server.server.on('connection', (_socket, request: IncomingMessage) => {
    const rsv: number[] = [];
    clientRsv.push(rsv);
    const frames = new ClientFrameReader();
    // A second listener sees the same chunks as ws's own.
    request.socket.on('data', (chunk: Buffer) => {
      for (const frame of frames.push(chunk)) if (frame.opcode < 8) rsv.push(frame.rsv);
    });
  });
  return { server, clientRsv, answered };
}

interface Case {
  name: string;
  server: boolean | WsDeflateOptions;
  client?: boolean | PerMessageDeflateOptions;
  /** The Sec-WebSocket-Extensions the server answers (what client.extensions must show). */
  agreed: string;
  /** The client compresses messages of at least this many bytes (Infinity: never). */
  clientThreshold: number;
  /** The server compresses messages of at least this many bytes. */
  serverThreshold: number;
}

const cases: Case[] = [
  {
    name: 'ws defaults',
    server: true,
    agreed: 'permessage-deflate',
    clientThreshold: 1024,
    serverThreshold: 1024,
  },
  {
    name: 'threshold 0 both ways',
    server: { threshold: 0 },
    client: { threshold: 0 },
    agreed: 'permessage-deflate',
    clientThreshold: 0,
    serverThreshold: 0,
  },
  {
    name: 'no context takeover both ways (asked by the server)',
    server: { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true },
    client: { threshold: 0 },
    agreed: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
    clientThreshold: 0,
    serverThreshold: 0,
  },
  {
    name: 'no context takeover both ways (offered by the client)',
    server: { threshold: 0 },
    client: { threshold: 0, serverNoContextTakeover: true, clientNoContextTakeover: true },
    agreed: 'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
    clientThreshold: 0,
    serverThreshold: 0,
  },
  ...[9, 10].map(
    (bits): Case => ({
      name: `server window ${bits} (server's choice)`,
      server: { threshold: 0, serverMaxWindowBits: bits },
      client: { threshold: 0 },
      agreed: `permessage-deflate; server_max_window_bits=${bits}`,
      clientThreshold: 0,
      serverThreshold: 0,
    }),
  ),
  ...[9, 10].map(
    (bits): Case => ({
      name: `server window ${bits} (offered by the client)`,
      server: { threshold: 0 },
      client: { threshold: 0, serverMaxWindowBits: bits },
      agreed: `permessage-deflate; server_max_window_bits=${bits}`,
      clientThreshold: 0,
      serverThreshold: 0,
    }),
  ),
  ...[8, 9, 10, 11, 12, 13, 14, 15].map(
    (bits): Case => ({
      name: `client window ${bits} (server's choice)`,
      server: { threshold: 0, clientMaxWindowBits: bits },
      client: { threshold: 0 },
      agreed: `permessage-deflate; client_max_window_bits=${bits}`,
      // zlib cannot deflate with a 256-byte window: at 8 the client sends plain (legal).
      clientThreshold: bits === 8 ? Number.POSITIVE_INFINITY : 0,
      serverThreshold: 0,
    }),
  ),
  ...[8, 12].map(
    (bits): Case => ({
      name: `client window ${bits} (offered by the client)`,
      server: { threshold: 0 },
      client: { threshold: 0, clientMaxWindowBits: bits },
      agreed: `permessage-deflate; client_max_window_bits=${bits}`,
      clientThreshold: bits === 8 ? Number.POSITIVE_INFINITY : 0,
      serverThreshold: 0,
    }),
  ),
];

for (const entry of cases) {
  describe(`RFC 7692 with npm ws: ${entry.name}`, { timeout: 120_000 }, () => {
    let tapped: Tapped;
    let client: WebSocketClient;
    before(async () => {
      tapped = await startTapped(entry.server);
      client = await connect(
        tapped.server.url,
        entry.client === undefined ? {} : { perMessageDeflate: entry.client },
      );
    });
    after(async () => {
      client?.terminate();
      await tapped?.server.close();
    });

    test('§7.1: extensions reports what the server agreed to', () => {
      assert.equal(client.extensions, tapped.answered[0]);
      assert.deepEqual(client.extensions.split('; ').sort(), entry.agreed.split('; ').sort());
    });

    test('§6: exact echo of text and binary, random and repetitive, 0 B to 1 MiB', async () => {
      const next = reader(client);
      const expectedRsv: number[] = [];
      for (const payload of payloads) {
        const sent = [
          payload.randomText,
          payload.randomBytes,
          payload.repetitiveText,
          payload.repetitiveBytes,
        ];
        const received = sent.map(() => next());
        const bytesInBefore = client.stats().bytesIn;
        await Promise.all(sent.map((data) => client.send(data)));
        const messages = await Promise.all(received);
        for (let i = 0; i < sent.length; i++) {
          const data = sent[i]!;
          const what = `${['random text', 'random binary', 'repetitive text', 'repetitive binary'][i]} of ${payload.size} bytes`;
          if (typeof data === 'string') assertSameText(messages[i]!.data, data, what);
          else assertSameBytes(messages[i]!.data, data, what);
          expectedRsv.push(payload.size >= entry.clientThreshold ? 4 : 0);
        }
        // The server compressed the repetitive echoes: far fewer bytes came in than were sent.
        if (payload.size >= 65536 && payload.size >= entry.serverThreshold) {
          const bytesIn = client.stats().bytesIn - bytesInBefore;
          assert.ok(
            bytesIn < 2 * payload.size + payload.size / 4,
            `${bytesIn} bytes in for 4 messages of ${payload.size} bytes`,
          );
        }
      }
      const rsv = tapped.clientRsv[0]!;
      assert.deepEqual(rsv, expectedRsv, 'RSV1 on exactly the messages above the threshold');
      const info = await client.close();
      assert.equal(info.wasClean, true);
    });
  });
}
