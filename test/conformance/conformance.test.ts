// Runs the conformance table (cases.ts, cases-more.ts) against the real client: for each case
// a scripted raw TCP server on 127.0.0.1 plays the case's steps, and a wsx client that echoes
// every message back is judged on what it delivered, echoed, ponged, which Close it sent, and
// how it reported the end. Outcomes are written to .tmp/conformance/ and compared with the
// committed expected.json; any change of outcome fails with a readable diff.
//
//   node --import tsx --test test/conformance/conformance.test.ts
//   WSX_UPDATE_CONFORMANCE=1 node --import tsx --test test/conformance/conformance.test.ts

import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { constants, inflateRawSync, type ZlibOptions } from 'node:zlib';
import { type CloseInfo, type Message, WebSocketClient } from '../../src/api/websocket-client.js';
import type { WebSocketError } from '../../src/core/errors.js';
import { Peer } from '../helpers/hostile.js';
import { acceptFor, readRequest, startScriptedServer } from '../helpers/servers.js';
import { conformanceCases } from './cases.js';
import {
  type CaseScript,
  type ConformanceCase,
  closePayload,
  compareIds,
  concat,
  DEFLATE_TRAILER,
  type DeflateAgreement,
  type Echo,
  frame,
  Op,
} from './script.js';

const HERE = import.meta.dirname;
const EXPECTED_PATH = join(HERE, 'expected.json');
const REPORT_DIR = resolve(HERE, '..', '..', '.tmp', 'conformance');
/** Cases run side by side; each has its own server and client. */
const WORKERS = 2;
const DEFAULT_LIMIT_MS = 10_000;
/** Rewrite expected.json from this run instead of comparing with it. */
const UPDATE = process.env.WSX_UPDATE_CONFORMANCE === '1';

const encoder = new TextEncoder();
const reasonDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

interface Observed {
  received: Message[];
  peer: Peer | undefined;
  info: CloseInfo | undefined;
  errors: WebSocketError[];
  /** The server's first Close: its code (undefined: empty payload) and reason. */
  serverClose: { code: number | undefined; reason: string } | undefined;
  /** The client's Sec-WebSocket-Extensions offer, as sent. */
  offer: string | undefined;
  timedOut: boolean;
  scriptError: unknown;
}

interface CaseResult {
  id: string;
  description: string;
  outcome: string;
  observed: Record<string, unknown>;
}

async function observe(testCase: ConformanceCase, script: CaseScript): Promise<Observed> {
  const observed: Observed = {
    received: [],
    peer: undefined,
    info: undefined,
    errors: [],
    serverClose: undefined,
    offer: undefined,
    timedOut: false,
    scriptError: undefined,
  };
  const server = await startScriptedServer(async (socket) => {
    const peer = new Peer(socket, await answerHandshake(socket, script.deflate, observed));
    observed.peer = peer;
    try {
      for (const step of script.steps) {
        if (peer.isEnded) break;
        if (step.op === 'wait') {
          await peer.waitFor(
            () =>
              peer.close !== undefined ||
              (peer.messages.length >= step.echoes && peer.pongs.length >= step.pongs),
          );
          continue;
        }
        let bytes = step.op === 'send' ? step.bytes : undefined;
        if (step.op === 'close') {
          observed.serverClose ??= {
            code: step.code,
            reason: reasonDecoder.decode(step.reason ?? new Uint8Array(0)),
          };
          bytes = frame(Op.Close, closePayload(step.code, step.reason ?? new Uint8Array(0)));
        }
        if (step.chop === undefined) await peer.write(bytes!);
        else await peer.writeChopped(bytes!, step.chop);
      }
      await peer.waitForClose();
    } catch (error) {
      observed.scriptError = error;
    } finally {
      peer.end();
    }
  });
  const client = new WebSocketClient(server.url, {
    openTimeoutMs: 5_000,
    closeTimeoutMs: 2_000,
    ...testCase.options,
  });
  client.on('error', (error) => observed.errors.push(error));
  client.on('message', (message) => {
    observed.received.push(message);
    // The echo client of the Autobahn model: send every message straight back.
    client.send(message.data).catch(() => {});
  });
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<'timeout'>((done) => {
    timer = setTimeout(() => done('timeout'), testCase.limitMs ?? DEFAULT_LIMIT_MS);
  });
  try {
    const finished = client.closed.then(async (info) => {
      observed.info = info;
      await observed.peer?.ended;
    });
    observed.timedOut = (await Promise.race([finished, limit])) === 'timeout';
  } finally {
    clearTimeout(timer);
    await client.terminate();
    await server.close();
  }
  return observed;
}

