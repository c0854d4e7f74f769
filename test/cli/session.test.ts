// Tests for src/cli/session.ts: one `wsx connect` session over the public API against a real
// npm `ws` server on 127.0.0.1, with a recording Reporter; and exitStatusFor's rules. The
// command's output formats and flags are tested in connect-command.test.ts and cli.test.ts.

import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import type { CloseReport, Reporter } from '../../src/cli/report.js';
import { exitStatusFor, Session, type SessionSettings } from '../../src/cli/session.js';
import type { CloseInfo, Message } from '../../src/index.js';
import { closedPortUrl, echoServer } from '../helpers/servers.js';

type Event = [name: string, ...args: unknown[]];

class RecordingReporter implements Reporter {
  readonly events: Event[] = [];
  #waiters: { name: string; resolve: () => void }[] = [];
  #push(event: Event): void {
    this.events.push(event);
    for (const waiter of this.#waiters.filter((w) => w.name === event[0])) waiter.resolve();
    this.#waiters = this.#waiters.filter((w) => w.name !== event[0]);
  }
  /** Resolves once an event of this name was reported (the suite's timeout bounds it). */
  until(name: string): Promise<void> {
    if (this.names().includes(name)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ name, resolve }));
  }
  open(url: string, protocol: string): void {
    this.#push(['open', url, protocol]);
  }
  message(message: Message): void {
    this.#push(['message', message.data, message.isBinary]);
  }
  ping(data: Uint8Array): void {
    this.#push(['ping', [...data]]);
  }
  pong(data: Uint8Array): void {
    this.#push(['pong', [...data]]);
  }
  close(info: CloseReport): void {
    this.#push(['close', info]);
  }
  error(error: unknown): void {
    this.#push(['error', (error as { code?: string }).code]);
  }
  reconnecting(attempt: number): void {
    this.#push(['reconnecting', attempt]);
  }
  note(text: string): void {
    this.#push(['note', text]);
  }
  names(): string[] {
    return this.events.map((event) => event[0]);
  }
}

function session(
  url: string,
  settings: Partial<SessionSettings> = {},
  logger?: (line: string) => void,
) {
  const reporter = new RecordingReporter();
  const value = new Session(
    {
      url,
      options: { pingIntervalMs: 0 },
      reconnect: false,
      showPingPong: false,
      json: false,
      drained: () => Promise.resolve(),
      ...settings,
    },
    reporter,
    logger,
  );
  return { session: value, reporter };
}

/** A `ws` server that runs `onConnection` for each client. */
async function server(t: TestContext, onConnection?: (socket: import('ws').WebSocket) => void) {
  const echo = await echoServer(t);
  if (onConnection !== undefined) echo.server.on('connection', onConnection);
  return echo;
}

function info(fields: Partial<CloseInfo> & { kind?: string }): CloseInfo {
  const { kind = 'server', ...rest } = fields;
  return {
    code: 1000,
    reason: '',
    wasClean: true,
    error: undefined,
    cause: { kind, phase: 'open' },
    ...rest,
  } as unknown as CloseInfo;
}

describe('exitStatusFor', () => {
  it('no close at all is a failure', () => {
    assert.equal(exitStatusFor(undefined), 1);
  });

  it('a clean close with 1000, 1001 or no code is a success', () => {
    for (const code of [1000, 1001, 1005])
      assert.equal(exitStatusFor(info({ code })), 0, `${code}`);
  });

  it('any other code, or an unclean close, is a failure', () => {
    for (const code of [1002, 1008, 1011, 4000])
      assert.equal(exitStatusFor(info({ code })), 1, `${code}`);
    assert.equal(exitStatusFor(info({ code: 1006, wasClean: false })), 1);
    assert.equal(exitStatusFor(info({ code: 1000, wasClean: false })), 1);
  });

  it('closing it yourself succeeds whatever the code; an error always fails', () => {
    assert.equal(exitStatusFor(info({ kind: 'user', code: 4000, wasClean: false })), 0);
    assert.equal(exitStatusFor(info({ kind: 'user', error: new Error('x') as never })), 1);
    assert.equal(exitStatusFor(info({ error: new Error('x') as never })), 1);
  });
});

