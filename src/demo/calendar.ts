// Plain civil dates as day numbers (days since 1970-01-01): no Date objects or time zones in the
// hot loops, and every date the generator writes is a local calendar date in Europe/Sofia.

export function dayNumber(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** [year, month 1-12, day 1-31] of a day number. */
export function civil(dn: number): [number, number, number] {
  const z = dn + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  return [yoe + era * 400 + (m <= 2 ? 1 : 0), m, d];
}

/** 0 = Sunday ... 6 = Saturday. */
export function weekday(dn: number): number {
  return (((dn + 4) % 7) + 7) % 7;
}

/** Months counted as year * 12 + (month - 1). */
export function monthIndex(dn: number): number {
  const [y, m] = civil(dn);
  return y * 12 + m - 1;
}

export function dayOfMonthIndex(month: number, day: number): number {
  return dayNumber(Math.floor(month / 12), (month % 12) + 1, day);
}

export const TWO_DIGITS: readonly string[] = Array.from({ length: 100 }, (_, i) => (i < 10 ? `0${i}` : String(i)));

function formatDay(dn: number): string {
  const [y, m, d] = civil(dn);
  return `${y}-${TWO_DIGITS[m]}-${TWO_DIGITS[d]}`;
}

// Formatting dates is the largest cost per invoice row; the dates used span a few decades.
const CACHE_FROM = dayNumber(2000, 1, 1);
const cache: string[] = new Array<string>(dayNumber(2100, 1, 1) - CACHE_FROM).fill('');

/** 'YYYY-MM-DD'. */
export function isoDate(dn: number): string {
  const i = dn - CACHE_FROM;
  if (i < 0 || i >= cache.length) return formatDay(dn);
  const hit = cache[i]!;
  if (hit !== '') return hit;
  return (cache[i] = formatDay(dn));
}

/** Day number of a valid 'YYYY-MM-DD', or throws. */
export function parseIsoDate(text: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const dn = m ? dayNumber(Number(m[1]), Number(m[2]), Number(m[3])) : NaN;
  if (!m || formatDay(dn) !== text) throw new RangeError(`not a date (YYYY-MM-DD): ${text}`);
  return dn;
}

/** 'HH:MM:SS' of a second of the day. */
export function clockTime(second: number): string {
  const h = Math.floor(second / 3600);
  const min = Math.floor((second % 3600) / 60);
  return `${TWO_DIGITS[h]}:${TWO_DIGITS[min]}:${TWO_DIGITS[second % 60]}`;
}
