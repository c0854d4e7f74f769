// `wsx run FILE.lua [options] [-- args]`: the run subcommand of the CLI. Parses its own
// arguments and runs the script; the promise gives the process exit status.
// Placeholder contract between the CLI (src/cli/main.ts) and the Lua runner; the runner
// helper replaces the body.

export async function runCommand(args: readonly string[]): Promise<number> {
  process.stderr.write(`wsx run: the Lua runner is not built yet (${args.length} arguments)\n`);
  return 2;
}
