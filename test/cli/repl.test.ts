// Tests for src/cli/repl.ts: the interactive prompt driven by an in-memory terminal (a stream
// for the keys, a recording stream for what is drawn). What a real terminal shows is tested
// under tmux in interactive.test.ts.

import assert from 'node:assert/strict';
import { PassThrough, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { Repl } from '../../src/cli/repl.js';

class Screen extends Writable {
  text = '';
  columns = 80;
  rows = 24;
  isTTY = true;
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  /** What was drawn since the last call. */
  take(): string {
    const text = this.text;
    this.text = '';
    return text;
  }
}

function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes
const CLEAR_DOWN = /\x1b\[0J/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes
const PROMPT_END = /> \x1b\[3G$/;

function setup(onLine: (line: string, repl: Repl) => void = () => {}) {
  const keys = new PassThrough();
  const screen = new Screen();
  const record = { lines: [] as string[], ends: 0, interrupts: 0 };
  const repl: Repl = new Repl({
    input: keys,
    output: screen as unknown as NodeJS.WriteStream,
    prompt: '> ',
    onLine: (line) => {
      record.lines.push(line);
      onLine(line, repl);
    },
    onEnd: () => record.ends++,
    onInterrupt: () => record.interrupts++,
  });
  return { repl, keys, screen, record };
}

describe('Repl', () => {
  it('start() draws the prompt; each typed line goes to onLine, then the prompt again', async () => {
    const { repl, keys, screen, record } = setup();
    repl.start();
    assert.match(screen.take(), PROMPT_END);
    keys.write('hello\r');
    keys.write('second line\r');
    await settle();
    assert.deepEqual(record.lines, ['hello', 'second line']);
    assert.match(screen.take(), PROMPT_END);
    repl.close();
  });

  it('Ctrl-D on an empty line ends once; Ctrl-C interrupts without ending', async () => {
    const { repl, keys, record } = setup();
    repl.start();
    keys.write('\x03');
    await settle();
    assert.equal(record.interrupts, 1);
    assert.equal(record.ends, 0);
    keys.write('\x04');
    await settle();
    assert.equal(record.ends, 1);
    repl.close();
    assert.equal(record.ends, 1);
  });

  it('the input ending ends the prompt', async () => {
    const { repl, keys, record } = setup();
    repl.start();
    keys.end();
    await settle();
    assert.equal(record.ends, 1);
    repl.close();
  });

  it('printAbove clears the prompt rows, writes the text, and redraws the typed line', async () => {
    const { repl, keys, screen, record } = setup();
    repl.start();
    keys.write('half typ');
    await settle();
    screen.take();
    repl.printAbove('a message');
    const drawn = screen.take();
    assert.match(drawn, CLEAR_DOWN);
    const message = drawn.indexOf('a message\n');
    assert.ok(message !== -1, JSON.stringify(drawn));
    assert.ok(drawn.indexOf('> half typ', message) > message, JSON.stringify(drawn));
    keys.write('ed\r');
    await settle();
    assert.deepEqual(record.lines, ['half typed'], 'the typed text was kept');
    repl.close();
  });

  it('printAbove moves up over a wrapped line before clearing', async () => {
    const { repl, keys, screen } = setup();
    repl.start();
    keys.write('x'.repeat(170));
    await settle();
    screen.take();
    repl.printAbove('note');
    const drawn = screen.take();
    // biome-ignore lint/suspicious/noControlCharactersInRegex: terminal escapes
    assert.match(drawn, /^\x1b\[2A/, JSON.stringify(drawn.slice(0, 20)));
    repl.close();
  });

  it('close() wipes the typed text without calling onEnd; output then is plain lines', async () => {
    const { repl, keys, screen, record } = setup();
    repl.start();
    keys.write('never sent');
    await settle();
    screen.take();
    repl.close();
    assert.match(screen.take(), CLEAR_DOWN);
    assert.equal(record.ends, 0);
    repl.close();
    repl.printAbove('after');
    assert.equal(screen.take(), 'after\n');
    keys.write('ignored\r');
    await settle();
    assert.deepEqual(record.lines, []);
  });

  it('a line handler that closes the prompt gets no new prompt', async () => {
    const { repl, keys, screen, record } = setup((_line, self) => self.close());
    repl.start();
    keys.write('/quit\r');
    await settle();
    assert.deepEqual(record.lines, ['/quit']);
    assert.doesNotMatch(screen.take().split(CLEAR_DOWN).at(-1)!, />/);
    assert.equal(record.ends, 0);
  });
});