describe('Session', { timeout: 20_000 }, () => {
  it('sends, reports the echo, and exits 0 after stop()', async (t) => {
    const echo = await server(t);
    const { session: s, reporter } = session(echo.url);
    const run = s.run();
    assert.equal(await s.send('hello'), true);
    const client = await s.whenOpen();
    assert.ok(client !== undefined);
    assert.equal(s.client, client);
    await reporter.until('message');
    await s.stop();
    assert.equal(s.isStopping, true);
    assert.equal(await run, 0);
    assert.deepEqual(reporter.events.slice(0, 2), [
      ['open', echo.url, ''],
      ['message', 'hello', false],
    ]);
    const close = reporter.events.at(-1)!;
    assert.equal(close[0], 'close');
    assert.deepEqual(close[1], { code: 1000, reason: '', wasClean: true, cause: 'user' });
    assert.equal(s.client, undefined);
    assert.equal(await s.send('after the end'), false, 'no connection to wait for');
  });

  it('prints the URL without its password', async (t) => {
    const echo = await server(t);
    const url = echo.url.replace('ws://', 'ws://user:secret@');
    const { session: s, reporter } = session(url);
    const run = s.run();
    await s.whenOpen();
    await s.stop();
    await run;
    const opened = reporter.events[0]!;
    assert.equal(opened[0], 'open');
    assert.ok(!String(opened[1]).includes('secret'), String(opened[1]));
  });

  it('a server close with 1011 exits 1; 1001 exits 0', async (t) => {
    for (const [code, status] of [
      [1011, 1],
      [1001, 0],
    ] as const) {
      const echo = await server(t, (socket) => socket.close(code, 'bye'));
      const { session: s, reporter } = session(echo.url);
      assert.equal(await s.run(), status, `${code}`);
      const close = reporter.events.find((event) => event[0] === 'close')!;
      assert.equal((close[1] as CloseReport).code, code);
      assert.equal((close[1] as CloseReport).cause, 'server');
    }
  });

  it('a refused connection exits 1 and reports the error once', async () => {
    const { session: s, reporter } = session(await closedPortUrl());
    assert.equal(await s.run(), 1);
    assert.deepEqual(reporter.names(), ['error']);
    assert.equal(await s.whenOpen(), undefined);
  });

  it('a URL the library refuses is a usage error: exit 2', async () => {
    const { session: s, reporter } = session('ftp://127.0.0.1:1/');
    assert.equal(await s.run(), 2);
    assert.deepEqual(reporter.events, [['error', 'ERR_INVALID_URL']]);
  });

  it('with a logger: the 101 response headers are logged', async (t) => {
    const echo = await server(t);
    const lines: string[] = [];
    const { session: s } = session(echo.url, {}, (line) => lines.push(line));
    const run = s.run();
    await s.whenOpen();
    await s.stop();
    await run;
    assert.ok(lines.includes('= response header upgrade: websocket'), lines.join('\n'));
  });

  it('--show-ping-pong reports Pings and Pongs', async (t) => {
    const echo = await server(t, (socket) => socket.ping(Buffer.from([1, 2])));
    const { session: s, reporter } = session(echo.url, { showPingPong: true });
    const run = s.run();
    const client = (await s.whenOpen())!;
    await client.ping(new Uint8Array([9]));
    await reporter.until('ping');
    await s.stop();
    await run;
    assert.deepEqual(
      reporter.events.find((event) => event[0] === 'ping'),
      ['ping', [1, 2]],
    );
    assert.deepEqual(
      reporter.events.find((event) => event[0] === 'pong'),
      ['pong', [9]],
    );
  });

  it('stop() with a bad close code rejects and keeps the session running', async (t) => {
    const echo = await server(t);
    const { session: s } = session(echo.url);
    const run = s.run();
    await s.whenOpen();
    await assert.rejects(s.stop(1005), { code: 'ERR_INVALID_ARGUMENT' });
    assert.equal(s.isStopping, false);
    assert.ok(s.client !== undefined);
    await s.stop(1000, 'done');
    assert.equal(await run, 0);
  });

  it('terminate() drops the connection at once', async (t) => {
    const echo = await server(t);
    const { session: s, reporter } = session(echo.url);
    const run = s.run();
    await s.whenOpen();
    s.terminate();
    assert.equal(await run, 1, 'no closing handshake: not a normal close');
    assert.equal((reporter.events.at(-1)![1] as CloseReport).wasClean, false);
  });

  it('--reconnect: stop() before anything opened ends with 0', async () => {
    const { session: s, reporter } = session(await closedPortUrl(), {
      reconnect: true,
    });
    const run = s.run();
    await s.stop();
    assert.equal(await run, 0);
    assert.equal(reporter.names().includes('open'), false);
  });
});
