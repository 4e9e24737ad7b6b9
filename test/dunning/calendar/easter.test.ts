import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { orthodoxEaster } from '../../../src/dunning/calendar/easter.js';
import { localDate, parseLocalDate, toEpochDay, weekday } from '../../../src/dunning/calendar/local-date.js';

// Published Orthodox Easter dates (Gregorian).
const KNOWN: Record<number, string> = {
  2000: '2000-04-30', 2001: '2001-04-15', 2002: '2002-05-05', 2003: '2003-04-27', 2004: '2004-04-11',
  2005: '2005-05-01', 2006: '2006-04-23', 2007: '2007-04-08', 2008: '2008-04-27', 2009: '2009-04-19',
  2010: '2010-04-04', 2011: '2011-04-24', 2012: '2012-04-15', 2013: '2013-05-05', 2014: '2014-04-20',
  2015: '2015-04-12', 2016: '2016-05-01', 2017: '2017-04-16', 2018: '2018-04-08', 2019: '2019-04-28',
  2020: '2020-04-19', 2021: '2021-05-02', 2022: '2022-04-24', 2023: '2023-04-16', 2024: '2024-05-05',
  2025: '2025-04-20', 2026: '2026-04-12', 2027: '2027-05-02', 2028: '2028-04-16', 2029: '2029-04-08',
  2030: '2030-04-28',
};

test('known Orthodox Easter dates', () => {
  for (const [year, date] of Object.entries(KNOWN)) assert.equal(orthodoxEaster(Number(year)), date, year);
});

test('Orthodox Easter is a Sunday in April or May (Gregorian)', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1583, max: 4099 }), (year) => {
      const d = orthodoxEaster(year);
      const { year: y, month } = parseLocalDate(d);
      assert.equal(y, year);
      assert.equal(weekday(d), 7);
      assert.ok(month === 4 || month === 5, d);
    }),
    { numRuns: 1000 },
  );
});

// Western (Gregorian) Easter by the Anonymous Gregorian algorithm: an independent computation.
function westernEaster(y: number): string {
  const a = y % 19;
  const b = Math.floor(y / 100);
  const c = y % 100;
  const h = (19 * a + b - Math.floor(b / 4) - Math.floor((b - Math.floor((b + 8) / 25) + 1) / 3) + 15) % 30;
  const l = (32 + 2 * (b % 4) + 2 * Math.floor(c / 4) - h - (c % 4)) % 7;
  const m = Math.floor((a + 11 * h + 22 * l) / 451);
  return localDate(y, Math.floor((h + l - 7 * m + 114) / 31), ((h + l - 7 * m + 114) % 31) + 1);
}

test('Orthodox Easter is 0, 1, 4 or 5 weeks after Western Easter in 1900–2400', () => {
  for (let year = 1900; year <= 2400; year++) {
    const gap = toEpochDay(orthodoxEaster(year)) - toEpochDay(westernEaster(year));
    assert.ok([0, 7, 28, 35].includes(gap), `${year}: ${gap}`);
  }
});

test('the Julian–Gregorian shift grows at non-leap century years', () => {
  // 2100 is no Gregorian leap year, so the shift is 14 days: Julian 18 April 2100 is 2 May.
  assert.equal(orthodoxEaster(2099), '2099-04-12');
  assert.equal(orthodoxEaster(2100), '2100-05-02');
  assert.throws(() => orthodoxEaster(2026.5), RangeError);
  assert.throws(() => orthodoxEaster(0), RangeError);
});
