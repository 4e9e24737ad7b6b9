import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { amount, date, FieldError, text } from '../../src/billing/fields.js';

// The general rule for dates, written out plainly: the fast path for YYYY-MM-DD must agree with it.
function reference(s: string): string | Error {
  let m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s.trim());
  let y: number, mo: number, d: number;
  if (m) [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else if ((m = /^(\d{1,2})\.(\d{1,2})\.(\d{4})$/.exec(s.trim()))) [d, mo, y] = [Number(m[1]), Number(m[2]), Number(m[3])];
  else return new Error('format');
  const t = new Date(Date.UTC(y, mo - 1, d));
  if (!(t.getUTCFullYear() === y && t.getUTCMonth() === mo - 1 && t.getUTCDate() === d && y >= 1990 && y <= 2100)) return new Error('calendar');
  return `${y}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function actual(s: string): string | Error {
  try {
    return date(s);
  } catch (e) {
    assert.ok(e instanceof FieldError);
    return new Error(/valid calendar/.test(e.message) ? 'calendar' : 'format');
  }
}

test('dates: every YYYY-MM-DD-shaped string is judged as the general rule judges it', () => {
  const dd = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
  fc.assert(
    fc.property(fc.integer({ min: 1000, max: 9999 }), dd(19), dd(39), fc.constantFrom('-', '.', '/', ' -'), (y, m, d, sep) => {
      const s = `${y}${sep}${m}${sep}${d}`;
      assert.deepEqual(actual(s), reference(s));
    }),
    { numRuns: 20000 },
  );
  for (const s of ['2024-02-29', '2100-02-29', '2000-02-29', '1989-12-31', '1990-01-01', '2026-13-01', '2026-00-10', '2026-04-31', ' 2026-04-30 ', '2026-4-30', '29.02.2024', '１９９９-01-01']) {
    assert.deepEqual(actual(s), reference(s), s);
  }
});

test('amounts: the allocation-free path agrees with the general rule for any short string of digits, separators and spaces', () => {
  const general = (v: string, allowZero: boolean): number | string => {
    const s = v.trim().replace(/[\s\u00a0]/g, '');
    if (v.trim() === '') return 'is empty';
    const m = /^(\d{1,12})(?:[.,](\d{1,2}))?$/.exec(s);
    if (!m) return `"${v.trim()}" is not an amount (e.g. 123.45 or 123,45)`;
    const minor = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
    if (minor === 0 && !allowZero) return 'must be greater than zero';
    if (minor >= 100_000_000_000) return `"${s}" is too large`;
    return minor;
  };
  const got = (v: string, allowZero: boolean): number | string => {
    try {
      return amount(v, { allowZero });
    } catch (e) {
      assert.ok(e instanceof FieldError);
      return e.message;
    }
  };
  fc.assert(
    fc.property(fc.array(fc.constantFrom('0', '1', '9', '5', '.', ',', ' ', '\u00a0', 'a', '-'), { maxLength: 17 }), fc.boolean(), (parts, allowZero) => {
      const v = parts.join('');
      assert.deepEqual(got(v, allowZero), general(v, allowZero));
    }),
    { numRuns: 20000 },
  );
  for (const v of ['999999999999.99', '1000000000', '999999999', '0', '0.0', '00.01', '1234567890123', '12,5', '1 234,56']) {
    for (const z of [true, false]) assert.deepEqual(got(v, z), general(v, z), v);
  }
});

test('text: whitespace runs collapse to one space exactly as the plain rule does', () => {
  fc.assert(
    fc.property(fc.array(fc.constantFrom('a', 'б', ' ', '  ', '\t', '\n', '\u00a0', '\u2003', '\r', 'x y'), { maxLength: 12 }), (parts) => {
      const v = parts.join('');
      const plain = v.trim().replace(/\s+/g, ' ');
      let got: string | Error;
      try {
        got = text(v, 1000, { optional: true });
      } catch (e) {
        got = e as Error;
      }
      assert.equal(got, plain);
    }),
    { numRuns: 5000 },
  );
});
