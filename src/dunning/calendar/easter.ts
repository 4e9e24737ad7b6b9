import { addDays, localDate } from './local-date.js';
import type { LocalDate } from './local-date.js';

/**
 * Orthodox Easter Sunday as a Gregorian date: Meeus's Julian computus, then shifted by the
 * Julian–Gregorian difference of that year (13 days in 1900–2099, 14 in 2100–2199, ...).
 * Julian Easter falls in March–April, after any Julian-only leap day, so one shift per year is exact.
 */
export function orthodoxEaster(year: number): LocalDate {
  if (!Number.isInteger(year) || year < 1 || year > 9999) throw new RangeError(`year out of range 1..9999: ${year}`);
  const a = year % 4;
  const b = year % 7;
  const c = year % 19;
  const d = (19 * c + 15) % 30;
  const e = (2 * a + 4 * b - d + 34) % 7;
  const month = Math.floor((d + e + 114) / 31);
  const day = ((d + e + 114) % 31) + 1;
  const julianToGregorian = Math.floor(year / 100) - Math.floor(year / 400) - 2;
  // The Julian label read as a Gregorian date, then moved by the calendars' difference.
  return addDays(localDate(year, month, day), julianToGregorian);
}
