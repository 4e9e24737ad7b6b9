import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { addDays } from '../../../src/dunning/calendar/local-date.js';
import {
  nextDailyRun,
  nextWindowOpen,
  sofiaDate,
  sofiaInstant,
  sofiaParts,
  withinDailyWindow,
} from '../../../src/dunning/calendar/sofia-time.js';
import { makeCalendar } from '../../../src/dunning/calendar/working-days.js';

const HOUR = 3_600_000;
const at = (iso: string): Date => new Date(iso);
const iso = (d: Date): string => d.toISOString().replace('.000', '');
const hhmm = (p: { hour: number; minute: number }): string =>
  `${String(p.hour).padStart(2, '0')}:${String(p.minute).padStart(2, '0')}`;
const calendar = makeCalendar([]);

// Independent reference for the EU rule Bulgaria follows: summer time (UTC+3) from 01:00 UTC on
// the last Sunday of March to 01:00 UTC on the last Sunday of October, else UTC+2.
function lastSundayUtc(year: number, month: number): number {
  const last = new Date(Date.UTC(year, month + 1, 0));
  return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
}
function referenceWall(ms: number): { date: string; hour: number; minute: number } {
  const year = new Date(ms).getUTCFullYear();
  const summer = ms >= lastSundayUtc(year, 2) && ms < lastSundayUtc(year, 9);
  const w = new Date(ms + (summer ? 3 : 2) * HOUR);
  return { date: w.toISOString().slice(0, 10), hour: w.getUTCHours(), minute: w.getUTCMinutes() };
}

test('DST days of 2026: the gap and the repeated hour', () => {
  // Spring: 03:00 → 04:00 on 29 March; a time in the gap gives the first instant after it.
  assert.equal(iso(sofiaInstant('2026-03-29', '03:30')), '2026-03-29T01:00:00Z');
  assert.deepEqual(sofiaParts(sofiaInstant('2026-03-29', '03:30')), { date: '2026-03-29', hour: 4, minute: 0 });
  assert.equal(iso(sofiaInstant('2026-03-29', '03:00')), '2026-03-29T01:00:00Z');
  assert.equal(iso(sofiaInstant('2026-03-29', '02:59')), '2026-03-29T00:59:00Z');
  assert.equal(iso(sofiaInstant('2026-03-29', '04:00')), '2026-03-29T01:00:00Z');
  assert.equal(iso(sofiaInstant('2026-03-29', '04:01')), '2026-03-29T01:01:00Z');
  // Autumn: 04:00 → 03:00 on 25 October; a repeated time gives its first occurrence.
  assert.equal(iso(sofiaInstant('2026-10-25', '03:30')), '2026-10-25T00:30:00Z');
  assert.equal(iso(sofiaInstant('2026-10-25', '03:00')), '2026-10-25T00:00:00Z');
  assert.equal(iso(sofiaInstant('2026-10-25', '02:59')), '2026-10-24T23:59:00Z');
  assert.equal(iso(sofiaInstant('2026-10-25', '04:00')), '2026-10-25T02:00:00Z');
  assert.deepEqual(sofiaParts(at('2026-10-25T01:30:00Z')), { date: '2026-10-25', hour: 3, minute: 30 });
  // Ordinary winter and summer days.
  assert.equal(iso(sofiaInstant('2026-01-15', '09:00')), '2026-01-15T07:00:00Z');
  assert.equal(iso(sofiaInstant('2026-07-15', '09:00')), '2026-07-15T06:00:00Z');
  assert.equal(iso(sofiaInstant('2026-01-01', '00:00')), '2025-12-31T22:00:00Z');
});

test('local date changes at Sofia midnight, not UTC midnight', () => {
  assert.equal(sofiaDate(at('2026-01-01T21:59:59Z')), '2026-01-01');
  assert.equal(sofiaDate(at('2026-01-01T22:00:00Z')), '2026-01-02');
  assert.equal(sofiaDate(at('2026-07-01T20:59:59Z')), '2026-07-01');
  assert.equal(sofiaDate(at('2026-07-01T21:00:00Z')), '2026-07-02');
  assert.deepEqual(sofiaParts(at('2026-01-01T22:00:00Z')), { date: '2026-01-02', hour: 0, minute: 0 });
});

