import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sql } from 'kysely';
import { describeEachBackend } from '../support/db.js';

// migrations/0009 rewrote the regular-expression CHECKs on the billing keys with length() and btrim():
// the constraints in the database must judge every value as the old regular expressions did.
const rules = [
  { constraint: 'customer_number_digits', column: 'customer_number', regex: '^[0-9]{4,16}$' },
  { constraint: 'customers_postcode_check', column: 'postcode', regex: '^[0-9]{4}$' },
  { constraint: 'invoices_invoice_number_check', column: 'invoice_number', regex: '^[0-9A-Za-z/-]{1,30}$' },
  { constraint: 'payments_payment_reference_check', column: 'payment_reference', regex: '^[0-9A-Za-z/_.:-]{1,64}$' },
];

describeEachBackend('billing key CHECKs without regular expressions', (get) => {
  test('each CHECK of the schema accepts exactly what its former regular expression accepted', async () => {
    const { db } = get();
    const values = fc.sample(
      fc.array(fc.constantFrom('0', '7', '9', 'a', 'Z', 'ж', '/', '-', '_', '.', ':', ' ', '\n', '+', '%', '\\'), { maxLength: 70 }).map((a) => a.join('')),
      { numRuns: 400, seed: 7 },
    );
    values.push('', '1234', '12345678901234567', 'A'.repeat(30), 'A'.repeat(31), 'x'.repeat(64), 'x'.repeat(65), '１２３４', '1234\n');
    for (const rule of rules) {
      const def = await sql<{ def: string }>`
        SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint
         WHERE conname = ${rule.constraint} AND connamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())`.execute(db);
      const text = def.rows[0]?.def ?? '';
      assert.match(text, /^CHECK .*btrim/, `${rule.constraint}: ${text}`);
      // The constraint's own expression, evaluated over the sample instead of the table's column.
      const check = text.replace(/^CHECK /, '').replace(new RegExp(`\\b${rule.column}\\b`, 'g'), 'v');
      const r = await sql<{ v: string; by_regex: boolean; by_check: boolean }>`
        SELECT v, v ~ ${rule.regex} AS by_regex, (${sql.raw(check)}) AS by_check FROM unnest(${values}::text[]) AS t(v)`.execute(db);
      for (const row of r.rows) assert.equal(row.by_check, row.by_regex, `${rule.constraint}: ${JSON.stringify(row.v)}`);
    }
  });
});
