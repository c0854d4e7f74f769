// Tests for src/api/reconnecting-options.ts: the option names ReconnectingWebSocket accepts.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RECONNECTING_WEBSOCKET_OPTIONS } from '../../src/api/reconnecting-options.js';
import { ReconnectingWebSocket } from '../../src/api/reconnecting-websocket.js';
import { RECONNECTING_OPTIONS } from '../../src/client/option-names.js';
import { InvalidArgumentError } from '../../src/core/errors.js';

describe('RECONNECTING_WEBSOCKET_OPTIONS', () => {
  it("holds the engine's reconnecting options, partysocket's names and the face's own", () => {
    for (const name of RECONNECTING_OPTIONS)
      assert.ok(RECONNECTING_WEBSOCKET_OPTIONS.includes(name), name);
    for (const name of [
      'onOpen',
      'startClosed',
      'WebSocket',
      'minReconnectionDelay',
      'maxEnqueuedMessages',
      'debugLogger',
    ]) {
      assert.ok(RECONNECTING_WEBSOCKET_OPTIONS.includes(name), name);
    }
    assert.equal(
      new Set(RECONNECTING_WEBSOCKET_OPTIONS).size,
      RECONNECTING_WEBSOCKET_OPTIONS.length,
    );
  });

  it('the face refuses a name not in the list, suggesting the closest', () => {
    assert.throws(
      () =>
        new ReconnectingWebSocket('ws://127.0.0.1:1/', {
          startClosed: true,
          startClosd: true,
        } as never),
      (error: unknown) =>
        error instanceof InvalidArgumentError && /did you mean "startClosed"/.test(error.message),
    );
    const ws = new ReconnectingWebSocket('ws://127.0.0.1:1/', { startClosed: true, minUptime: 10 });
    assert.equal(ws.readyState, ws.CLOSED);
    ws.close();
  });
});
