#!/usr/bin/env node
// The `wsx` bin entry: runs the command line (src/cli/cli.ts), flushes output, exits with the
// status.

import { main } from './cli.js';

/** Waits for stdout and stderr to flush, then exits with the status. */
async function exit(status: number): Promise<never> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (stream) => new Promise<void>((resolve) => stream.write('', () => resolve())),
    ),
  );
  process.exit(status);
}

main(process.argv.slice(2)).then(exit, (error: unknown) => {
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  process.stderr.write(`wsx: internal error: ${text}\n`);
  return exit(1);
});
