// ConnectionTrace (src/client/trace.ts): log lines only while a logger is on, diagnostics
// channel messages only for subscribers, and never a password.

import assert from 'node:assert/strict';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, it } from 'node:test';
import { resolveOptions } from '../../src/client/options.js';
import { ConnectionTrace, describeMessage } from '../../src/client/trace.js';
import { ErrorCode, TransportError } from '../../src/core/errors.js';

function traced(logger?: ((line: string) => void) & { enabled?: boolean }) {
  const options = resolveOptions('ws://user:secret@example.test/x', { logger });
  return new ConnectionTrace({ options });
}

describe('ConnectionTrace', () => {
  it('writes a line per event while a logger is set, with the password hidden', () => {
    const lines: string[] = [];
    const trace = traced((line) => lines.push(line));
    assert.equal(trace.isLogging, true);
    trace.connecting(true);
    trace.opened('chat');
    trace.messageReceived('hello', false);
    trace.messageSent(new Uint8Array(3), true);
    trace.pongReceived(12.345);
    trace.closeSending(1000, 'bye');
    trace.failed(new TransportError(ErrorCode.ConnectionLost, 'gone', 'open'));
    trace.closed({ code: 1000, wasClean: true });
    assert.equal(lines.length, 8);
    assert.equal(lines[0], '= connecting to ws://user:***@example.test/x (IPv6 addresses first)');
    assert.ok(!lines.join('\n').includes('secret'));
    assert.equal(lines[1], '= open (subprotocol chat)');
    assert.equal(lines[2], '< text message, 5 chars');
    assert.equal(lines[3], '> binary message, 3 bytes');
    assert.equal(lines[4], '% pong received, round trip 12.3 ms');
    assert.equal(lines[5], 'x sending close 1000 "bye"');
    assert.match(lines[6]!, /^! .*: gone$/);
    assert.equal(lines[7], '= closed 1000 (clean)');
  });

  it('formats nothing when the logger is switched off or missing', () => {
    const lines: string[] = [];
    const off = Object.assign((line: string) => lines.push(line), { enabled: false });
    for (const trace of [traced(off), traced()]) {
      assert.equal(trace.isLogging, false);
      assert.equal(trace.logFunction, undefined);
      trace.connecting(false);
      trace.messageReceived('x', false);
      trace.closed({ code: 1006, wasClean: false });
    }
    assert.deepEqual(lines, []);
  });

  it('publishes on the diagnostics channels with the redacted URL', () => {
    const seen: { name: string; message: Record<string, unknown> }[] = [];
    const listeners = ['wsx:open', 'wsx:ping', 'wsx:close'].map((name) => {
      const listener = (message: unknown): void => {
        seen.push({ name, message: message as Record<string, unknown> });
      };
      subscribe(name, listener);
      return { name, listener };
    });
    try {
      const trace = traced();
      trace.opened('');
      trace.pingSent();
      trace.pongReceived(5);
      trace.closed({ code: 1000, wasClean: true });
    } finally {
      for (const { name, listener } of listeners) unsubscribe(name, listener);
    }
    assert.deepEqual(
      seen.map(({ name, message }) => [name, message.kind ?? message.code ?? message.protocol]),
      [
        ['wsx:open', ''],
        ['wsx:ping', 'ping'],
        ['wsx:ping', 'pong'],
        ['wsx:close', 1000],
      ],
    );
    for (const { message } of seen) {
      assert.ok(!String(message.url).includes('secret'), String(message.url));
    }
  });

  it('describes messages by kind and size', () => {
    assert.equal(describeMessage('héllo', false), 'text message, 5 chars');
    assert.equal(describeMessage(new Uint8Array(70000), true), 'binary message, 70000 bytes');
  });
});
