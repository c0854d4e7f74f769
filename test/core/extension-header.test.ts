// Tests for src/core/extension-header.ts: the Sec-WebSocket-Extensions grammar of RFC 6455
// §9.1 (tokens, parameters, quoted values, optional whitespace, empty list elements) and where
// a value stops following it.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExtensionList } from '../../src/core/extension-header.js';

describe('RFC 6455 §9.1 Sec-WebSocket-Extensions grammar', () => {
  it('reads names, bare parameters, token and quoted values, with optional whitespace', () => {
    const cases: [string, ReturnType<typeof parseExtensionList>][] = [
      ['', []],
      [' \t', []],
      [', ,\t,', []],
      ['a', [{ name: 'a', params: [] }]],
      [
        'a, b',
        [
          { name: 'a', params: [] },
          { name: 'b', params: [] },
        ],
      ],
      [
        ',a,,b,',
        [
          { name: 'a', params: [] },
          { name: 'b', params: [] },
        ],
      ],
      ['a;b', [{ name: 'a', params: [{ name: 'b', value: undefined }] }]],
      [
        'a \t; \tb \t= \t1 \t, c',
        [
          { name: 'a', params: [{ name: 'b', value: '1' }] },
          { name: 'c', params: [] },
        ],
      ],
      [
        'a; b="10"; c="x\\y"',
        [
          {
            name: 'a',
            params: [
              { name: 'b', value: '10' },
              { name: 'c', value: 'xy' },
            ],
          },
        ],
      ],
      [
        "x-!#$%&'*+-.^_`|~09AZaz; p=!#$%&'*+-.^_`|~",
        [{ name: "x-!#$%&'*+-.^_`|~09AZaz", params: [{ name: 'p', value: "!#$%&'*+-.^_`|~" }] }],
      ],
    ];
    for (const [header, expected] of cases) {
      assert.deepEqual(parseExtensionList(header), expected, JSON.stringify(header));
    }
  });

  it('says what it expected, and where, when the value does not follow the grammar', () => {
    const cases: [string, RegExp][] = [
      ['a;', /^expected a parameter name at character 3 \(the end\)$/],
      ['a; =1', /^expected a parameter name at character 4 \(found "="\)$/],
      ['a; b=', /^expected a parameter value at character 6 \(the end\)$/],
      ['a; b=;c', /^expected a parameter value at character 6 \(found ";"\)$/],
      ['a; b="1', /^expected the closing quote at character 8 \(the end\)$/],
      ['a; b="1\\', /^expected a character after the backslash/],
      ['a; b="1 2"', /^expected a quoted value that is a token once unquoted at character 6/],
      ['a; b=""', /^expected a quoted value that is a token/],
      ['a; b="1,2"', /^expected a quoted value that is a token/],
      ['a; b=1 2', /^expected "," or ";" at character 8 \(found "2"\)$/],
      ['a b', /^expected "," or ";" at character 3 \(found "b"\)$/],
      ['a; b c', /^expected "," or ";" at character 6/],
      ['; a', /^expected an extension name at character 1 \(found ";"\)$/],
      ['a, @', /^expected an extension name at character 4 \(found "@"\)$/],
      ['a; b=1=2', /^expected "," or ";" at character 7/],
      ['a; b="1"x', /^expected "," or ";" at character 9/],
      ['a;\u00e9', /^expected a parameter name at character 3/],
    ];
    for (const [header, pattern] of cases) {
      const result = parseExtensionList(header);
      assert.equal(typeof result, 'string', JSON.stringify(header));
      assert.match(result as string, pattern, JSON.stringify(header));
    }
  });
});
