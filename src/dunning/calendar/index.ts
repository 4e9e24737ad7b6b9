export { orthodoxEaster } from './easter.js';
export { bulgarianHolidays } from './holidays.js';
export type { Holiday } from './holidays.js';
export {
  addDays,
  compareDates,
  daysInMonth,
  fromEpochDay,
  isLocalDate,
  isWeekend,
  localDate,
  parseLocalDate,
  toEpochDay,
  weekday,
} from './local-date.js';
export type { DateParts, LocalDate, Weekday } from './local-date.js';
export { nextDailyRun, nextWindowOpen, sofiaDate, sofiaInstant, sofiaParts, withinDailyWindow } from './sofia-time.js';
export type { ClockTime } from './sofia-time.js';
export { makeCalendar } from './working-days.js';
export type { Calendar, CalendarOverride } from './working-days.js';
