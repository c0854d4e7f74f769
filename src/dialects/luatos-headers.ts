// The two forms of LuatOS `wsc:headers(...)`: raw `Name: value` lines ending in CRLF, or a
// table of name = value. Both become name/value pairs for the engine to check and send.

/** Parses raw `Name: value` lines; undefined when a line is malformed. */
export function parseHeaderLines(text: string): [string, string][] | undefined {
  const body = text.endsWith('\r\n') ? text.slice(0, -2) : text;
  if (body === '') return [];
  const pairs: [string, string][] = [];
  for (const line of body.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) return undefined;
    pairs.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  return pairs;
}

/** Table entries as pairs; undefined for an empty name or value, or a value of another type. */
export function tableHeaders(table: object): [string, string][] | undefined {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(table)) {
    const text = typeof value === 'number' ? String(value) : value;
    if (typeof text !== 'string' || name === '' || text === '') return undefined;
    pairs.push([name, text]);
  }
  return pairs;
}
