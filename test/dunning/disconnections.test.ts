import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachBackend } from '../support/db.js';
import { testApiKey, testServer } from '../support/app.js';
import { disconnectionCsv, disconnectionList } from '../../src/dunning/disconnections.js';
import { placeHold } from '../../src/dunning/holds.js';
import { addCustomer, addInvoice, pay, reset, run } from './fixtures.js';

const DUE = '2026-11-02';
const LIST_DAY = '2026-11-23';
const auth = { authorization: `Bearer ${testApiKey}` };

describeEachBackend('the disconnection list', (get) => {
  let listed: string;
  let formula: string;
  beforeEach(async () => {
    const { db } = get();
    await reset(db);
    listed = await addCustomer(db, 1, { name: 'Иван Петров' });
    await addInvoice(db, listed, 'I-1', DUE, 5000);
    await addInvoice(db, listed, 'I-1b', '2026-11-10', 2500);
    formula = await addCustomer(db, 2, { name: '=HYPERLINK("http://evil.example/","Натисни")' });
    await addInvoice(db, formula, 'I-2', '2026-10-30', 8000);
    const held = await addCustomer(db, 3);
    await addInvoice(db, held, 'I-3', DUE, 5000);
    await placeHold(db, { customerNumber: held, reason: 'vulnerable', until: '2099-12-31' }, 'staff:ivana');
    const small = await addCustomer(db, 4);
    await addInvoice(db, small, 'I-4', DUE, 400);
    const early = await addCustomer(db, 5);
    await addInvoice(db, early, 'I-5', '2026-11-04', 5000);
  });

  test('customers at the stage, unpaid above the minimum, without a hold; a customer who pays drops off', async () => {
    const { db } = get();
    const list = await disconnectionList(db, LIST_DAY);
    assert.deepEqual(
      list.map((e) => [e.customer_number, e.total, e.invoices, e.oldest_due, e.listed_since]),
      [
        [listed, 7500, ['I-1', 'I-1b'], DUE, '2026-11-23'],
        [formula, 8000, ['I-2'], '2026-10-30', '2026-11-20'],
      ],
    );
    // A run that day records who reached it.
    assert.equal((await run(db, LIST_DAY)).disconnectionCount, 2);
    await pay(db, listed, 'I-1', 5000, '2026-11-23T07:00:00Z');
    await pay(db, listed, 'I-1b', 2500, '2026-11-23T07:00:00Z');
    assert.deepEqual((await disconnectionList(db, LIST_DAY)).map((e) => e.customer_number), [formula]);
  });

  test('CSV for spreadsheets: BOM, CRLF, both languages in the header, formulas neutralised', async () => {
    const csv = disconnectionCsv(await disconnectionList(get().db, LIST_DAY));
    assert.ok(csv.startsWith('\uFEFFКлиентски № / Customer no.,Име / Name,'));
    const lines = csv.split('\r\n');
    assert.equal(lines.length, 4);
    assert.equal(lines[3], '');
    assert.equal(lines[1], `${listed},Иван Петров,ул. Шипка 1,9000,Варна,битов / household,75.00,2,I-1 I-1b,2026-11-02,2026-11-23`);
    assert.ok(lines[2]?.startsWith(`${formula},"'=HYPERLINK(""http://evil.example/"",""Натисни"")",`));
  });

  test('GET /api/v1/disconnections?date= with the API key: CSV, audited; the effectiveness report as JSON', async () => {
    const app = await testServer(get());
    try {
      assert.equal((await app.inject({ url: `/api/v1/disconnections?date=${LIST_DAY}` })).statusCode, 401);
      const bad = await app.inject({ url: '/api/v1/disconnections?date=23.11.2026', headers: auth });
      assert.equal(bad.statusCode, 422);
      const r = await app.inject({ url: `/api/v1/disconnections?date=${LIST_DAY}`, headers: auth });
      assert.equal(r.statusCode, 200);
      assert.match(String(r.headers['content-type']), /^text\/csv; charset=utf-8/);
      assert.match(String(r.headers['content-disposition']), /disconnections-2026-11-23\.csv/);
      assert.equal(r.headers['x-total-count'], '2');
      assert.equal(r.body.split('\r\n').length, 4);
      const audit = await get().db.selectFrom('audit_events').select(['actor', 'details']).where('action', '=', 'dunning.disconnections_exported').orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.deepEqual([audit.actor, audit.details], ['api:billing', { date: LIST_DAY, count: 2 }]);
      const rep = await app.inject({ url: '/api/v1/reports/effectiveness?month=2026-11&days=5', headers: auth });
      assert.equal(rep.statusCode, 200);
      assert.deepEqual(Object.keys(rep.json() as object).sort(), ['days', 'month', 'newlyListed', 'runs', 'totals']);
      assert.equal((await app.inject({ url: '/api/v1/reports/effectiveness?month=2026-13', headers: auth })).statusCode, 422);
      assert.equal((await app.inject({ url: '/api/v1/reports/effectiveness?month=2026-11&days=x', headers: auth })).statusCode, 422);
    } finally {
      await app.close();
    }
  });
});
