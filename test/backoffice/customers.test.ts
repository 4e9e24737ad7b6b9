import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { likePrefix, lookupQuery, searchCustomers, searchPlan } from '../../src/backoffice/lookup.js';
import { describeEachBackend } from '../support/db.js';
import { backofficeApp, seedCustomer, seedStaff, signIn, type Client } from './support.js';

describeEachBackend('back-office customer look-up and page', (get) => {
  let app: FastifyInstance;
  let agent: Client;
  before(async () => {
    const database = get();
    ({ app } = await backofficeApp(database));
    await seedStaff(database);
    await seedCustomer(database, '3000000101', 'Иван Петров', [
      { number: '7000000001', due: '2025-11-20', amountMinor: 12050 },
      { number: '7000000002', due: '2026-01-20', amountMinor: 4000, paidMinor: 4000 },
    ]);
    await seedCustomer(database, '3000000102', 'Ивана Стоянова');
    await seedCustomer(database, '3000000103', '=HYPERLINK("http://evil.example","click")');
    await seedCustomer(database, '0888123456', 'Телефонов Номер');
    const db = database.db;
    await db
      .insertInto('subscriptions')
      .values([
        { customer_number: '3000000101', channel: 'sms', address: '+359888123456', status: 'active', verified_at: new Date(), source: 'online', consent_version: '2026-01', consent_at: new Date() },
        { customer_number: '3000000102', channel: 'email', address: 'Ivana.S@example.bg', status: 'active', verified_at: new Date(), source: 'import', consent_version: '2026-01', consent_at: new Date() },
      ])
      .execute();
    await db.insertInto('payments').values({ payment_reference: 'PAY-1', customer_number: '3000000101', invoice_number: '7000000002', amount_minor: 4000, currency: 'EUR', paid_at: new Date('2026-01-18T10:00:00Z'), channel: 'bank', status: 'settled', settled_at: new Date('2026-01-19T10:00:00Z'), source: 'import' }).execute();
    await db
      .insertInto('outbox_messages')
      .values({ business_key: 'dunning:3000000101:reminder:2025-11-20', kind: 'overdue_reminder', customer_number: '3000000101', channel: 'sms', recipient: '+359888123456', body: 'Имате неплатени сметки', status: 'delivered', segments: 2, encoding: 'ucs2', cost_minor: 10, provider: 'sandbox', sent_at: new Date(), delivered_at: new Date(), final_at: new Date(), not_before: new Date() })
      .execute();
    await db.insertInto('audit_events').values({ actor: 'import', action: 'billing.imported', subject: '3000000101', details: JSON.stringify({ rows: 1 }) }).execute();
    agent = await signIn(app, 'agent1');
  });
  after(async () => {
    await app.close();
  });

  test('the query decides the ways to look: digits may be a customer, an invoice and a phone at once', () => {
    assert.deepEqual(searchPlan('3000000101', 'auto'), ['customer', 'invoice']);
    assert.deepEqual(searchPlan('0888123456', 'auto'), ['customer', 'invoice', 'phone']);
    assert.deepEqual(searchPlan('+359 888 123 456', 'auto'), ['phone']);
    assert.deepEqual(searchPlan('ivana.s@', 'auto'), ['email']);
    assert.deepEqual(searchPlan('Иван', 'auto'), ['name']);
    assert.deepEqual(searchPlan('  ', 'auto'), []);
    assert.equal(likePrefix('50%_a\\b'), '50\\%\\_a\\\\b%');
  });

  test('finds a customer by number, invoice, phone, email and name prefix', async () => {
    const db = get().db;
    const numbers = async (q: string, by: Parameters<typeof searchCustomers>[2] = 'auto') => (await searchCustomers(db, q, by)).map((f) => f.customerNumber);
    assert.deepEqual(await numbers('3000000101'), ['3000000101']);
    assert.deepEqual(await numbers('7000000002'), ['3000000101']);
    assert.deepEqual(await numbers('0888 123 456'), ['3000000101']);
    const both = await searchCustomers(db, '0888123456');
    assert.deepEqual(
      both.map((f) => [f.customerNumber, f.matchedBy]).sort(),
      [
        ['0888123456', ['customer']],
        ['3000000101', ['phone']],
      ],
    );
    assert.deepEqual(await numbers('IVANA.s@EXAMPLE'), ['3000000102']);
    assert.deepEqual(await numbers('иван'), ['3000000101', '3000000102']);
    assert.deepEqual(await numbers('ИВАНА'), ['3000000102']);
    assert.deepEqual(await numbers('иван%'), [], 'a typed % is not a wildcard');
    assert.deepEqual(await numbers('Иван', 'customer'), []);
  });

  test('each look-up is served by an index (no sequential scan of customers or subscriptions)', async () => {
    const database = get();
    // Enough rows for the statistics to mean something.
    await sql`INSERT INTO customers (customer_number, name, street, town, postcode, customer_class)
      SELECT (4000000000 + g)::text, 'Клиент ' || g, 'ул. Първа ' || g, 'Русе', '7000', 'household' FROM generate_series(1, 20000) g`.execute(database.db);
    await sql`ANALYZE customers`.execute(database.db);
    await sql`ANALYZE subscriptions`.execute(database.db);
    for (const [how, q, index] of [
      ['name', 'Иван', 'customers_name_idx'],
      ['phone', '0888123456', 'subscriptions_address_lower_idx'],
      ['email', 'ivana.s@', 'subscriptions_address_lower_idx'],
      ['customer', '3000000101', 'customers_pkey'],
      ['invoice', '7000000001', 'invoices_pkey'],
    ] as const) {
      const compiled = lookupQuery(database.db, how, q)?.compile();
      assert.ok(compiled);
      const plan = await database.db.transaction().execute(async (tx) => {
        await sql`SET LOCAL enable_seqscan = off`.execute(tx);
        return sql.raw<{ 'QUERY PLAN': string }>(`EXPLAIN ${compiled.sql.replace(/\$(\d+)/g, (_m, n: string) => `'${String(compiled.parameters[Number(n) - 1]).replace(/'/g, "''")}'`)}`).execute(tx);
      });
      const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
      assert.match(text, new RegExp(index), `${how}: ${text}`);
      assert.doesNotMatch(text, /Seq Scan/, `${how}: ${text}`);
    }
  });

  test('the search page lists matches and goes straight to a single one', async () => {
    const many = await agent.get(`/backoffice/customers?q=${encodeURIComponent('Иван')}`);
    assert.equal(many.status, 200);
    assert.match(many.body, /href="\/backoffice\/customers\/3000000101"/);
    assert.match(many.body, /href="\/backoffice\/customers\/3000000102"/);
    assert.match(many.body, /Намерени: 2</);
    // More than a page: the count says so, and the page asks for a narrower search.
    await get()
      .db.insertInto('customers')
      .values(Array.from({ length: 60 }, (_, i) => ({ customer_number: String(3100000000 + i), name: `Калина Тест ${i}`, street: 'ул. Шипка 1', town: 'Русе', postcode: '7000', customer_class: 'household' as const })))
      .execute();
    const capped = await agent.get(`/backoffice/customers?q=${encodeURIComponent('Калина')}`);
    assert.match(capped.body, /Намерени: 50 или повече</);
    assert.match(capped.body, /Показани са първите 50; уточнете търсенето\./);
    const one = await agent.get('/backoffice/customers?q=7000000001');
    assert.equal(one.status, 303);
    assert.equal(one.location, '/backoffice/customers/3000000101');
  });

  test('the customer page shows invoices, payments, subscriptions, messages and the audit trail; viewing is audited', async () => {
    const r = await agent.get('/backoffice/customers/3000000101');
    assert.equal(r.status, 200);
    for (const s of ['7000000001', 'просрочена', 'PAY-1', '+359888123456', 'активен', 'напомняне', 'доставено', 'billing.imported', 'Абонамент на гише']) assert.ok(r.body.includes(s), s);
    assert.match(r.body, /<td class="num">2<\/td>/, 'segments');
    assert.ok(r.body.includes('<td class="num">120,50 лв.</td>'), 'a leva invoice also shows its amount as invoiced');
    // Agents do not see the hold form (supervisors do).
    assert.doesNotMatch(r.body, /Поставяне на задържане/);
    const viewed = await get().db.selectFrom('audit_events').select('actor').where('action', '=', 'backoffice.customer_viewed').where('subject', '=', '3000000101').execute();
    assert.ok(viewed.some((v) => v.actor === 'staff:agent1'));
    assert.equal((await agent.get('/backoffice/customers/9999999999')).status, 404);
  });

  test('every list exports to CSV, neutralised against formula injection, and the export is audited', async () => {
    const search = await agent.get(`/backoffice/customers?q=${encodeURIComponent('=HYPER')}&by=name&format=csv`);
    assert.equal(search.status, 200);
    assert.match(String(search.headers['content-type']), /^text\/csv/);
    assert.match(String(search.headers['content-disposition']), /attachment; filename="customers-\d{4}-\d{2}-\d{2}\.csv"/);
    assert.ok(search.body.startsWith('\uFEFFКлиентски номер,Име,'));
    assert.match(search.body, /\r\n3000000103,"'=HYPERLINK\(""http:\/\/evil\.example"",""click""\)",/);
    for (const list of ['invoices', 'payments', 'subscriptions', 'holds', 'messages', 'audit']) {
      const csv = await agent.get(`/backoffice/customers/3000000101/export/${list}`);
      assert.equal(csv.status, 200, list);
      assert.match(String(csv.headers['content-type']), /^text\/csv/);
    }
    const invoices = await agent.get('/backoffice/customers/3000000101/export/invoices');
    assert.match(invoices.body, /\r\n7000000001,2025-11-20,2025-11-20,61\.61,0\.00,120\.50 BGN,просрочена\r\n/);
    assert.equal((await agent.get('/backoffice/customers/3000000101/export/secrets')).status, 404);
    const exported = await get().db.selectFrom('audit_events').select('details').where('action', '=', 'backoffice.exported').execute();
    assert.ok(exported.some((e) => e.details.list === '3000000101-invoices'));
  });
});
