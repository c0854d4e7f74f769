// The interactive line mode: a readline prompt where each typed line goes to a handler, and
// printAbove() writes output above the prompt without garbling what is being typed: it clears
// the prompt rows, writes the output, and lets readline redraw the prompt with the partly typed
// line and the cursor where they were.

import {
  clearScreenDown,
  createInterface,
  cursorTo,
  type Interface,
  moveCursor,
} from 'node:readline';

export interface ReplOptions {
  input: NodeJS.ReadableStream;
  output: NodeJS.WriteStream;
  prompt: string;
  onLine(line: string): void;
  /** Ctrl-D on an empty line, or the input ended. */
  onEnd(): void;
  /** Ctrl-C. */
  onInterrupt(): void;
}

export class Repl {
  readonly #rl: Interface;
  readonly #output: NodeJS.WriteStream;
  #closed = false;

  constructor(options: ReplOptions) {
    this.#output = options.output;
    this.#rl = createInterface({
      input: options.input,
      output: options.output,
      prompt: options.prompt,
      terminal: true,
      historySize: 500,
    });
    this.#rl.on('line', (line) => {
      options.onLine(line);
      if (!this.#closed) this.#rl.prompt();
    });
    this.#rl.on('SIGINT', () => options.onInterrupt());
    this.#rl.on('close', () => {
      if (this.#closed) return;
      this.#closed = true;
      options.onEnd();
    });
  }

  start(): void {
    this.#rl.prompt();
  }

  /** Writes lines above the prompt; the typed text and cursor position are kept. */
  printAbove(text: string): void {
    if (this.#closed) {
      this.#output.write(`${text}\n`);
      return;
    }
    // Rows between the prompt's first row and the cursor (more than 0 when the line wraps).
    const { rows } = this.#rl.getCursorPos();
    moveCursor(this.#output, 0, -rows);
    cursorTo(this.#output, 0);
    clearScreenDown(this.#output);
    this.#output.write(`${text}\n`);
    // The cursor is where the prompt starts now. readline redraws by first moving up the rows
    // it remembers from its last redraw (its prevRows field), which typing does not update:
    // tell it there is nothing to move.
    (this.#rl as unknown as { prevRows: number }).prevRows = 0;
    this.#rl.prompt(true);
  }

  /** Ends the prompt: the unsent typed text is wiped, so the shell prompt starts clean. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    const { rows } = this.#rl.getCursorPos();
    moveCursor(this.#output, 0, -rows);
    cursorTo(this.#output, 0);
    clearScreenDown(this.#output);
    this.#rl.close();
  }
}
