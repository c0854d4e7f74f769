// The layer rule of docs/architecture (core <- transport <- client <- api/dialects <- lua <- cli),
// checked on the source text: no upward import, no import cycle, a core free of Node,
// Buffer, process and timers, and sockets and DNS (node:net, node:tls, node:dns) only under
// src/transport and src/cli.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, it } from 'node:test';

const SRC = resolve(import.meta.dirname, '..', 'src');

const ALLOWED: Record<string, readonly string[]> = {
  core: ['core'],
  transport: ['core', 'transport'],
  client: ['core', 'transport', 'client'],
  api: ['core', 'transport', 'client', 'api'],
  dialects: ['core', 'transport', 'client', 'dialects'],
  lua: ['core', 'transport', 'client', 'api', 'dialects', 'lua'],
  cli: ['core', 'transport', 'client', 'api', 'dialects', 'lua', 'cli', '.'],
  '.': ['core', 'transport', 'client', 'api', 'dialects', '.'],
};

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sourceFiles(path, out);
    else if (name.endsWith('.ts')) out.push(path);
  }
  return out;
}

function layerOf(file: string): string {
  const parts = relative(SRC, file).split('/');
  return parts.length === 1 ? '.' : parts[0]!;
}

/** Source text without comments and string contents that could hide words. */
function stripComments(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function importsOf(text: string): string[] {
  const specifiers: string[] = [];
  const pattern =
    /(?:^|\n)\s*(?:import|export)\b[^'"`;]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g;
  for (const match of text.matchAll(pattern)) {
    specifiers.push((match[1] ?? match[2] ?? match[3])!);
  }
  return specifiers;
}

const files = sourceFiles(SRC);
const graph = new Map<string, string[]>();
for (const file of files) {
  const text = stripComments(readFileSync(file, 'utf8'));
  const local = importsOf(text)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => resolve(dirname(file), specifier.replace(/\.js$/, '.ts')));
  graph.set(file, local);
}

describe('layers (docs: architecture)', () => {
  it('finds the source files', () => {
    assert.ok(files.length > 10);
    const protocolImports = graph.get(join(SRC, 'core', 'protocol.ts')) ?? [];
    assert.ok(protocolImports.some((target) => target.endsWith(join('core', 'frame.ts'))));
  });

  it('imports point down only', () => {
    const violations: string[] = [];
    for (const [file, targets] of graph) {
      const from = layerOf(file);
      for (const target of targets) {
        const to = layerOf(target);
        if (!ALLOWED[from]?.includes(to)) {
          violations.push(
            `${relative(SRC, file)} (${from}) imports ${relative(SRC, target)} (${to})`,
          );
        }
      }
    }
    assert.deepEqual(violations, []);
  });

  it('has no import cycles', () => {
    const state = new Map<string, 'visiting' | 'done'>();
    const cycles: string[] = [];
    const visit = (file: string, path: string[]): void => {
      const seen = state.get(file);
      if (seen === 'done') return;
      if (seen === 'visiting') {
        cycles.push(
          [...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' -> '),
        );
        return;
      }
      state.set(file, 'visiting');
      for (const target of graph.get(file) ?? []) visit(target, [...path, file]);
      state.set(file, 'done');
    };
    for (const file of files) visit(file, []);
    assert.deepEqual(cycles, []);
  });

  it('keeps node:*, Buffer, process and timers out of src/core', () => {
    const banned =
      /\b(?:Buffer|process|setTimeout|setInterval|setImmediate|clearTimeout|clearInterval|queueMicrotask|require)\b|from\s*['"]node:|from\s*['"](?:fs|net|tls|crypto|events|buffer|stream|zlib)['"]/;
    const violations: string[] = [];
    for (const file of files) {
      if (layerOf(file) !== 'core') continue;
      const lines = stripComments(readFileSync(file, 'utf8')).split('\n');
      lines.forEach((line, index) => {
        if (banned.test(line))
          violations.push(`${relative(SRC, file)}:${index + 1}: ${line.trim()}`);
      });
    }
    assert.deepEqual(violations, []);
  });

  it('imports node:net, node:tls and node:dns only in src/transport and src/cli', () => {
    const network = /^node:(?:net|tls|dns)(?:\/|$)|^(?:net|tls|dns)$/;
    const violations: string[] = [];
    for (const file of files) {
      const layer = layerOf(file);
      if (layer === 'transport' || layer === 'cli') continue;
      const text = stripComments(readFileSync(file, 'utf8'));
      for (const specifier of importsOf(text)) {
        if (network.test(specifier)) violations.push(`${relative(SRC, file)} imports ${specifier}`);
      }
    }
    assert.deepEqual(violations, []);
  });
});
