// Compiles a wsx source tree with tsc, as the published package is built, for the benchmarks
// (run.ts and deflate.ts). Running the sources through tsx instead would measure tsx's
// transform too: it gives every arrow function an own `name` property, about 2.8 KiB of heap
// per connection that the package does not have.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';

/** A hash of every .ts file (path and content) under `dir`. */
export function treeHash(dir: string): string {
  const hash = createHash('sha1');
  const walk = (at: string): void => {
    for (const entry of readdirSync(at, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts'))
        hash.update(path.slice(dir.length)).update(readFileSync(path));
    }
  };
  walk(dir);
  return hash.digest('hex').slice(0, 12);
}

/**
 * File URL of the compiled entry of the wsx tree whose entry is `entry` (a src/index.ts).
 * The tree is compiled into `<root>/.tmp/bench-build/<hash of its sources>/` and that build
 * is reused while the sources do not change.
 */
export function buildWsx(root: string, entry: string): string {
  const path = resolvePath(entry);
  const srcDir = dirname(path);
  const buildDir = join(root, '.tmp', 'bench-build');
  const out = join(buildDir, treeHash(srcDir));
  const index = join(out, 'index.js');
  if (!existsSync(index)) {
    mkdirSync(buildDir, { recursive: true });
    const config = `${out}.tsconfig.json`;
    const settings = {
      extends: join(root, 'tsconfig.build.json'),
      compilerOptions: { rootDir: srcDir, outDir: out, declaration: false, sourceMap: false },
      include: [srcDir],
    };
    writeFileSync(config, JSON.stringify(settings));
    process.stderr.write(`building ${relative(root, srcDir) || srcDir} with tsc...\n`);
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', config], { cwd: root, stdio: 'inherit' });
  }
  return pathToFileURL(index).href;
}
