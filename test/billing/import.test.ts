import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachBackend } from '../support/db.js';
import { importCsv, importJson, type ImportOptions } from '../../src/billing/import.js';
import { importKinds } from '../../src/billing/kinds/index.js';
import type { Database } from '../../src/db/open.js';

const opts = (extra: Partial<ImportOptions> = {}): ImportOptions => ({ source: 'test.csv', actor: 'test', skipInvalid: false, maxReportedErrors: 100, ...extra });
const run = (d: Database, kind: keyof typeof importKinds, text: string, extra: Partial<ImportOptions> = {}) =>
  importCsv(d, importKinds[kind], (async function* () { yield text; })(), opts(extra));

const customers = [
  'customer_number;name;street;town;postcode;customer_class',
  '3000000001;Иван Петров;"ул. ""Шипка"" 5; вх. Б";Варна;9000;household',
  '3000000002;"""Агро Добруджа"" ЕООД";бул. Добруджа 1;Добрич;9300;business',
  '3000000003;Мария Иванова;"ж.к. Младост\r\nбл. 112";Шумен;9700;битов',
].join('\r\n');

const invoices = [
  'invoice_number,customer_number,issue_date,due_date,amount,currency',
  '5000000001,3000000001,01.11.2025,21.11.2025,"195,58",BGN',
  '5000000002,3000000001,2026-01-01,2026-01-21,40.00,EUR',
  '5000000003,3000000001,2026-02-01,2026-02-21,30.50,',
  '5000000004,3000000003,2026-02-01,2026-02-21,10,EUR',
].join('\n');