/**
 * Reads the upgrade request and answers 101, with the case's Sec-WebSocket-Extensions when it
 * agrees on permessage-deflate; resolves with the bytes after the request.
 */
async function answerHandshake(
  socket: import('node:net').Socket,
  deflate: DeflateAgreement | undefined,
  observed: Observed,
): Promise<Buffer> {
  const { headers, rest } = await readRequest(socket);
  observed.offer = headers['sec-websocket-extensions'];
  socket.write(
    [
      'HTTP/1.1 101 Switching Protocols',
      'Upgrade: websocket',
      'Connection: Upgrade',
      `Sec-WebSocket-Accept: ${acceptFor(headers['sec-websocket-key'] ?? '')}`,
      ...(deflate === undefined ? [] : [`Sec-WebSocket-Extensions: ${deflate.response}`]),
      '',
      '',
    ].join('\r\n'),
  );
  return rest;
}

type Received = { type: 'text' | 'binary'; data: Uint8Array };

/** The client's echoes as the server reads them, and the client's slips in sending them. */
interface ServerView {
  echoed: Received[];
  slips: string[];
}

/**
 * What the server made of the client's frames. Without compression: the Peer's messages and
 * slips. With permessage-deflate agreed: the frames up to the client's Close are read again,
 * RSV1 is allowed on the first frame of a message only, and compressed messages are inflated
 * with the agreed client window, from an empty window for each message when the client does
 * not take over context. zlib inflates in 64-byte pieces of output, so a match reaching much
 * further back than the agreed window fails ("invalid distance too far back").
 */
function serverView(script: CaseScript, observed: Observed): ServerView {
  const peer = observed.peer;
  if (peer === undefined) return { echoed: [], slips: [] };
  const deflate = script.deflate;
  if (deflate === undefined) {
    return {
      echoed: peer.messages.map((m) => ({
        type: m.opcode === Op.Binary ? 'binary' : 'text',
        data: m.payload,
      })),
      slips: peer.clientErrors,
    };
  }
  const slips = peer.clientErrors.filter((slip) => !slip.startsWith('RSV bits'));
  if (!/^permessage-deflate\b/.test(observed.offer ?? '')) {
    slips.push(`the client did not offer permessage-deflate (${observed.offer ?? 'no offer'})`);
  }
  const echoed: Received[] = [];
  const windowBits = deflate.clientWindowBits;
  let history = new Uint8Array(0);
  let parts: Uint8Array[] = [];
  let opcode = -1;
  let compressed = false;
  // These two are reported for the first echo only.
  let keptTrailer = false;
  let wrongChoice = false;
  for (const frame of peer.frames) {
    if (frame.opcode === Op.Close) break;
    const isFirst = frame.opcode === Op.Text || frame.opcode === Op.Binary;
    const allowed = isFirst ? 4 : 0;
    if ((frame.rsv & ~allowed) !== 0) {
      slips.push(`RSV bits ${frame.rsv} on a frame with opcode ${frame.opcode}`);
    }
    if (frame.opcode >= 8) continue;
    if (isFirst) {
      opcode = frame.opcode;
      compressed = (frame.rsv & 4) !== 0;
      parts = [];
    }
    parts.push(frame.payload);
    if (!frame.fin) continue;
    const index = echoed.length + 1;
    const payload = concat(parts);
    let data = payload;
    if (compressed && endsWith(payload, DEFLATE_TRAILER)) {
      // §7.2.1: the sender removes the trailer of its sync flush; a deflater flushes once.
      if (!keptTrailer)
        slips.push(`echo #${index} still ends with the sync-flush trailer 00 00 ff ff`);
      keptTrailer = true;
    }
    if (compressed) {
      const options: ZlibOptions = {
        windowBits: Math.max(9, windowBits),
        chunkSize: 64,
        finishFlush: constants.Z_SYNC_FLUSH,
      };
      if (!deflate.clientNoContextTakeover && history.length > 0) {
        options.dictionary = history.subarray(Math.max(0, history.length - (1 << windowBits)));
      }
      try {
        data = new Uint8Array(inflateRawSync(concat([payload, DEFLATE_TRAILER]), options));
      } catch (error) {
        slips.push(
          `echo #${index} does not inflate with a window of ${windowBits} bits${deflate.clientNoContextTakeover ? ' and no context takeover' : ''}: ${(error as Error).message}`,
        );
        break;
      }
      if (!deflate.clientNoContextTakeover) {
        const all = concat([history, data]);
        history = all.slice(Math.max(0, all.length - 32 * 1024));
      }
    }
    const shouldCompress = windowBits >= 9 && data.length >= deflate.threshold;
    if (compressed !== shouldCompress && !wrongChoice) {
      wrongChoice = true;
      slips.push(
        `echo #${index} (${data.length} bytes) was sent ${compressed ? 'compressed' : 'plain'}, expected ${shouldCompress ? 'compressed' : 'plain'} (threshold ${deflate.threshold} bytes, window ${windowBits} bits)`,
      );
    }
    echoed.push({ type: opcode === Op.Binary ? 'binary' : 'text', data });
  }
  return { echoed, slips };
}

