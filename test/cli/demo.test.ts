// `npm start`: the demo transcript shows every face working against the embedded server, labels
// the deliberate failures as such, stops the server and exits 0.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';
import { finished, ROOT } from './cli-harness.js';

it('npm start prints the transcript of every face and exits 0', async (t) => {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const child = spawn(npm, ['start', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: undefined },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const result = await finished(child, 90_000);
  const text = result.stdout;
  assert.equal(result.code, 0, `${text}\n${result.stderr}`);
  assert.equal(result.stderr, '');
  const expectInOrder = [
    /echo server \(npm ws package\) listening on ws:\/\/127\.0\.0\.1:(\d+)\//,
    // 1. the LuatOS document's script as Lua
    /1\. LuatOS device script, as Lua, through `wsx run`/,
    /\$ +wsx run examples\/lua\/luatos\/echo\.lua --connect-to echo\.airtun\.air32\.cn:80:127\.0\.0\.1:\d+ --timeout 2/,
    /lua +I\/user\.wsc conack/,
    /lua +I\/user\.wsc recv \{"action":"echo"\}/,
    /wsx run +exit status 124: stopped by --timeout, as intended/,
    // 2. LuatOS-Air start() with its heartbeat
    /2\. LuatOS-Air: ws:start\(\)/,
    /luatos-air < "hello from ws:start\(\)"/,
    /ping received \("heart"\), pong sent/,
    /ping received \("heart"\), pong sent/,
    /luatos-air start\(\) returned; state CLOSED/,
    // 3. NodeMCU
    /3\. NodeMCU: websocket\.createClient\(\)/,
    /nodemcu +got ws connection/,
    /nodemcu +< got message: "hello from device code", opcode 1 \(text\)/,
    /nodemcu +connection closed, status 0 \(closed normally/,
    // 4. modern API
    /4\. The modern API/,
    /connect +ping: round trip \d+\.\d\d ms/,
    /connect +closed: 1000 \(normal closure\), clean true/,
    // 5. reconnecting through a server restart
    /5\. ReconnectingWebSocket survives a server restart/,
    /stopping the server on purpose/,
    /reconnect +close: 1001 \(going away\), will reconnect/,
    /reconnect +reconnecting: attempt 1 in \d+ ms/,
    /server started again on port \d+/,
    /reconnect +open again/,
    /reconnect +< "sent while offline"/,
    /the queued message was delivered after the reconnect/,
    // 6. a deliberate failure, labelled so
    /connect +\(deliberate failure, expected\) ERR_CONNECT: could not connect to 127\.0\.0\.1:1/,
    /done: every part worked/,
    /server +stopped/,
  ];
  let from = 0;
  for (const pattern of expectInOrder) {
    const match = pattern.exec(text.slice(from));
    assert.ok(match !== null, `${pattern} not found after position ${from} in:\n${text}`);
    from += match.index + match[0].length;
  }
  assert.doesNotMatch(text, /\[error\]|demo failed/);
  // Every refused reconnect attempt is marked as expected.
  for (const line of text.split('\n').filter((l) => l.includes('attempt failed'))) {
    assert.match(line, /\(expected while the server is down\)/);
  }
});
