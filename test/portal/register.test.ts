import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { describeEachBackend } from '../support/db.js';
import { lastCode, messagesTo, portalApp, registerViaWeb, seedCustomers, webClient, type SeededCustomer } from './fixtures.js';

describeEachBackend('portal registration (web)', (get) => {
  let app: FastifyInstance;
  let customers: SeededCustomer[];
  before(async () => {
    customers = await seedCustomers(get(), 5_300_000_001, 20);
    ({ app } = await portalApp(get(), { env: { PORTAL_CONTACT_MAX_CUSTOMERS: '2' } }));
  });
  after(async () => {
    await app.close();
  });
  const c = (i: number) => customers[i]!;

  async function identified(i: number, ip?: string) {
    const web = webClient(app, ip);
    await web.get('/register/customer-number');
    assert.equal((await web.post('/register/customer-number', { customer_number: c(i).customerNumber })).status, 303);
    const r = await web.post('/register/invoice-number', { invoice_number: c(i).invoice });
    assert.equal(r.headers.location, '/register/channel');
    await web.get('/register/channel');
    return web;
  }

  test('register SMS and email: pending, codes, active, confirmations, audit with IP and consent version', async () => {
    const web = await registerViaWeb(app, get(), c(0), { sms: '0888 100 001', email: 'Maria.Ivanova@Example.BG' }, '192.0.2.33');
    const done = await web.get('/register/done');
    assert.equal(done.status, 200);
    assert.match(done.body, /Абонаментът е активен/);
    assert.match(done.body, /\+359\*{5}001/);
    const subs = await get().db.selectFrom('subscriptions').select(['channel', 'address', 'status', 'source', 'consent_version']).where('customer_number', '=', c(0).customerNumber).orderBy('channel').execute();
    assert.deepEqual(subs, [
      { channel: 'email', address: 'Maria.Ivanova@example.bg', status: 'active', source: 'online', consent_version: '2026-01' },
      { channel: 'sms', address: '+359888100001', status: 'active', source: 'online', consent_version: '2026-01' },
    ]);
    for (const to of ['+359888100001', 'Maria.Ivanova@example.bg']) {
      assert.deepEqual((await messagesTo(get(), to)).map((m) => m.kind), ['verification_code', 'subscription_confirmed']);
    }
    const email = (await messagesTo(get(), 'Maria.Ivanova@example.bg')).at(-1)!;
    assert.match(email.subject ?? '', /активиран/);
    assert.match(email.html ?? '', /Ma\*\*\*@example\.bg/);
    const audit = await get().db.selectFrom('audit_events').select(['actor', 'action', 'details']).where('subject', '=', c(0).customerNumber).orderBy('id').execute();
    assert.equal(audit.length, 2);
    for (const a of audit) {
      assert.equal(a.actor, 'online:web');
      assert.equal(a.action, 'subscription.registered');
      assert.equal(a.details.ip, '192.0.2.33');
      assert.equal(a.details.consent_version, '2026-01');
      assert.equal(a.details.source, 'online');
      assert.ok(typeof a.details.verified_at === 'string');
    }
  });

  test('Bulgarian mobiles in any usual form are stored as E.164; landlines and foreign numbers are refused', async () => {
    const web = await identified(1);
    await web.post('/register/channel', { channel: 'sms' });
    for (const typed of ['02 981 1111', '+44 7700 900123', '0888 12', 'abc']) {
      const r = await web.post('/register/phone', { phone: typed });
      assert.equal(r.status, 422, typed);
      assert.match(r.body, /<title>Грешка: /);
      assert.match(r.body, /class="error-summary"[\s\S]*href="#phone"/);
      assert.match(r.body, /aria-invalid="true"/);
    }
    for (const [typed, i] of [['0887 111 222', 2], ['+359 887 111 223', 3], ['00359887111224', 4]] as const) {
      const w = await identified(i);
      await w.post('/register/channel', { channel: 'sms' });
      assert.equal((await w.post('/register/phone', { phone: typed })).status, 303, typed);
      assert.equal((await w.post('/register/consent', { consent: 'yes' })).status, 303);
    }
    const stored = await get().db.selectFrom('subscriptions').select('address').where('customer_number', 'in', [c(2).customerNumber, c(3).customerNumber, c(4).customerNumber]).orderBy('address').execute();
    assert.deepEqual(stored.map((s) => s.address), ['+359887111222', '+359887111223', '+359887111224']);
  });

  test('emails are checked and their domain stored in lower case', async () => {
    const web = await identified(5);
    await web.post('/register/channel', { channel: 'email' });
    for (const typed of ['not-an-email', 'a@b', 'ivan@@example.bg', 'иван@example.bg']) assert.equal((await web.post('/register/email', { email: typed })).status, 422, typed);
    assert.equal((await web.post('/register/email', { email: ' Ivan.P@MAIL.Example.COM ' })).status, 303);
    const consent = await web.get('/register/consent');
    assert.match(consent.body, /Ivan\.P@mail\.example\.com/);
  });

  test('the consent box must be ticked', async () => {
    const web = await identified(6);
    await web.post('/register/channel', { channel: 'email' });
    await web.post('/register/email', { email: 'consent@example.bg' });
    const r = await web.post('/register/consent', {});
    assert.equal(r.status, 422);
    assert.match(r.body, /href="#consent"/);
    assert.deepEqual(await messagesTo(get(), 'consent@example.bg'), []);
  });

  test('one active phone per customer: a new one replaces the old, and the old one is told', async () => {
    await registerViaWeb(app, get(), c(7), { sms: '0888 700 001' });
    await registerViaWeb(app, get(), c(7), { sms: '0888 700 002' });
    const subs = await get().db.selectFrom('subscriptions').select(['address', 'status', 'end_reason']).where('customer_number', '=', c(7).customerNumber).orderBy('id').execute();
    assert.deepEqual(subs, [
      { address: '+359888700001', status: 'unsubscribed', end_reason: 'replaced' },
      { address: '+359888700002', status: 'active', end_reason: null },
    ]);
    assert.deepEqual((await messagesTo(get(), '+359888700001')).map((m) => m.kind), ['verification_code', 'subscription_confirmed', 'contact_changed_notice']);
    const notice = (await messagesTo(get(), '+359888700001')).at(-1)!;
    assert.match(notice.body ?? '', /\+359\*{5}002/);
    assert.equal(notice.subscription_id, null, 'not tied to the ended subscription, so the worker still sends it');
    assert.deepEqual((await messagesTo(get(), '+359888700002')).map((m) => m.kind), ['verification_code', 'subscription_changed']);
    const audit = await get().db.selectFrom('audit_events').select(['action', 'details']).where('subject', '=', c(7).customerNumber).orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['subscription.registered', 'subscription.changed']);
  });

  test('the same contact twice is refused', async () => {
    await registerViaWeb(app, get(), c(8), { email: 'same@example.bg' });
    const web = await identified(8);
    await web.post('/register/channel', { channel: 'email' });
    const r = await web.post('/register/email', { email: 'same@example.bg' });
    assert.equal(r.status, 422);
    assert.match(r.body, /вече получава известия за този клиентски номер/);
  });

  test('one contact may serve several customer numbers, up to the configured cap', async () => {
    await registerViaWeb(app, get(), c(9), { sms: '0899 900 900' });
    await registerViaWeb(app, get(), c(10), { sms: '0899 900 900' });
    const web = await identified(11);
    await web.post('/register/channel', { channel: 'sms' });
    const r = await web.post('/register/phone', { phone: '0899 900 900' });
    assert.equal(r.status, 422);
    assert.match(r.body, /максималния брой клиентски номера/);
  });

  test('steps out of order send the customer back to the start; a code page without codes too', async () => {
    const web = webClient(app);
    for (const path of ['/register/invoice-number', '/register/channel', '/register/phone', '/register/consent', '/register/code', '/register/done']) {
      const r = await web.get(path);
      assert.equal(r.status, 303, path);
      assert.equal(r.headers.location, '/register/customer-number');
    }
  });

  test('the English switch: pages, the subscription and its messages in English', async () => {
    const web = webClient(app);
    const page = await web.get('/register/customer-number?lang=en');
    assert.match(page.body, /<html lang="en">/);
    assert.match(page.body, /What is your customer number\?/);
    assert.ok(web.cookies.get('__Host-izvestie-lang') === 'en');
    await web.post('/register/customer-number', { customer_number: c(12).customerNumber });
    await web.post('/register/invoice-number', { invoice_number: c(12).invoice });
    await web.post('/register/channel', { channel: 'email' });
    await web.post('/register/email', { email: 'english@example.bg' });
    await web.post('/register/consent', { consent: 'yes' });
    const codePage = await web.get('/register/code');
    assert.match(codePage.body, /Enter the code we sent to email en\*\*\*@example\.bg/);
    assert.match(codePage.body, /Sandbox: [^<]*<a href="\/dev\/outbox">/, 'in a sandbox the code page says where the code is');
    const [msg] = await messagesTo(get(), 'english@example.bg');
    assert.equal(msg!.lang, 'en');
    assert.match(msg!.subject ?? '', /Your verification code/);
    await web.post('/register/code', { channel: 'email', code: await lastCode(get(), 'english@example.bg') });
    assert.match((await web.get('/register/done')).body, /You are subscribed/);
    const sub = await get().db.selectFrom('subscriptions').select('lang').where('address', '=', 'english@example.bg').executeTakeFirstOrThrow();
    assert.equal(sub.lang, 'en');
  });
});
