import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { describeEachBackend } from '../support/db.js';
import { testApiKey, testServer } from '../support/app.js';

describeEachBackend('billing API', (get) => {
  let app: FastifyInstance;
  const auth = { authorization: `Bearer ${testApiKey}` };
  before(async () => {
    app = await testServer(get());
  });
  after(async () => {
    await app.close();
  });

  test('/healthz and /readyz answer', async () => {
    assert.equal((await app.inject('/healthz')).statusCode, 200);
    assert.deepEqual((await app.inject('/readyz')).json(), { status: 'ready' });
  });

  test('the API refuses a missing or wrong key', async () => {
    const none = await app.inject({ method: 'POST', url: '/api/v1/import/customers', payload: [] });
    assert.equal(none.statusCode, 401);
    assert.equal(none.json().error.code, 'UNAUTHORIZED');
    const wrong = await app.inject({ method: 'POST', url: '/api/v1/import/customers', headers: { 'x-api-key': 'nope' }, payload: [] });
    assert.equal(wrong.statusCode, 401);
  });

  test('CSV import over HTTP, then a bad file is refused with its lines', async () => {
    const csv = 'customer_number;name;street;town;postcode;customer_class\n4000000001;Петър Колев;ул. Раковски 3;Русе;7000;household\n';
    const ok = await app.inject({ method: 'POST', url: '/api/v1/import/customers', headers: { ...auth, 'content-type': 'text/csv' }, payload: csv });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().inserted, 1);
    const bad = await app.inject({
      method: 'POST',
      url: '/api/v1/import/invoices',
      headers: { ...auth, 'content-type': 'text/csv; charset=utf-8' },
      payload: 'invoice_number,customer_number,issue_date,due_date,amount\n6000000001,4000000001,2026-10-01,2026-10-21,12\n6000000002,4000000002,2026-10-01,2026-10-21,12\n',
    });
    assert.equal(bad.statusCode, 422);
    const body = bad.json();
    assert.equal(body.error.code, 'IMPORT_REJECTED');
    assert.deepEqual(body.error.details.errors, [{ line: 3, field: 'customer_number', reason: 'unknown customer 4000000002' }]);
  });

  test('JSON import with skip_invalid', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/api/v1/import/invoices?skip_invalid=true',
      headers: auth,
      payload: [
        { invoice_number: '6000000001', customer_number: '4000000001', issue_date: '2026-10-01', due_date: '2026-10-21', amount: 12.5 },
        { invoice_number: '6000000002', customer_number: '4000000001', issue_date: '2026-10-01', due_date: '2026-10-21', amount: 'x' },
      ],
    });
    assert.equal(r.statusCode, 200, r.body);
    assert.deepEqual([r.json().inserted, r.json().rejected], [1, 1]);
  });

  test('a real-time payment with an Idempotency-Key is recorded once', async () => {
    const payment = { payment_reference: 'RT-1', customer_number: '4000000001', amount: '5.25', paid_at: '2026-11-20T10:00:00Z', channel: 'epay' };
    const headers = { ...auth, 'idempotency-key': 'key-000000001' };
    const first = await app.inject({ method: 'POST', url: '/api/v1/payments', headers, payload: payment });
    assert.equal(first.statusCode, 201, first.body);
    assert.deepEqual(first.json().allocations, [{ invoice_number: '6000000001', amount_eur: '5.25' }]);
    const again = await app.inject({ method: 'POST', url: '/api/v1/payments', headers, payload: payment });
    assert.equal(again.statusCode, 200);
    assert.equal(again.headers['idempotent-replayed'], 'true');
    assert.deepEqual(again.json(), first.json());
    const other = await app.inject({ method: 'POST', url: '/api/v1/payments', headers, payload: { ...payment, amount: '6.00' } });
    assert.equal(other.statusCode, 422);
    assert.equal(other.json().error.code, 'IDEMPOTENCY_KEY_REUSED');
    const count = await get().db.selectFrom('payments').select((eb) => eb.fn.countAll<number>().as('n')).where('payment_reference', '=', 'RT-1').executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 1);
    const inv = await get().db.selectFrom('invoices').select('paid_eur_minor').where('invoice_number', '=', '6000000001').executeTakeFirstOrThrow();
    assert.equal(inv.paid_eur_minor, 525);
  });

  test('payment errors say what and where', async () => {
    const headers = { ...auth, 'idempotency-key': 'key-000000002' };
    const noKey = await app.inject({ method: 'POST', url: '/api/v1/payments', headers: auth, payload: {} });
    assert.equal(noKey.statusCode, 400);
    const bad = await app.inject({ method: 'POST', url: '/api/v1/payments', headers, payload: { payment_reference: 'RT-2', customer_number: '4000000001', amount: '-1', paid_at: '2026-11-20', channel: 'epay' } });
    assert.equal(bad.statusCode, 422);
    assert.match(bad.json().error.message, /^amount: /);
    const unknown = await app.inject({ method: 'POST', url: '/api/v1/payments', headers, payload: { payment_reference: 'RT-2', customer_number: '4999999999', amount: '1', paid_at: '2026-11-20', channel: 'epay' } });
    assert.equal(unknown.statusCode, 422);
    assert.match(unknown.json().error.message, /unknown customer/);
  });
});
