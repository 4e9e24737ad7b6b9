// Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP), as authenticator apps make them.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export type TotpAlgorithm = 'sha1' | 'sha256' | 'sha512';

export interface TotpOptions {
  algorithm: TotpAlgorithm;
  digits: number;
  /** Seconds per step (X in the RFC). */
  step: number;
}

// What every authenticator app understands.
export const totpDefaults: TotpOptions = { algorithm: 'sha1', digits: 6, step: 30 };

export function timeStep(at: Date, step = totpDefaults.step): number {
  return Math.floor(at.getTime() / 1000 / step);
}

/** RFC 4226 HOTP of the counter, with the algorithm and digits given. */
export function hotp(secret: Buffer, counter: number, o: Pick<TotpOptions, 'algorithm' | 'digits'> = totpDefaults): string {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac(o.algorithm, secret).update(msg).digest();
  const offset = (mac[mac.length - 1] as number) & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** o.digits).padStart(o.digits, '0');
}

export function totp(secret: Buffer, at: Date, o: TotpOptions = totpDefaults): string {
  return hotp(secret, timeStep(at, o.step), o);
}

/**
 * The time step the code belongs to, accepting one step of clock drift either way, or null.
 * A step at or below `lastStep` is refused: a code is good once, even within its 30 seconds.
 */
export function verifyTotp(secret: Buffer, code: string, at: Date, lastStep: number | null, o: TotpOptions = totpDefaults): number | null {
  if (!new RegExp(`^[0-9]{${o.digits}}$`).test(code)) return null;
  const now = timeStep(at, o.step);
  for (const s of [now, now - 1, now + 1]) {
    if (lastStep !== null && s <= lastStep) continue;
    const expected = Buffer.from(hotp(secret, s, o));
    if (timingSafeEqual(expected, Buffer.from(code))) return s;
  }
  return null;
}

export function newTotpSecret(): Buffer {
  return randomBytes(20);
}

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding: how apps take the secret. */
export function base32Encode(buf: Buffer): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of buf) {
    // Only the bits not yet written matter; masking keeps the shift inside 32 bits.
    value = ((value << 8) | byte) & 0xfffff;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

export function base32Decode(text: string): Buffer {
  const clean = text.toUpperCase().replace(/[\s=-]/g, '');
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const ch of clean) {
    const v = BASE32.indexOf(ch);
    if (v < 0) throw new Error(`not base32: ${ch}`);
    value = ((value << 5) | v) & 0xfffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** The otpauth:// URI that authenticator apps import (as text or a QR code). */
export function otpauthUri(secret: Buffer, account: string, issuer: string): string {
  const label = encodeURIComponent(`${issuer}:${account}`);
  return `otpauth://totp/${label}?secret=${base32Encode(secret)}&issuer=${encodeURIComponent(issuer)}&algorithm=SHA1&digits=6&period=30`;
}
