import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { consent } from '../../src/portal/consent.js';
import { describeEachBackend } from '../support/db.js';
import { backofficeApp, seedCustomer, seedStaff, signIn, type Client } from './support.js';

describeEachBackend('back-office counter registration and holds', (get) => {
  let app: FastifyInstance;
  let agent: Client;
  let supervisor: Client;
  before(async () => {
    ({ app } = await backofficeApp(get(), { env: { PORTAL_CONTACT_MAX_CUSTOMERS: '2' } }));
    await seedStaff(get());
    for (const n of ['3000000201', '3000000202', '3000000203']) await seedCustomer(get(), n, 'Мария Иванова', [{ number: `I${n}`, due: '2026-01-05', amountMinor: 9000 }]);
    agent = await signIn(app, 'agent1');
    supervisor = await signIn(app, 'supervisor1');
  });
  after(async () => {
    await app.close();
  });

  const subs = (n: string) => get().db.selectFrom('subscriptions').selectAll().where('customer_number', '=', n).orderBy('id').execute();
  const messages = (n: string) => get().db.selectFrom('outbox_messages').selectAll().where('customer_number', '=', n).orderBy('id').execute();

  test('staff register a contact with the customer’s consent: active at once, source centre, staff named, confirmation sent', async () => {
    await agent.get('/backoffice/customers/3000000201/subscribe');
    const r = await agent.post('/backoffice/customers/3000000201/subscriptions', { channel: 'sms', contact: '0888 765 432', lang: 'bg', consent: consent.version });
    assert.equal(r.status, 303);
    const [s] = await subs('3000000201');
    assert.equal(s?.status, 'active');
    assert.equal(s?.source, 'centre');
    assert.equal(s?.address, '+359888765432');
    assert.equal(s?.consent_version, consent.version);
    assert.ok(s?.verified_at);
    const [m] = await messages('3000000201');
    assert.equal(m?.kind, 'subscription_confirmed');
    assert.equal(m?.recipient, '+359888765432');
    const a = await get().db.selectFrom('audit_events').selectAll().where('action', '=', 'subscription.registered').where('subject', '=', '3000000201').executeTakeFirstOrThrow();
    assert.equal(a.actor, 'staff:agent1');
    assert.equal(a.details.source, 'centre');
    assert.equal(a.details.staff_name, 'agent 1');
    assert.equal(a.details.consent_version, consent.version);
    const page = await agent.get('/backoffice/customers/3000000201');
    assert.match(page.body, /Абонаментът е регистриран/);
  });

  test('the portal’s rules apply: contact format, consent, the same contact, the per-contact cap', async () => {
    await agent.get('/backoffice/customers/3000000202/subscribe');
    const post = (form: Record<string, string>) => agent.post('/backoffice/customers/3000000202/subscriptions', { lang: 'bg', consent: consent.version, ...form });
    const landline = await post({ channel: 'sms', contact: '02 981 2345' });
    assert.equal(landline.status, 422);
    assert.match(landline.body, /български мобилен номер/);
    const noConsent = await agent.post('/backoffice/customers/3000000202/subscriptions', { channel: 'email', contact: 'maria@example.bg', lang: 'bg' });
    assert.equal(noConsent.status, 422);
    assert.match(noConsent.body, /трябва да се съгласи/);
    const oldConsent = await post({ channel: 'email', contact: 'maria@example.bg', consent: '2020-01' });
    assert.equal(oldConsent.status, 422);
    assert.equal((await post({ channel: 'sms', contact: '+359888765432' })).status, 303, 'a second customer on one phone');
    const same = await post({ channel: 'sms', contact: '0888765432' });
    assert.equal(same.status, 422);
    assert.match(same.body, /вече е контактът/);
    await agent.get('/backoffice/customers/3000000203/subscribe');
    const cap = await agent.post('/backoffice/customers/3000000203/subscriptions', { channel: 'sms', contact: '0888765432', lang: 'bg', consent: consent.version });
    assert.equal(cap.status, 422);
    assert.match(cap.body, /вече получава известия за 2/);
    assert.equal((await subs('3000000203')).length, 0);
  });

  test('a change replaces the contact and tells the old one; a cancellation ends it and confirms', async () => {
    await agent.get('/backoffice/customers/3000000201/subscribe?channel=sms');
    const change = await agent.post('/backoffice/customers/3000000201/subscriptions', { channel: 'sms', contact: '0899 111 222', lang: 'en', consent: consent.version });
    assert.equal(change.status, 303, change.body);
    const [old, now] = await subs('3000000201');
    assert.equal(old?.status, 'unsubscribed');
    assert.equal(old?.end_reason, 'replaced');
    assert.equal(now?.status, 'active');
    assert.equal(now?.lang, 'en');
    const kinds = (await messages('3000000201')).map((m) => `${m.kind}:${m.recipient}`);
    assert.ok(kinds.includes('subscription_changed:+359899111222'), kinds.join(' '));
    assert.ok(kinds.includes('contact_changed_notice:+359888765432'));
    await agent.get('/backoffice/customers/3000000201');
    assert.equal((await agent.post('/backoffice/customers/3000000201/subscriptions/cancel', { channel: 'sms' })).status, 303);
    const ended = (await subs('3000000201')).at(-1);
    assert.equal(ended?.status, 'unsubscribed');
    assert.equal(ended?.end_reason, 'cancelled');
    assert.ok((await messages('3000000201')).some((m) => m.kind === 'subscription_cancelled' && m.recipient === '+359899111222'));
    const a = await get().db.selectFrom('audit_events').selectAll().where('action', '=', 'subscription.cancelled').where('subject', '=', '3000000201').executeTakeFirstOrThrow();
    assert.equal(a.actor, 'staff:agent1');
  });

  test('supervisors set a hold with a reason and an end date, and lift it; agents may not', async () => {
    const page = await supervisor.get('/backoffice/customers/3000000202');
    assert.match(page.body, /Поставяне на задържане/);
    const bad = await supervisor.post('/backoffice/customers/3000000202/holds', { reason: 'complaint', until: '2001-01-01', note: '' });
    assert.equal(bad.status, 422);
    const until = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    const r = await supervisor.post('/backoffice/customers/3000000202/holds', { reason: 'complaint', until, note: 'Жалба № 123' });
    assert.equal(r.status, 303);
    const hold = await get().db.selectFrom('dunning_holds').selectAll().where('customer_number', '=', '3000000202').executeTakeFirstOrThrow();
    assert.equal(hold.reason, 'complaint');
    assert.equal(hold.until, until);
    assert.equal(hold.created_by, 'staff:supervisor1');
    const list = await supervisor.get('/backoffice/holds');
    assert.match(list.body, /Жалба № 123/);
    await agent.get('/backoffice/customers/3000000202');
    assert.equal((await agent.post(`/backoffice/holds/${hold.id}/release`, {})).status, 403);
    await supervisor.get('/backoffice/customers/3000000202');
    assert.equal((await supervisor.post(`/backoffice/holds/${hold.id}/release`, {})).status, 303);
    const lifted = await get().db.selectFrom('dunning_holds').selectAll().where('id', '=', hold.id).executeTakeFirstOrThrow();
    assert.equal(lifted.released_by, 'staff:supervisor1');
    const actions = await get().db.selectFrom('audit_events').select('action').where('subject', '=', 'customer:3000000202').execute();
    assert.deepEqual(actions.map((x) => x.action).filter((x) => x.startsWith('dunning.hold')), ['dunning.hold_placed', 'dunning.hold_released']);
  });
});
