// Runs LuatOS-Air examples one after the other in this one process (started by
// luatos-air-examples.test.ts; not a test file itself), so that the suite pays for one Node
// and tsx start instead of one per example. For each example it prints one JSON line: what the
// example printed, and which resources were still keeping the event loop alive once it ended
// (an example that leaves a socket or timer behind would keep its own process running).
//   node --import tsx test/dialects/luatos-air-examples-runner.ts new.ts on.ts …

import { format } from 'node:util';

const directory = new URL('../../examples/luatos-air/', import.meta.url);

/** What keeps the loop alive besides this process's own stdout/stderr/stdin pipes. */
function resources(): string[] {
  return process
    .getActiveResourcesInfo()
    .filter((name) => !['PipeWrap', 'TTYWrap', 'FSReqCallback'].includes(name));
}

/** The resources in `now` beyond those in `before` (counted per kind). */
function added(before: readonly string[], now: readonly string[]): string[] {
  const remaining = [...before];
  return now.filter((name) => {
    const index = remaining.indexOf(name);
    if (index === -1) return true;
    remaining.splice(index, 1);
    return false;
  });
}

/**
 * Waits until what the example left behind is gone, as its own process would wait before it
 * exits: a closing handshake still in flight, a socket closing. Bounded: 10 s at the most,
 * checked every few milliseconds; whatever is still there then is reported.
 */
async function settle(before: readonly string[]): Promise<string[]> {
  for (let turn = 0; turn < 2000; turn++) {
    if (added(before, resources()).length === 0) return [];
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return added(before, resources());
}

const print = console.log;
const files = process.argv.slice(2);
// The examples read a server URL from their first argument before WSX_URL: give them none.
process.argv.length = 2;
for (const file of files) {
  const before = resources();
  const lines: string[] = [];
  let error: string | undefined;
  console.log = (...values: unknown[]) => {
    lines.push(...format(...values).split('\n'));
  };
  try {
    await import(new URL(file, directory).href);
  } catch (failure) {
    error = failure instanceof Error ? (failure.stack ?? failure.message) : String(failure);
  } finally {
    console.log = print;
  }
  const left = await settle(before);
  process.stdout.write(`${JSON.stringify({ file, lines, left, error })}\n`);
}
// Whatever an example left running has been reported; it must not hold up the others' results.
process.exit(0);
