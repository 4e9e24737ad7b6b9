// At the counter, staff set the customer's "remind me before my bills fall due" and record that the
// customer confirmed the contacts, as the portal's manage page does; audited with the staff member,
// behind the CSRF check; the next daily run follows the answer. The counter's confirmations carry
// the utility's brand (BRAND_*).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Root } from '../../src/app/root.js';
import { defaultPolicy, type DunningPolicy } from '../../src/dunning/policy.js';
import { savePolicy } from '../../src/dunning/policy-store.js';
import { runDunning } from '../../src/dunning/run.js';
import { consent } from '../../src/portal/consent.js';
import { testRoot } from '../support/app.js';
import { describeEachBackend } from '../support/db.js';
import { backofficeApp, seedCustomer, seedStaff, signIn, type Client } from './support.js';

const BRAND = { BRAND_NAME: 'Тест Ток ЕАД', BRAND_SHORT_NAME: 'TESTTOK', BRAND_PHONE: '0800 22 33', PUBLIC_URL: 'https://izvestie.test-tok.example' };
// Run on Tuesday 2026-12-01: three working days ahead is Friday 2026-12-04, when both bills fall due.
const RUN_DATE = '2026-12-01';
const OPTED = '3000000701';
const OTHER = '3000000702';
const NO_CONTACT = '3000000703';

