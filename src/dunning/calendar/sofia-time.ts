// Europe/Sofia wall clock. Offsets come from the runtime's time-zone database through Intl, so
// DST rules are never written by hand and the process time zone plays no part.
import { addDays, localDate, toEpochDay } from './local-date.js';
import type { LocalDate } from './local-date.js';
import type { Calendar } from './working-days.js';

/** A local wall-clock time of day, 'HH:MM', 00:00–23:59. */
export type ClockTime = string;

const DAY_MS = 86_400_000;
const TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;

const formatter = new Intl.DateTimeFormat('en-US', {
  timeZone: 'Europe/Sofia',
  hourCycle: 'h23',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
});

interface Wall {
  date: LocalDate;
  secondOfDay: number;
  /** The wall-clock reading as if it were UTC, in ms, to the second. */
  wallMs: number;
}

function wallOf(ms: number): Wall {
  if (!Number.isFinite(ms)) throw new RangeError('invalid Date');
  const parts: Record<string, number> = {};
  for (const p of formatter.formatToParts(ms)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  const date = localDate(parts.year ?? NaN, parts.month ?? NaN, parts.day ?? NaN);
  const secondOfDay = (parts.hour ?? 0) * 3600 + (parts.minute ?? 0) * 60 + (parts.second ?? 0);
  return { date, secondOfDay, wallMs: toEpochDay(date) * DAY_MS + secondOfDay * 1000 };
}

function offsetMs(ms: number): number {
  return wallOf(ms).wallMs - Math.floor(ms / 1000) * 1000;
}

function minuteOfDay(time: ClockTime): number {
  const m = TIME_PATTERN.exec(time);
  if (m === null) throw new RangeError(`not a time of day (HH:MM): ${JSON.stringify(time)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Every instant whose Sofia wall clock reads `time` on `date`, earliest first: one normally,
 * two in the autumn repeated hour, and in the spring gap the single instant the gap ends at.
 */
function instantsAt(date: LocalDate, time: ClockTime): number[] {
  const wallMs = toEpochDay(date) * DAY_MS + minuteOfDay(time) * 60_000;
  // A day either side brackets any one transition, so these are the offsets that can apply.
  const offsets = [...new Set([offsetMs(wallMs - DAY_MS), offsetMs(wallMs + DAY_MS)])].sort((a, b) => a - b);
  const valid = offsets.map((o) => wallMs - o).filter((t) => wallOf(t).wallMs === wallMs).sort((a, b) => a - b);
  if (valid.length > 0) return valid;
  const [small, large] = offsets;
  if (small === undefined || large === undefined) throw new Error(`no Sofia instant for ${date} ${time}`);
  // Spring gap: the transition lies in (wall - large, wall - small]; find its first second.
  let lo = wallMs - large;
  let hi = wallMs - small;
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (offsetMs(mid) === large) hi = mid;
    else lo = mid;
  }
  return [hi];
}

export function sofiaDate(instant: Date): LocalDate {
  return wallOf(instant.getTime()).date;
}

export function sofiaParts(instant: Date): { date: LocalDate; hour: number; minute: number } {
  const { date, secondOfDay } = wallOf(instant.getTime());
  return { date, hour: Math.floor(secondOfDay / 3600), minute: Math.floor(secondOfDay / 60) % 60 };
}

/**
 * The instant when Sofia's clocks read `time` on `date`. A time skipped by the spring change
 * gives the first instant after the gap (03:30 on 2026-03-29 → 04:00 local); a time repeated by
 * the autumn change gives its first occurrence.
 */
export function sofiaInstant(date: LocalDate, time: ClockTime): Date {
  return new Date(instantsAt(date, time)[0] ?? NaN);
}

/**
 * Whether Sofia's wall clock at `instant` is in [from, to). A window with from > to spans
 * midnight (22:00–06:00); from = to is rejected as ambiguous.
 */
export function withinDailyWindow(instant: Date, from: ClockTime, to: ClockTime): boolean {
  const start = minuteOfDay(from) * 60;
  const end = minuteOfDay(to) * 60;
  if (start === end) throw new RangeError(`empty daily window ${from}–${to}`);
  const s = wallOf(instant.getTime()).secondOfDay;
  return start < end ? s >= start && s < end : s >= start || s < end;
}

/** `instant` itself when inside the window, else the first later instant the window opens. */
export function nextWindowOpen(instant: Date, from: ClockTime, to: ClockTime): Date {
  if (withinDailyWindow(instant, from, to)) return instant;
  const after = instant.getTime();
  // The opening may be the second reading of `from` in the repeated autumn hour; a window lying
  // wholly inside the spring gap does not open that day.
  for (let day = sofiaDate(instant); ; day = addDays(day, 1)) {
    for (const t of instantsAt(day, from)) {
      if (t > after && withinDailyWindow(new Date(t), from, to)) return new Date(t);
    }
  }
}

/**
 * The first instant strictly after `after` at Sofia time `at` on a qualifying local day (every
 * day, or working days only). Each local day gets exactly one run, whatever the clock change.
 */
export function nextDailyRun(
  after: Date,
  at: ClockTime,
  opts: { calendar: Calendar; workingDaysOnly: boolean },
): Date {
  const afterMs = after.getTime();
  for (let day = sofiaDate(after); ; day = addDays(day, 1)) {
    if (opts.workingDaysOnly && !opts.calendar.isWorkingDay(day)) continue;
    const run = sofiaInstant(day, at);
    if (run.getTime() > afterMs) return run;
  }
}

