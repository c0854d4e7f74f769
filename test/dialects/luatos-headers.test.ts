// Tests for src/dialects/luatos-headers.ts: the raw and table forms of wsc:headers().

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseHeaderLines, tableHeaders } from '../../src/dialects/luatos-headers.js';

describe('parseHeaderLines', () => {
  it('splits CRLF-separated Name: value lines, with or without the last CRLF', () => {
    assert.deepEqual(parseHeaderLines('A: 1\r\nB:2\r\n'), [
      ['A', ' 1'],
      ['B', '2'],
    ]);
    assert.deepEqual(parseHeaderLines('X-Token: abc'), [['X-Token', ' abc']]);
    assert.deepEqual(parseHeaderLines(''), []);
    assert.deepEqual(parseHeaderLines('\r\n'), []);
  });

  it('is undefined for a line without a name or colon', () => {
    assert.equal(parseHeaderLines('no colon'), undefined);
    assert.equal(parseHeaderLines(': value'), undefined);
    assert.equal(parseHeaderLines('A: 1\r\nbroken\r\n'), undefined);
  });
});

describe('tableHeaders', () => {
  it('takes string and number values', () => {
    assert.deepEqual(tableHeaders({ A: 'x', B: 7 }), [
      ['A', 'x'],
      ['B', '7'],
    ]);
    assert.deepEqual(tableHeaders({}), []);
  });

  it('is undefined for an empty name or value, or another type', () => {
    assert.equal(tableHeaders({ A: '' }), undefined);
    assert.equal(tableHeaders({ '': 'x' }), undefined);
    assert.equal(tableHeaders({ A: true }), undefined);
  });
});
