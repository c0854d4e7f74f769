// Tests for src/lua/lua-values.ts: the values that stand for Lua ones across the bridge.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EXIT_SIGNAL as fromBridge, LuaRef as RefFromBridge } from '../../src/lua/bridge.js';
import { EXIT_SIGNAL, LuaRef, Results } from '../../src/lua/lua-values.js';

describe('lua values', () => {
  it('LuaRef keeps its registry reference; Results keeps every value in order', () => {
    assert.equal(new LuaRef(42).ref, 42);
    assert.deepEqual(new Results(1, undefined, 'x').values, [1, undefined, 'x']);
    assert.deepEqual(new Results().values, []);
  });

  it('the bridge re-exports the same values', () => {
    assert.equal(RefFromBridge, LuaRef);
    assert.equal(fromBridge, EXIT_SIGNAL);
    assert.match(EXIT_SIGNAL, /script has ended/);
  });
});
