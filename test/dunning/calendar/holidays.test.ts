import { test } from 'node:test';
import assert from 'node:assert/strict';
import { orthodoxEaster } from '../../../src/dunning/calendar/easter.js';
import { bulgarianHolidays } from '../../../src/dunning/calendar/holidays.js';
import { addDays, compareDates, isWeekend, parseLocalDate } from '../../../src/dunning/calendar/local-date.js';

const FIXED_MONTH_DAYS = ['01-01', '03-03', '05-01', '05-06', '05-24', '09-06', '09-22', '12-24', '12-25', '12-26'];

function moved(year: number): string[] {
  return bulgarianHolidays(year)
    .filter((h) => h.kind === 'moved')
    .map((h) => `${h.date}<${h.movedFrom ?? ''}`);
}

test('moved days off of 2021–2027 as the government announced them', () => {
  assert.deepEqual(moved(2021), ['2021-05-04<2021-05-01', '2021-12-27<2021-12-25', '2021-12-28<2021-12-26']);
  assert.deepEqual(moved(2022), [
    '2022-01-03<2022-01-01',
    '2022-05-02<2022-05-01',
    '2022-12-27<2022-12-24',
    '2022-12-28<2022-12-25',
  ]);
  assert.deepEqual(moved(2023), ['2023-01-02<2023-01-01', '2023-05-08<2023-05-06', '2023-12-27<2023-12-24']);
  assert.deepEqual(moved(2024), ['2024-03-04<2024-03-03', '2024-09-23<2024-09-22']);
  assert.deepEqual(moved(2025), ['2025-05-26<2025-05-24', '2025-09-08<2025-09-06']);
  assert.deepEqual(moved(2026), ['2026-05-25<2026-05-24', '2026-09-07<2026-09-06', '2026-12-28<2026-12-26']);
  assert.deepEqual(moved(2027), ['2027-05-04<2027-05-01', '2027-12-27<2027-12-25', '2027-12-28<2027-12-26']);
});

test('the full list of 2026 with names', () => {
  const list = bulgarianHolidays(2026);
  assert.deepEqual(
    list.map((h) => `${h.date} ${h.kind} ${h.nameEn}`),
    [
      "2026-01-01 holiday New Year's Day",
      '2026-03-03 holiday Liberation Day',
      '2026-04-10 holiday Good Friday',
      '2026-04-11 holiday Holy Saturday',
      '2026-04-12 holiday Easter Sunday',
      '2026-04-13 holiday Easter Monday',
      '2026-05-01 holiday Labour Day',
      "2026-05-06 holiday St George's Day",
      '2026-05-24 holiday Day of Saints Cyril and Methodius, of the Bulgarian Alphabet, Education and Culture and of Slavonic Literature',
      '2026-05-25 moved Day of Saints Cyril and Methodius, of the Bulgarian Alphabet, Education and Culture and of Slavonic Literature',
      '2026-09-06 holiday Unification Day',
      '2026-09-07 moved Unification Day',
      '2026-09-22 holiday Independence Day',
      '2026-12-24 holiday Christmas Eve',
      '2026-12-25 holiday Christmas Day',
      '2026-12-26 holiday Second Day of Christmas',
      '2026-12-28 moved Second Day of Christmas',
    ],
  );
  const byDate = new Map(list.map((h) => [h.date, h.nameBg]));
  assert.equal(byDate.get('2026-01-01'), 'Нова година');
  assert.equal(byDate.get('2026-03-03'), 'Ден на Освобождението на България');
  assert.equal(byDate.get('2026-05-01'), 'Ден на труда');
  assert.equal(byDate.get('2026-05-06'), 'Гергьовден');
  assert.equal(
    byDate.get('2026-05-24'),
    'Ден на светите братя Кирил и Методий, на българската азбука, просвета и култура и на славянската книжовност',
  );
  assert.equal(byDate.get('2026-09-06'), 'Ден на Съединението');
  assert.equal(byDate.get('2026-09-22'), 'Ден на Независимостта на България');
  assert.equal(byDate.get('2026-12-24'), 'Бъдни вечер');
  assert.equal(byDate.get('2026-12-25'), 'Рождество Христово');
  assert.equal(byDate.get('2026-04-10'), 'Велики петък');
  assert.equal(byDate.get('2026-04-11'), 'Велика събота');
  assert.equal(byDate.get('2026-04-12'), 'Великден');
  assert.equal(byDate.get('2026-04-13'), 'Великден');
});

test('a holiday shared with Easter Monday stays two entries and gives no extra day (6 May 2024)', () => {
  const onDay = bulgarianHolidays(2024).filter((h) => h.date === '2024-05-06');
  assert.deepEqual(onDay.map((h) => h.nameEn).sort(), ['Easter Monday', "St George's Day"]);
  assert.ok(!bulgarianHolidays(2024).some((h) => h.kind === 'moved' && h.date.startsWith('2024-05')));
});

test('any year 1950–2200: moved days are working weekdays after their holiday, one per weekend fixed holiday', () => {
  // Every year of the range, not a sample: the check is cheap.
  for (let year = 1950; year <= 2200; year++) {
    const list = bulgarianHolidays(year);
    for (let i = 1; i < list.length; i++) assert.ok(compareDates(list[i - 1]!.date, list[i]!.date) <= 0, 'sorted');
    const statutory = new Set(list.filter((h) => h.kind === 'holiday').map((h) => h.date));
    const movedList = list.filter((h) => h.kind === 'moved');
    const movedDates = new Set(movedList.map((h) => h.date));
    assert.equal(movedDates.size, movedList.length, 'no two moved days share a date');
    for (const h of movedList) {
      assert.ok(!isWeekend(h.date), `${h.date} is a weekend`);
      assert.ok(!statutory.has(h.date), `${h.date} is a holiday`);
      assert.equal(parseLocalDate(h.date).year, year);
      assert.ok(h.movedFrom !== undefined && isWeekend(h.movedFrom) && compareDates(h.movedFrom, h.date) < 0);
      // No working day lies between the weekend holiday and its moved day, except other moved days.
      for (let d = addDays(h.movedFrom, 1); d !== h.date; d = addDays(d, 1)) {
        assert.ok(isWeekend(d) || statutory.has(d) || movedDates.has(d), `${d} skipped for ${h.date}`);
      }
    }
    const weekendFixed = FIXED_MONTH_DAYS.map((md) => `${year}-${md}`).filter(isWeekend);
    assert.deepEqual(movedList.map((h) => h.movedFrom).sort(), weekendFixed.sort());
    const easter = orthodoxEaster(year);
    for (const k of [-2, -1, 0, 1]) assert.ok(statutory.has(addDays(easter, k)));
    assert.equal(list.filter((h) => h.kind === 'holiday').length, 14);
  }
});
