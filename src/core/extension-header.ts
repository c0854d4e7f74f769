// The Sec-WebSocket-Extensions header grammar (RFC 6455 §9.1), as a client reads the server's
// answer: a list of extensions, each with its parameters. Says nothing of what an extension or
// parameter means (permessage-deflate.ts does) and never throws: a value that does not follow
// the grammar comes back as a description of what was expected where.

import { isToken } from './http-response.js';
/** One parameter as sent: `value` is undefined for a bare name, unquoted otherwise. */
export interface ExtensionParam {
  readonly name: string;
  readonly value: string | undefined;
}

/** One element of a Sec-WebSocket-Extensions list. */
export interface ExtensionItem {
  readonly name: string;
  readonly params: readonly ExtensionParam[];
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

/**
 * Parses a Sec-WebSocket-Extensions value: `1#extension`, where an extension is a token
 * followed by `; name` or `; name=value` parameters, a value being a token or a quoted-string
 * whose unquoted content is a token. Whitespace (SP, HTAB) may surround `,`, `;` and `=`, and
 * empty list elements are skipped (RFC 9110 §5.6.1). Returns what was expected where the value
 * stops following the grammar, as a string, instead of the list.
 */
export function parseExtensionList(header: string): ExtensionItem[] | string {
  const items: ExtensionItem[] = [];
  let at = 0;
  const skipSpace = () => {
    while (header[at] === ' ' || header[at] === '\t') at++;
  };
  const token = () => {
    const start = at;
    while (at < header.length && TCHAR.test(header[at]!)) at++;
    return header.slice(start, at);
  };
  const expected = (what: string) =>
    `expected ${what} at character ${at + 1}${at >= header.length ? ' (the end)' : ` (found ${JSON.stringify(header[at])})`}`;
  for (;;) {
    skipSpace();
    if (at >= header.length) return items;
    if (header[at] === ',') {
      at++;
      continue;
    }
    const name = token();
    if (name === '') return expected('an extension name');
    const params: ExtensionParam[] = [];
    skipSpace();
    while (header[at] === ';') {
      at++;
      skipSpace();
      const param = token();
      if (param === '') return expected('a parameter name');
      skipSpace();
      let value: string | undefined;
      if (header[at] === '=') {
        at++;
        skipSpace();
        if (header[at] === '"') {
          const start = at;
          at++;
          let text = '';
          for (;;) {
            if (at >= header.length) return expected('the closing quote');
            const char = header[at++]!;
            if (char === '"') break;
            if (char === '\\') {
              if (at >= header.length) return expected('a character after the backslash');
              text += header[at++]!;
            } else text += char;
          }
          // §9.1: after unescaping, a quoted value must still be a token.
          if (!isToken(text)) {
            at = start;
            return expected('a quoted value that is a token once unquoted');
          }
          value = text;
        } else {
          value = token();
          if (value === '') return expected('a parameter value');
        }
        skipSpace();
      }
      params.push({ name: param, value });
    }
    items.push({ name, params });
    if (at >= header.length) return items;
    if (header[at] !== ',') return expected('"," or ";"');
    at++;
  }
}
