import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachBackend } from '../support/db.js';
import { importCsv, type ImportOptions } from '../../src/billing/import.js';
import { importKinds } from '../../src/billing/kinds/index.js';
import type { Database } from '../../src/db/open.js';

// A first load into an empty table skips the upsert machinery and, for a big file, rebuilds the
// table's secondary indexes and foreign keys once at the end. `firstLoadRebuildMinRows: 1` takes that
// path with small files. Its contracts are the import's: all or nothing, every bad line reported,
// the same counts, and afterwards the same schema (indexes and constraints) as before.
const opts = (extra: Partial<ImportOptions> = {}): ImportOptions => ({
  source: 'first-load.csv',
  actor: 'test',
  skipInvalid: false,
  maxReportedErrors: 100,
  firstLoadRebuildMinRows: 1,
  ...extra,
});
const run = (d: Database, kind: keyof typeof importKinds, text: string, extra: Partial<ImportOptions> = {}) =>
  importCsv(d, importKinds[kind], (async function* () { yield text; })(), opts(extra));

async function schemaOf(d: Database): Promise<string[]> {
  const r = await sql<{ item: string }>`
    SELECT 'index ' || indexname || ': ' || indexdef AS item FROM pg_indexes
     WHERE schemaname = current_schema() AND tablename IN ('customers', 'invoices')
    UNION ALL
    SELECT 'constraint ' || conname || ': ' || pg_get_constraintdef(oid) || ' ' || convalidated FROM pg_constraint
     WHERE conrelid IN ('customers'::regclass, 'invoices'::regclass, 'payments'::regclass, 'payment_allocations'::regclass)
    ORDER BY 1`.execute(d.db);
  return r.rows.map((x) => x.item);
}

const customers = ['customer_number,name,street,town,postcode,customer_class'];
for (let i = 1; i <= 30; i++) customers.push(`${3000000000 + i},Клиент ${i},"ул. ""Роза"" ${i}",Варна,9000,household`);
const invoices = ['invoice_number,customer_number,issue_date,due_date,amount,currency'];
for (let i = 1; i <= 30; i++) for (let m = 1; m <= 3; m++) invoices.push(`${5000000000 + i * 10 + m},${3000000000 + i},2026-0${m}-01,2026-0${m}-21,${i}.${m}0,EUR`);

describeEachBackend('billing import: first load into empty tables', (get) => {
  let before: string[] = [];

  test('a failing first load commits nothing and leaves indexes and constraints as they were', async () => {
    before = await schemaOf(get());
    assert.ok(before.some((s) => s.includes('customers_name_idx')));
    const bad = [...customers, '3000000001,Дубликат,ул. Роза 1,Варна,9000,household', '3000000099,Без пощенски код,ул. Роза 1,Варна,90,household'];
    const r = await run(get(), 'customers', bad.join('\n'));
    assert.equal(r.committed, false);
    assert.deepEqual(r.errors.map((e) => [e.line, e.field]), [[32, 'customer_number'], [33, 'postcode']]);
    assert.match(r.errors[0]?.reason ?? '', /duplicate customer number, first on line 2/);
    const n = await get().db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);
    assert.deepEqual(await schemaOf(get()), before);
  });

  test('a key twice in an otherwise clean first load: the primary key stops the insert and every duplicate is reported', async () => {
    for (const rebuild of [1, 1_000_000]) {
      const bad = [...customers, '3000000001,Дубликат,ул. Роза 1,Варна,9000,household', '3000000002,Дубликат,ул. Роза 2,Варна,9000,household', '3000000001,Пак,ул. Роза 3,Варна,9000,business'];
      const r = await run(get(), 'customers', bad.join('\n'), { firstLoadRebuildMinRows: rebuild });
      assert.equal(r.committed, false);
      assert.deepEqual(r.errors, [
        { line: 32, field: 'customer_number', reason: 'duplicate customer number, first on line 2' },
        { line: 33, field: 'customer_number', reason: 'duplicate customer number, first on line 3' },
        { line: 34, field: 'customer_number', reason: 'duplicate customer number, first on line 2' },
      ]);
      const n = await get().db.selectFrom('customers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
      assert.equal(Number(n.n), 0);
      assert.deepEqual(await schemaOf(get()), before);
    }
  });

  test('customers then invoices: all inserted, schema restored, the same files again change nothing', async () => {
    const c = await run(get(), 'customers', customers.join('\r\n'));
    assert.equal(c.committed, true, JSON.stringify(c.errors));
    assert.deepEqual([c.rows, c.inserted, c.updated, c.unchanged], [30, 30, 0, 0]);
    const twice = await run(get(), 'invoices', [...invoices, invoices[5]].join('\n'));
    assert.equal(twice.committed, false);
    assert.deepEqual(twice.errors, [{ line: 92, field: 'invoice_number', reason: 'duplicate invoice number, first on line 6' }]);
    const mixed = await run(get(), 'invoices', [...invoices, invoices[5], `${invoices[7]?.split(',')[0]},3000000099,2026-01-01,2026-01-21,1,EUR`].join('\n'));
    assert.deepEqual(mixed.errors.map((e) => [e.line, e.field, e.reason]), [
      [92, 'invoice_number', 'duplicate invoice number, first on line 6'],
      [93, 'invoice_number', 'duplicate invoice number, first on line 8'],
    ]);
    const i = await run(get(), 'invoices', invoices.join('\n'));
    assert.equal(i.committed, true, JSON.stringify(i.errors));
    assert.deepEqual([i.rows, i.inserted, i.updated, i.unchanged], [90, 90, 0, 0]);
    assert.deepEqual(await schemaOf(get()), before);
    const row = await get().db.selectFrom('customers').select('street').where('customer_number', '=', '3000000007').executeTakeFirstOrThrow();
    assert.equal(row.street, 'ул. "Роза" 7');
    const inv = await get().db.selectFrom('invoices').select(['amount_minor', 'amount_eur_minor']).where('invoice_number', '=', '5000000072').executeTakeFirstOrThrow();
    assert.deepEqual(inv, { amount_minor: 720, amount_eur_minor: 720 });
    // The foreign key is back and enforced.
    await assert.rejects(
      get().db.insertInto('invoices').values({ invoice_number: 'X1', customer_number: '9999999999', issue_date: '2026-02-01', due_date: '2026-02-21', amount_minor: 1, currency: 'EUR' }).execute(),
      /foreign key/,
    );
    const again = await run(get(), 'invoices', invoices.join('\n'));
    assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 90]);
    const changed = await run(get(), 'customers', customers.join('\n').replace('Клиент 5,', 'Клиентка 5,'));
    assert.deepEqual([changed.inserted, changed.updated, changed.unchanged], [0, 1, 29]);
  });
});

describeEachBackend('billing import: first load with --skip-invalid', (get) => {
  test('bad lines are left out and reported; the good rows go in', async () => {
    const rejected: number[] = [];
    const text = [...customers, '3000000003,Дубликат,ул. Роза 1,Варна,9000,household', 'abc,Лош номер,ул. Роза 1,Варна,9000,household'].join('\n');
    const r = await run(get(), 'customers', text, { skipInvalid: true, onReject: (p) => rejected.push(p.line) });
    assert.equal(r.committed, true);
    assert.deepEqual([r.rows, r.inserted, r.rejected], [32, 30, 2]);
    assert.deepEqual(rejected.sort((a, b) => a - b), [32, 33]);
    const dup = await get().db.selectFrom('customers').select('name').where('customer_number', '=', '3000000003').executeTakeFirstOrThrow();
    assert.equal(dup.name, 'Клиент 3');
  });
});
