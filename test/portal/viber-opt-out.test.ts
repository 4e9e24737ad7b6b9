// The manage page's Viber choice (issue 14, point 4): a customer with a phone subscription opts out
// of Viber and back in; the daily run then sends that customer SMS only (test/delivery/viber).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { describeEachBackend } from '../support/db.js';
import { lastCode, portalApp, registerViaWeb, seedCustomers, webClient, type SeededCustomer } from './fixtures.js';

describeEachBackend('portal: Viber opt-out', (get) => {
  let app: FastifyInstance;
  let customers: SeededCustomer[];
  before(async () => {
    customers = await seedCustomers(get(), 5_400_200_001, 2);
    ({ app } = await portalApp(get()));
  });
  after(async () => {
    await app.close();
  });

  test('a signed-in customer with a phone opts out of Viber and back in, audited', async () => {
    const c = customers[0]!;
    await registerViaWeb(app, get(), c, { sms: '0888 500 111' });
    const web = webClient(app);
    await web.get('/manage/customer-number');
    await web.post('/manage/customer-number', { customer_number: c.customerNumber });
    await web.post('/manage/invoice-number', { invoice_number: c.invoice });
    await web.post('/manage/send-code', { choice: 'code:sms' });
    await web.get('/manage/code');
    assert.equal((await web.post('/manage/code', { channel: 'sms', code: await lastCode(get(), '+359888500111') })).headers.location, '/manage');
    const optedOut = async () => (await get().db.selectFrom('subscriptions').select('viber_opt_out').where('customer_number', '=', c.customerNumber).where('status', '=', 'active').executeTakeFirstOrThrow()).viber_opt_out;

    const dash = await web.get('/manage');
    assert.match(dash.body, /Известия по Viber/);
    assert.doesNotMatch(dash.body, /name="viber_opt_out" type="checkbox" value="yes" checked/);
    assert.equal(await optedOut(), false);
    assert.equal((await web.post('/manage/viber', { viber_opt_out: 'yes' })).headers.location, '/manage?notice=viber');
    assert.equal(await optedOut(), true);
    const saved = await web.get('/manage?notice=viber');
    assert.match(saved.body, /Изборът Ви за Viber е запазен/);
    assert.match(saved.body, /name="viber_opt_out" type="checkbox" value="yes" checked/);
    await web.post('/manage/viber', {});
    assert.equal(await optedOut(), false);
    const audit = await get().db.selectFrom('audit_events').select('action').where('subject', '=', `customer:${c.customerNumber}`).where('action', '=', 'subscription.viber_opt_out').execute();
    assert.equal(audit.length, 2);
  });

  test('not signed in: the form changes nothing', async () => {
    const c = customers[1]!;
    await registerViaWeb(app, get(), c, { sms: '0888 500 222' });
    const web = webClient(app);
    await web.get('/manage/customer-number');
    const r = await web.post('/manage/viber', { viber_opt_out: 'yes' });
    assert.equal(r.status, 303);
    const s = await get().db.selectFrom('subscriptions').select('viber_opt_out').where('customer_number', '=', c.customerNumber).executeTakeFirstOrThrow();
    assert.equal(s.viber_opt_out, false);
  });
});