describeEachBackend('billing import', (get) => {
  test('customers: delimiter, BOM-less CRLF, quotes and line breaks; the same file twice changes nothing', async () => {
    const r1 = await run(get(), 'customers', customers);
    assert.equal(r1.committed, true);
    assert.deepEqual([r1.rows, r1.inserted, r1.updated, r1.unchanged, r1.rejected], [3, 3, 0, 0, 0]);
    const c = await get().db.selectFrom('customers').selectAll().where('customer_number', '=', '3000000003').executeTakeFirstOrThrow();
    assert.equal(c.street, 'ж.к. Младост бл. 112');
    assert.equal(c.customer_class, 'household');
    const before = await get().db.selectFrom('customers').select(['customer_number', 'updated_at']).orderBy('customer_number').execute();
    const r2 = await run(get(), 'customers', customers);
    assert.deepEqual([r2.inserted, r2.updated, r2.unchanged], [0, 0, 3]);
    const after = await get().db.selectFrom('customers').select(['customer_number', 'updated_at']).orderBy('customer_number').execute();
    assert.deepEqual(after, before);
  });

  test('a later file updates rows by their natural key', async () => {
    const r = await run(get(), 'customers', 'customer_number,name,street,town,postcode,customer_class\n3000000001,Иван Петров,ул. Шипка 7,Варна,9000,household\n');
    assert.deepEqual([r.inserted, r.updated, r.unchanged], [0, 1, 0]);
    const c = await get().db.selectFrom('customers').select('street').where('customer_number', '=', '3000000001').executeTakeFirstOrThrow();
    assert.equal(c.street, 'ул. Шипка 7');
  });

  test('invoices: amounts with comma or point, both date forms, currency by issue date', async () => {
    const r = await run(get(), 'invoices', invoices);
    assert.equal(r.committed, true, JSON.stringify(r.errors));
    const rows = await get().db.selectFrom('invoices').select(['invoice_number', 'amount_minor', 'currency', 'amount_eur_minor', 'due_date']).orderBy('invoice_number').execute();
    assert.deepEqual(rows[0], { invoice_number: '5000000001', amount_minor: 19558, currency: 'BGN', amount_eur_minor: 10000, due_date: '2025-11-21' });
    assert.equal(rows[2]?.currency, 'EUR');
    assert.equal(rows[2]?.amount_minor, 3050);
  });

  test('one bad row rejects the whole file and every bad line is reported with line, field and reason', async () => {
    const text = [
      'invoice_number,customer_number,issue_date,due_date,amount,currency',
      '5000000101,3000000001,2026-03-01,2026-03-21,12.345,EUR',
      '5000000102,9999999999,2026-03-01,2026-03-21,12.34,EUR',
      '5000000103,3000000001,2026-03-01,2026-02-21,12.34,EUR',
      '5000000104,3000000001,2026-03-01,2026-03-21,12.34,EUR',
      '5000000104,3000000001,2026-03-01,2026-03-21,12.34,EUR',
      '5000000105,3000000001,31.02.2026,2026-03-21,1,EUR',
      '5000000106,3000000001,2026-03-01,2026-03-21,1,BGN',
      '5000000107,3000000001,2026-03-01,2026-03-21,1,EUR',
    ].join('\n');
    const r = await run(get(), 'invoices', text);
    assert.equal(r.committed, false);
    assert.equal(r.rejected, 6);
    assert.deepEqual(r.errors.map((e) => [e.line, e.field]), [
      [2, 'amount'],
      [3, 'customer_number'],
      [4, 'due_date'],
      [6, 'invoice_number'],
      [7, 'issue_date'],
      [8, 'currency'],
    ]);
    const n = await get().db.selectFrom('invoices').select((eb) => eb.fn.countAll<number>().as('n')).where('invoice_number', 'like', '50000001%').executeTakeFirstOrThrow();
    assert.equal(Number(n.n), 0);
  });

  test('references and duplicates are checked across the whole file', async () => {
    const text = [
      'invoice_number,customer_number,issue_date,due_date,amount,currency',
      '5000000201,9999999999,2026-03-01,2026-03-21,1,EUR',
      '5000000202,3000000001,2026-03-01,2026-03-21,1,EUR',
      '5000000202,3000000001,2026-03-01,2026-03-21,1,EUR',
      '5000000004,3000000001,2026-02-01,2026-02-21,10,EUR',
    ].join('\n');
    const r = await run(get(), 'invoices', text);
    assert.equal(r.committed, false);
    assert.deepEqual(r.errors.map((e) => [e.line, e.field]), [[2, 'customer_number'], [4, 'invoice_number'], [5, 'customer_number']]);
    assert.match(r.errors[0]?.reason ?? '', /unknown customer 9999999999/);
    assert.match(r.errors[1]?.reason ?? '', /duplicate invoice number, first on line 3/);
    assert.match(r.errors[2]?.reason ?? '', /belongs to customer 3000000003/);
  });

  test('--skip-invalid commits the good rows and hands over the rejected ones with reasons', async () => {
    const rejected: Array<[number, string]> = [];
    const text = [
      'invoice_number,customer_number,issue_date,due_date,amount,currency',
      '5000000301,3000000002,2026-03-01,2026-03-21,1,EUR',
      '5000000302,9999999999,2026-03-01,2026-03-21,1,EUR',
      '5000000303,3000000002,2026-03-01,2026-03-21,abc,EUR',
    ].join('\n');
    const r = await run(get(), 'invoices', text, { skipInvalid: true, onReject: (p) => rejected.push([p.line, p.field]) });
    assert.equal(r.committed, true);
    assert.deepEqual([r.inserted, r.rejected], [1, 2]);
    assert.deepEqual(rejected.sort(), [[3, 'customer_number'], [4, 'amount']]);
  });

  test('a missing or unknown column stops the file before any row', async () => {
    const r = await run(get(), 'customers', 'customer_number,name,town,postcode,klass\n1,a,b,9000,household\n');
    assert.equal(r.committed, false);
    assert.deepEqual(r.errors.map((e) => e.field).sort(), ['customer_class', 'klass', 'street']);
  });

  test('payments: partial, to the named invoice first, the rest to the oldest open invoices; in transit then settled', async () => {
    const d = get();
    const text = [
      'payment_reference,customer_number,invoice_number,amount,currency,paid_at,channel,status',
      'P1,3000000001,5000000002,15.00,EUR,2026-02-01 10:00,bank,settled',
      'P2,3000000001,,110.00,EUR,2026-02-02 10:00:00,cash_desk,in_transit',
    ].join('\n');
    const r = await run(d, 'payments', text);
    assert.equal(r.committed, true, JSON.stringify(r.errors));
    const inv = await d.db.selectFrom('invoices').select(['invoice_number', 'amount_eur_minor', 'paid_eur_minor']).where('customer_number', '=', '3000000001').orderBy('due_date').execute();
    // Oldest first: 5000000001 (100.00 EUR from leva) is paid by P2, then 5000000002 gets P1's 15 + P2's rest (10), 5000000003 nothing left.
    assert.deepEqual(inv.map((i) => [i.invoice_number, i.paid_eur_minor]), [['5000000001', 10000], ['5000000002', 2500], ['5000000003', 0]]);
    const again = await run(d, 'payments', text);
    assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 2]);
    const settled = await run(d, 'payments', text.replace('in_transit', 'settled'));
    assert.deepEqual([settled.inserted, settled.updated], [0, 1]);
    const p2 = await d.db.selectFrom('payments').select(['status', 'settled_at', 'unallocated_eur_minor']).where('payment_reference', '=', 'P2').executeTakeFirstOrThrow();
    assert.equal(p2.status, 'settled');
    assert.ok(p2.settled_at);
    assert.equal(p2.unallocated_eur_minor, 0);
    const changed = await run(d, 'payments', text.replace('in_transit', 'settled').replace('110.00', '111.00'));
    assert.equal(changed.committed, false);
    assert.match(changed.errors[0]?.reason ?? '', /already recorded with other details \(amount\)/);
  });

  test('an overpayment is a credit that pays the next invoice when it arrives', async () => {
    const d = get();
    await run(d, 'payments', 'payment_reference,customer_number,amount,paid_at,channel\nP3,3000000002,25.00,2026-02-02,epay\n');
    const p3 = await d.db.selectFrom('payments').select('unallocated_eur_minor').where('payment_reference', '=', 'P3').executeTakeFirstOrThrow();
    assert.equal(p3.unallocated_eur_minor, 2400); // 1.00 went to 5000000301
    await run(d, 'invoices', 'invoice_number,customer_number,issue_date,due_date,amount\n5000000401,3000000002,2026-04-01,2026-04-21,20.00\n');
    const inv = await d.db.selectFrom('invoices').select('paid_eur_minor').where('invoice_number', '=', '5000000401').executeTakeFirstOrThrow();
    assert.equal(inv.paid_eur_minor, 2000);
  });

  test('subscriptions: phones normalised to E.164, emails with lower-case domain; replaced and opted-out contacts', async () => {
    const d = get();
    const text = [
      'customer_number,channel,address,registered_at,consent_version',
      '3000000001,sms,0888 123 456,2011-05-03,legacy-2011',
      '3000000001,email,Ivan.Petrov@ABV.BG,2014-07-01,',
      '3000000002,sms,00359899111222,2012-01-10,legacy-2011',
      '3000000003,sms,029876543,2012-01-10,legacy-2011',
    ].join('\n');
    const r = await run(d, 'subscriptions', text, { skipInvalid: true });
    assert.deepEqual([r.inserted, r.rejected], [3, 1]);
    assert.match(r.errors[0]?.reason ?? '', /not a mobile number/);
    const subs = await d.db.selectFrom('subscriptions').select(['customer_number', 'channel', 'address', 'status', 'source', 'verified_at']).orderBy('id').execute();
    assert.deepEqual(subs.map((s) => s.address), ['+359888123456', 'Ivan.Petrov@abv.bg', '+359899111222']);
    assert.ok(subs.every((s) => s.status === 'active' && s.source === 'import' && s.verified_at));
    const again = await run(d, 'subscriptions', text, { skipInvalid: true });
    assert.deepEqual([again.inserted, again.updated, again.unchanged], [0, 0, 3]);
    const moved = await run(d, 'subscriptions', 'customer_number,channel,address,registered_at\n3000000001,sms,+359887000111,2013-01-01\n');
    assert.deepEqual([moved.inserted, moved.updated], [0, 1]);
    await d.db.updateTable('subscriptions').set({ status: 'unsubscribed', ended_at: new Date(), end_reason: 'cancelled' }).where('address', '=', '+359899111222').execute();
    const optedOut = await run(d, 'subscriptions', text, { skipInvalid: true });
    assert.deepEqual([optedOut.skipped, optedOut.updated], [1, 1]);
    const active = await d.db.selectFrom('subscriptions').select('address').where('status', '=', 'active').orderBy('address').execute();
    assert.deepEqual(active.map((a) => a.address), ['+359888123456', 'Ivan.Petrov@abv.bg']);
  });

  test('JSON arrays use the same columns, an item position standing for its line', async () => {
    const r = await importJson(get(), importKinds.customers, [
      { customer_number: '3000000009', name: 'Тест', street: '', town: 'Русе', postcode: '7000', customer_class: 'household' },
      { customer_number: 'x', name: 'Тест', street: '', town: 'Русе', postcode: '7000', customer_class: 'household' },
    ], opts());
    assert.equal(r.committed, false);
    assert.deepEqual(r.errors, [{ line: 2, field: 'customer_number', reason: '"x" must contain digits only' }]);
  });

  test('every committed import is in the audit trail', async () => {
    const rows = await get().db.selectFrom('audit_events').select(['action', 'actor', 'subject']).where('action', 'like', 'import.%').execute();
    assert.ok(rows.length >= 5);
    assert.ok(rows.every((r) => r.actor === 'test' && r.subject === 'file:test.csv'));
  });
});
