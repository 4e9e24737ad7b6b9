// The manage page's lifecycle part: opting in to pre-due reminders and answering the yearly contact
// check, which the daily run and the contact check's guard then follow.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { describeEachBackend } from '../support/db.js';
import { lastCode, portalApp, registerViaWeb, seedCustomers, webClient, type SeededCustomer } from './fixtures.js';

describeEachBackend('portal: pre-due opt-in and contact confirmation', (get) => {
  let app: FastifyInstance;
  let customers: SeededCustomer[];
  before(async () => {
    customers = await seedCustomers(get(), 5_400_100_001, 2);
    ({ app } = await portalApp(get()));
  });
  after(async () => {
    await app.close();
  });

  test('a signed-in customer opts in to pre-due reminders, opts out, and confirms the contacts', async () => {
    const c = customers[0]!;
    await registerViaWeb(app, get(), c, { sms: '0888 400 111' });
    const web = webClient(app);
    await web.get('/manage/customer-number');
    await web.post('/manage/customer-number', { customer_number: c.customerNumber });
    await web.post('/manage/invoice-number', { invoice_number: c.invoice });
    await web.post('/manage/send-code', { choice: 'code:sms' });
    await web.get('/manage/code');
    assert.equal((await web.post('/manage/code', { channel: 'sms', code: await lastCode(get(), '+359888400111') })).headers.location, '/manage');
    const sub = () => get().db.selectFrom('subscriptions').select(['predue_opt_in', 'contact_confirmed_at']).where('customer_number', '=', c.customerNumber).where('status', '=', 'active').executeTakeFirstOrThrow();

    const dash = await web.get('/manage');
    assert.match(dash.body, /Напомняне преди падежа/);
    assert.doesNotMatch(dash.body, /id="predue" name="predue" type="checkbox" value="yes" checked/);
    assert.equal((await web.post('/manage/preferences', { action: 'predue', predue: 'yes' })).headers.location, '/manage?notice=saved');
    assert.equal((await sub()).predue_opt_in, true);
    const saved = await web.get('/manage?notice=saved');
    assert.match(saved.body, /Настройката е запазена/);
    assert.match(saved.body, /id="predue" name="predue" type="checkbox" value="yes" checked/);
    await web.post('/manage/preferences', { action: 'predue' });
    assert.equal((await sub()).predue_opt_in, false);

    assert.equal((await sub()).contact_confirmed_at, null);
    assert.equal((await web.post('/manage/preferences', { action: 'confirm' })).headers.location, '/manage?notice=confirmed');
    assert.ok((await sub()).contact_confirmed_at instanceof Date);
    const audit = await get().db.selectFrom('audit_events').select('action').where('subject', '=', `customer:${c.customerNumber}`).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action).filter((a) => a.startsWith('subscription.predue') || a === 'subscription.contacts_confirmed'), [
      'subscription.predue_opt_in',
      'subscription.predue_opt_in',
      'subscription.contacts_confirmed',
    ]);
  });

  test('not signed in: the form changes nothing', async () => {
    const c = customers[1]!;
    await registerViaWeb(app, get(), c, { sms: '0888 400 222' });
    const web = webClient(app);
    await web.get('/manage/customer-number');
    const r = await web.post('/manage/preferences', { action: 'predue', predue: 'yes' });
    assert.equal(r.status, 303);
    const s = await get().db.selectFrom('subscriptions').select('predue_opt_in').where('customer_number', '=', c.customerNumber).executeTakeFirstOrThrow();
    assert.equal(s.predue_opt_in, false);
  });
});
