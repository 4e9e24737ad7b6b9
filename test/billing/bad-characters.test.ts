// A NUL or a lone surrogate in an import is a bad row (CSV) or a 400 naming the field (JSON):
// never a 500, and nothing of the file is stored.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { testApiKey, testServer } from '../support/app.js';
import { describeEachBackend } from '../support/db.js';

const HEADER = 'customer_number,name,street,town,postcode,customer_class';

describeEachBackend('imports with characters PostgreSQL cannot store', (get) => {
  let app: FastifyInstance;
  const auth = { authorization: `Bearer ${testApiKey}` };
  before(async () => {
    app = await testServer(get());
  });
  after(async () => {
    await app.close();
  });

  test('CSV: the line and field of a NUL are reported, nothing committed', async () => {
    const csv = `${HEADER}\n4000000101,Петър Колев,ул. Раковски 3,Русе,7000,household\n4000000102,Ива\0на,ул. Шипка 1,Варна,9000,household\n`;
    const r = await app.inject({ method: 'POST', url: '/api/v1/import/customers', headers: { ...auth, 'content-type': 'text/csv' }, payload: csv });
    assert.equal(r.statusCode, 422, r.body);
    const details = r.json().error.details;
    assert.deepEqual(
      details.errors.map((e: { line: number; field: string; reason: string }) => [e.line, e.field, e.reason]),
      [[3, 'name', 'contains a NUL character']],
    );
    assert.equal((await get().db.selectFrom('customers').select('customer_number').execute()).length, 0);
  });

  test('JSON: a NUL or a lone surrogate anywhere is a 400 naming the field', async () => {
    for (const bad of ['Ива\0на', 'Ива\uD800на']) {
      const rows = [{ customer_number: '4000000103', name: bad, street: 'ул. Шипка 1', town: 'Варна', postcode: '9000', customer_class: 'household' }];
      const r = await app.inject({ method: 'POST', url: '/api/v1/import/customers', headers: { ...auth, 'content-type': 'application/json' }, payload: JSON.stringify(rows) });
      assert.equal(r.statusCode, 400, r.body);
      assert.equal(r.json().error.code, 'BAD_REQUEST');
      assert.match(r.json().error.message, /^body\.0\.name: /);
    }
    assert.equal((await get().db.selectFrom('customers').select('customer_number').execute()).length, 0);
    assert.equal((await app.inject('/healthz')).statusCode, 200);
  });
});
