import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  addDays,
  compareDates,
  fromEpochDay,
  isLocalDate,
  isWeekend,
  localDate,
  parseLocalDate,
  toEpochDay,
  weekday,
} from '../../../src/dunning/calendar/local-date.js';

const epochDay = fc.integer({ min: -719162, max: 2932896 });

test('epoch days round-trip and agree with Date.UTC', () => {
  fc.assert(
    fc.property(epochDay, (n) => {
      const d = fromEpochDay(n);
      assert.equal(toEpochDay(d), n);
      // Date.UTC is a reference independent of the implementation (and of the process TZ).
      const ref = new Date(n * 86_400_000);
      const { year, month, day } = parseLocalDate(d);
      assert.deepEqual([year, month, day], [ref.getUTCFullYear(), ref.getUTCMonth() + 1, ref.getUTCDate()]);
      assert.equal(weekday(d), ref.getUTCDay() === 0 ? 7 : ref.getUTCDay());
    }),
    { numRuns: 2000 },
  );
});

test('addDays and compareDates are consistent with epoch days', () => {
  fc.assert(
    fc.property(fc.integer({ min: -690000, max: 2900000 }), fc.integer({ min: -20000, max: 20000 }), (n, k) => {
      const d = fromEpochDay(n);
      const e = addDays(d, k);
      assert.equal(toEpochDay(e), n + k);
      assert.equal(compareDates(d, e), k > 0 ? -1 : k < 0 ? 1 : 0);
      assert.equal(addDays(e, -k), d);
    }),
  );
});

test('named dates', () => {
  assert.equal(toEpochDay('1970-01-01'), 0);
  assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  assert.equal(addDays('2100-02-28', 1), '2100-03-01');
  assert.equal(addDays('2000-02-28', 1), '2000-02-29');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
  assert.equal(addDays('2026-03-01', -1), '2026-02-28');
  assert.equal(weekday('2026-05-24'), 7);
  assert.equal(weekday('2026-03-03'), 2);
  assert.equal(weekday('2027-03-03'), 3);
  assert.equal(weekday('2025-05-24'), 6);
  assert.equal(isWeekend('2026-12-26'), true);
  assert.equal(isWeekend('2026-12-28'), false);
  assert.equal(localDate(5, 1, 9), '0005-01-09');
  assert.equal(compareDates('2026-01-10', '2026-01-09'), 1);
});

test('malformed dates are rejected', () => {
  for (const bad of ['2026-02-29', '2026-13-01', '2026-00-10', '2026-1-1', '26-01-01', '2026-01-01T00:00', '0000-01-01', '']) {
    assert.equal(isLocalDate(bad), false, bad);
    assert.throws(() => parseLocalDate(bad), RangeError, bad);
  }
  assert.equal(isLocalDate('2024-02-29'), true);
  assert.throws(() => addDays('2026-01-01', 0.5), RangeError);
  assert.throws(() => addDays('9999-12-31', 1), RangeError);
  assert.throws(() => localDate(2026, 2, 30), RangeError);
});
