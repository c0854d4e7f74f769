// Tests for src/dialects/host-options.ts: the PC-only settings of the firmware dialects.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidArgumentError } from '../../src/core/errors.js';
import { DIALECT_HOST_OPTIONS } from '../../src/dialects/host-options.js';
import { websocket as air } from '../../src/dialects/luatos-air.js';
import { websocket as mcu } from '../../src/dialects/nodemcu.js';

const refusedName = (name: string) => (error: unknown) =>
  error instanceof InvalidArgumentError && error.message.includes(JSON.stringify(name));

describe('DIALECT_HOST_OPTIONS', () => {
  it('lists the seven PC-only settings', () => {
    assert.deepEqual([...DIALECT_HOST_OPTIONS].sort(), [
      'clock',
      'connectTo',
      'logger',
      'perMessageDeflate',
      'proxy',
      'proxyTls',
      'tls',
    ]);
  });

  it('both dialects refuse a name outside the list and accept the listed ones', () => {
    assert.throws(() => mcu.createClient({ clok: 1 } as never), refusedName('clok'));
    assert.throws(
      () => air.new('ws://127.0.0.1:1/', null, { loger: 1 } as never),
      refusedName('loger'),
    );
    mcu.createClient({ logger: () => {}, proxy: false });
    air.new('ws://127.0.0.1:1/', null, { logger: () => {}, proxy: false });
  });
});