function endsWith(data: Uint8Array, tail: Uint8Array): boolean {
  if (data.length < tail.length) return false;
  return tail.every((byte, i) => data[data.length - tail.length + i] === byte);
}

function describeBytes(data: Uint8Array): string {
  if (data.length > 40) return `${data.length} bytes`;
  return `<${Buffer.from(data).toString('hex')}>`;
}

function sameEcho(expected: Echo, type: 'text' | 'binary', data: Uint8Array): boolean {
  return expected.type === type && Buffer.from(expected.data).equals(Buffer.from(data));
}

function compareMessages(
  what: string,
  expected: readonly Echo[],
  actual: { type: 'text' | 'binary'; data: Uint8Array }[],
  prefixAllowed: boolean,
  problems: string[],
): void {
  const lengthOk = prefixAllowed
    ? actual.length <= expected.length
    : actual.length === expected.length;
  if (!lengthOk) {
    problems.push(`${what}: expected ${expected.length}, got ${actual.length}`);
    return;
  }
  for (let i = 0; i < actual.length; i++) {
    const want = expected[i]!;
    const got = actual[i]!;
    if (!sameEcho(want, got.type, got.data)) {
      problems.push(
        `${what} #${i + 1}: expected ${want.type} ${describeBytes(want.data)}, got ${got.type} ${describeBytes(got.data)}`,
      );
      return;
    }
  }
}

/** True when `actual` is a proper prefix of `expected`: some echoes are missing at the end. */
function isShortPrefix(
  expected: readonly Echo[],
  actual: { type: 'text' | 'binary'; data: Uint8Array }[],
): boolean {
  if (actual.length >= expected.length) return false;
  return actual.every((got, i) => sameEcho(expected[i]!, got.type, got.data));
}

/**
 * The grade of a case: OK; NON-STRICT when the client did everything right except echoing
 * the messages that arrived before the offending frame (it failed the connection before the
 * application's answer went out); INFORMATIONAL for a case whose echoes are up to the
 * implementation (7.1.6); FAILED with every problem found otherwise.
 */
function grade(script: CaseScript, observed: Observed): string {
  const view = serverView(script, observed);
  const problems = judge(script, observed, view);
  const echoed = view.echoed;
  const isShort =
    script.expect.echoMatch === 'exact' && isShortPrefix(script.expect.messages, echoed);
  const others = problems.filter((problem) => !(isShort && problem.startsWith('messages echoed:')));
  if (others.length > 0) return `FAILED: ${problems.join('; ')}`;
  if (isShort) return `NON-STRICT: ${problems.join('; ')}`;
  return script.expect.echoMatch === 'prefix' ? 'INFORMATIONAL' : 'OK';
}

