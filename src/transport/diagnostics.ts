// node:diagnostics_channel channels wsx publishes on, so that tools can observe connections
// without options or wrappers. Publishing costs a property check when nobody subscribes.

import { channel } from 'node:diagnostics_channel';

/** `{ url, protocol }` when a connection opened. */
export const openChannel = channel('wsx:open');
/** `{ url, code, reason, wasClean, cause, error }` when a connection closed. */
export const closeChannel = channel('wsx:close');
/** `{ url, error }` when a connection failed. */
export const errorChannel = channel('wsx:error');
/** `{ url, attempt, delayMs, reason }` when a reconnecting client schedules an attempt. */
export const reconnectChannel = channel('wsx:reconnect');
/** `{ url, direction: 'sent' | 'received', kind: 'ping' | 'pong', rttMs? }` for pings and pongs. */
export const pingChannel = channel('wsx:ping');
/** `{ from, to, status, count, dropped }` when a connection follows a redirect (followRedirects). */
export const redirectChannel = channel('wsx:redirect');
