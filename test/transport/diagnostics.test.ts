// Tests for src/transport/diagnostics.ts: the node:diagnostics_channel channels wsx publishes
// on, under the names tools subscribe to.

import assert from 'node:assert/strict';
import { channel, subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import {
  closeChannel,
  errorChannel,
  openChannel,
  pingChannel,
  reconnectChannel,
  redirectChannel,
} from '../../src/transport/diagnostics.js';

const table = [
  ['wsx:open', openChannel],
  ['wsx:close', closeChannel],
  ['wsx:error', errorChannel],
  ['wsx:reconnect', reconnectChannel],
  ['wsx:ping', pingChannel],
  ['wsx:redirect', redirectChannel],
] as const;

describe('diagnostics channels', () => {
  for (const [name, published] of table) {
    it(`${name} is the channel a subscriber by name receives`, () => {
      assert.equal(published, channel(name));
      assert.equal(published.name, name);
      const seen: unknown[] = [];
      const listener = (message: unknown, from: string | symbol): void => {
        seen.push([message, from]);
      };
      assert.equal(published.hasSubscribers, false);
      subscribe(name, listener);
      try {
        assert.equal(published.hasSubscribers, true);
        published.publish({ url: 'ws://x/' });
        assert.deepEqual(seen, [[{ url: 'ws://x/' }, name]]);
      } finally {
        unsubscribe(name, listener);
      }
      assert.equal(published.hasSubscribers, false);
    });
  }

  it('the six channels are distinct', () => {
    assert.equal(new Set(table.map(([, published]) => published)).size, table.length);
  });
});
