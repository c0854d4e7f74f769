// Every complete Lua example of the firmware documentation runs unchanged, and every one-line
// example inside its wrapper (examples/lua/), against a local echo server: the script keeps
// its public URL and --connect-to points it here. Checks the output, the exit status, and
// what the server received.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { recordingServer, runScript } from './helpers.js';

const file = (name: string) => `examples/lua/${name}.lua`;

describe('documentation examples, unchanged', () => {
  it('LuatOS: the websocket page example (loops forever; stopped after the echo)', async (t) => {
    const server = await recordingServer(t);
    const { status, lines, run } = await runScript(undefined, {
      file: file('luatos/echo'),
      server,
      stopAt: /recv/,
    });
    assert.equal(status, 130);
    assert.equal(run.reason, 'stopped');
    assert.deepEqual(server.texts(), ['{"action":"echo"}']);
    assert.equal(server.requests[0]!.headers.host, 'echo.airtun.air32.cn');
    assert.deepEqual(lines.slice(0, 3), [
      'I/user.wsc conack nil',
      'I/user.wsc sent nil',
      'I/user.wsc recv {"action":"echo"}',
    ]);
  });

  it('NodeMCU: the on() example prints the connection; the send() example sends hello!', async (t) => {
    const server = await recordingServer(t);
    const on = await runScript(undefined, { file: file('nodemcu/on'), server, stopAt: /got/ });
    assert.equal(on.status, 130);
    assert.deepEqual(on.lines, ['got ws connection']);
    const send = await runScript(undefined, {
      file: file('nodemcu/send'),
      server,
      stopWhen: server.nextMessage(),
    });
    assert.equal(send.status, 130);
    assert.deepEqual(server.texts(), ['hello!']);
    assert.equal(server.requests[1]!.headers.host, 'echo.websocket.org');
    assert.equal(server.requests[1]!.headers['user-agent'], 'ESP8266');
  });

  it('NodeMCU: createClient, close, config and connect examples', async (t) => {
    const server = await recordingServer(t);
    for (const name of ['create-client', 'close', 'config']) {
      const { status, lines } = await runScript(undefined, {
        file: file(`nodemcu/${name}`),
        server,
      });
      assert.equal(status, 0, name);
      assert.deepEqual(lines, [], name);
    }
    const connect = await runScript(undefined, {
      file: file('nodemcu/connect'),
      server,
      stopWhen: server.nextSocket(),
    });
    assert.equal(connect.status, 130);
    assert.equal(server.requests.length, 1);
  });
});

describe('documentation fragments, in their wrappers', () => {
  it('LuatOS: create (ws and wss) returns clients', async () => {
    const { status, lines } = await runScript(undefined, { file: file('luatos/create') });
    assert.equal(status, 0);
    assert.deepEqual(lines, ['ws\ttrue', 'wss\ttrue']);
  });

  it('LuatOS: headers, on, autoreconn, connect, ready, send, close', async (t) => {
    const server = await recordingServer(t);
    const { status, lines } = await runScript(undefined, {
      file: file('luatos/fragments'),
      server,
    });
    assert.equal(status, 0);
    assert.equal(lines[0], 'I/user.websocket event conack nil nil');
    assert.equal(lines[1], 'ready\ttrue');
    // send(data, 1) is binary, as the dialect reads two arguments.
    assert.deepEqual(
      server.received.map((item) => [item.data.toString(), item.isBinary]),
      [
        ['123', false],
        ['123', false],
        ['456', false],
        ['789', true],
      ],
    );
    assert.equal(server.requests[0]!.headers.auth, 'Basic ABCDERG');
    assert.ok(lines.includes('I/user.websocket event recv 789 1'));
  });

  it('LuatOS-Air: new, on, connect, sendFrame, recv, state, online, close, exit', async (t) => {
    const server = await recordingServer(t);
    const { status, lines } = await runScript(undefined, {
      file: file('luatos-air/fragments'),
      server,
    });
    assert.equal(status, 0, lines.join('\n'));
    assert.deepEqual(lines, [
      'www.openluat.com',
      'recv\ttrue\twww.openluat.com',
      'state\tOPEN',
      'online\ttrue',
      'state after close\tCLOSING',
      'online after exit\tfalse',
    ]);
    assert.equal(server.requests.length, 2);
    assert.equal(server.requests[0]!.headers.host, '121.40.165.18:8800');
  });

  it('LuatOS-Air: start with and without proc, stopped by websocket.exit', async (t) => {
    const server = await recordingServer(t);
    const withProc = await runScript(undefined, { file: file('luatos-air/start'), server });
    assert.equal(withProc.status, 0);
    assert.deepEqual(withProc.lines, ['uart\thello']);
    const plain = await runScript(undefined, { file: file('luatos-air/start-plain'), server });
    assert.equal(plain.status, 0);
    assert.deepEqual(plain.lines, ['message\tping me']);
    assert.deepEqual(server.texts(), ['hello', 'ping me']);
  });
});
