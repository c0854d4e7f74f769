// Loads byte fixtures from test/fixtures/frames/*.hex. Format: the first line is a
// `# comment` saying what the bytes are and where they come from; the rest is hex, two digits
// per byte, any whitespace between bytes. A token `HEX*N` stands for HEX repeated N times
// (keeps the 64 KiB RFC example readable). Lines starting with `#` are comments.

import { readdirSync, readFileSync } from 'node:fs';

const directory = new URL('../fixtures/frames/', import.meta.url);

export interface Fixture {
  name: string;
  /** The header comment without the leading `#`. */
  comment: string;
  bytes: Uint8Array;
}

/** Parses fixture text; throws on anything that is not hex, so a typo cannot go unnoticed. */
export function parseHexFixture(text: string, name = 'fixture'): Fixture {
  const lines = text.split(/\r?\n/);
  const header = lines[0] ?? '';
  if (!header.startsWith('#')) throw new Error(`${name}: the first line must be a # comment`);
  const parts: number[] = [];
  for (const line of lines.slice(1)) {
    if (line.trimStart().startsWith('#')) continue;
    for (const token of line.split(/\s+/)) {
      if (token === '') continue;
      const match = /^([0-9a-fA-F]+)(?:\*([1-9][0-9]*))?$/.exec(token);
      if (match === null || match[1]!.length % 2 !== 0) {
        throw new Error(`${name}: bad token ${JSON.stringify(token)}`);
      }
      const hex = match[1]!;
      const unit: number[] = [];
      for (let i = 0; i < hex.length; i += 2) unit.push(Number.parseInt(hex.slice(i, i + 2), 16));
      const times = match[2] === undefined ? 1 : Number(match[2]);
      for (let t = 0; t < times; t++) parts.push(...unit);
    }
  }
  return { name, comment: header.slice(1).trim(), bytes: Uint8Array.from(parts) };
}

/** Reads test/fixtures/frames/<name>.hex. */
export function loadFixture(name: string): Fixture {
  return parseHexFixture(readFileSync(new URL(`${name}.hex`, directory), 'utf8'), name);
}

/** Bytes of test/fixtures/frames/<name>.hex. */
export function fixtureBytes(name: string): Uint8Array {
  return loadFixture(name).bytes;
}

/** Names (without .hex) of every frame fixture, sorted. */
export function listFixtures(): string[] {
  return readdirSync(directory)
    .filter((file) => file.endsWith('.hex'))
    .map((file) => file.slice(0, -4))
    .sort();
}
