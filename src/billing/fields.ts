// Field parsers for billing files: each returns the normalised value or throws FieldError with a
// reason a billing clerk can act on.
export class FieldError extends Error {}

export function required(v: string | undefined): string {
  const s = (v ?? '').trim();
  if (s === '') throw new FieldError('is empty');
  return s;
}

export function digits(v: string | undefined, min: number, max: number): string {
  const s = required(v);
  if (!/^[0-9]+$/.test(s)) throw new FieldError(`"${s}" must contain digits only`);
  if (s.length < min || s.length > max) throw new FieldError(`"${s}" must have ${min} to ${max} digits`);
  return s;
}

export function pattern(v: string | undefined, re: RegExp, what: string): string {
  const s = required(v);
  if (!re.test(s)) throw new FieldError(`"${s}" is not ${what}`);
  return s;
}

/** Whitespace that `text` would change: any but a single plain space. */
const COLLAPSIBLE = /[^\S ]| {2}/;

export function text(v: string | undefined, max: number, opts: { optional?: boolean } = {}): string {
  const t = (v ?? '').trim();
  const s = COLLAPSIBLE.test(t) ? t.replace(/\s+/g, ' ') : t;
  if (s === '' && !opts.optional) throw new FieldError('is empty');
  // PostgreSQL text cannot hold NUL; refused here, the row is reported like any other bad value.
  if (s.includes('\0')) throw new FieldError('contains a NUL character');
  if (s.length > max) throw new FieldError(`is longer than ${max} characters`);
  return s;
}

export function oneOf<T extends string>(v: string | undefined, allowed: readonly T[]): T {
  const s = required(v).toLowerCase();
  if (!(allowed as readonly string[]).includes(s)) throw new FieldError(`"${s}" is not one of ${allowed.join(', ')}`);
  return s as T;
}

function validDate(y: number, m: number, d: number): boolean {
  const t = new Date(Date.UTC(y, m - 1, d));
  return t.getUTCFullYear() === y && t.getUTCMonth() === m - 1 && t.getUTCDate() === d && y >= 1990 && y <= 2100;
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function digitAt(s: string, i: number): number {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : -1000;
}

/** Whether s is already a valid YYYY-MM-DD (the common case; the same answer as the general path). */
function isIsoDate(s: string): boolean {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return false;
  const y = digitAt(s, 0) * 1000 + digitAt(s, 1) * 100 + digitAt(s, 2) * 10 + digitAt(s, 3);
  const m = digitAt(s, 5) * 10 + digitAt(s, 6);
  const d = digitAt(s, 8) * 10 + digitAt(s, 9);
  if (y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1) return false;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  return d <= (m === 2 && leap ? 29 : (DAYS_IN_MONTH[m - 1] as number));
}

/** YYYY-MM-DD or DD.MM.YYYY → YYYY-MM-DD. */
export function date(v: string | undefined): string {
  const s = required(v);
  if (isIsoDate(s)) return s;
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  let y: number, mo: number, d: number;
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(s))) [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else throw new FieldError(`"${s}" is not a date (YYYY-MM-DD or DD.MM.YYYY)`);
  if (!validDate(y, mo, d)) throw new FieldError(`"${s}" is not a valid calendar date`);
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

/**
 * A moment in time. With an offset or Z it is taken as is; without one it is Europe/Sofia wall-clock
 * time (the database resolves the zone, daylight saving included). A bare date means local midnight.
 */
export function timestamp(v: string | undefined): string {
  const s = required(v);
  const m = /^(\d{4}-\d{2}-\d{2}|\d{1,2}\.\d{1,2}\.\d{4})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(s);
  if (!m) throw new FieldError(`"${s}" is not a date-time (YYYY-MM-DD HH:MM[:SS], optionally with Z or ±HH:MM)`);
  const day = date(m[1]);
  const [hh, mm, ss] = [m[2] ?? '00', m[3] ?? '00', m[4] ?? '00'];
  if (Number(hh) > 23 || Number(mm) > 59 || Number(ss) > 59) throw new FieldError(`"${s}" has an invalid time`);
  return `${day} ${hh}:${mm}:${ss}${m[5] ? ` ${m[5]}` : ' Europe/Sofia'}`;
}

/**
 * The common case of `amount` without allocating: 1–12 digits, optionally a point or comma and 1–2
 * digits, nothing else (no spaces). Returns the minor units, or -1 for anything else.
 */
function plainAmount(v: string | undefined): number {
  if (v === undefined) return -1;
  const n = v.length;
  let units = 0;
  let i = 0;
  for (; i < n; i++) {
    const c = v.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    units = units * 10 + c;
  }
  if (i === 0 || i > 12) return -1;
  if (i === n) return units * 100;
  const sep = v.charCodeAt(i);
  if ((sep !== 46 && sep !== 44) || n - i - 1 < 1 || n - i - 1 > 2) return -1;
  const d1 = v.charCodeAt(i + 1) - 48;
  const d2 = n - i - 1 === 2 ? v.charCodeAt(i + 2) - 48 : 0;
  if (d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return -1;
  return units * 100 + d1 * 10 + d2;
}

/** "12.34", "12,34", "1 234,5" → minor units (12.34 → 1234). At most two decimals, never a float. */
export function amount(v: string | undefined, opts: { allowZero: boolean }): number {
  let minor = plainAmount(v);
  let s = v as string;
  if (minor < 0) {
    s = required(v).replace(/[\s\u00a0]/g, '');
    const m = /^(\d{1,12})(?:[.,](\d{1,2}))?$/.exec(s);
    if (!m) throw new FieldError(`"${v?.trim()}" is not an amount (e.g. 123.45 or 123,45)`);
    minor = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  }
  if (minor === 0 && !opts.allowZero) throw new FieldError('must be greater than zero');
  if (minor >= 100_000_000_000) throw new FieldError(`"${s}" is too large`);
  return minor;
}
