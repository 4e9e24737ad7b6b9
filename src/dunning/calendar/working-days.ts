import { bulgarianHolidays } from './holidays.js';
import type { Holiday } from './holidays.js';
import { addDays, compareDates, isLocalDate, isWeekend, parseLocalDate } from './local-date.js';
import type { LocalDate } from './local-date.js';

/** A government decision that overrides the statutory calendar for one date. */
export interface CalendarOverride {
  date: LocalDate;
  kind: 'day_off' | 'working_day';
  note: string;
}

export interface Calendar {
  /** Overrides win; otherwise Monday–Friday that is not a public holiday or moved day off. */
  isWorkingDay(d: LocalDate): boolean;
  /** The first working day strictly after `d`. */
  nextWorkingDay(d: LocalDate): LocalDate;
  /**
   * For n ≥ 1: the n-th working day strictly after `d`. For n = 0: `d` itself when it is a
   * working day, else the next working day — a deadline that lands on a day off rolls forward.
   */
  addWorkingDays(d: LocalDate, n: number): LocalDate;
  /** Working days in (a, b]; negative (minus the count in (b, a]) when b is before a. */
  workingDaysBetween(a: LocalDate, b: LocalDate): number;
  /** Statutory holidays and moved days off of `year` (overrides are not listed). */
  holidaysOf(year: number): readonly Holiday[];
}

export function makeCalendar(overrides: readonly CalendarOverride[]): Calendar {
  const byDate = new Map<LocalDate, CalendarOverride['kind']>();
  for (const o of overrides) {
    if (!isLocalDate(o.date)) throw new RangeError(`calendar override has a bad date: ${JSON.stringify(o.date)}`);
    if (o.kind !== 'day_off' && o.kind !== 'working_day') throw new RangeError(`calendar override ${o.date} has a bad kind`);
    const seen = byDate.get(o.date);
    if (seen !== undefined && seen !== o.kind) throw new RangeError(`calendar overrides contradict each other on ${o.date}`);
    byDate.set(o.date, o.kind);
  }

  const years = new Map<number, { list: readonly Holiday[]; dates: ReadonlySet<LocalDate> }>();
  function yearOf(year: number): { list: readonly Holiday[]; dates: ReadonlySet<LocalDate> } {
    let entry = years.get(year);
    if (entry === undefined) {
      const list = Object.freeze(bulgarianHolidays(year).map((h) => Object.freeze(h)));
      entry = { list, dates: new Set(list.map((h) => h.date)) };
      years.set(year, entry);
    }
    return entry;
  }

  function isWorkingDay(d: LocalDate): boolean {
    const { year } = parseLocalDate(d);
    const override = byDate.get(d);
    if (override !== undefined) return override === 'working_day';
    return !isWeekend(d) && !yearOf(year).dates.has(d);
  }

  function nextWorkingDay(d: LocalDate): LocalDate {
    let day = addDays(d, 1);
    while (!isWorkingDay(day)) day = addDays(day, 1);
    return day;
  }

  function addWorkingDays(d: LocalDate, n: number): LocalDate {
    if (!Number.isInteger(n) || n < 0) throw new RangeError(`working-day count must be an integer ≥ 0: ${n}`);
    if (n === 0) return isWorkingDay(d) ? d : nextWorkingDay(d);
    let day = d;
    for (let i = 0; i < n; i++) day = nextWorkingDay(day);
    return day;
  }

  function workingDaysBetween(a: LocalDate, b: LocalDate): number {
    if (compareDates(a, b) > 0) {
      const n = workingDaysBetween(b, a);
      return n === 0 ? 0 : -n; // never -0, which strict equality tells apart from 0
    }
    let count = 0;
    for (let day = a; day !== b; ) {
      day = addDays(day, 1);
      if (isWorkingDay(day)) count++;
    }
    return count;
  }

  return { isWorkingDay, nextWorkingDay, addWorkingDays, workingDaysBetween, holidaysOf: (year) => yearOf(year).list };
}
