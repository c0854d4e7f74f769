// Terminal colours that honour NO_COLOR (https://no-color.org), FORCE_COLOR and non-terminals,
// and the byte renderings the CLI shows and reads (hex, base64, raw).

export type Paint = (text: string) => string;

export interface Palette {
  readonly enabled: boolean;
  incoming: Paint;
  outgoing: Paint;
  info: Paint;
  warn: Paint;
  error: Paint;
  dim: Paint;
  bold: Paint;
}

const plain: Paint = (text) => text;

function sgr(open: number, close: number): Paint {
  return (text) => `\x1b[${open}m${text}\x1b[${close}m`;
}

/** Colours for a stream: on only for a colour terminal, and never when NO_COLOR is set. */
export function paletteFor(
  stream: { isTTY?: boolean; hasColors?: () => boolean },
  env: NodeJS.ProcessEnv = process.env,
): Palette {
  let enabled = stream.isTTY === true && (stream.hasColors?.() ?? false);
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') enabled = true;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') enabled = false;
  return makePalette(enabled);
}

export function makePalette(enabled: boolean): Palette {
  if (!enabled) {
    return {
      enabled,
      incoming: plain,
      outgoing: plain,
      info: plain,
      warn: plain,
      error: plain,
      dim: plain,
      bold: plain,
    };
  }
  return {
    enabled,
    incoming: sgr(32, 39), // green
    outgoing: sgr(36, 39), // cyan
    info: sgr(35, 39), // magenta
    warn: sgr(33, 39), // yellow
    error: sgr(31, 39), // red
    dim: sgr(2, 22),
    bold: sgr(1, 22),
  };
}

/** How binary messages are shown and read; undefined means raw bytes (pipes only). */
export type BinaryFormat = 'hex' | 'base64';

export function toHex(bytes: Uint8Array, separator = ''): string {
  let out = '';
  for (let i = 0; i < bytes.length; i++) {
    if (i > 0) out += separator;
    out += bytes[i]!.toString(16).padStart(2, '0');
  }
  return out;
}

/** Parses hex digits, allowing spaces and colons between bytes; throws a readable Error. */
export function fromHex(text: string): Uint8Array {
  const digits = text.replace(/[\s:]/g, '');
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) {
    throw new Error(
      `not hex bytes: ${JSON.stringify(text.slice(0, 40))} (expected pairs of 0-9a-f)`,
    );
  }
  return Uint8Array.from(Buffer.from(digits, 'hex'));
}

export function fromBase64(text: string): Uint8Array {
  const compact = text.replace(/\s/g, '');
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(compact)) {
    throw new Error(`not base64: ${JSON.stringify(text.slice(0, 40))}`);
  }
  return Uint8Array.from(Buffer.from(compact, 'base64'));
}

export function encodeBytes(bytes: Uint8Array, format: 'hex' | 'base64'): string {
  return format === 'hex' ? toHex(bytes) : Buffer.from(bytes).toString('base64');
}

/** Text for a terminal line: control characters (other than tab and newline) escaped as \xNN
 * so a message cannot move the cursor or change colours. */
export function printable(text: string): string {
  let out = '';
  for (const char of text) {
    const code = char.charCodeAt(0);
    const isControl = (code < 0x20 && code !== 0x09 && code !== 0x0a) || code === 0x7f;
    out += isControl ? `\\x${code.toString(16).padStart(2, '0')}` : char;
  }
  return out;
}
