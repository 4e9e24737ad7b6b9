import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { addDays, fromEpochDay, makeCalendar, toEpochDay, type Calendar, type CalendarOverride } from '../../src/dunning/calendar/index.js';
import { defaultPolicy, type DunningPolicy } from '../../src/dunning/policy.js';
import { dueCutoff, planDay } from '../../src/dunning/stages.js';

const plain = makeCalendar([]);
const anyDate = fc.integer({ min: toEpochDay('2000-01-01'), max: toEpochDay('2099-12-31') }).map(fromEpochDay);
// Random government declarations around the dates drawn: days off and working Saturdays.
const overrides = (around: string) =>
  fc
    .uniqueArray(fc.record({ offset: fc.integer({ min: -60, max: 5 }), kind: fc.constantFrom<'day_off' | 'working_day'>('day_off', 'working_day') }), {
      maxLength: 8,
      selector: (o) => o.offset,
    })
    .map((list): CalendarOverride[] => list.map((o) => ({ date: addDays(around, o.offset), kind: o.kind, note: 'test' })));

/** The reference: the stage reached is the last one whose working days have passed since the due date. */
function stageByCounting(policy: DunningPolicy, calendar: Calendar, oldestDue: string, date: string): string | null {
  if (oldestDue >= date) return null;
  const elapsed = calendar.workingDaysBetween(oldestDue, date);
  if (elapsed >= policy.disconnection.afterWorkingDays) return 'disconnection';
  return policy.stages.filter((s) => s.afterWorkingDays <= elapsed).at(-1)?.id ?? null;
}

function stageByCutoff(policy: DunningPolicy, calendar: Calendar, oldestDue: string, date: string): string | null {
  if (oldestDue >= date) return null;
  return planDay(policy, calendar, date).stages.filter((s) => oldestDue <= s.cutoff).at(-1)?.id ?? null;
}

test('property: due <= cutoff exactly when at least n working days have passed (any declared days)', () => {
  fc.assert(
    fc.property(
      anyDate.chain((d) => fc.tuple(fc.constant(d), overrides(d), fc.integer({ min: 0, max: 40 }), fc.integer({ min: -80, max: 0 }))),
      ([date, declared, n, offset]) => {
        const cal = makeCalendar(declared);
        const cutoff = dueCutoff(cal, date, n);
        const due = addDays(date, offset);
        assert.equal(due <= cutoff, cal.workingDaysBetween(due, date) >= n);
        // The cutoff is the latest such date.
        assert.ok(cal.workingDaysBetween(cutoff, date) >= n);
        assert.ok(cutoff === date || cal.workingDaysBetween(addDays(cutoff, 1), date) < n);
      },
    ),
    { numRuns: 400 },
  );
});

test('property: the stage of planDay is the stage reached by counting working days', () => {
  fc.assert(
    fc.property(
      anyDate.chain((d) => fc.tuple(fc.constant(d), overrides(d), fc.integer({ min: -45, max: 2 }))),
      ([date, declared, offset]) => {
        const cal = makeCalendar(declared);
        const due = addDays(date, offset);
        assert.equal(stageByCutoff(defaultPolicy, cal, due, date), stageByCounting(defaultPolicy, cal, due, date));
      },
    ),
    { numRuns: 400 },
  );
});

test('property: over consecutive days a customer passes every stage exactly once, in order, on working days', () => {
  fc.assert(
    fc.property(anyDate.chain((d) => fc.tuple(fc.constant(d), overrides(addDays(d, 20)))), ([due, declared]) => {
      const cal = makeCalendar(declared);
      const entered: string[] = [];
      let previous: string | null = null;
      for (let day = addDays(due, 1); day <= addDays(due, 40); day = addDays(day, 1)) {
        const stage = stageByCutoff(defaultPolicy, cal, due, day);
        if (stage !== previous && stage !== null) {
          assert.ok(cal.isWorkingDay(day), `${stage} entered on ${day}, a day off`);
          entered.push(stage);
        }
        previous = stage;
      }
      assert.deepEqual(entered, ['reminder', 'second', 'final', 'disconnection']);
    }),
    { numRuns: 200 },
  );
});

test('property: the disconnection date named at a notice stage is the day the customer reaches the list', () => {
  fc.assert(
    fc.property(anyDate.chain((d) => fc.tuple(fc.constant(d), overrides(d))), ([date, declared]) => {
      const cal = makeCalendar(declared);
      const plan = planDay(defaultPolicy, cal, date);
      for (const { due, date: listed } of plan.disconnectionDates) {
        assert.equal(stageByCounting(defaultPolicy, cal, due, listed), 'disconnection');
        assert.notEqual(stageByCounting(defaultPolicy, cal, due, addDays(listed, -1)), 'disconnection');
        assert.ok(listed > date);
      }
    }),
    { numRuns: 200 },
  );
});

test('Easter week 2026: due Thursday 9 April, the reminder comes Tuesday 14 April, after Good Friday to Easter Monday', () => {
  assert.equal(stageByCutoff(defaultPolicy, plain, '2026-04-09', '2026-04-13'), null);
  assert.equal(stageByCutoff(defaultPolicy, plain, '2026-04-09', '2026-04-14'), 'reminder');
  // The second reminder at +7 working days: 14, 15, 16, 17, 20, 21, 22 April.
  assert.equal(stageByCutoff(defaultPolicy, plain, '2026-04-09', '2026-04-21'), 'reminder');
  assert.equal(stageByCutoff(defaultPolicy, plain, '2026-04-09', '2026-04-22'), 'second');
});

test('a holiday moved from a Sunday: 24 May 2026 gives Monday 25 May off, so due Friday 22 May is reminded on Tuesday 26 May', () => {
  assert.equal(stageByCutoff(defaultPolicy, plain, '2026-05-22', '2026-05-25'), null);
  assert.equal(stageByCutoff(defaultPolicy, plain, '2026-05-22', '2026-05-26'), 'reminder');
  const plan = planDay(defaultPolicy, plain, '2026-05-26');
  assert.equal(plan.disconnectionDates.find((d) => d.due === '2026-05-22')?.date, '2026-06-15');
});

test('a day the government declares off moves every stage; a declared working Saturday brings them forward', () => {
  const off = makeCalendar([{ date: '2026-11-03', kind: 'day_off', note: 'declared' }]);
  assert.equal(stageByCutoff(defaultPolicy, plain, '2026-11-02', '2026-11-03'), 'reminder');
  assert.equal(stageByCutoff(defaultPolicy, off, '2026-11-02', '2026-11-03'), null);
  assert.equal(stageByCutoff(defaultPolicy, off, '2026-11-02', '2026-11-04'), 'reminder');
  const saturday = makeCalendar([{ date: '2026-11-07', kind: 'working_day', note: 'declared' }]);
  assert.equal(stageByCutoff(defaultPolicy, plain, '2026-11-06', '2026-11-07'), null);
  assert.equal(stageByCutoff(defaultPolicy, saturday, '2026-11-06', '2026-11-07'), 'reminder');
});
