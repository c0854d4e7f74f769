// Runs a TypeScript file in a child process (node --import tsx) and resolves with the JSON it
// printed on stdout. The memory tests use it: RSS and heap are measured in a process of their
// own. The child is killed after `timeoutMs`; a non-zero exit rejects.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';

export function runJsonChild<T>(
  file: string,
  args: readonly string[],
  options: { timeoutMs: number; exposeGc?: boolean },
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const flags = options.exposeGc === true ? ['--expose-gc'] : [];
    const child = spawn(process.execPath, [...flags, '--import', 'tsx', file, ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      timeout: options.timeoutMs,
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        assert.equal(code, 0, `child exited with ${code}`);
        resolve(JSON.parse(out) as T);
      } catch (error) {
        reject(error);
      }
    });
  });
}
