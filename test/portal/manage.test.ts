import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { describeEachBackend } from '../support/db.js';
import { lastCode, messagesTo, portalApp, registerViaWeb, seedCustomers, webClient, type SeededCustomer } from './fixtures.js';

describeEachBackend('portal management (web)', (get) => {
  let app: FastifyInstance;
  let customers: SeededCustomer[];
  before(async () => {
    customers = await seedCustomers(get(), 5_400_000_001, 10);
    ({ app } = await portalApp(get()));
  });
  after(async () => {
    await app.close();
  });
  const c = (i: number) => customers[i]!;

  async function identified(i: number) {
    const web = webClient(app);
    await web.get('/manage/customer-number');
    await web.post('/manage/customer-number', { customer_number: c(i).customerNumber });
    const r = await web.post('/manage/invoice-number', { invoice_number: c(i).invoice });
    assert.equal(r.headers.location, '/manage/send-code');
    return web;
  }

  async function signedIn(i: number, channel: 'sms' | 'email', address: string) {
    const web = await identified(i);
    const choice = await web.get('/manage/send-code');
    assert.match(choice.body, new RegExp(`value="code:${channel}"`));
    assert.equal((await web.post('/manage/send-code', { choice: `code:${channel}` })).headers.location, '/manage/code');
    await web.get('/manage/code');
    const r = await web.post('/manage/code', { channel, code: await lastCode(get(), address) });
    assert.equal(r.headers.location, '/manage');
    return web;
  }

  const subs = (i: number) => get().db.selectFrom('subscriptions').select(['channel', 'address', 'status', 'end_reason']).where('customer_number', '=', c(i).customerNumber).orderBy('id').execute();

  test('sign in with a code to the current phone, then change it: the new one is verified, the old one told', async () => {
    await registerViaWeb(app, get(), c(0), { sms: '0888 000 111' });
    const web = await signedIn(0, 'sms', '+359888000111');
    const dash = await web.get('/manage');
    assert.equal(dash.status, 200);
    assert.match(dash.body, /\+359\*{5}111/);
    await web.get('/manage/phone?action=change');
    assert.equal((await web.post('/manage/phone', { action: 'change', phone: '0888 000 222' })).headers.location, '/manage/code');
    await web.get('/manage/code');
    const r = await web.post('/manage/code', { channel: 'sms', code: await lastCode(get(), '+359888000222') });
    assert.equal(r.headers.location, '/manage?notice=changed');
    assert.match((await web.get('/manage?notice=changed')).body, /Контактът е променен/);
    assert.deepEqual(await subs(0), [
      { channel: 'sms', address: '+359888000111', status: 'unsubscribed', end_reason: 'replaced' },
      { channel: 'sms', address: '+359888000222', status: 'active', end_reason: null },
    ]);
    assert.deepEqual((await messagesTo(get(), '+359888000111')).map((m) => m.kind), ['verification_code', 'subscription_confirmed', 'verification_code', 'contact_changed_notice']);
    assert.deepEqual((await messagesTo(get(), '+359888000222')).map((m) => m.kind), ['verification_code', 'subscription_changed']);
  });

  test('a lost phone: the code goes to the new number instead, and the old number is told', async () => {
    await registerViaWeb(app, get(), c(1), { sms: '0888 111 001' });
    const web = await identified(1);
    assert.equal((await web.post('/manage/send-code', { choice: 'lost:sms' })).headers.location, '/manage/phone?action=change');
    const page = await web.get('/manage/phone?action=change');
    assert.match(page.body, /новият номер/);
    await web.post('/manage/phone', { action: 'change', phone: '0888 111 002' });
    const r = await web.post('/manage/code', { channel: 'sms', code: await lastCode(get(), '+359888111002') });
    assert.equal(r.headers.location, '/manage?notice=changed');
    assert.deepEqual((await messagesTo(get(), '+359888111001')).map((m) => m.kind), ['verification_code', 'subscription_confirmed', 'contact_changed_notice'], 'no code to the lost phone, only the notice');
    assert.equal((await web.get('/manage')).status, 200, 'signed in by the new contact');
    const audit = await get().db.selectFrom('audit_events').select(['action', 'details']).where('subject', '=', c(1).customerNumber).orderBy('id').execute();
    assert.equal(audit.at(-1)!.action, 'subscription.changed');
    assert.equal(audit.at(-1)!.details.replaced_address_masked, '+359*****001');
  });

  test('add an email channel (with consent), remove it again; each step confirmed', async () => {
    await registerViaWeb(app, get(), c(2), { sms: '0888 222 001' });
    const web = await signedIn(2, 'sms', '+359888222001');
    assert.match((await web.get('/manage')).body, /href="\/manage\/email\?action=add"/);
    assert.equal((await web.post('/manage/email', { action: 'add', email: 'added@example.bg' })).headers.location, '/manage/consent?channel=email');
    await web.get('/manage/consent?channel=email');
    assert.equal((await web.post('/manage/consent', { channel: 'email' })).status, 422, 'consent is required');
    assert.equal((await web.post('/manage/consent', { channel: 'email', consent: 'yes' })).headers.location, '/manage/code');
    assert.equal((await web.post('/manage/code', { channel: 'email', code: await lastCode(get(), 'added@example.bg') })).headers.location, '/manage?notice=added');
    const dash = await web.get('/manage');
    assert.match(dash.body, /ad\*\*\*@example\.bg/);
    assert.match(dash.body, /href="\/manage\/remove\?channel=email"/);
    await web.get('/manage/remove?channel=email');
    assert.equal((await web.post('/manage/remove', { channel: 'email' })).headers.location, '/manage?notice=removed');
    assert.deepEqual((await subs(2)).map((s) => [s.channel, s.status, s.end_reason]), [
      ['sms', 'active', null],
      ['email', 'unsubscribed', 'cancelled'],
    ]);
    assert.deepEqual((await messagesTo(get(), 'added@example.bg')).map((m) => m.kind), ['verification_code', 'subscription_confirmed', 'subscription_cancelled']);
  });

  test('unsubscribe from everything: each contact gets a confirmation, each cancellation is audited', async () => {
    await registerViaWeb(app, get(), c(3), { sms: '0888 333 001', email: 'gone@example.bg' }, '192.0.2.99');
    const web = await signedIn(3, 'email', 'gone@example.bg');
    assert.match((await web.get('/manage/unsubscribe')).body, /Да спрем ли всички известия\?/);
    assert.equal((await web.post('/manage/unsubscribe', {})).headers.location, '/manage/done');
    assert.match((await web.get('/manage/done')).body, /Известията са спрени/);
    assert.deepEqual((await subs(3)).map((s) => [s.status, s.end_reason]), [
      ['unsubscribed', 'cancelled'],
      ['unsubscribed', 'cancelled'],
    ]);
    for (const to of ['+359888333001', 'gone@example.bg']) {
      const last = (await messagesTo(get(), to)).at(-1)!;
      assert.equal(last.kind, 'subscription_cancelled');
      assert.equal(last.subscription_id, null);
    }
    const audit = await get().db.selectFrom('audit_events').select(['actor', 'action', 'details']).where('subject', '=', c(3).customerNumber).where('action', '=', 'subscription.cancelled').execute();
    assert.equal(audit.length, 2);
    assert.ok(audit.every((a) => a.actor === 'online:web' && a.details.ip === '192.0.2.10' && a.details.consent_version === '2026-01'));
  });

  test('no active subscription: the page offers registration, which goes on with the proven customer number', async () => {
    const web = await identified(4);
    const page = await web.get('/manage/send-code');
    assert.match(page.body, /Нямате активен абонамент/);
    assert.match(page.body, /href="\/register\/channel"/);
    assert.equal((await web.get('/register/channel')).status, 200);
    assert.equal((await web.post('/register/channel', { channel: 'email' })).headers.location, '/register/email');
  });

  test('managing needs a sign-in: proving the customer number alone shows nothing and changes nothing but a lost contact', async () => {
    await registerViaWeb(app, get(), c(5), { sms: '0888 555 001' });
    const web = await identified(5);
    for (const path of ['/manage', '/manage/unsubscribe', '/manage/remove?channel=sms', '/manage/email?action=add', '/manage/done']) {
      const r = await web.get(path);
      assert.equal(r.status, 303, path);
      assert.equal(r.headers.location, '/manage/customer-number', path);
    }
    assert.equal((await web.post('/manage/unsubscribe', {})).headers.location, '/manage/customer-number');
    assert.equal((await subs(5))[0]!.status, 'active');
  });
});
