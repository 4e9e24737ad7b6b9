import { amount, date, digits, FieldError, pattern } from '../fields.js';
import type { ImportKind } from '../import-kind.js';
import { applyCredits } from '../allocate.js';
import { insertIntoEmpty } from '../first-load.js';

const EURO_DAY = '2026-01-01';

export const invoicesKind: ImportKind = {
  name: 'invoices',
  columns: [
    { name: 'invoice_number', required: true },
    { name: 'customer_number', required: true },
    { name: 'issue_date', required: true },
    { name: 'due_date', required: true },
    { name: 'amount', required: true },
    { name: 'currency', required: false },
  ],
  staging: [
    ['invoice_number', 'text'],
    ['customer_number', 'text'],
    ['issue_date', 'date'],
    ['due_date', 'date'],
    ['amount_minor', 'bigint'],
    ['currency', 'text'],
  ],
  parse(v, field) {
    const number = field('invoice_number', (x) => pattern(x, /^[0-9A-Za-z/-]{1,30}$/, 'an invoice number (up to 30 letters, digits, / or -)'));
    const customer = field('customer_number', (x) => digits(x, 4, 16));
    const issued = field('issue_date', date);
    const due = field('due_date', (x) => {
      const d = date(x);
      if (d < issued) throw new FieldError(`${d} is before the issue date ${issued}`);
      return d;
    });
    const minor = field('amount', (x) => amount(x, { allowZero: true }));
    const currency = field('currency', (x) => {
      const expected = issued < EURO_DAY ? 'BGN' : 'EUR';
      const c = (x ?? '').trim().toUpperCase() || expected;
      if (c !== 'EUR' && c !== 'BGN') throw new FieldError(`"${c}" is not EUR or BGN`);
      if (c !== expected) throw new FieldError(`an invoice issued on ${issued} is in ${expected}, not ${c}`);
      return c;
    });
    return [number, customer, issued, due, minor, currency];
  },
  firstLoad: { table: 'invoices', duplicateCheck: 0 },
  checks: [
    `SELECT s.line, 'invoice_number' AS problem_field, 'duplicate invoice number, first on line ' || d.first_line AS problem
       FROM stage s JOIN (SELECT invoice_number, min(line) AS first_line FROM stage GROUP BY invoice_number HAVING count(*) > 1) d
         ON s.invoice_number = d.invoice_number AND s.line > d.first_line`,
    `SELECT s.line, 'customer_number' AS problem_field, 'unknown customer ' || s.customer_number AS problem
       FROM stage s WHERE NOT EXISTS (SELECT 1 FROM customers c WHERE c.customer_number = s.customer_number)`,
    `SELECT s.line, 'customer_number' AS problem_field, 'invoice ' || s.invoice_number || ' belongs to customer ' || i.customer_number AS problem
       FROM stage s JOIN invoices i ON i.invoice_number = s.invoice_number AND i.customer_number <> s.customer_number`,
  ],
  async apply(client, _now, context) {
    if (context.empty) {
      const insert = `INSERT INTO invoices (invoice_number, customer_number, issue_date, due_date, amount_minor, currency)
                      SELECT invoice_number, customer_number, issue_date, due_date, amount_minor, currency FROM stage`;
      const inserted = await insertIntoEmpty(client, 'invoices', insert, context.staged, context.rebuildMinRows);
      await applyCredits(client, 'SELECT DISTINCT customer_number FROM stage');
      return { inserted, updated: 0, unchanged: 0, skipped: 0 };
    }
    const r = await client.query<{ inserted: number; updated: number; total: number }>(`
      WITH up AS (
        INSERT INTO invoices AS i (invoice_number, customer_number, issue_date, due_date, amount_minor, currency)
        SELECT invoice_number, customer_number, issue_date, due_date, amount_minor, currency FROM stage
        ON CONFLICT (invoice_number) DO UPDATE
          SET issue_date = EXCLUDED.issue_date, due_date = EXCLUDED.due_date, amount_minor = EXCLUDED.amount_minor,
              currency = EXCLUDED.currency, updated_at = now()
          WHERE (i.issue_date, i.due_date, i.amount_minor, i.currency)
                IS DISTINCT FROM (EXCLUDED.issue_date, EXCLUDED.due_date, EXCLUDED.amount_minor, EXCLUDED.currency)
        RETURNING (xmax = 0) AS inserted
      )
      SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated,
             (SELECT count(*) FROM stage) AS total FROM up`);
    const row = r.rows[0] ?? { inserted: 0, updated: 0, total: 0 };
    // A customer who paid ahead has a credit: it settles the new invoices at once.
    await applyCredits(client, 'SELECT DISTINCT customer_number FROM stage');
    return { inserted: Number(row.inserted), updated: Number(row.updated), unchanged: Number(row.total) - Number(row.inserted) - Number(row.updated), skipped: 0 };
  },
};
