import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BGN_PER_EUR, bgnToEurMinor, formatMoney, parseAmountToMinor } from '../../../src/delivery/text/money.js';

const MAX = Math.floor(Number.MAX_SAFE_INTEGER / 100000);

// Reference: exact rational arithmetic on BigInt, half up (away from zero for credits).
function reference(bgnMinor: number): number {
  const n = BigInt(Math.abs(bgnMinor)) * 100000n;
  const d = 195583n;
  const q = n / d + ((n % d) * 2n >= d ? 1n : 0n);
  return Number(bgnMinor < 0 ? -q : q);
}

test('known conversions', () => {
  assert.equal(BGN_PER_EUR, '1.95583');
  assert.equal(bgnToEurMinor(195583), 100000);
  assert.equal(bgnToEurMinor(1), 1); // 0.0051 EUR rounds up to a cent
  assert.equal(bgnToEurMinor(100), 51); // 0.5113 EUR
  assert.equal(bgnToEurMinor(0), 0);
  assert.equal(bgnToEurMinor(195), 100); // 0.99701 EUR
  assert.equal(bgnToEurMinor(241459), 123456); // 2 414,59 лв. = 1 234,5603 EUR
  assert.equal(bgnToEurMinor(241460), 123457); // 2 414,60 лв. = 1 234,5654 EUR
  assert.equal(bgnToEurMinor(-100), -51);
});

test('bgnToEurMinor equals the BigInt reference over the whole range', () => {
  fc.assert(fc.property(fc.integer({ min: -MAX, max: MAX }), (n) => assert.equal(bgnToEurMinor(n), reference(n))), { numRuns: 5000 });
  // Large values, where a float quotient lands closest to an integer.
  fc.assert(fc.property(fc.integer({ min: MAX - 10_000_000, max: MAX }), (n) => assert.equal(bgnToEurMinor(n), reference(n))), { numRuns: 5000 });
  fc.assert(fc.property(fc.integer({ min: 0, max: 10_000_000 }), (n) => assert.equal(bgnToEurMinor(n), reference(n))), { numRuns: 5000 });
});

test('bgnToEurMinor rejects non-integers and amounts it cannot compute exactly', () => {
  for (const bad of [1.5, Number.NaN, Infinity, MAX + 1, -MAX - 1]) assert.throws(() => bgnToEurMinor(bad), RangeError);
});

test('formatMoney in Bulgarian and English', () => {
  assert.equal(formatMoney(123456, 'EUR', 'bg'), '1 234,56 EUR');
  assert.equal(formatMoney(123456, 'BGN', 'bg'), '1 234,56 лв.');
  assert.equal(formatMoney(123456, 'EUR', 'en'), 'EUR 1,234.56');
  assert.equal(formatMoney(123456, 'BGN', 'en'), 'BGN 1,234.56');
  assert.equal(formatMoney(5, 'EUR', 'bg'), '0,05 EUR');
  assert.equal(formatMoney(0, 'EUR', 'en'), 'EUR 0.00');
  assert.equal(formatMoney(99999, 'EUR', 'bg'), '999,99 EUR');
  assert.equal(formatMoney(100000000, 'BGN', 'bg'), '1 000 000,00 лв.');
  assert.equal(formatMoney(-123456, 'EUR', 'bg'), '-1 234,56 EUR');
  assert.equal(formatMoney(-123456, 'EUR', 'en'), 'EUR -1,234.56');
  assert.ok(!formatMoney(123456789, 'EUR', 'bg').includes('\u00a0'));
  assert.throws(() => formatMoney(1.5, 'EUR', 'bg'), RangeError);
});

test('parseAmountToMinor accepts the documented forms', () => {
  const ok: Array<[string, number]> = [
    ['12.34', 1234],
    ['12,34', 1234],
    ['12', 1200],
    ['1 234,56', 123456],
    ['1 234 567.8', 123456780],
    ['12.3', 1230],
    ['0,05', 5],
    [' 7 ', 700],
    ['0', 0],
  ];
  for (const [s, minor] of ok) assert.equal(parseAmountToMinor(s), minor, s);
});

test('parseAmountToMinor rejects everything else', () => {
  const bad = ['', '-', '-12', '+12', '12.345', '1,234.56', '12.', '.5', ',5', '1 23', '12 34', '1  234', '1e3', 'Infinity', '0x10', 'abc', '12 EUR', '9'.repeat(20)];
  for (const s of bad) assert.equal(parseAmountToMinor(s), null, JSON.stringify(s));
});

test('parseAmountToMinor reads back what formatMoney writes in Bulgarian', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (minor) => {
      const text = formatMoney(minor, 'EUR', 'bg').replace(/ EUR$/, '');
      assert.equal(parseAmountToMinor(text), minor);
    }),
  );
});
