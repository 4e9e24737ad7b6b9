import { digits, FieldError, pattern, text } from '../fields.js';
import type { ImportKind } from '../import-kind.js';
import { insertIntoEmpty } from '../first-load.js';

const classes: Record<string, 'household' | 'business'> = {
  household: 'household',
  business: 'business',
  'битов': 'household',
  'небитов': 'business',
  'стопански': 'business',
};

export const customersKind: ImportKind = {
  name: 'customers',
  columns: [
    { name: 'customer_number', required: true },
    { name: 'name', required: true },
    { name: 'street', required: true },
    { name: 'town', required: true },
    { name: 'postcode', required: true },
    { name: 'customer_class', required: true },
  ],
  staging: [
    ['customer_number', 'text'],
    ['name', 'text'],
    ['street', 'text'],
    ['town', 'text'],
    ['postcode', 'text'],
    ['customer_class', 'text'],
  ],
  parse(v, field) {
    return [
      field('customer_number', (x) => digits(x, 4, 16)),
      field('name', (x) => text(x, 200)),
      field('street', (x) => text(x, 200, { optional: true })),
      field('town', (x) => text(x, 100)),
      field('postcode', (x) => pattern(x, /^[0-9]{4}$/, 'a 4-digit postcode')),
      field('customer_class', (x) => {
        const c = classes[(x ?? '').trim().toLowerCase()];
        if (!c) throw new FieldError(`"${x}" is not household or business`);
        return c;
      }),
    ];
  },
  firstLoad: { table: 'customers', duplicateCheck: 0 },
  checks: [
    `SELECT s.line, 'customer_number' AS problem_field, 'duplicate customer number, first on line ' || d.first_line AS problem
       FROM stage s JOIN (SELECT customer_number, min(line) AS first_line FROM stage GROUP BY customer_number HAVING count(*) > 1) d
         ON s.customer_number = d.customer_number AND s.line > d.first_line`,
  ],
  async apply(client, _now, context) {
    if (context.empty) {
      const insert = `INSERT INTO customers (customer_number, name, street, town, postcode, customer_class)
                      SELECT customer_number, name, street, town, postcode, customer_class FROM stage`;
      const inserted = await insertIntoEmpty(client, 'customers', insert, context.staged, context.rebuildMinRows);
      return { inserted, updated: 0, unchanged: 0, skipped: 0 };
    }
    const r = await client.query<{ inserted: number; updated: number; total: number }>(`
      WITH up AS (
        INSERT INTO customers AS c (customer_number, name, street, town, postcode, customer_class)
        SELECT customer_number, name, street, town, postcode, customer_class FROM stage
        ON CONFLICT (customer_number) DO UPDATE
          SET name = EXCLUDED.name, street = EXCLUDED.street, town = EXCLUDED.town, postcode = EXCLUDED.postcode,
              customer_class = EXCLUDED.customer_class, updated_at = now()
          WHERE (c.name, c.street, c.town, c.postcode, c.customer_class)
                IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.street, EXCLUDED.town, EXCLUDED.postcode, EXCLUDED.customer_class)
        RETURNING (xmax = 0) AS inserted
      )
      SELECT count(*) FILTER (WHERE inserted) AS inserted, count(*) FILTER (WHERE NOT inserted) AS updated,
             (SELECT count(*) FROM stage) AS total FROM up`);
    const row = r.rows[0] ?? { inserted: 0, updated: 0, total: 0 };
    return { inserted: Number(row.inserted), updated: Number(row.updated), unchanged: Number(row.total) - Number(row.inserted) - Number(row.updated), skipped: 0 };
  },
};
