import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/** scrypt cost parameters, stored beside each hash so that raising them later breaks nothing. */
export interface ScryptParams {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  keylen: number;
}

// 2^15 × 8 × 128 bytes = 32 MiB per hash (OWASP's minimum for scrypt is N=2^17 with r=8 at p=1, or
// an equivalent cost; 2^15 keeps a sign-in near 100 ms on a small 2-core server).
export const currentParams: ScryptParams = { algorithm: 'scrypt', N: 2 ** 15, r: 8, p: 1, keylen: 32 };

export interface PasswordHash {
  hash: Buffer;
  salt: Buffer;
  params: ScryptParams;
}

function derive(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = { N: params.N, r: params.r, p: params.p, maxmem: 256 * params.N * params.r * params.p };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, params.keylen, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

export async function hashPassword(password: string, params: ScryptParams = currentParams): Promise<PasswordHash> {
  const salt = randomBytes(16);
  return { hash: await derive(password, salt, params), salt, params };
}

export function parseParams(stored: unknown): ScryptParams {
  const p = stored as Partial<ScryptParams> | null;
  const int = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (!p || p.algorithm !== 'scrypt' || !int(p.N) || !int(p.r) || !int(p.p) || !int(p.keylen)) throw new Error('unknown password hash parameters');
  return { algorithm: 'scrypt', N: p.N as number, r: p.r as number, p: p.p as number, keylen: p.keylen as number };
}

export async function verifyPassword(password: string, stored: PasswordHash): Promise<boolean> {
  const key = await derive(password, stored.salt, stored.params);
  return key.length === stored.hash.length && timingSafeEqual(key, stored.hash);
}

/** A sign-in with a wrong username costs the same scrypt as one with a wrong password. */
const dummy = { salt: randomBytes(16), hash: randomBytes(currentParams.keylen), params: currentParams };
export async function burnPasswordCheck(password: string): Promise<false> {
  await verifyPassword(password, dummy);
  return false;
}

export function needsRehash(params: ScryptParams): boolean {
  return params.N < currentParams.N || params.r < currentParams.r || params.p < currentParams.p || params.keylen < currentParams.keylen;
}

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

/** Why a new password is refused, or null. Length is what matters (NIST SP 800-63B); no composition rules. */
export function passwordProblem(password: string, username: string): 'too_short' | 'too_long' | 'is_username' | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN) return 'too_short';
  if (length > PASSWORD_MAX) return 'too_long';
  if (password.toLowerCase().includes(username.toLowerCase())) return 'is_username';
  return null;
}

/** A random password for `user add` without one: 20 characters of an unambiguous alphabet (~115 bits). */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const out: string[] = [];
  while (out.length < 20) {
    for (const b of randomBytes(32)) {
      // 224 = 4 × 56: rejecting larger bytes keeps every character equally likely.
      if (b < 224 && out.length < 20) out.push(alphabet[b % alphabet.length] as string);
    }
  }
  return out.join('');
}
