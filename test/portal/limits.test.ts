// What one identity, one mailbox or one IPv6 allocation can make the portal send.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { registerAtCounter } from '../../src/backoffice/counter.js';
import { DEMO_SITE_VARS } from '../../src/delivery/text/site-variables.js';
import { consent } from '../../src/portal/consent.js';
import { ipLimitKey } from '../../src/portal/ip-prefix.js';
import { describeEachBackend } from '../support/db.js';
import { apiClient, clock, lastCode, portalApp, resetCounters, seedCustomers, type SeededCustomer } from './fixtures.js';

describeEachBackend('portal limits per identity, contact and network', (get) => {
  let customers: SeededCustomer[];
  const apps: FastifyInstance[] = [];
  let phoneSeq = 300;
  const phone = () => `+35988${String(10_000_000 + phoneSeq++).slice(1)}`;
  let ipSeq = 0;
  // A fresh client address for every request, as a botnet or a large IPv6 allocation would have.
  const freshIp = () => `10.${Math.floor(++ipSeq / 62_500) % 250}.${Math.floor(ipSeq / 250) % 250}.${ipSeq % 250}`;

  before(async () => {
    customers = await seedCustomers(get(), 5_400_000_001, 30);
  });
  after(async () => {
    for (const a of apps) await a.close();
  });
  const c = (i: number) => customers[i]!;
  async function app(env: Record<string, string> = {}, at?: Date) {
    await resetCounters(get());
    const p = await portalApp(get(), { env, ...(at ? { clock: clock(at) } : {}) });
    apps.push(p.app);
    return p.app;
  }
  async function register(a: FastifyInstance, i: number, contacts: { sms?: string; email?: string }, ip = freshIp()) {
    const api = apiClient(a, ip);
    await api.identify(c(i));
    return { api, r: await api.register(contacts) };
  }

  test('one customer and invoice number with a fresh address per request: a handful of codes, then the customer number is refused, and others still register', async () => {
    const a = await app();
    const first = phone();
    const own = await register(a, 0, { sms: first });
    assert.equal(own.r.status, 202);
    assert.equal((await own.api.verify('sms', await lastCode(get(), first))).status, 200);

    let issued = 1;
    let refusal: Record<string, unknown> | undefined;
    for (let i = 0; i < 100 && !refusal; i++) {
      const { r } = await register(a, 0, { sms: phone() });
      if (r.status === 202) issued++;
      else refusal = { status: r.status, reason: r.json.error.details.reason, retry: r.json.error.details.retry_after_seconds };
    }
    assert.equal(issued, 3, 'three destinations a day per customer number');
    assert.equal(refusal?.status, 429);
    assert.equal(refusal?.reason, 'customer_daily_limit');
    assert.ok(Number(refusal?.retry) > 23 * 3600);

    const email = await register(a, 0, { email: 'drain.one@example.com' });
    assert.equal(email.r.json.error.details.reason, 'customer_daily_limit', 'a fourth destination, an email too');
    const sent = await get().db.selectFrom('outbox_messages').select('id').where('kind', '=', 'verification_code').where('customer_number', '=', c(0).customerNumber).execute();
    assert.equal(sent.length, 3, 'three SMS in all');

    // The customer can still sign in: sign-in codes go to their own contacts and are counted apart.
    const login = apiClient(a, freshIp());
    await login.identify(c(0), 'manage');
    assert.equal((await login.call('POST', '/login-code', { channel: 'sms' })).status, 202);
    // And everyone else is unaffected.
    assert.equal((await register(a, 1, { sms: phone() })).r.status, 202);
  });

  test('at most 5 codes a day per customer number, resends included', async () => {
    const a = await app({ PORTAL_CUSTOMER_CONTACTS_PER_DAY: '10' });
    const { api } = await register(a, 2, { sms: phone(), email: 'five.codes@example.com' });
    assert.equal((await api.resend('sms')).status, 202);
    assert.equal((await api.resend('email')).status, 202);
    assert.equal((await api.resend('sms')).status, 202);
    const sixth = await api.resend('email');
    assert.equal(sixth.json.error.details.reason, 'customer_daily_limit');
  });

  test('the SMS budget counts codes sent: a code replaced before its SMS left gives its share back', async () => {
    const a = await app({ PORTAL_SMS_CODES_PER_HOUR: '2' }, new Date('2026-11-25T10:20:00Z'));
    const { api } = await register(a, 3, { sms: phone() });
    assert.equal((await api.resend('sms')).status, 202);
    const messages = await get().db.selectFrom('outbox_messages').select(['status', 'cancel_reason']).where('customer_number', '=', c(3).customerNumber).orderBy('id').execute();
    assert.deepEqual(messages, [{ status: 'cancelled', cancel_reason: 'code replaced' }, { status: 'queued', cancel_reason: null }]);
    assert.equal((await register(a, 4, { sms: phone() })).r.status, 202, 'two SMS to send, within the budget of 2');
    const over = await register(a, 5, { sms: phone() });
    assert.equal(over.r.json.error.details.reason, 'sms_budget');
    assert.equal(Number(over.r.headers['retry-after']), 40 * 60);
  });

  test('IPv6: the address limits count a whole /48', async () => {
    assert.equal(ipLimitKey('2001:db8:5:1::/64'), '2001:db8:5::/48');
    assert.equal(ipLimitKey('2001:db8::1'), '2001:db8:0::/48');
    assert.equal(ipLimitKey('198.51.100.7'), '198.51.100.7');
    const a = await app({ PORTAL_IP_CODES_PER_HOUR: '2' });
    assert.equal((await register(a, 6, { sms: phone() }, '2001:db8:5:1::1')).r.status, 202);
    assert.equal((await register(a, 7, { sms: phone() }, '2001:db8:5:2::1')).r.status, 202);
    assert.equal((await register(a, 8, { sms: phone() }, '2001:db8:5:ffff::9')).r.json.error.details.reason, 'ip_code_limit', 'another /64 of the same /48');
    assert.equal((await register(a, 8, { sms: phone() }, '2001:db8:6:1::1')).r.status, 202, 'another /48');

    const b = await app({ PORTAL_IP_FAILURES_PER_HOUR: '2' });
    const guess = (ip: string) => b.inject({ method: 'POST', url: '/api/v1/self-service/identity', remoteAddress: ip, payload: { customer_number: c(9).customerNumber, invoice_number: 'NOPE', purpose: 'register' } });
    assert.equal((await guess('2001:db8:7:1::1')).statusCode, 422);
    assert.equal((await guess('2001:db8:7:2::1')).statusCode, 422);
    assert.equal((await guess('2001:db8:7:3::1')).json().error.details.reason, 'rate_limited');
  });

  test('an email is one contact whatever the case of its letters: 3 codes a day, and the cap', async () => {
    const a = await app();
    const variants = ['Case.Victim@example.com', 'case.victim@example.com', 'CASE.VICTIM@example.com', 'case.Victim@Example.COM'];
    const statuses = [];
    for (const [i, email] of variants.entries()) {
      const { r } = await register(a, 10 + i, { email });
      statuses.push(r.status === 202 ? 202 : r.json.error.details.reason);
    }
    assert.deepEqual(statuses, [202, 202, 202, 'contact_daily_limit']);
    const stored = await get().db.selectFrom('verification_codes').select('address').where('customer_number', '=', c(10).customerNumber).executeTakeFirstOrThrow();
    assert.equal(stored.address, 'Case.Victim@example.com', 'kept as typed');

    const capped = await app({ PORTAL_CONTACT_MAX_CUSTOMERS: '1' });
    const owner = await register(capped, 14, { email: 'Cap.Box@example.com' });
    assert.equal((await owner.api.verify('email', await lastCode(get(), 'Cap.Box@example.com'))).status, 200);
    assert.equal((await register(capped, 15, { email: 'cap.box@example.com' })).r.json.error.details.reason, 'contact_cap');
    const staff = { username: 'clerk', displayName: 'Гергана', ip: '10.0.0.1' };
    const atCounter = await registerAtCounter(get().db, { publicUrl: 'https://example.bg', contactMaxCustomers: 1, siteVars: DEMO_SITE_VARS }, {
      customer: c(16).customerNumber,
      channel: 'email',
      contact: 'CAP.BOX@example.com',
      lang: 'bg',
      consentVersion: consent.version,
      staff,
      now: new Date(),
    });
    assert.deepEqual(atCounter, { ok: false, reason: 'contact_cap' });
    const change = apiClient(capped, freshIp());
    await change.identify(c(14), 'manage');
    assert.equal((await change.call('PUT', '/subscriptions/email', { address: 'cap.box@EXAMPLE.com' })).json.error.details.reason, 'same_contact');
  });
});