test('sofiaParts agrees with the EU summer-time rule, 2000–2037', () => {
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2037, 11, 31) }), (ms) => {
      assert.deepEqual(sofiaParts(new Date(ms)), referenceWall(ms));
    }),
    { numRuns: 2000 },
  );
});

test('sofiaInstant inverts sofiaParts, choosing the first of two occurrences', () => {
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(1990, 0, 1) / 60_000, max: Date.UTC(2100, 0, 1) / 60_000 }), (minutes) => {
      const x = new Date(minutes * 60_000);
      const p = sofiaParts(x);
      const y = sofiaInstant(p.date, hhmm(p));
      assert.deepEqual(sofiaParts(y), p);
      assert.ok(y.getTime() === x.getTime() || x.getTime() - y.getTime() === HOUR, `${iso(x)} → ${iso(y)}`);
    }),
    { numRuns: 2000 },
  );
  // Around every change of 2024–2028 minute by minute, where the two can differ.
  for (const day of ['2024-03-31', '2024-10-27', '2025-03-30', '2025-10-26', '2026-03-29', '2026-10-25', '2027-03-28', '2027-10-31', '2028-03-26', '2028-10-29']) {
    const start = sofiaInstant(day, '01:00').getTime();
    for (let t = start; t < start + 5 * HOUR; t += 60_000) {
      const p = sofiaParts(new Date(t));
      assert.deepEqual(p, referenceWall(t));
      const y = sofiaInstant(p.date, hhmm(p)).getTime();
      assert.ok(y === t || t - y === HOUR, `${day}: ${new Date(t).toISOString()}`);
    }
  }
});

test('withinDailyWindow is [from, to), and a window may span midnight', () => {
  // Winter: Sofia = UTC+2.
  assert.equal(withinDailyWindow(at('2026-01-15T06:59:59Z'), '09:00', '20:00'), false);
  assert.equal(withinDailyWindow(at('2026-01-15T07:00:00Z'), '09:00', '20:00'), true);
  assert.equal(withinDailyWindow(at('2026-01-15T17:59:59Z'), '09:00', '20:00'), true);
  assert.equal(withinDailyWindow(at('2026-01-15T18:00:00Z'), '09:00', '20:00'), false);
  // Summer: UTC+3.
  assert.equal(withinDailyWindow(at('2026-07-15T06:00:00Z'), '09:00', '20:00'), true);
  assert.equal(withinDailyWindow(at('2026-07-15T05:59:00Z'), '09:00', '20:00'), false);
  assert.equal(withinDailyWindow(at('2026-01-15T21:00:00Z'), '22:00', '06:00'), true);
  assert.equal(withinDailyWindow(at('2026-01-15T03:59:00Z'), '22:00', '06:00'), true);
  assert.equal(withinDailyWindow(at('2026-01-15T04:00:00Z'), '22:00', '06:00'), false);
  assert.throws(() => withinDailyWindow(at('2026-01-15T04:00:00Z'), '09:00', '09:00'), RangeError);
  assert.throws(() => withinDailyWindow(at('2026-01-15T04:00:00Z'), '9:00', '20:00'), RangeError);
  assert.throws(() => withinDailyWindow(at('2026-01-15T04:00:00Z'), '09:00', '24:00'), RangeError);
});

