// The interactive mode of `wsx connect` in a real pseudo-terminal: tmux runs the command,
// send-keys types, capture-pane reads the screen. Covers the prompt, the direction marks,
// slash commands, colours and NO_COLOR, Ctrl-C / Ctrl-D / /quit, and that a message arriving
// while a line is being typed is printed above the prompt without garbling that line.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { missingToolReason } from '../helpers/system-tools.js';
import { MAIN, type RecordingServer, ROOT, recordingServer } from './cli-harness.js';

const hasTmux = spawnSync('tmux', ['-V']).status === 0;
const skip = missingToolReason('tmux', hasTmux);

let sessions = 0;

class Terminal {
  readonly socket = `wsx-test-${process.pid}-${++sessions}`;

  constructor(t: TestContext, command: string, env: Record<string, string>, width = 80) {
    const exports = Object.entries(env)
      .map(([name, value]) => `${name}=${value}`)
      .join(' ');
    const shell = `cd ${ROOT} && env -u NO_COLOR -u FORCE_COLOR ${exports} ${command}; echo "[exit $?]"; sleep 60`;
    this.#tmux('new-session', '-d', '-x', String(width), '-y', '30', shell);
    t.after(() => this.#tmux('kill-server'));
  }

  #tmux(...args: string[]): string {
    const result = spawnSync('tmux', ['-L', this.socket, '-f', '/dev/null', ...args], {
      encoding: 'utf8',
    });
    return result.stdout;
  }

  /** Types text (literally) or named keys (Enter, C-c, Left...). */
  type(text: string): void {
    this.#tmux('send-keys', '-l', text);
  }
  /** Types one key at a time, as a person does (readline redraws a pasted chunk that wraps
   * past the edge imperfectly, which is not what this test is about). */
  typeKeys(text: string): void {
    for (const char of text) this.#tmux('send-keys', '-l', char);
  }
  keys(...names: string[]): void {
    this.#tmux('send-keys', ...names);
  }

  screen(withEscapes = false): string {
    const args = ['capture-pane', '-p', ...(withEscapes ? ['-e'] : [])];
    return this.#tmux(...args)
      .split('\n')
      .map((line) => line.trimEnd())
      .join('\n')
      .trimEnd();
  }

