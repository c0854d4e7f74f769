// Tests for src/api/partysocket-options.ts: partysocket's option names translated into wsx's.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromPartysocket, partysocketDebug } from '../../src/api/partysocket-options.js';
import type { ReconnectingCloseEvent } from '../../src/api/reconnecting-events.js';
import { InvalidArgumentError } from '../../src/core/errors.js';

describe('fromPartysocket', () => {
  it("maps partysocket's names onto wsx's; delays given that way have no jitter", () => {
    const options = fromPartysocket({
      minReconnectionDelay: 100,
      maxReconnectionDelay: 900,
      reconnectionDelayGrowFactor: 1.5,
      minUptime: 50,
      connectionTimeout: 2000,
      maxEnqueuedMessages: 7,
      startClosed: true,
      onOpen: () => {},
    });
    assert.equal(options.initialDelayMs, 100);
    assert.equal(options.maxDelayMs, 900);
    assert.equal(options.backoffFactor, 1.5);
    assert.equal(options.jitter, false);
    assert.equal(options.minUptimeMs, 50);
    assert.equal(options.openTimeoutMs, 2000);
    assert.equal(options.maxQueuedMessages, 7);
    assert.equal('startClosed' in options, false);
    assert.equal('onOpen' in options, false);
  });

  it("a wsx name given too wins; without partysocket's delay names jitter stays the default", () => {
    const options = fromPartysocket({ initialDelayMs: 5, minReconnectionDelay: 100, jitter: true });
    assert.equal(options.initialDelayMs, 5);
    assert.equal(options.jitter, true);
    assert.equal(fromPartysocket({}).jitter, undefined);
  });

  it('shouldReconnectOnClose sees a close event and can only say no to the policy', () => {
    const seen: ReconnectingCloseEvent[] = [];
    const options = fromPartysocket({
      shouldReconnectOnClose: (event) => {
        seen.push(event);
        return event.code !== 4000;
      },
      shouldReconnect: (context) => context.attempt < 3,
    });
    const context = (code: number, attempt: number) =>
      ({
        attempt,
        info: { code, reason: 'r', wasClean: true, cause: { kind: 'server', phase: 'open' } },
        decision: { retry: true },
      }) as never;
    assert.equal(options.shouldReconnect?.(context(4000, 0)), false);
    assert.equal(options.shouldReconnect?.(context(1001, 0)), true);
    assert.equal(options.shouldReconnect?.(context(1001, 5)), false);
    assert.equal(seen[0]?.code, 4000);
    assert.equal(seen[0]?.reason, 'r');
    assert.throws(
      () => fromPartysocket({ shouldReconnectOnClose: 1 as never }),
      InvalidArgumentError,
    );
  });

  it('debug logs through debugLogger with the RWS> prefix, also as the logger', () => {
    const lines: unknown[][] = [];
    const debugLogger = (...args: unknown[]) => lines.push(args);
    partysocketDebug({ debug: true, debugLogger })?.('connect', 0);
    fromPartysocket({ debug: true, debugLogger }).logger?.('a line');
    assert.deepEqual(lines, [
      ['RWS>', 'connect', 0],
      ['RWS>', 'a line'],
    ]);
    assert.equal(partysocketDebug({ debugLogger }), undefined);
    assert.throws(
      () => partysocketDebug({ debug: true, debugLogger: 'x' as never }),
      InvalidArgumentError,
    );
  });
});