describeEachBackend('back-office counter: pre-due opt-in and contacts confirmed', (get) => {
  let app: FastifyInstance;
  let root: Root;
  let agent: Client;
  before(async () => {
    ({ app } = await backofficeApp(get(), { env: BRAND }));
    root = await testRoot(get(), BRAND);
    await seedStaff(get());
    for (const n of [OPTED, OTHER, NO_CONTACT]) await seedCustomer(get(), n, 'Мария Иванова', [{ number: `I${n}`, due: '2026-12-04', amountMinor: 4820 }]);
    agent = await signIn(app, 'agent1');
    for (const [n, phone] of [[OPTED, '0888 700 701'], [OTHER, '0888 700 702']] as const) {
      await agent.get(`/backoffice/customers/${n}/subscribe`);
      const r = await agent.post(`/backoffice/customers/${n}/subscriptions`, { channel: 'sms', contact: phone, lang: 'bg', consent: consent.version });
      assert.equal(r.status, 303, r.body);
    }
  });
  after(async () => {
    await app.close();
  });

  const page = (n: string) => agent.get(`/backoffice/customers/${n}`);
  const sub = (n: string) => get().db.selectFrom('subscriptions').select(['predue_opt_in', 'contact_confirmed_at']).where('customer_number', '=', n).where('status', '=', 'active').executeTakeFirstOrThrow();
  const audit = (n: string) => get().db.selectFrom('audit_events').select(['actor', 'action', 'details']).where('subject', '=', `customer:${n}`).orderBy('id').execute();

  test('the counter’s confirmation carries the brand: short name on the SMS, name and phone in the email signature', async () => {
    const [sms] = await get().db.selectFrom('outbox_messages').selectAll().where('customer_number', '=', OPTED).where('kind', '=', 'subscription_confirmed').execute();
    assert.match(sms?.body ?? '', /^TESTTOK: Abonamentat Vi e aktiviran \(SMS: \+359\*+701\)\. Upravlenie: https:\/\/izvestie\.test-tok\.example\/manage$/);
    await agent.get(`/backoffice/customers/${OTHER}/subscribe?channel=email`);
    assert.equal((await agent.post(`/backoffice/customers/${OTHER}/subscriptions`, { channel: 'email', contact: 'other@example.bg', lang: 'en', consent: consent.version })).status, 303);
    const email = await get().db.selectFrom('outbox_messages').selectAll().where('recipient', '=', 'other@example.bg').executeTakeFirstOrThrow();
    assert.match(email.body ?? '', /Kind regards,\nТест Ток ЕАД\nCustomer centre: 0800 22 33$/);
    assert.match(email.html ?? '', /<img src="https:\/\/izvestie\.test-tok\.example\/brand\/logo\?v=[\w-]{8}" alt="Тест Ток ЕАД"/);
  });

  test('staff turn the pre-due reminder on: shown on the customer page, audited with the staff member, followed by the next daily run', async () => {
    const before = await page(OPTED);
    assert.match(before.body, /Напомняне преди падежа/);
    assert.match(before.body, /Сега: <strong>изключено<\/strong>/);
    assert.match(before.body, /<form method="post" action="\/backoffice\/customers\/3000000701\/preferences"[^>]*>\n<input type="hidden" name="_csrf"/);

    const r = await agent.post(`/backoffice/customers/${OPTED}/preferences`, { action: 'predue', predue: 'yes' });
    assert.equal(r.status, 303);
    assert.equal(r.location, `/backoffice/customers/${OPTED}`);
    assert.equal((await sub(OPTED)).predue_opt_in, true);
    const after = await page(OPTED);
    assert.match(after.body, /Напомнянето преди падежа е включено\./);
    assert.match(after.body, /Сега: <strong>включено<\/strong>/);
    assert.match(after.body, /name="predue" type="checkbox" value="yes" checked/);
    assert.deepEqual(await audit(OPTED), [{ actor: 'staff:agent1', action: 'subscription.predue_opt_in', details: { opt_in: true } }]);

    const policy = structuredClone(defaultPolicy) as DunningPolicy;
    Object.assign(policy.preDue, { enabled: true, workingDaysBefore: 3 });
    await savePolicy(get().db, policy, 'test');
    const run = await runDunning(get().db, { date: RUN_DATE, trigger: 'cli', actor: 'test', render: root.render, smsPricePerSegmentMinor: 5 });
    assert.equal(run.lifecycle.preDue, 1);
    const reminders = await get().db.selectFrom('outbox_messages').selectAll().where('kind', '=', 'predue_reminder').execute();
    assert.deepEqual(reminders.map((m) => [m.customer_number, m.recipient]), [[OPTED, '+359888700701']], 'only the customer who asked at the counter');
    const text = root.render('predue_reminder', 'sms', 'bg', reminders[0]!.payload).body;
    assert.match(text, /^TESTTOK: Smetka za tok, kl\. No \*+0701: 48,20 EUR, padezh 04\.12\.2026\./);
  });

  test('and off again; a form without its CSRF token changes nothing', async () => {
    await page(OPTED);
    const forged = await agent.post(`/backoffice/customers/${OPTED}/preferences`, { action: 'predue' }, { csrf: null });
    assert.equal(forged.status, 403);
    assert.equal((await sub(OPTED)).predue_opt_in, true);
    assert.equal((await agent.post(`/backoffice/customers/${OPTED}/preferences`, { action: 'predue' })).status, 303);
    assert.equal((await sub(OPTED)).predue_opt_in, false);
    assert.match((await page(OPTED)).body, /Напомнянето преди падежа е изключено\./);
    assert.deepEqual((await audit(OPTED)).at(-1), { actor: 'staff:agent1', action: 'subscription.predue_opt_in', details: { opt_in: false } });
  });

  test('the customer confirms the contacts at the desk: recorded, shown, audited', async () => {
    assert.match((await page(OTHER)).body, /Последно потвърдени от клиента: не са потвърждавани/);
    assert.equal((await sub(OTHER)).contact_confirmed_at, null);
    assert.equal((await agent.post(`/backoffice/customers/${OTHER}/preferences`, { action: 'confirm' })).status, 303);
    assert.ok((await sub(OTHER)).contact_confirmed_at instanceof Date);
    const shown = await page(OTHER);
    assert.match(shown.body, /Контактите са потвърдени\./);
    assert.match(shown.body, /Последно потвърдени от клиента: \d{2}\.\d{2}\.\d{4} \d{2}:\d{2}/);
    assert.deepEqual((await audit(OTHER)).map((a) => [a.actor, a.action, a.details]), [['staff:agent1', 'subscription.contacts_confirmed', { subscriptions: 2 }]]);
  });

  test('a customer without an active contact: no form, and a posted one sets and audits nothing', async () => {
    const p = await page(NO_CONTACT);
    assert.doesNotMatch(p.body, /\/preferences"/);
    assert.equal((await agent.post(`/backoffice/customers/${NO_CONTACT}/preferences`, { action: 'predue', predue: 'yes' })).status, 303);
    assert.match((await page(NO_CONTACT)).body, /Нищо не е запазено: клиентът няма активни контакти за известия\./);
    assert.deepEqual(await audit(NO_CONTACT), []);
  });
});