  /** Waits (polling the screen, at most timeoutMs) until `pattern` shows. */
  async waitFor(pattern: RegExp, timeoutMs = 15_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (pattern.test(screen)) return screen;
      if (Date.now() > deadline) {
        throw new Error(`${pattern} not on screen within ${timeoutMs} ms:\n${screen}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function wsxIn(
  t: TestContext,
  args: string,
  env: Record<string, string> = { NO_COLOR: '1' },
  width = 80,
) {
  return new Terminal(t, `${process.execPath} --import tsx ${MAIN} ${args}`, env, width);
}

/** Resolves once the server has received `count` messages. */
async function received(server: RecordingServer, count: number): Promise<void> {
  for (let i = 0; i < 300 && server.received.length < count; i++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.ok(
    server.received.length >= count,
    `server received ${server.received.length} of ${count}`,
  );
}

describe('wsx connect on a terminal', { skip, concurrency: 2 }, () => {
  it('sends typed lines, shows replies marked <, and runs the slash commands', async (t) => {
    const server = await recordingServer(t);
    const term = wsxIn(t, server.url);
    await term.waitFor(/connected to ws:\/\/127\.0\.0\.1:\d+\/; \/help lists the commands\n>$/);
    term.type('hello there');
    term.keys('Enter');
    await term.waitFor(/^> hello there\n< hello there\n>$/m);
    term.type('/ping');
    term.keys('Enter');
    await term.waitFor(/% pong: round trip \d+\.\d\d ms/);
    term.type('/binary 00 01 ff');
    term.keys('Enter');
    await term.waitFor(/< \[binary, 3 bytes\] 0001ff/);
    term.type('//not a command');
    term.keys('Enter');
    await term.waitFor(/< \/not a command/);
    term.type('/stats');
    term.keys('Enter');
    await term.waitFor(/messages in 3, out 3; bytes in \d+, out \d+\nround trip last \d+\.\d\d ms/);
    term.type('/nope');
    term.keys('Enter');
    await term.waitFor(/unknown command \/nope; \/help lists them/);
    term.type('/help');
    term.keys('Enter');
    await term.waitFor(/\/close \[CODE \[REASON\]\]/);
    term.type('/close 4001 done here');
    term.keys('Enter');
    const screen = await term.waitFor(/\[exit \d+\]/);
    assert.match(
      screen,
      /closed: 4001 \(application code\) "done here", clean, closed by us\n\[exit 0\]/,
    );
    assert.deepEqual(
      server.received.map((m) => m.data),
      ['hello there', Buffer.from([0, 1, 255]), '/not a command'],
    );
  });

  it('a message arriving while a line is typed goes above the prompt; the line stays intact', async (t) => {
    const server = await recordingServer(t);
    const term = wsxIn(t, server.url, { NO_COLOR: '1' }, 60);
    await term.waitFor(/\/help lists the commands\n>$/);
    term.type('half a li');
    await term.waitFor(/^> half a li$/m);
    server.sockets[0]!.send('pushed while typing');
    let screen = await term.waitFor(/pushed while typing/);
    assert.match(screen, /\/help lists the commands\n< pushed while typing\n> half a li$/);
    // A line that wraps past the 60 columns, with the cursor moved back into it.
    term.typeKeys('ne that is long enough to wrap, around the sixty column wide terminal');
    for (let i = 0; i < 4; i++) term.keys('Left');
    server.sockets[0]!.send('second push');
    await term.waitFor(/second push/);
    term.typeKeys('XY');
    screen = await term.waitFor(/XY/);
    assert.match(
      screen,
      /< pushed while typing\n< second push\n> half a line that is long enough to wrap, around the sixty\ncolumn wide termXYinal$/,
    );
    term.keys('Enter');
    await received(server, 1);
    assert.equal(
      server.received[0]!.data,
      'half a line that is long enough to wrap, around the sixty column wide termXYinal',
    );
    term.keys('C-d');
    await term.waitFor(/\[exit 0\]/);
  });

  it('colours the marks on a colour terminal and not with NO_COLOR', async (t) => {
    const server = await recordingServer(t);
    const coloured = wsxIn(t, server.url, { TERM: 'xterm-256color' });
    const plain = wsxIn(t, server.url, { TERM: 'xterm-256color', NO_COLOR: '1' });
    for (const term of [coloured, plain]) {
      await term.waitFor(/\/help lists the commands/);
      term.type('paint me');
      term.keys('Enter');
      await term.waitFor(/< paint me/);
    }
    // tmux re-encodes colours (e.g. green as 32m): look for any SGR colour on the reply line.
    const colouredLine = coloured
      .screen(true)
      .split('\n')
      .find((line) => line.includes('< paint me'));
    const sgr = `${String.fromCharCode(27)}[`;
    assert.ok(colouredLine?.includes(sgr), `no colour in ${JSON.stringify(colouredLine)}`);
    assert.ok(!plain.screen(true).includes(sgr), 'NO_COLOR: no escape sequences');
  });

  it('Ctrl-C closes cleanly with exit 0; the server sees 1000', async (t) => {
    let onClose: (code: number) => void = () => {};
    const closed = new Promise<number>((resolve) => (onClose = resolve));
    const server = await recordingServer(t, (socket) => socket.on('close', onClose));
    const term = wsxIn(t, server.url);
    await term.waitFor(/\/help lists the commands/);
    term.type('typed but not sent');
    term.keys('C-c');
    const screen = await term.waitFor(/\[exit \d+\]/);
    assert.match(
      screen,
      /closing \(Ctrl-C again to drop the connection\)\nclosed: 1000 \(normal closure\), clean, closed by us\n\[exit 0\]/,
    );
    assert.equal(server.received.length, 0);
    assert.equal(await closed, 1000);
  });

  it('--reconnect: attempts are shown, a line typed while offline is sent once connected', async (t) => {
    const probe = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => probe.once('listening', resolve));
    const { port } = probe.address() as { port: number };
    await new Promise((resolve) => probe.close(resolve));
    const term = wsxIn(t, `ws://127.0.0.1:${port}/ --reconnect`, { NO_COLOR: '1' }, 120);
    await term.waitFor(/reconnecting in [\d.]+ s \(attempt 1; ERR_CONNECT/);
    term.type('while offline');
    term.keys('Enter');
    await term.waitFor(/not connected: queued until reconnected/);
    const server = await recordingServer(t, undefined, { port });
    await term.waitFor(/< while offline/);
    assert.deepEqual(
      server.received.map((m) => m.data),
      ['while offline'],
    );
    server.sockets[0]!.close(1012, 'restarting');
    await term.waitFor(/closed: 1012 \(service restart\) "restarting".*\nreconnecting in/);
    await term.waitFor(/connected to .*\n(?:.*\n)*connected to /);
    term.type('/quit');
    term.keys('Enter');
    assert.match(await term.waitFor(/\[exit \d+\]/), /\[exit 0\]/);
  });

  it('a failed connection is one line and exit 1; /quit exits 0', async (t) => {
    const refused = wsxIn(t, 'ws://127.0.0.1:1/');
    const screen = await refused.waitFor(/\[exit \d+\]/);
    assert.match(
      screen,
      /error: could not connect to 127\.0\.0\.1:1 [\s\S]*\(ERR_CONNECT\)\n\[exit 1\]/,
    );
    const server = await recordingServer(t);
    const term = wsxIn(t, server.url);
    await term.waitFor(/\/help lists the commands/);
    term.type('/quit');
    term.keys('Enter');
    assert.match(await term.waitFor(/\[exit \d+\]/), /\[exit 0\]/);
  });
});
