// Shared setup for the LuatOS-Air dialect tests: an event recorder that waits without
// sleeping, a client on a FakeClock that is exited after the test, and a raw peer server
// that completes every handshake.

import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import {
  type LuatosAirClient,
  type LuatosAirEventName,
  websocket,
} from '../../src/dialects/luatos-air.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { Peer } from '../helpers/hostile.js';
import { acceptHandshake, startScriptedServer } from '../helpers/servers.js';

const EVENT_NAMES: readonly LuatosAirEventName[] = [
  'open',
  'message',
  'sent',
  'pong',
  'close',
  'error',
];

export type Recorded = [name: string, ...args: unknown[]];

/** Every event of one client in order, plus marks the test adds; waits without sleeping. */
export class Recorder {
  readonly events: Recorded[] = [];
  #waiters: { check: () => boolean; resolve: () => void }[] = [];

  constructor(ws: LuatosAirClient) {
    for (const name of EVENT_NAMES) {
      ws.on(name, (...args: unknown[]) => this.push([name, ...args]));
    }
  }

  push(entry: Recorded): void {
    this.events.push(entry);
    this.#waiters = this.#waiters.filter((waiter) => {
      if (!waiter.check()) return true;
      waiter.resolve();
      return false;
    });
  }

  names(): string[] {
    return this.events.map((entry) => entry[0]);
  }

  args(name: string): unknown[][] {
    return this.events.filter((entry) => entry[0] === name).map((entry) => entry.slice(1));
  }

  until(check: () => boolean): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ check, resolve }));
  }

  untilEvent(name: string, count = 1): Promise<void> {
    return this.until(() => this.args(name).length >= count);
  }

  /** The single error event's error. */
  error(): Error {
    const errors = this.args('error');
    assert.equal(errors.length, 1, `expected one error event, got ${errors.length}`);
    return errors[0]![0] as Error;
  }
}

/** A client on `clock` (a fresh FakeClock by default), exited after the test. */
export function client(t: TestContext, url: string, clock = new FakeClock()) {
  const ws = websocket.new(url, undefined, { clock });
  t.after(() => websocket.exit(ws));
  return { ws, clock, events: new Recorder(ws) };
}

/** A raw server that completes every handshake; `script` gets each connection and its index. */
export async function peerServer(
  t: TestContext,
  script: (peer: Peer, index: number) => void | Promise<void> = () => {},
) {
  const peers: Peer[] = [];
  let waiters: (() => void)[] = [];
  const server = await startScriptedServer(async (socket) => {
    const rest = await acceptHandshake(socket);
    const peer = new Peer(socket, rest);
    const index = peers.push(peer) - 1;
    for (const wake of waiters) wake();
    waiters = [];
    await script(peer, index);
  });
  t.after(() => server.close());
  const peer = async (index: number): Promise<Peer> => {
    while (peers.length <= index) await new Promise<void>((resolve) => waiters.push(resolve));
    return peers[index]!;
  };
  return { url: server.url, peers, peer };
}

export const text = (bytes: Buffer): string => bytes.toString('utf8');
