// Working days are counted in TypeScript, where the calendar lives, and handed to SQL as dates:
// a customer whose oldest unpaid invoice fell due on or before a stage's cutoff has reached it.
import { addDays, compareDates, type Calendar, type LocalDate } from './calendar/index.js';
import { DISCONNECTION, type DunningPolicy, type NoticeStage } from './policy.js';

export interface StageOfDay {
  id: string;
  /** 1, 2, ... in policy order; the disconnection list is last. */
  ord: number;
  /** The latest oldest-due date that has reached this stage on the day. */
  cutoff: LocalDate;
  /** The notice to send; null for the disconnection list. */
  notice: NoticeStage | null;
  minOverdueEurMinor: number;
  customerClasses: ReadonlyArray<'household' | 'business'>;
}

export interface DayPlan {
  date: LocalDate;
  stages: StageOfDay[];
  /** For each oldest due date now at a notice stage: the day that customer reaches the disconnection list. */
  disconnectionDates: Array<{ due: LocalDate; date: LocalDate }>;
}

/**
 * The latest date x with at least n working days in (x, date]. Since that count only shrinks as x
 * moves later, "workingDaysBetween(due, date) >= n" is exactly "due <= cutoff".
 */
export function dueCutoff(calendar: Calendar, date: LocalDate, n: number): LocalDate {
  let x = date;
  for (let count = 0; count < n; x = addDays(x, -1)) if (calendar.isWorkingDay(x)) count++;
  return x;
}

export function planDay(policy: DunningPolicy, calendar: Calendar, date: LocalDate): DayPlan {
  const stages: StageOfDay[] = policy.stages.map((s, i) => ({
    id: s.id,
    ord: i + 1,
    cutoff: dueCutoff(calendar, date, s.afterWorkingDays),
    notice: s,
    minOverdueEurMinor: s.minOverdueEurMinor,
    customerClasses: s.customerClasses,
  }));
  const d = policy.disconnection;
  const disconnection: StageOfDay = {
    id: DISCONNECTION,
    ord: stages.length + 1,
    cutoff: dueCutoff(calendar, date, d.afterWorkingDays),
    notice: null,
    minOverdueEurMinor: d.minOverdueEurMinor,
    customerClasses: d.customerClasses,
  };
  const first = stages[0]?.cutoff ?? disconnection.cutoff;
  const disconnectionDates: DayPlan['disconnectionDates'] = [];
  for (let due = addDays(disconnection.cutoff, 1); compareDates(due, first) <= 0; due = addDays(due, 1)) {
    disconnectionDates.push({ due, date: calendar.addWorkingDays(due, d.afterWorkingDays) });
  }
  return { date, stages: [...stages, disconnection], disconnectionDates };
}