test('nextWindowOpen: quiet hours 09:00–20:00', () => {
  const inside = at('2026-01-15T10:00:00Z');
  assert.equal(nextWindowOpen(inside, '09:00', '20:00').getTime(), inside.getTime());
  // 21:30 local waits until 09:00 the next local day.
  assert.equal(iso(nextWindowOpen(at('2026-01-15T19:30:00Z'), '09:00', '20:00')), '2026-01-16T07:00:00Z');
  assert.equal(iso(nextWindowOpen(at('2026-01-15T05:00:00Z'), '09:00', '20:00')), '2026-01-15T07:00:00Z');
  // Across the spring change: 21:30 EET on the 28th → 09:00 EEST on the 29th.
  assert.equal(iso(nextWindowOpen(at('2026-03-28T19:30:00Z'), '09:00', '20:00')), '2026-03-29T06:00:00Z');
  // Across the autumn change: 21:30 EEST on the 24th → 09:00 EET on the 25th.
  assert.equal(iso(nextWindowOpen(at('2026-10-24T18:30:00Z'), '09:00', '20:00')), '2026-10-25T07:00:00Z');
  // New Year's Eve after 20:00 local, already 1 January in Sofia but not in UTC.
  assert.equal(iso(nextWindowOpen(at('2025-12-31T22:30:00Z'), '09:00', '20:00')), '2026-01-01T07:00:00Z');
});

test('nextWindowOpen with windows that touch the changed hours', () => {
  // The window reopens at the second 03:30 of 25 October 2026.
  assert.equal(iso(nextWindowOpen(at('2026-10-25T01:05:00Z'), '03:30', '05:00')), '2026-10-25T01:30:00Z');
  // A window starting in the spring gap opens when the gap ends.
  assert.equal(iso(nextWindowOpen(at('2026-03-29T00:30:00Z'), '03:30', '05:00')), '2026-03-29T01:00:00Z');
  // A window wholly inside the gap does not open that day.
  assert.equal(iso(nextWindowOpen(at('2026-03-28T23:00:00Z'), '03:10', '03:40')), '2026-03-30T00:10:00Z');
});

test('nextWindowOpen returns the first instant inside the window', () => {
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(2020, 0, 1) / 1000, max: Date.UTC(2035, 0, 1) / 1000 }), (seconds) => {
      const x = new Date(seconds * 1000);
      const r = nextWindowOpen(x, '09:00', '20:00');
      assert.ok(withinDailyWindow(r, '09:00', '20:00'));
      if (r.getTime() !== x.getTime()) {
        assert.ok(r.getTime() > x.getTime() && r.getTime() - x.getTime() <= 24 * HOUR);
        assert.equal(hhmm(sofiaParts(r)), '09:00');
        assert.equal(withinDailyWindow(new Date(r.getTime() - 1000), '09:00', '20:00'), false);
      }
    }),
    { numRuns: 1000 },
  );
});

function runsOver(start: Date, end: Date, time: string, workingDaysOnly: boolean): Date[] {
  const runs: Date[] = [];
  for (let t = nextDailyRun(start, time, { calendar, workingDaysOnly }); t < end; t = nextDailyRun(t, time, { calendar, workingDaysOnly })) {
    runs.push(t);
  }
  return runs;
}

test('nextDailyRun over 2026–2027 hits every local day exactly once at the local time', () => {
  const start = sofiaInstant('2026-01-01', '00:00');
  const end = sofiaInstant('2028-01-01', '00:00');
  for (const time of ['00:00', '02:30', '03:00', '03:30', '04:00', '09:00', '23:59']) {
    const runs = runsOver(new Date(start.getTime() - 1), end, time, false);
    assert.equal(runs.length, 365 + 365, time);
    let expected = '2026-01-01';
    for (const run of runs) {
      const p = sofiaParts(run);
      assert.equal(p.date, expected, `${time} on ${expected}`);
      // Only the spring gap moves a run: to 04:00, the first local time after it.
      const gapDay = expected === '2026-03-29' || expected === '2027-03-28';
      const inGap = gapDay && time >= '03:00' && time < '04:00';
      assert.equal(hhmm(p), inGap ? '04:00' : time, `${time} on ${expected}`);
      expected = addDays(expected, 1);
    }
  }
});