/** The grade's first word: what expected.json records. */
function gradeOf(outcome: string): string {
  return outcome.split(':')[0]!;
}

/** Everything wrong with what was observed, compared with the case's expectation. */
function judge(script: CaseScript, observed: Observed, view: ServerView): string[] {
  const problems: string[] = [];
  const { expect } = script;
  const { peer, info } = observed;
  if (observed.timedOut) problems.push('the connection did not end in time');
  if (observed.scriptError !== undefined)
    problems.push(`server script: ${String(observed.scriptError)}`);
  if (peer === undefined) {
    problems.push('the client never completed the handshake');
    return problems;
  }
  compareMessages(
    'messages delivered',
    expect.messages,
    observed.received.map((m) => ({
      type: m.isBinary ? 'binary' : 'text',
      data: typeof m.data === 'string' ? encoder.encode(m.data) : m.data,
    })),
    false,
    problems,
  );
  compareMessages(
    'messages echoed',
    expect.messages,
    view.echoed,
    expect.echoMatch === 'prefix',
    problems,
  );
  const pongs = peer.pongs.map((p) => describeBytes(p));
  const wantPongs = expect.pongs.map((p) => describeBytes(p));
  if (pongs.join(',') !== wantPongs.join(',')) {
    problems.push(`pongs: expected [${wantPongs.join(', ')}], got [${pongs.join(', ')}]`);
  }
  problems.push(...view.slips.map((slip) => `client frame: ${slip}`));
  if (peer.framesAfterClose.length > 0) {
    problems.push(`${peer.framesAfterClose.length} frame(s) sent after the client's Close`);
  }
  const sentClose = peer.close;
  const serverClose = observed.serverClose;
  const wantClose =
    expect.clientClose === 'echo' ? (serverClose?.code ?? 'empty') : expect.clientClose;
  const gotClose = sentClose === undefined ? 'none' : (sentClose.code ?? 'empty');
  if (gotClose !== wantClose) {
    problems.push(`client Close: expected ${wantClose}, got ${gotClose}`);
  }
  if (info === undefined) return problems;
  const error = info.error;
  if (expect.error === undefined) {
    if (error !== undefined) problems.push(`unexpected error ${error.code}: ${error.message}`);
    if (!info.wasClean) problems.push('the close was not clean');
    const wantCode = serverClose === undefined ? 1006 : (serverClose.code ?? 1005);
    if (info.code !== wantCode)
      problems.push(`close info code: expected ${wantCode}, got ${info.code}`);
    if (serverClose !== undefined && info.reason !== serverClose.reason) {
      problems.push(`close info reason: expected ${JSON.stringify(serverClose.reason)}`);
    }
  } else {
    if (error?.code !== expect.error) {
      problems.push(`error: expected ${expect.error}, got ${error?.code ?? 'none'}`);
    } else if (typeof expect.clientClose === 'number' && error.closeCode !== expect.clientClose) {
      problems.push(`error.closeCode: expected ${expect.clientClose}, got ${error.closeCode}`);
    }
    if (info.wasClean) problems.push('a failed connection was reported clean');
    if (info.code !== 1006) problems.push(`close info code: expected 1006, got ${info.code}`);
  }
  if (
    observed.errors.length !== (error === undefined ? 0 : 1) ||
    (error && observed.errors[0] !== error)
  ) {
    problems.push(`error events: ${observed.errors.map((e) => e.code).join(', ') || 'none'}`);
  }
  return problems;
}

async function runCase(testCase: ConformanceCase): Promise<CaseResult> {
  const script = testCase.build();
  const started = performance.now();
  const observed = await observe(testCase, script);
  return {
    id: testCase.id,
    description: testCase.description,
    outcome: grade(script, observed),
    observed: {
      clientClose: observed.peer?.close ? (observed.peer.close.code ?? 'empty') : 'none',
      error: observed.info?.error?.code ?? null,
      code: observed.info?.code ?? null,
      wasClean: observed.info?.wasClean ?? null,
      delivered: observed.received.length,
      echoed: observed.peer?.messages.length ?? 0,
      pongs: observed.peer?.pongs.length ?? 0,
      ms: Math.round(performance.now() - started),
    },
  };
}

