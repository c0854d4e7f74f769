// Tests for src/lua/prelude-core.ts: the Lua side of every script's state (tasks and blocking
// calls, sys timers and bus, print and log, os.exit, missing firmware modules), run in a
// real Lua state.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScript } from './helpers.js';

describe('prelude-core', () => {
  it('sys timers: one-shot and loop timers with arguments, stop by id or function', async () => {
    const { status, lines } = await runScript(`
      local function tick(name) sys.publish("ticked", name) end
      local once = sys.timerStart(tick, 1, "once")
      print("active", sys.timerIsActive(once))
      print("fired", sys.waitUntil("ticked", 5000))
      print("active after", sys.timerIsActive(once))
      local n = 0
      local loop
      loop = sys.timerLoopStart(function(step)
        n = n + step
        if n == 3 then sys.timerStop(loop); sys.publish("looped", n) end
      end, 1, 1)
      print("looped", sys.waitUntil("looped", 5000))
      print("loop active", sys.timerIsActive(loop))
      local function never() print("never") end
      sys.timerStart(never, 1)
      sys.timerStopAll(never)
      print("never active", sys.timerIsActive(never))
      sys.timerStart(sys.publish, 20, "later")
      sys.waitUntil("later", 5000)
    `);
    assert.equal(status, 0);
    assert.deepEqual(lines, [
      'active\ttrue',
      'fired\ttrue\tonce',
      'active after\tfalse',
      'looped\ttrue\t3',
      'loop active\tfalse',
      'never active\tfalse',
    ]);
  });

  it('the bus: subscribers hear publishes, waitUntil gets the values or times out', async () => {
    const { status, lines } = await runScript(`
      local function heard(a, b) print("heard", a, b) end
      sys.subscribe("t", heard)
      local done = false
      sys.taskInit(function()
        sys.publish("ready")
        print("waited", sys.waitUntil("t", 1000))
        print("timeout", sys.waitUntil("never", 5))
        done = true
        sys.publish("done")
      end)
      print("ready", sys.waitUntil("ready", 1000))
      sys.publish("t", 1, "x")
      sys.waitUntil("done", 1000)
      sys.unsubscribe("t", heard)
      sys.publish("t", 2, "y")
      print("done", done)
    `);
    assert.equal(status, 0);
    assert.deepEqual(lines, [
      'ready\ttrue',
      'heard\t1\tx',
      'waited\ttrue\t1\tx',
      'timeout\tfalse',
      'done\ttrue',
    ]);
  });

  it('print joins with tabs, log writes the firmware style, os.exit ends the script', async () => {
    const { status, lines } = await runScript(`
      print(1, nil, true)
      log.info("tag", "a", 2)
      log.setLevel("ERROR")
      log.warn("hidden")
      log.error("e")
      os.exit(3)
      print("not reached")
    `);
    assert.equal(status, 3);
    assert.deepEqual(lines, ['1\tnil\ttrue', 'I/user.tag a 2', 'E/user.e']);
  });

  it('a blocking call outside a task, a bad task and a missing module fail at the script line', async () => {
    const failures: [string, RegExp][] = [
      [
        'sys.timerStart(function() sys.wait(1) end, 1)\nsys.wait(10)',
        /test\.lua:1: sys\.wait blocks, so it must be called in a task/,
      ],
      ['\nsys.taskInit(42)', /test\.lua:2: sys\.taskInit: the task must be a function, not number/],
      ['\n\ngpio.setup(1, 0)', /test\.lua:3: gpio\.setup\(\) is not available/],
    ];
    for (const [source, expected] of failures) {
      const errors: string[] = [];
      const { status } = await runScript(source, {
        onLine: (line, stream) => {
          if (stream === 'err') errors.push(line);
        },
      });
      assert.notEqual(status, 0, source);
      assert.match(errors.join('\n'), expected);
    }
  });
});
