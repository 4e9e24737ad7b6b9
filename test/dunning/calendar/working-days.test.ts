import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addDays, fromEpochDay, isWeekend, toEpochDay } from '../../../src/dunning/calendar/local-date.js';
import { makeCalendar } from '../../../src/dunning/calendar/working-days.js';
import type { CalendarOverride } from '../../../src/dunning/calendar/working-days.js';

const plain = makeCalendar([]);
// Dates 1950-01-01 .. 2199-12-31.
const anyDate = fc.integer({ min: toEpochDay('1950-01-01'), max: toEpochDay('2199-12-31') }).map(fromEpochDay);

function daysOff(from: string, to: string, cal = plain): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) if (!cal.isWorkingDay(d)) out.push(d);
  return out;
}

test('Easter week 2026: Good Friday to Easter Monday are off', () => {
  assert.deepEqual(daysOff('2026-04-08', '2026-04-15'), ['2026-04-10', '2026-04-11', '2026-04-12', '2026-04-13']);
  assert.equal(plain.nextWorkingDay('2026-04-09'), '2026-04-14');
  assert.equal(plain.addWorkingDays('2026-04-09', 1), '2026-04-14');
  assert.equal(plain.workingDaysBetween('2026-04-09', '2026-04-14'), 1);
});

test('holidays moved off weekends, and weekday holidays that stay put', () => {
  assert.deepEqual(daysOff('2026-05-22', '2026-05-27'), ['2026-05-23', '2026-05-24', '2026-05-25']);
  assert.deepEqual(daysOff('2025-05-23', '2025-05-27'), ['2025-05-24', '2025-05-25', '2025-05-26']);
  assert.deepEqual(daysOff('2026-03-02', '2026-03-04'), ['2026-03-03']);
  assert.deepEqual(daysOff('2027-03-02', '2027-03-04'), ['2027-03-03']);
  // 24–26 Dec 2026 are Thursday–Saturday: Monday 28 Dec is off.
  assert.deepEqual(daysOff('2026-12-23', '2026-12-31'), ['2026-12-24', '2026-12-25', '2026-12-26', '2026-12-27', '2026-12-28']);
  // 1 May 2021 was a Saturday, followed by Easter Sunday and Monday: Tuesday 4 May was off.
  assert.deepEqual(daysOff('2021-04-30', '2021-05-07'), ['2021-04-30', '2021-05-01', '2021-05-02', '2021-05-03', '2021-05-04', '2021-05-06']);
});

test('overrides win: a declared working Saturday counts, a declared day off does not', () => {
  const overrides: CalendarOverride[] = [
    { date: '2026-12-31', kind: 'day_off', note: 'Решение на МС: почивен ден / Council of Ministers: day off' },
    { date: '2026-12-19', kind: 'working_day', note: 'Working Saturday to make up for 31 Dec' },
    { date: '2026-05-25', kind: 'working_day', note: 'test: a moved day declared working' },
  ];
  const cal = makeCalendar(overrides);
  assert.equal(plain.isWorkingDay('2026-12-31'), true);
  assert.equal(cal.isWorkingDay('2026-12-31'), false);
  assert.equal(plain.isWorkingDay('2026-12-19'), false);
  assert.equal(cal.isWorkingDay('2026-12-19'), true);
  assert.equal(cal.isWorkingDay('2026-05-25'), true);
  assert.equal(cal.nextWorkingDay('2026-12-18'), '2026-12-19');
  assert.equal(plain.nextWorkingDay('2026-12-18'), '2026-12-21');
  assert.equal(cal.nextWorkingDay('2026-12-30'), '2027-01-04');
  assert.equal(cal.workingDaysBetween('2026-12-18', '2026-12-21'), 2);
  assert.equal(plain.workingDaysBetween('2026-12-18', '2026-12-21'), 1);
  assert.equal(cal.addWorkingDays('2026-12-30', 1), '2027-01-04');
  // Overrides are the caller's table and are not listed among statutory holidays.
  assert.ok(!cal.holidaysOf(2026).some((h) => h.date === '2026-12-31'));
});

