// Local calendar dates as 'YYYY-MM-DD' strings. All arithmetic goes through whole days since
// 1970-01-01 (proleptic Gregorian), never through Date, so the process time zone cannot leak in.

/** A local calendar date, 'YYYY-MM-DD', proleptic Gregorian, years 0001–9999. */
export type LocalDate = string;

/** ISO weekday: Monday = 1 … Sunday = 7. */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface DateParts {
  year: number;
  month: number;
  day: number;
}

const PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
const MIN_EPOCH_DAY = -719162; // 0001-01-01
const MAX_EPOCH_DAY = 2932896; // 9999-12-31

export function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

function validParts(year: number, month: number, day: number): boolean {
  return (
    Number.isInteger(year) && Number.isInteger(month) && Number.isInteger(day) &&
    year >= 1 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month)
  );
}

export function isLocalDate(value: string): boolean {
  const m = PATTERN.exec(value);
  return m !== null && validParts(Number(m[1]), Number(m[2]), Number(m[3]));
}

export function parseLocalDate(d: LocalDate): DateParts {
  const m = PATTERN.exec(d);
  const parts = m === null ? null : { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (parts === null || !validParts(parts.year, parts.month, parts.day)) {
    throw new RangeError(`not a local date (YYYY-MM-DD): ${JSON.stringify(d)}`);
  }
  return parts;
}

export function localDate(year: number, month: number, day: number): LocalDate {
  if (!validParts(year, month, day)) throw new RangeError(`no such date: ${year}-${month}-${day}`);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** Days since 1970-01-01 (negative before it); Hinnant's days_from_civil. */
export function toEpochDay(d: LocalDate): number {
  const { year, month, day } = parseLocalDate(d);
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Inverse of toEpochDay; Hinnant's civil_from_days. */
export function fromEpochDay(n: number): LocalDate {
  if (!Number.isInteger(n) || n < MIN_EPOCH_DAY || n > MAX_EPOCH_DAY) {
    throw new RangeError(`epoch day out of range 0001-01-01..9999-12-31: ${n}`);
  }
  const z = n + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return localDate(yoe + era * 400 + (month <= 2 ? 1 : 0), month, day);
}

export function addDays(d: LocalDate, n: number): LocalDate {
  if (!Number.isInteger(n)) throw new RangeError(`day count must be an integer: ${n}`);
  return fromEpochDay(toEpochDay(d) + n);
}

export function compareDates(a: LocalDate, b: LocalDate): -1 | 0 | 1 {
  const x = toEpochDay(a);
  const y = toEpochDay(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function weekday(d: LocalDate): Weekday {
  // 1970-01-01 was a Thursday (ISO 4).
  return ((((toEpochDay(d) + 3) % 7) + 7) % 7 + 1) as Weekday;
}

export function isWeekend(d: LocalDate): boolean {
  return weekday(d) >= 6;
}
