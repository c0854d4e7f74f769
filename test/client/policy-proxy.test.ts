// decideRetry for the proxy and redirect errors: refusals of the tunnel are worth another try
// (the target may come back), wrong credentials, a wrong kind of proxy and refused redirects
// are not (the same request would fail the same way).

import assert from 'node:assert/strict';
import { it } from 'node:test';
import { closeCause } from '../../src/client/close-cause.js';
import type { CloseInfo } from '../../src/client/connection.js';
import { decideRetry } from '../../src/client/policy.js';
import {
  ErrorCode,
  ProxyError,
  RedirectError,
  TransportError,
  UnexpectedStatusError,
  type WebSocketError,
} from '../../src/core/errors.js';

function infoFor(error: WebSocketError): CloseInfo {
  return {
    code: 1006,
    reason: '',
    wasClean: false,
    error,
    cause: closeCause(error, undefined, 'connecting'),
  };
}

const options = { tryAgainLaterDelayMs: 10_000, wallNowMs: 0 };
const proxy = { proxy: 'http://p.test:3128' };
const redirect = { status: 302, location: '/x', chain: ['ws://a.test/'] };
const response = new UnexpectedStatusError(302, 'Found', { location: '/x' }, new Uint8Array(0));

const table: [string, WebSocketError, boolean][] = [
  [
    'proxy refused the tunnel',
    new ProxyError(ErrorCode.ProxyRefused, 'refused', { ...proxy, status: 502 }),
    true,
  ],
  ['proxy unreachable', new TransportError(ErrorCode.ConnectFailed, 'no proxy', 'proxy'), true],
  [
    'proxy credentials',
    new ProxyError(ErrorCode.ProxyAuth, '407', { ...proxy, status: 407 }),
    false,
  ],
  ['not that kind of proxy', new ProxyError(ErrorCode.ProxyProtocol, 'garbage', proxy), false],
  ['redirect loop', new RedirectError(ErrorCode.RedirectLoop, 'loop', redirect, response), false],
  [
    'redirect limit',
    new RedirectError(ErrorCode.RedirectLimit, 'limit', redirect, response),
    false,
  ],
  [
    'redirect downgrade',
    new RedirectError(ErrorCode.RedirectDowngrade, 'down', redirect, response),
    false,
  ],
  [
    'redirect location',
    new RedirectError(ErrorCode.RedirectLocation, 'where', redirect, response),
    false,
  ],
];

for (const [name, error, retry] of table) {
  it(`${name}: ${retry ? 'retry' : 'give up'}`, () => {
    assert.equal(decideRetry(infoFor(error), options).retry, retry);
  });
}
