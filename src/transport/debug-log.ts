// NODE_DEBUG=wsx: Node's util.debuglog section of wsx. When the environment variable names
// it, every connection writes its debug lines (the ones the `logger` option receives) to
// stderr as `WSX <pid>: <line>`, without any change to the code.

import { debuglog } from 'node:util';

const section = debuglog('wsx');

/** Whether NODE_DEBUG names wsx (read once, as Node reads NODE_DEBUG once per process). */
export const isNodeDebugOn: boolean = section.enabled;

/** Writes one line to stderr through util.debuglog('wsx'). */
export function nodeDebugLine(line: string): void {
  section('%s', line);
}
