// Argument checks of the LuatOS-Air client methods that the engine could not use as given:
// timeouts in seconds, sendFrame's fin and opcode, close()'s code and reason, and Ping/Pong
// payloads. They throw InvalidArgumentError naming the argument.

import { timerDelayMs } from '../client/clock.js';
import { payloadBytes } from '../client/payload.js';
import { isValidWireCloseCode, validateUserClose } from '../core/close.js';
import { CloseCode, MAX_CONTROL_PAYLOAD } from '../core/constants.js';
import { argumentError, describeValue } from '../core/errors.js';
import { isControlOpcode, isKnownOpcode } from '../core/frame.js';
import { isLuaTruthy, toPayload } from './lua-conventions.js';

/** A Lua number of seconds as whole milliseconds for the clock, or throws naming `what`. */
export function secondsToMs(value: unknown, what: string, allowZero: boolean): number {
  if (
    typeof value !== 'number' ||
    !Number.isFinite(value) ||
    value < 0 ||
    (!allowZero && value === 0)
  ) {
    throw argumentError(
      `${what} must be a number of seconds ${allowZero ? '>= 0' : '> 0'}, not ${typeof value === 'number' ? value : describeValue(value)}`,
    );
  }
  return timerDelayMs(value * 1000);
}

/**
 * Checks `sendFrame(fin, opcode, data)`'s opcode and fin; returns whether FIN is set. Allowed:
 * 0 continuation, 1 text, 2 binary, 9 ping, 10 pong (RFC 6455 §5.2; a control frame is never
 * fragmented, §5.5). Close goes through close(), reserved opcodes need an extension.
 */
export function checkFrame(fin: unknown, opcode: unknown): boolean {
  if (
    typeof opcode !== 'number' ||
    !Number.isInteger(opcode) ||
    opcode < 0 ||
    opcode > 0xf ||
    !isKnownOpcode(opcode) ||
    opcode === 0x8
  ) {
    throw argumentError(
      `sendFrame: opcode ${typeof opcode === 'number' ? opcode : describeValue(opcode)} is not allowed; use 0 (continuation), 1 (text), 2 (binary), 9 (ping) or 10 (pong)`,
    );
  }
  const isFinal = isLuaTruthy(fin);
  if (isControlOpcode(opcode) && !isFinal) {
    throw argumentError('sendFrame: a ping or pong cannot be fragmented; fin must be true');
  }
  return isFinal;
}

/**
 * `close(code, reason)`'s arguments as the engine takes them: any code that may appear on the
 * wire (the document's example uses 1002), 1000 when only a reason is given.
 */
export function closeArguments(
  code: unknown,
  reason: unknown,
): { code: number | undefined; reason: string | undefined } {
  const closeReason = reason ?? undefined;
  if (code !== undefined && code !== null) {
    if (typeof code !== 'number' || !isValidWireCloseCode(code)) {
      throw argumentError(
        `close code ${typeof code === 'number' ? code : describeValue(code)} cannot be sent; use 1000-1003, 1007-1014 or 3000-4999`,
      );
    }
  }
  const reasonError = validateUserClose(undefined, closeReason as string | undefined);
  if (reasonError !== undefined) throw reasonError;
  const closeCode =
    typeof code === 'number' ? code : closeReason !== undefined ? CloseCode.Normal : undefined;
  return { code: closeCode, reason: closeReason as string | undefined };
}

/** A Ping or Pong payload as bytes: nil is empty, at most 125 bytes (RFC 6455 §5.5). */
export function controlPayload(data: unknown, what: 'ping' | 'pong'): Uint8Array {
  if (data === undefined || data === null) return new Uint8Array(0);
  const payload = toPayload(data, `the ${what} data`);
  const bytes = payloadBytes(payload);
  if (bytes.length > MAX_CONTROL_PAYLOAD) {
    throw argumentError(`a ${what} carries at most 125 bytes (got ${bytes.length})`);
  }
  return bytes;
}
