// Every ```ts block of README.md and docs/ type-checks with `tsc --strict` against the
// sources, imported as users import the package ('wsx', 'wsx/core', 'wsx/nodemcu', ...). Each
// block is its own module; names a snippet leaves to the reader (a token, a CA) are declared in
// a shared preamble. A failure names the Markdown file and line.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { it } from 'node:test';

const root = resolve(import.meta.dirname, '..');
const work = join(root, '.tmp', 'doc-examples');

/** What snippets use without defining it: the reader's own values. */
const PREAMBLE = `declare const token: string;
declare const myCa: string;
declare const channels: string[];
declare function freshToken(): string | Promise<string>;
declare function render(value: unknown): void;
`;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return markdownFiles(path);
    return entry.name.endsWith('.md') ? [path] : [];
  });
}

interface Block {
  file: string;
  line: number;
  code: string;
}

function tsBlocks(file: string): Block[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== '```ts') continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== '```') end++;
    blocks.push({ file, line: start + 1, code: lines.slice(start, end).join('\n') });
    i = end;
  }
  return blocks;
}

it('every ts block of README.md and docs/ compiles with tsc --strict', { timeout: 120_000 }, () => {
  const files = [join(root, 'README.md'), ...markdownFiles(join(root, 'docs'))];
  const blocks = files.flatMap(tsBlocks);
  assert.ok(blocks.length >= 15, `found only ${blocks.length} blocks`);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const names: string[] = [];
  blocks.forEach((block, index) => {
    const name = `block${index}.ts`;
    names.push(name);
    // The preamble is one line per declaration, kept on line 1 so that line numbers map back.
    const preamble = PREAMBLE.replaceAll('\n', ' ');
    writeFileSync(join(work, name), `${preamble}export {};\n${block.code}\n`);
  });
  const src = relative(work, join(root, 'src'));
  const tsconfig = {
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2023'],
      module: 'ESNext',
      moduleResolution: 'bundler',
      types: ['node'],
      typeRoots: [relative(work, join(root, 'node_modules', '@types'))],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      baseUrl: '.',
      paths: {
        wsx: [`${src}/index.ts`],
        'wsx/core': [`${src}/core/index.ts`],
        'wsx/luatos': [`${src}/dialects/luatos.ts`],
        'wsx/luatos-air': [`${src}/dialects/luatos-air.ts`],
        'wsx/nodemcu': [`${src}/dialects/nodemcu.ts`],
        'wsx/lua': [`${src}/lua/index.ts`],
      },
    },
    files: names,
  };
  writeFileSync(join(work, 'tsconfig.json'), JSON.stringify(tsconfig, null, 2));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const result = spawnSync(process.execPath, [tsc, '-p', work, '--pretty', 'false'], {
    encoding: 'utf8',
  });
  // Map "blockN.ts(line,col): error ..." back to the Markdown file and line.
  const errors = result.stdout
    .split('\n')
    .filter((line) => line.includes('block'))
    .map((line) => {
      const match = /block(\d+)\.ts\((\d+),(\d+)\): (.*)$/.exec(line);
      if (match === null) return line;
      const block = blocks[Number(match[1])]!;
      const where = `${relative(root, block.file)}:${block.line + Number(match[2]) - 2}`;
      return `${where}: ${match[4]}`;
    });
  assert.deepEqual(errors, [], `doc examples that do not compile:\n${errors.join('\n')}`);
  assert.equal(result.status, 0, result.stdout + result.stderr);
});
