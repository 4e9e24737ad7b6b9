// Counter-based randomness: every value is a hash of (seed, customer, purpose, slot). Any customer's
// data can then be recomputed alone and in any order, so the four CSV files are generated
// independently in one pass each, and an invoice keeps its values when `today` moves.

export function fmix32(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit key for one purpose (names, invoices of one month, ...) of one customer. */
export function hashKey(seed: number, index: number, purpose: number, extra = 0): number {
  let h = fmix32((seed ^ 0x5bd1e995) >>> 0);
  h = fmix32((h ^ index) >>> 0);
  h = fmix32((h + Math.imul(purpose + 1, 0x9e3779b9)) >>> 0);
  return fmix32((h ^ Math.imul(extra + 1, 0x85ebca77)) >>> 0);
}

const SLOTS = 32;
// Hashed salts (not consecutive numbers) so that two keys never yield shifted copies of one sequence.
const SALT = Uint32Array.from({ length: SLOTS }, (_, i) => fmix32(Math.imul(i + 1, 0x9e3779b9) >>> 0));

/** Uniform in [0, 1) for draw number `slot` (0..31) of `key`. */
export function unit(key: number, slot: number): number {
  return fmix32((key ^ SALT[slot]!) >>> 0) / 4294967296;
}

/** Uniform integer in [0, n). */
export function below(key: number, slot: number, n: number): number {
  return Math.floor(unit(key, slot) * n);
}

/** Cumulative weights for `pickWeighted`. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let sum = 0;
  weights.forEach((w, i) => {
    sum += w;
    out[i] = sum;
  });
  return out;
}

/** Index drawn with probability proportional to its weight. */
export function pickWeighted(cum: Float64Array, key: number, slot: number): number {
  const target = unit(key, slot) * cum[cum.length - 1]!;
  let i = 0;
  while (i < cum.length - 1 && cum[i]! <= target) i++;
  return i;
}