test('nextDailyRun on working days only skips weekends, holidays and moved days', () => {
  const runs = runsOver(at('2025-12-31T12:00:00Z'), sofiaInstant('2028-01-01', '00:00'), '09:00', true);
  const expected: string[] = [];
  for (let d = '2026-01-01'; d < '2028-01-01'; d = addDays(d, 1)) if (calendar.isWorkingDay(d)) expected.push(d);
  assert.deepEqual(runs.map(sofiaDate), expected);
  assert.ok(runs.every((r) => hhmm(sofiaParts(r)) === '09:00'));
  const dates = new Set(expected);
  for (const off of ['2026-04-10', '2026-04-13', '2026-05-25', '2026-12-28', '2027-05-04', '2026-03-28']) assert.ok(!dates.has(off), off);
  // A declared working Saturday gets its run.
  const withSaturday = makeCalendar([{ date: '2026-03-28', kind: 'working_day', note: 'test' }]);
  assert.equal(iso(nextDailyRun(at('2026-03-27T08:00:00Z'), '09:00', { calendar: withSaturday, workingDaysOnly: true })), '2026-03-28T07:00:00Z');
  assert.equal(iso(nextDailyRun(at('2026-03-27T08:00:00Z'), '09:00', { calendar, workingDaysOnly: true })), '2026-03-30T06:00:00Z');
});

test('nextDailyRun is strictly after its argument', () => {
  const run = sofiaInstant('2026-10-25', '03:30');
  assert.equal(nextDailyRun(new Date(run.getTime() - 1), '03:30', { calendar, workingDaysOnly: false }).getTime(), run.getTime());
  // From the first 03:30 of the autumn change, the second one is not another run.
  assert.equal(iso(nextDailyRun(run, '03:30', { calendar, workingDaysOnly: false })), '2026-10-26T01:30:00Z');
});

// The child runs the same calls under other process time zones; its answers must not change.
const PROBE = `
import * as c from ${JSON.stringify(new URL('../../../src/dunning/calendar/index.ts', import.meta.url).href)};
const cal = c.makeCalendar([]);
const out = {
  zoneOffset: new Date('2026-01-15T00:00:00Z').getTimezoneOffset(),
  easter: c.orthodoxEaster(2026),
  added: c.addDays('2026-03-28', 2),
  weekday: c.weekday('2026-05-24'),
  moved: c.bulgarianHolidays(2026).filter((h) => h.kind === 'moved').map((h) => h.date),
  working: cal.addWorkingDays('2026-04-09', 3),
  gap: c.sofiaInstant('2026-03-29', '03:30').toISOString(),
  repeat: c.sofiaInstant('2026-10-25', '03:30').toISOString(),
  date: c.sofiaDate(new Date('2026-01-01T22:30:00Z')),
  parts: c.sofiaParts(new Date('2026-11-01T03:04:00Z')),
  open: c.nextWindowOpen(new Date('2026-03-28T19:30:00Z'), '09:00', '20:00').toISOString(),
  run: c.nextDailyRun(new Date('2026-04-09T12:00:00Z'), '09:00', { calendar: cal, workingDaysOnly: true }).toISOString(),
};
console.log(JSON.stringify(out));
`;

test('results do not depend on the process time zone', () => {
  const expected = {
    easter: '2026-04-12',
    added: '2026-03-30',
    weekday: 7,
    moved: ['2026-05-25', '2026-09-07', '2026-12-28'],
    working: '2026-04-16',
    gap: '2026-03-29T01:00:00.000Z',
    repeat: '2026-10-25T00:30:00.000Z',
    date: '2026-01-02',
    parts: { date: '2026-11-01', hour: 5, minute: 4 },
    open: '2026-03-29T06:00:00.000Z',
    run: '2026-04-14T06:00:00.000Z',
  };
  // New York is behind UTC, Kiritimati 14 hours ahead: local-midnight bugs show in one or the other.
  for (const [tz, zoneOffset] of [['America/New_York', 300], ['Pacific/Kiritimati', -840], ['UTC', 0]] as const) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', PROBE], {
      env: { ...process.env, TZ: tz },
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(r.status, 0, r.stderr);
    // zoneOffset proves the child really ran in that zone.
    const out = JSON.parse(r.stdout) as unknown;
    assert.deepEqual(out, { zoneOffset, ...expected }, tz);
  }
});