async function runAll(list: readonly ConformanceCase[]): Promise<CaseResult[]> {
  const results: CaseResult[] = new Array(list.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < list.length) {
      const index = next++;
      results[index] = await runCase(list[index]!);
    }
  };
  await Promise.all(Array.from({ length: WORKERS }, worker));
  return results;
}

function writeReport(results: CaseResult[]): void {
  mkdirSync(REPORT_DIR, { recursive: true });
  writeFileSync(join(REPORT_DIR, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  const lines = ['| case | outcome | description |', '|---|---|---|'];
  for (const result of results) {
    lines.push(
      `| ${result.id} | ${result.outcome.replaceAll('|', '\\|')} | ${result.description} |`,
    );
  }
  writeFileSync(join(REPORT_DIR, 'results.md'), `${lines.join('\n')}\n`);
}

/** Lines describing every id whose outcome differs from the expected table. */
function diffOutcomes(expected: Record<string, string>, results: CaseResult[]): string[] {
  const lines: string[] = [];
  const actual = new Map(results.map((r) => [r.id, r]));
  for (const [id, want] of Object.entries(expected)) {
    const result = actual.get(id);
    if (result === undefined)
      lines.push(`- ${id}: expected ${want}, but the case no longer exists`);
    else if (gradeOf(result.outcome) !== want) {
      lines.push(`~ ${id} (${result.description}): expected ${want}, got ${result.outcome}`);
    }
  }
  for (const result of results) {
    if (!(result.id in expected)) lines.push(`+ ${result.id}: new case, got ${result.outcome}`);
  }
  return lines;
}

function readExpected(): Record<string, string> {
  return JSON.parse(readFileSync(EXPECTED_PATH, 'utf8')) as Record<string, string>;
}

describe('conformance table', () => {
  it('has unique, well-formed ids in order, covering every section', () => {
    const ids = conformanceCases.map((c) => c.id);
    assert.equal(new Set(ids).size, ids.length, 'duplicate case ids');
    for (const id of ids) assert.match(id, /^(1|2|3|4|5|6|7|9|10|12|13|14)(\.\d+){1,2}$/);
    assert.deepEqual(ids, [...ids].sort(compareIds), 'cases are not in id order');
    const sections = new Set(ids.map((id) => id.split('.')[0]));
    assert.deepEqual(
      [...sections],
      ['1', '2', '3', '4', '5', '6', '7', '9', '10', '12', '13', '14'],
    );
    if (!UPDATE)
      assert.deepEqual(Object.keys(readExpected()), ids, 'expected.json lists other cases');
  });

  it('every outcome matches expected.json', { timeout: 300_000 }, async (t) => {
    const results = await runAll(conformanceCases);
    writeReport(results);
    const counts = new Map<string, number>();
    for (const r of results)
      counts.set(gradeOf(r.outcome), (counts.get(gradeOf(r.outcome)) ?? 0) + 1);
    const summary = [...counts].map(([name, count]) => `${count} ${name}`).join(', ');
    t.diagnostic(`${results.length} cases: ${summary}; report in .tmp/conformance/results.md`);
    if (UPDATE) {
      const table = Object.fromEntries(results.map((r) => [r.id, gradeOf(r.outcome)]));
      writeFileSync(EXPECTED_PATH, `${JSON.stringify(table, null, 2)}\n`);
      t.diagnostic('expected.json rewritten from this run');
      return;
    }
    const expected = readExpected();
    const diff = diffOutcomes(expected, results);
    assert.ok(
      diff.length === 0,
      `conformance outcomes changed (${diff.length}):\n${diff.join('\n')}\n` +
        'fix the client, or if the change is intended run with WSX_UPDATE_CONFORMANCE=1',
    );
  });
});
