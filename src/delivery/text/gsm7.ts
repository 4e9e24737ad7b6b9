// GSM 03.38 (3GPP TS 23.038) default alphabet, unpacked: one septet per byte, which is what
// SMPP short_message carries with data_coding 0.

const ESC = 0x1b;

// Index = septet code. Greek capitals are written as escapes so that look-alike Latin or
// symbol code points (e.g. the ohm sign U+2126) cannot slip in. 0x1B is the escape, not a character.
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅå' +
  '\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u001bÆæßÉ' +
  ' !"#¤%&\'()*+,-./' +
  '0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNO' +
  'PQRSTUVWXYZÄÖÑÜ§' +
  '¿abcdefghijklmno' +
  'pqrstuvwxyzäöñüà';

const EXTENSION: ReadonlyArray<readonly [string, number]> = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

const basicCode = new Map<string, number>();
for (let code = 0; code < BASIC.length; code++) {
  if (code !== ESC) basicCode.set(BASIC.charAt(code), code);
}
const extensionCode = new Map<string, number>(EXTENSION);
const extensionChar = new Map<number, string>(EXTENSION.map(([ch, code]) => [code, ch]));

/** Septets one character takes: 1 (basic table), 2 (extension table, ESC + code) or null (not GSM-7). */
export function gsm7Septets(char: string): 1 | 2 | null {
  if (basicCode.has(char)) return 1;
  if (extensionCode.has(char)) return 2;
  return null;
}

export function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (gsm7Septets(text.charAt(i)) === null) return false;
  }
  return true;
}

function gsm7Length(text: string): number {
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const n = gsm7Septets(text.charAt(i));
    if (n === null) throw notGsm7(text, i);
    septets += n;
  }
  return septets;
}

export function encodeGsm7(text: string): Buffer {
  const out = Buffer.alloc(gsm7Length(text));
  let at = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charAt(i);
    const basic = basicCode.get(ch);
    if (basic !== undefined) {
      out[at++] = basic;
    } else {
      out[at++] = ESC;
      out[at++] = extensionCode.get(ch) as number;
    }
  }
  return out;
}

/** Decodes unpacked septets; throws on bytes above 0x7F, a trailing ESC or an undefined escape. */
export function decodeGsm7(buf: Uint8Array): string {
  let out = '';
  for (let i = 0; i < buf.length; i++) {
    const b = buf[i] as number;
    if (b > 0x7f) throw new RangeError(`GSM-7: byte 0x${b.toString(16)} at ${i} is not a septet`);
    if (b !== ESC) {
      out += BASIC.charAt(b);
      continue;
    }
    const next = buf[i + 1];
    const ch = next === undefined ? undefined : extensionChar.get(next);
    if (ch === undefined) throw new RangeError(`GSM-7: invalid escape sequence at ${i}`);
    out += ch;
    i++;
  }
  return out;
}

function notGsm7(text: string, index: number): RangeError {
  const cp = text.codePointAt(index) ?? 0;
  return new RangeError(`GSM-7: U+${cp.toString(16).toUpperCase().padStart(4, '0')} at ${index} is not in the GSM 03.38 alphabet`);
}
