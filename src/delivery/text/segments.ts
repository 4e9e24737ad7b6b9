import { encodeGsm7, gsm7Septets, isGsm7 } from './gsm7.js';

export type SmsEncoding = 'gsm7' | 'ucs2';

export interface SmsCount {
  encoding: SmsEncoding;
  /** Septets (GSM-7) or UTF-16 code units (UCS-2). */
  units: number;
  segments: number;
}

export interface SmsSplit {
  encoding: SmsEncoding;
  dataCoding: 0 | 8;
  /** Payloads without UDH: unpacked septets (GSM-7) or UTF-16 big-endian (UCS-2). */
  parts: Buffer[];
}

const SINGLE_LIMIT: Record<SmsEncoding, number> = { gsm7: 160, ucs2: 70 };
// 140 octets minus the 6-byte concatenation UDH (plus its fill bit for septets).
const PART_LIMIT: Record<SmsEncoding, number> = { gsm7: 153, ucs2: 67 };

interface Plan {
  encoding: SmsEncoding;
  units: number;
  slices: string[];
}

// Counting and splitting share this one plan, so countSms agrees with splitSms by construction:
// an escape pair or surrogate pair that does not fit moves whole to the next part, which can
// add a part that a plain units / 153 division would miss.
function plan(text: string): Plan {
  const encoding: SmsEncoding = isGsm7(text) ? 'gsm7' : 'ucs2';
  let units = 0;
  const atoms: Array<{ start: number; end: number; size: number }> = [];
  for (let i = 0; i < text.length; ) {
    const size = encoding === 'gsm7' ? (gsm7Septets(text.charAt(i)) as number) : isSurrogatePair(text, i) ? 2 : 1;
    const end = encoding === 'gsm7' ? i + 1 : i + size;
    atoms.push({ start: i, end, size });
    units += size;
    i = end;
  }
  if (units <= SINGLE_LIMIT[encoding]) return { encoding, units, slices: [text] };

  // Greedy filling is optimal here: no other cut reaches further after k parts.
  const limit = PART_LIMIT[encoding];
  const slices: string[] = [];
  let partStart = 0;
  let fill = 0;
  for (const atom of atoms) {
    if (fill + atom.size > limit) {
      slices.push(text.slice(partStart, atom.start));
      partStart = atom.start;
      fill = 0;
    }
    fill += atom.size;
  }
  slices.push(text.slice(partStart));
  return { encoding, units, slices };
}

function isSurrogatePair(text: string, i: number): boolean {
  const hi = text.charCodeAt(i);
  const lo = text.charCodeAt(i + 1);
  return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
}

/** Exact encoding, size and number of SMS parts the text needs (empty text: one part). */
export function countSms(text: string): SmsCount {
  const p = plan(text);
  return { encoding: p.encoding, units: p.units, segments: p.slices.length };
}

/** Splits into part payloads (no UDH); parts.length always equals countSms(text).segments. */
export function splitSms(text: string): SmsSplit {
  const p = plan(text);
  return p.encoding === 'gsm7'
    ? { encoding: 'gsm7', dataCoding: 0, parts: p.slices.map(encodeGsm7) }
    : { encoding: 'ucs2', dataCoding: 8, parts: p.slices.map(encodeUcs2) };
}

export function encodeUcs2(text: string): Buffer {
  const out = Buffer.alloc(text.length * 2);
  for (let i = 0; i < text.length; i++) out.writeUInt16BE(text.charCodeAt(i), i * 2);
  return out;
}

export function decodeUcs2(buf: Uint8Array): string {
  if (buf.length % 2 !== 0) throw new RangeError('UCS-2: odd number of bytes');
  let out = '';
  for (let i = 0; i < buf.length; i += 2) out += String.fromCharCode(((buf[i] as number) << 8) | (buf[i + 1] as number));
  return out;
}

/** 6-byte concatenation UDH `05 00 03 ref total seq` (8-bit reference). */
export function udh(ref: number, total: number, seq: number): Buffer {
  if (!isByte(ref)) throw new RangeError(`UDH: reference ${ref} is not 0..255`);
  if (!isByte(total) || total < 1) throw new RangeError(`UDH: total ${total} is not 1..255`);
  if (!isByte(seq) || seq < 1 || seq > total) throw new RangeError(`UDH: sequence ${seq} is not 1..${total}`);
  return Buffer.from([0x05, 0x00, 0x03, ref, total, seq]);
}

function isByte(n: number): boolean {
  return Number.isInteger(n) && n >= 0 && n <= 255;
}