test('contradicting or malformed overrides are rejected', () => {
  assert.throws(
    () =>
      makeCalendar([
        { date: '2026-12-31', kind: 'day_off', note: 'a' },
        { date: '2026-12-31', kind: 'working_day', note: 'b' },
      ]),
    RangeError,
  );
  assert.throws(() => makeCalendar([{ date: '2026-02-30', kind: 'day_off', note: '' }]), RangeError);
  // The same decision recorded twice is harmless.
  makeCalendar([
    { date: '2026-12-31', kind: 'day_off', note: 'a' },
    { date: '2026-12-31', kind: 'day_off', note: 'a again' },
  ]);
});

test('addWorkingDays(d, 0): the day itself if working, else the next working day', () => {
  assert.equal(plain.addWorkingDays('2026-04-09', 0), '2026-04-09');
  assert.equal(plain.addWorkingDays('2026-04-10', 0), '2026-04-14');
  assert.equal(plain.addWorkingDays('2026-12-26', 0), '2026-12-29');
  assert.throws(() => plain.addWorkingDays('2026-04-09', -1), RangeError);
  assert.equal(plain.workingDaysBetween('2026-04-14', '2026-04-09'), -1);
  assert.equal(plain.workingDaysBetween('2026-04-13', '2026-04-10'), 0);
  assert.throws(() => plain.addWorkingDays('2026-04-09', 1.5), RangeError);
});

test('addWorkingDays lands on a working day n working days later', () => {
  fc.assert(
    fc.property(anyDate, fc.integer({ min: 0, max: 60 }), (d, n) => {
      const r = plain.addWorkingDays(d, n);
      assert.ok(plain.isWorkingDay(r), r);
      assert.ok(r >= d);
      if (plain.isWorkingDay(d) || n > 0) assert.equal(plain.workingDaysBetween(d, r), n);
      if (n > 0) assert.equal(plain.workingDaysBetween(d, addDays(r, -1)), n - 1, 'r is the first such day');
    }),
    { numRuns: 500 },
  );
});

test('workingDaysBetween counts (a, b], is additive and antisymmetric', () => {
  fc.assert(
    fc.property(anyDate, fc.integer({ min: 0, max: 400 }), fc.integer({ min: 0, max: 400 }), (a, k, j) => {
      const b = addDays(a, k);
      const c = addDays(b, j);
      assert.equal(plain.workingDaysBetween(a, c), plain.workingDaysBetween(a, b) + plain.workingDaysBetween(b, c));
      assert.equal(plain.workingDaysBetween(c, a) + plain.workingDaysBetween(a, c), 0);
      assert.equal(plain.workingDaysBetween(a, addDays(a, 1)), plain.isWorkingDay(addDays(a, 1)) ? 1 : 0);
    }),
    { numRuns: 300 },
  );
});

test('isWorkingDay agrees with weekends and the holiday list', () => {
  fc.assert(
    fc.property(anyDate, (d) => {
      const year = Number(d.slice(0, 4));
      const listed = plain.holidaysOf(year).some((h) => h.date === d);
      assert.equal(plain.isWorkingDay(d), !isWeekend(d) && !listed);
      const next = plain.nextWorkingDay(d);
      assert.ok(next > d && plain.isWorkingDay(next));
      for (let x = addDays(d, 1); x < next; x = addDays(x, 1)) assert.equal(plain.isWorkingDay(x), false);
    }),
    { numRuns: 1000 },
  );
});

test('a year has the expected number of working days', () => {
  // 2026: 261 weekdays, minus 9 weekday holidays (1 Jan, 3 Mar, 10 and 13 Apr, 1 May, 6 May,
  // 22 Sep, 24 and 25 Dec) and 3 moved days (25 May, 7 Sep, 28 Dec) = 249.
  assert.equal(plain.workingDaysBetween('2025-12-31', '2026-12-31'), 249);
});
