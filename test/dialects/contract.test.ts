// One contract, three dialects: the same table of cases runs through LuatOS, LuatOS-Air and
// NodeMCU via the neutral adapters of contract-adapters.ts, against a real npm `ws` echo
// server on 127.0.0.1. Covered: connecting; text (multi-byte UTF-8) and random binary echo at
// the frame-length boundaries 0, 1, 125, 126, 65535, 65536 bytes and at 1 MiB, one at a time
// and back to back; a close by the client and by the server; a refused connection; bad URLs;
// sending with no open connection. The cases never name a dialect: where the dialects
// document different reports, the adapter translates them. Waiting is always for an event.

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import {
  assertSameBytes,
  assertSameText,
  CLOSE_COMMAND,
  type PeerServer,
  randomPayload,
  randomText,
  startWsPeer,
} from '../helpers/peers.js';
import { closedPort } from '../helpers/servers.js';
import { ADAPTERS, type DialectAdapter, type Message, type Session } from './contract-adapters.js';

/** Payload sizes in bytes: empty, tiny, the 7-bit, 16-bit and 64-bit length forms, 1 MiB. */
const SIZES = [0, 1, 125, 126, 65535, 65536, 1024 * 1024] as const;
const BAD_URLS = ['ftp://x', 'not-a-url'] as const;
/** Bounds a case whose awaited event never comes; no assertion depends on time. */
const CASE_TIMEOUT_MS = 30_000;
const SERVER_CLOSE_CODE = 4321;

// ------------------------------------------------------------------ helpers

async function startPeer(t: TestContext): Promise<PeerServer> {
  const peer = await startWsPeer();
  t.after(() => peer.close());
  return peer;
}

/** A server and an open session to it; both are cleaned up after the case. */
async function connect(
  adapter: DialectAdapter,
  t: TestContext,
): Promise<{ peer: PeerServer; session: Session }> {
  const peer = await startPeer(t);
  const session = await adapter.open(peer.url);
  t.after(() => session.dispose());
  return { peer, session };
}

/** The server's record of the session's one connection. */
function onlyRequest(peer: PeerServer): PeerServer['requests'][number] {
  assert.equal(peer.requests.length, 1, 'the server saw one upgrade request');
  return peer.requests[0]!;
}

interface Payload {
  kind: Message['kind'];
  size: number;
  text: string;
  bytes: Uint8Array;
}

function makePayload(kind: Message['kind'], size: number): Payload {
  if (kind === 'text') {
    const text = randomText(size);
    assert.equal(Buffer.byteLength(text), size, 'the text has the intended UTF-8 length');
    return { kind, size, text, bytes: new Uint8Array(0) };
  }
  return { kind, size, text: '', bytes: randomPayload(size) };
}

function send(session: Session, payload: Payload): void {
  if (payload.kind === 'text') session.sendText(payload.text);
  else session.sendBinary(payload.bytes);
}

function expectEcho(message: Message, payload: Payload): void {
  const what = `the echo of the ${payload.size}-byte ${payload.kind} message`;
  assert.equal(message.kind, payload.kind, `${what} has the same type`);
  if (message.kind === 'text') assertSameText(message.text, payload.text, what);
  else assertSameBytes(message.bytes, payload.bytes, what);
}

// ------------------------------------------------------------------ the contract

interface ContractCase {
  name: string;
  run(adapter: DialectAdapter, t: TestContext): Promise<void>;
}

const echoCases: ContractCase[] = SIZES.flatMap((size) =>
  (['text', 'binary'] as const).map(
    (kind): ContractCase => ({
      name: `echoes a ${kind} message of ${size} bytes exactly`,
      async run(adapter, t) {
        const { session } = await connect(adapter, t);
        const payload = makePayload(kind, size);
        send(session, payload);
        expectEcho(await session.nextMessage(), payload);
      },
    }),
  ),
);

const CASES: readonly ContractCase[] = [
  {
    name: 'connects: the session is open and the server saw one upgrade',
    async run(adapter, t) {
      const { peer, session } = await connect(adapter, t);
      assert.equal(session.isOpen(), true);
      onlyRequest(peer);
    },
  },
  ...echoCases,
  {
    name: 'echoes every size of both types sent back to back, in order',
    async run(adapter, t) {
      const { session } = await connect(adapter, t);
      const payloads = SIZES.flatMap((size) => [
        makePayload('text', size),
        makePayload('binary', size),
      ]);
      for (const payload of payloads) send(session, payload);
      for (const payload of payloads) expectEcho(await session.nextMessage(), payload);
    },
  },
  {
    name: 'closes at the client’s request with the documented close code',
    async run(adapter, t) {
      const { peer, session } = await connect(adapter, t);
      const request = onlyRequest(peer);
      session.close();
      const seen = await request.closed;
      assert.equal(seen.code, adapter.clientCloseCode, 'the close code the server received');
      assert.deepEqual(await session.ended, { by: 'client' });
      assert.equal(session.isOpen(), false);
      await assert.rejects(session.nextMessage(), /no message/);
    },
  },
  {
    name: 'reports a close by the server',
    async run(adapter, t) {
      const { peer, session } = await connect(adapter, t);
      const request = onlyRequest(peer);
      session.sendText(`${CLOSE_COMMAND}${SERVER_CLOSE_CODE} contract`);
      assert.deepEqual(await session.ended, {
        by: 'server',
        code: adapter.reportsServerCloseCode ? SERVER_CLOSE_CODE : undefined,
      });
      assert.equal(session.isOpen(), false);
      const seen = await request.closed;
      assert.equal(seen.code, SERVER_CLOSE_CODE, 'the client answered with the same code');
      await assert.rejects(session.nextMessage(), /no message/);
    },
  },
  {
    name: 'reports a refused connection',
    async run(adapter) {
      const port = await closedPort();
      assert.equal(await adapter.tryOpen(`ws://127.0.0.1:${port}/`), 'refused');
    },
  },
  ...BAD_URLS.map(
    (url): ContractCase => ({
      name: `reports the bad URL ${JSON.stringify(url)}`,
      async run(adapter) {
        assert.equal(await adapter.tryOpen(url), 'bad-url');
      },
    }),
  ),
  {
    name: 'refuses a send before connecting',
    async run(adapter, t) {
      const peer = await startPeer(t);
      assert.equal(await adapter.sendBeforeConnecting(peer.url), 'refused');
      assert.equal(peer.requests.length, 0, 'nothing reached the server');
    },
  },
  {
    name: 'refuses a send after the server closed',
    async run(adapter, t) {
      const { session } = await connect(adapter, t);
      session.sendText(`${CLOSE_COMMAND}1000`);
      assert.equal((await session.ended).by, 'server');
      assert.equal(await session.sendWhileClosed(), 'refused');
    },
  },
  {
    name: 'refuses a send after the client closed',
    async run(adapter, t) {
      const { peer, session } = await connect(adapter, t);
      session.close();
      assert.equal((await session.ended).by, 'client');
      await onlyRequest(peer).closed;
      assert.equal(await session.sendWhileClosed(), 'refused');
    },
  },
];

for (const adapter of ADAPTERS) {
  describe(`contract: ${adapter.name}`, () => {
    for (const contractCase of CASES) {
      it(contractCase.name, { timeout: CASE_TIMEOUT_MS }, (t) => contractCase.run(adapter, t));
    }
  });
}
