import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { latinLower } from '../../src/demo/bulgarian-names.js';
import { civil, clockTime, dayNumber, isoDate, parseIsoDate, weekday } from '../../src/demo/calendar.js';
import { toEurMinor } from '../../src/demo/ledger.js';
import { unit } from '../../src/demo/random.js';

test('day numbers agree with the UTC calendar', () => {
  fc.assert(
    fc.property(fc.integer({ min: dayNumber(1990, 1, 1), max: dayNumber(2110, 12, 31) }), (dn) => {
      const d = new Date(dn * 86_400_000);
      assert.deepEqual(civil(dn), [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()]);
      assert.equal(isoDate(dn), d.toISOString().slice(0, 10));
      assert.equal(weekday(dn), d.getUTCDay());
      assert.equal(parseIsoDate(isoDate(dn)), dn);
    }),
  );
  assert.throws(() => parseIsoDate('2025-02-29'), RangeError);
  assert.throws(() => parseIsoDate('2025-1-05'), RangeError);
  assert.equal(clockTime(23 * 3600 + 59 * 60 + 7), '23:59:07');
});

test('leva to euro: divided by 1.95583, rounded half up, exactly', () => {
  assert.equal(toEurMinor(195_583), 100_000);
  assert.equal(toEurMinor(1), 1); // 0.51 cent
  assert.equal(toEurMinor(0), 0);
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 100_000_000 }), (leva) => {
      // Half up: the smallest euro amount whose value in leva plus half a cent reaches the leva.
      const exact = (BigInt(leva) * 200_000n + 195_583n) / 391_166n;
      assert.equal(toEurMinor(leva), Number(exact));
    }),
  );
});

test('transliteration follows the 2009 Act', () => {
  assert.equal(latinLower('Щерев'), 'sherev'.replace('sh', 'sht'));
  assert.equal(latinLower('Жечева'), 'zhecheva');
  assert.equal(latinLower('Юлия'), 'yulia');
  assert.equal(latinLower('Цветкова'), 'tsvetkova');
  assert.equal(latinLower('Ъглов'), 'aglov');
  assert.equal(latinLower('Черно море'), 'chernomore');
});

test('draws are uniform enough', () => {
  const buckets = new Array<number>(10).fill(0);
  for (let key = 0; key < 20_000; key++) buckets[Math.floor(unit(key * 7919, 3) * 10)]!++;
  for (const b of buckets) assert.ok(b > 1_800 && b < 2_200, buckets.join(' '));
});
