// Bulgarian public holidays (Labour Code, art. 154), applied to any year with today's rules.
import { orthodoxEaster } from './easter.js';
import { addDays, isWeekend, localDate } from './local-date.js';
import type { LocalDate } from './local-date.js';

export interface Holiday {
  date: LocalDate;
  nameBg: string;
  nameEn: string;
  /** 'moved': the working day given off because a fixed holiday fell on a weekend. */
  kind: 'holiday' | 'moved';
  /** For 'moved' entries: the date of the weekend holiday this day stands in for. */
  movedFrom?: LocalDate;
}

interface Named {
  nameBg: string;
  nameEn: string;
}

const FIXED: ReadonlyArray<Named & { month: number; day: number }> = [
  { month: 1, day: 1, nameBg: 'Нова година', nameEn: "New Year's Day" },
  { month: 3, day: 3, nameBg: 'Ден на Освобождението на България', nameEn: 'Liberation Day' },
  { month: 5, day: 1, nameBg: 'Ден на труда', nameEn: 'Labour Day' },
  { month: 5, day: 6, nameBg: 'Гергьовден', nameEn: "St George's Day" },
  {
    month: 5,
    day: 24,
    nameBg:
      'Ден на светите братя Кирил и Методий, на българската азбука, просвета и култура и на славянската книжовност',
    nameEn: 'Day of Saints Cyril and Methodius, of the Bulgarian Alphabet, Education and Culture and of Slavonic Literature',
  },
  { month: 9, day: 6, nameBg: 'Ден на Съединението', nameEn: 'Unification Day' },
  { month: 9, day: 22, nameBg: 'Ден на Независимостта на България', nameEn: 'Independence Day' },
  { month: 12, day: 24, nameBg: 'Бъдни вечер', nameEn: 'Christmas Eve' },
  { month: 12, day: 25, nameBg: 'Рождество Христово', nameEn: 'Christmas Day' },
  { month: 12, day: 26, nameBg: 'Рождество Христово', nameEn: 'Second Day of Christmas' },
];

// Offsets from Easter Sunday; these never give a moved day off.
const EASTER: ReadonlyArray<Named & { offset: number }> = [
  { offset: -2, nameBg: 'Велики петък', nameEn: 'Good Friday' },
  { offset: -1, nameBg: 'Велика събота', nameEn: 'Holy Saturday' },
  { offset: 0, nameBg: 'Великден', nameEn: 'Easter Sunday' },
  { offset: 1, nameBg: 'Великден', nameEn: 'Easter Monday' },
];

/**
 * Public holidays of `year`, sorted by date. Two holidays on one date (6 May 2024 was both
 * Гергьовден and Easter Monday) stay two entries. A fixed holiday on a Saturday or Sunday gives
 * the next day that is neither a weekend, a holiday nor an earlier moved day; taken in date
 * order this sends a weekend 24–26 Dec past the whole run (25 Dec on Saturday → 27 and 28 Dec).
 */
export function bulgarianHolidays(year: number): Holiday[] {
  const easter = orthodoxEaster(year);
  const fixed: Holiday[] = FIXED.map((h) => ({
    date: localDate(year, h.month, h.day),
    nameBg: h.nameBg,
    nameEn: h.nameEn,
    kind: 'holiday',
  }));
  const base: Holiday[] = [
    ...fixed,
    ...EASTER.map((h): Holiday => ({ date: addDays(easter, h.offset), nameBg: h.nameBg, nameEn: h.nameEn, kind: 'holiday' })),
  ];
  const taken = new Set(base.map((h) => h.date));
  const moved: Holiday[] = [];
  for (const h of fixed) {
    if (!isWeekend(h.date)) continue;
    let day = addDays(h.date, 1);
    while (isWeekend(day) || taken.has(day)) day = addDays(day, 1);
    taken.add(day);
    moved.push({ date: day, nameBg: h.nameBg, nameEn: h.nameEn, kind: 'moved', movedFrom: h.date });
  }
  // Fixed-width dates sort correctly as strings; the sort is stable for same-day entries.
  return [...base, ...moved].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
}
