// How a script ends badly: syntax errors, runtime errors in the main chunk, a task and a
// callback (message with file:LINE and a traceback, status 1), a missing firmware module, a
// blocking call from a callback, os.exit, --timeout on loops with and without yields, stop(),
// and the end of a script that has nothing left to do.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runLua } from '../../src/lua/index.js';
import { recordingServer, runScript } from './helpers.js';

describe('Lua errors end the script with status 1 and say where', () => {
  it('a syntax error', async () => {
    const { status, run } = await runScript('print("a")\nlocal x = = 2\n');
    assert.equal(status, 1);
    assert.equal(run.reason, 'error');
    assert.match(run.error!, /^test\.lua:2: unexpected symbol near '='/);
  });

  it('a runtime error in the main chunk, with a traceback', async () => {
    const { status, lines, run } = await runScript(
      'print("before")\nlocal t = nil\nprint(t.x)\nprint("after")',
    );
    assert.equal(status, 1);
    assert.equal(lines[0], 'before');
    assert.match(run.error!, /^test\.lua:3: attempt to index a nil value \(local 't'\)/);
    assert.match(run.error!, /stack traceback:\n/);
    assert.doesNotMatch(run.error!, /\[wsx\]/);
    assert.ok(!lines.includes('after'));
  });

  it('a runtime error in a task', async () => {
    const source = [
      'sys.taskInit(function()',
      '  sys.wait(5)',
      '  error("task broke")',
      'end)',
    ].join('\n');
    const { status, run } = await runScript(source);
    assert.equal(status, 1);
    assert.match(run.error!, /^test\.lua:3: task broke\nstack traceback:/);
  });

  it('a runtime error in a callback (timer, subscriber, websocket event)', async (t) => {
    const timer = await runScript('sys.timerStart(function()\n  local n = nil + 1\nend, 5)');
    assert.equal(timer.status, 1);
    assert.match(timer.run.error!, /^test\.lua:2: attempt to perform arithmetic on a nil value/);
    // The runner's own Lua frames are left out of the traceback.
    assert.match(timer.run.error!, /test\.lua:2: in function <test\.lua:1>/);
    assert.doesNotMatch(timer.run.error!, /\[wsx\]/);
    const server = await recordingServer(t);
    const source = [
      'local ws = websocket.createClient()',
      'ws:on("connection", function(c)',
      '  c:nosuch()',
      'end)',
      'ws:connect("ws://device.example/")',
    ].join('\n');
    const event = await runScript(source, { server });
    assert.equal(event.status, 1);
    assert.match(event.run.error!, /^test\.lua:3: attempt to call a nil value \(method 'nosuch'\)/);
  });

  it('an error raised by a dialect names the script line', async () => {
    const { status, run } = await runScript('local ws = websocket.createClient()\n\nws:send("x")');
    assert.equal(status, 1);
    assert.match(run.error!, /^test\.lua:3: Websocket isn't connected\./);
  });

  it('a missing firmware module names the function', async () => {
    const { status, run } = await runScript('print(gpio ~= nil)\ngpio.setup(1, 0)');
    assert.equal(status, 1);
    assert.match(
      run.error!,
      /^test\.lua:2: gpio\.setup\(\) is not available: wsx runs only the WebSocket-related/,
    );
    const required = await runScript('local m = require("mobile")\nm.imei()');
    assert.match(required.run.error!, /^test\.lua:2: mobile\.imei\(\) is not available/);
    const partial = await runScript('node.restart()', { dialect: 'nodemcu' });
    assert.match(partial.run.error!, /^test\.lua:1: node\.restart\(\) is not available/);
  });

  it('a blocking call in a callback fails, naming the call', async () => {
    const { status, run } = await runScript('sys.timerStart(function()\n  sys.wait(10)\nend, 1)');
    assert.equal(status, 1);
    assert.match(run.error!, /^test\.lua:2: sys\.wait blocks, so it must be called in a task/);
    const air = await runScript(
      'local ws = websocket.new("ws://h/")\nsys.subscribe("go", function() ws:recv() end)\nsys.publish("go")',
    );
    assert.match(air.run.error!, /^test\.lua:2: ws:recv blocks, so it must be called in a task/);
  });

  it('a failed blocking call raises its error at the script line', async () => {
    const source = [
      'local ws = websocket.new("ws://h.example/")',
      'sys.taskInit(function()',
      '  ws:recv()',
      'end)',
    ].join('\n');
    const { status, run } = await runScript(source);
    assert.equal(status, 1);
    assert.match(
      run.error!,
      /^test\.lua:3: recv\(\): there is no connection; call connect\(\) first/,
    );
  });

  it('a blocking call in a coroutine of the script fails too', async () => {
    const { run } = await runScript(
      'local co = coroutine.create(function() sys.wait(1) end)\nlocal ok, err = coroutine.resume(co)\nprint(ok, err)',
    );
    assert.equal(run.reason, 'end');
    assert.match(run.lines[0]!, /^false\ttest\.lua:1: sys\.wait blocks/);
  });
});

describe('how a script ends', () => {
  it('os.exit(3) ends with status 3 at once; os.exit() with 0; os.exit(false) with 1', async () => {
    const three = await runScript(
      'print("a")\nsys.timerStart(print, 10, "never")\nos.exit(3)\nprint("b")',
    );
    assert.equal(three.status, 3);
    assert.equal(three.run.reason, 'exit');
    assert.deepEqual(three.lines, ['a']);
    assert.equal((await runScript('sys.taskInit(function() sys.wait(1) os.exit() end)')).status, 0);
    assert.equal((await runScript('os.exit(false)')).status, 1);
    // pcall cannot keep the script alive past os.exit.
    const caught = await runScript(
      'pcall(os.exit, 4)\nprint("still here")\nsys.wait(1)\nprint("not here")',
    );
    assert.equal(caught.status, 4);
    assert.ok(!caught.lines.includes('not here'));
  });

  it('--timeout stops a script that waits forever, and one that never yields', async () => {
    const waiting = await runScript('while true do sys.wait(20) end', { timeoutMs: 150 });
    assert.equal(waiting.status, 124);
    assert.equal(waiting.run.reason, 'timeout');
    const busy = await runScript('local n = 0\nwhile true do n = n + 1 end', { timeoutMs: 150 });
    assert.equal(busy.status, 124);
    assert.equal(busy.run.error, undefined);
  });

  it('--timeout closes the connections with a Close frame', async (t) => {
    const server = await recordingServer(t);
    const closed = server
      .nextSocket()
      .then((socket) => new Promise<number>((resolve) => socket.once('close', resolve)));
    const source = 'local ws = websocket.createClient()\nws:connect("ws://device.example/")\n';
    const { status } = await runScript(source, { server, timeoutMs: 1000 });
    assert.equal(status, 124);
    // NodeMCU's close() sends a Close frame without a code: 1005 on the server, not 1006.
    assert.equal(await closed, 1005);
  });

  it('ends by itself when no task, timer or connection is left', async (t) => {
    const server = await recordingServer(t);
    const source = [
      'local ws = websocket.createClient()',
      'ws:on("connection", function(c) c:send("one") end)',
      'ws:on("receive", function(c, msg) print("got", msg) c:close() end)',
      'ws:on("close", function(_, status) print("closed", status) end)',
      'ws:connect("ws://device.example/")',
      'sys.taskInit(function() sys.wait(20) print("task done") end)',
    ].join('\n');
    const { status, lines, run } = await runScript(source, { server });
    assert.equal(status, 0);
    assert.equal(run.reason, 'end');
    assert.deepEqual([...lines].sort(), ['closed\t0', 'got\tone', 'task done']);
  });

  it('a task waiting for a topic nobody can publish does not keep the script alive', async () => {
    const { status, run } = await runScript('sys.taskInit(function() sys.waitUntil("never") end)');
    assert.equal(status, 0);
    assert.equal(run.reason, 'end');
  });

  it('stop() ends a running script with 130', async () => {
    const run = runLua({ source: 'while true do sys.wait(10) end', quiet: true });
    setTimeout(() => run.stop(), 50);
    assert.equal(await run.exit, 130);
    assert.equal(run.reason, 'stopped');
  });

  it('a missing file is reported with status 1', async () => {
    const run = runLua({ file: 'no/such/file.lua', quiet: true });
    assert.equal(await run.exit, 1);
    assert.match(run.error!, /no such file/i);
  });
});
