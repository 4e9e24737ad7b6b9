import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachBackend } from '../support/db.js';
import { defaultTemplates } from '../../src/delivery/text/default-templates.js';
import { countSms } from '../../src/delivery/text/segments.js';
import { saveCalendarOverride } from '../../src/dunning/calendar-store.js';
import { placeHold, releaseHold } from '../../src/dunning/holds.js';
import { defaultPolicy } from '../../src/dunning/policy.js';
import { DEMO_PAYMENT, noticeRenderer } from '../../src/dunning/render.js';
import { savePolicy } from '../../src/dunning/policy-store.js';
import { addCustomer, addInvoice, notices, pay, phoneOf, render, reset, run } from './fixtures.js';

// Due Monday 2 November 2026 (no holidays that month): reminder Tue 3, second Wed 11, final Wed 18,
// disconnection list Mon 23 November.
const DUE = '2026-11-02';

describeEachBackend('the daily dunning run', (get) => {
  beforeEach(() => reset(get().db));

  test('one notice per customer and stage, naming the overdue total and every overdue invoice', async () => {
    const { db } = get();
    const a = await addCustomer(db, 1, { email: true });
    await addInvoice(db, a, 'I-1', DUE, 5000);
    await addInvoice(db, a, 'I-2', '2026-10-26', 3000, 1000);
    await addInvoice(db, a, 'I-3', '2026-11-20', 9000); // not due yet: not in the total
    await addInvoice(db, a, 'I-4', '2026-10-01', 4000, 4000); // paid
    // The oldest unpaid invoice (26 Oct) decides: +7 working days on 4 November.
    const r = await run(db, '2026-11-04');
    assert.equal(r.noticesCreated, 1);
    const [n] = await notices(db);
    assert.equal(n?.business_key, `dunning:${a}:second:2026-10-26`);
    assert.deepEqual([n?.kind, n?.channel, n?.recipient, n?.fallback, n?.status], ['overdue_second', 'sms', phoneOf(1), ['email'], 'queued']);
    assert.deepEqual(n?.payload.invoices, ['I-2', 'I-1']);
    assert.equal(n?.payload.total_eur_minor, 7000);
    assert.equal(n?.payload.oldest_due_date, '2026-10-26');
    assert.equal(n?.payload.disconnection_date, '2026-11-16');
    const text = render('overdue_second', 'sms', 'bg', n?.payload ?? {}).body;
    assert.match(text, /70,00 EUR/);
    const email = render('overdue_second', 'email', 'bg', n?.payload ?? {});
    assert.match(email.body, /- № I-2, падеж 26\.10\.2026, дължимо 20,00 EUR\n- № I-1, падеж 02\.11\.2026, дължимо 50,00 EUR/);
    assert.match(email.subject ?? '', /\*{6}0001/);
    assert.match(email.body, /https:\/\/izvestia\.example\.bg\/manage\/unsubscribe/);
    // What the lead wires: the one-click link of the email subscription, the payment page, edited templates.
    const subscription = await db.selectFrom('subscriptions').select('id').where('channel', '=', 'email').executeTakeFirstOrThrow();
    const edited = noticeRenderer('https://izvestia.example.bg', {
      payment: { ...DEMO_PAYMENT, urlTemplate: 'https://plati.example.bg/p' },
      unsubscribeUrl: (id) => `https://izvestia.example.bg/u/${id}.sig`,
      templates: (kind, lang) => ({ set: { ...defaultTemplates[kind][lang], sms: 'Дължите {{total_eur}}: {{pay_url}}' }, version: 2 }),
    });
    assert.equal(edited('overdue_second', 'sms', 'bg', n?.payload ?? {}).body, 'Dalzhite 70,00 EUR: https://plati.example.bg/p', 'Latin letters by default (one GSM-7 part)');
    assert.match(edited('overdue_second', 'email', 'bg', n?.payload ?? {}).body, new RegExp(`https://izvestia\\.example\\.bg/u/${subscription.id}\\.sig`));
  });

  test('channels in order with fallback; email-only customers get email; a letter only where the stage says so', async () => {
    const { db } = get();
    const smsOnly = await addCustomer(db, 1);
    const emailOnly = await addCustomer(db, 2, { sms: false, email: true, lang: 'en' });
    const none = await addCustomer(db, 3, { sms: false });
    for (const [c, i] of [[smsOnly, 1], [emailOnly, 2], [none, 3]] as const) await addInvoice(db, c, `I-${i}`, DUE, 5000);
    const reminder = await run(db, '2026-11-03');
    assert.deepEqual(reminder.stages[0]?.channels, [{ channel: 'sms', planned: 1, created: 1 }, { channel: 'email', planned: 1, created: 1 }]);
    assert.equal(reminder.stages[0]?.noContact, 1);
    const final = await run(db, '2026-11-18');
    assert.deepEqual(final.stages[2]?.channels, [
      { channel: 'sms', planned: 1, created: 1 },
      { channel: 'email', planned: 1, created: 1 },
      { channel: 'letter', planned: 1, created: 1 },
    ]);
    const finals = (await notices(db)).filter((n) => n.kind === 'overdue_final');
    assert.deepEqual(finals.map((n) => [n.customer_number, n.channel, n.fallback]), [
      [smsOnly, 'sms', ['email', 'letter']],
      [emailOnly, 'email', ['letter']],
      [none, 'letter', []],
    ]);
    assert.equal(finals[2]?.recipient, 'Клиент 3\nул. Шипка 3\n9000 Варна');
    const en = render('overdue_final', 'email', 'en', finals[1]?.payload ?? {});
    assert.match(en.body, /disconnected after 23\.11\.2026/);
  });

  test('idempotent: a second run the same day creates nothing new; the next stage is one new notice; every run is recorded', async () => {
    const { db } = get();
    const a = await addCustomer(db, 1);
    await addInvoice(db, a, 'I-1', DUE, 5000);
    assert.equal((await run(db, '2026-11-03')).noticesCreated, 1);
    const again = await run(db, '2026-11-03');
    assert.equal(again.noticesCreated, 0);
    assert.deepEqual(again.stages[0]?.channels[0], { channel: 'sms', planned: 1, created: 0 });
    // Days in between: still the reminder stage, already notified.
    assert.equal((await run(db, '2026-11-10')).noticesCreated, 0);
    assert.equal((await run(db, '2026-11-11')).noticesCreated, 1);
    assert.deepEqual((await notices(db)).map((n) => n.business_key), [`dunning:${a}:reminder:${DUE}`, `dunning:${a}:second:${DUE}`]);
    const runs = await db.selectFrom('dunning_runs').select(['run_date', 'trigger', 'policy_version', 'notices_created', 'overdue_customers', 'finished_at']).orderBy('id').execute();
    assert.deepEqual(runs.map((r) => [r.run_date, r.notices_created, r.overdue_customers, r.finished_at !== null]), [
      ['2026-11-03', 1, 1, true],
      ['2026-11-03', 0, 1, true],
      ['2026-11-10', 0, 1, true],
      ['2026-11-11', 1, 1, true],
    ]);
  });

  test('a dry run writes nothing and shows exactly what the run then does, with the SMS parts and cost', async () => {
    const { db } = get();
    for (let i = 1; i <= 5; i++) {
      const c = await addCustomer(db, i, { sms: i !== 5, email: i >= 4, lang: i === 3 ? 'en' : 'bg' });
      await addInvoice(db, c, `I-${i}`, DUE, 1000 * i);
    }
    const dry = await run(db, '2026-11-03', { dryRun: true });
    assert.equal(dry.runId, null);
    assert.equal((await notices(db)).length, 0);
    assert.equal((await db.selectFrom('dunning_runs').selectAll().execute()).length, 0);
    const real = await run(db, '2026-11-03');
    assert.deepEqual({ ...dry, runId: null, dryRun: false }, { ...real, runId: null });
    // The estimate is what the worker will count when it renders them.
    const sms = (await notices(db)).filter((n) => n.channel === 'sms');
    const lang = (n: (typeof sms)[number]) => (n.customer_number.endsWith('3') ? 'en' : 'bg');
    const parts = sms.reduce((s, n) => s + countSms(render(n.kind, 'sms', lang(n), n.payload).body).segments, 0);
    assert.equal(sms.length, 4);
    assert.equal(dry.smsSegments, parts);
    assert.equal(dry.smsCostMinor, parts * 5);
    assert.deepEqual(dry.stages[0]?.channels, [{ channel: 'sms', planned: 4, created: 4 }, { channel: 'email', planned: 1, created: 1 }]);
  });

  test('below the minimum nothing is sent; a stage covers only its customer classes', async () => {
    const { db } = get();
    const small = await addCustomer(db, 1);
    await addInvoice(db, small, 'I-1', DUE, 499);
    const business = await addCustomer(db, 2, { class: 'business' });
    await addInvoice(db, business, 'I-2', DUE, 50000);
    const policy = structuredClone(defaultPolicy);
    policy.stages[0]!.customerClasses = ['household'];
    await savePolicy(db, policy, 'test');
    const r = await run(db, '2026-11-03');
    assert.equal(r.policyVersion, 1);
    assert.deepEqual([r.stages[0]?.customers, r.stages[0]?.belowMinimum, r.stages[0]?.notCovered, r.noticesCreated], [2, 1, 1, 0]);
    assert.equal((await run(db, '2026-11-11')).noticesCreated, 1);
    assert.deepEqual((await notices(db)).map((n) => n.customer_number), [business]);
  });

  test('holds suppress notices and the disconnection list while active; an expired or released hold does not', async () => {
    const { db } = get();
    const held = await addCustomer(db, 1);
    const promised = await addCustomer(db, 2);
    const released = await addCustomer(db, 3);
    for (const [c, i] of [[held, 1], [promised, 2], [released, 3]] as const) await addInvoice(db, c, `I-${i}`, DUE, 5000);
    await placeHold(db, { customerNumber: held, reason: 'vulnerable', until: '2026-12-31', note: 'social services' }, 'staff:ivana');
    await placeHold(db, { customerNumber: promised, reason: 'promise_to_pay', until: '2026-11-05' }, 'staff:ivana');
    const r = await placeHold(db, { customerNumber: released, reason: 'dispute', until: '2026-12-31' }, 'staff:ivana');
    const first = await run(db, '2026-11-03');
    assert.equal(first.stages[0]?.held, 3);
    assert.equal(first.noticesCreated, 0);
    await releaseHold(db, r.id, 'staff:georgi');
    // 6 November: the promise has expired too; both are at the reminder stage still.
    assert.equal((await run(db, '2026-11-06')).noticesCreated, 2);
    const list = await run(db, '2026-11-23');
    assert.deepEqual([list.stages[3]?.listed, list.stages[3]?.held], [2, 1]);
    const listed = await db.selectFrom('dunning_listings').select('customer_number').orderBy('customer_number').execute();
    assert.deepEqual(listed.map((l) => l.customer_number), [promised, released]);
    assert.deepEqual((await notices(db)).filter((n) => n.customer_number === held), []);
    const audit = await db.selectFrom('audit_events').select(['action', 'actor']).where('action', 'like', 'dunning.hold%').orderBy('id').execute();
    assert.deepEqual(audit.map((a) => a.action), ['dunning.hold_placed', 'dunning.hold_placed', 'dunning.hold_placed', 'dunning.hold_released']);
  });

  test('partial payments: the rest decides; payments in transit count as paid; a paid customer drops off the list', async () => {
    const { db } = get();
    const rest = await addCustomer(db, 1);
    await addInvoice(db, rest, 'I-1', DUE, 5000);
    await pay(db, rest, 'I-1', 4000, '2026-11-02T12:00:00Z');
    const little = await addCustomer(db, 2);
    await addInvoice(db, little, 'I-2', DUE, 5000);
    await pay(db, little, 'I-2', 4600, '2026-11-02T12:00:00Z');
    const transit = await addCustomer(db, 3);
    await addInvoice(db, transit, 'I-3', DUE, 5000);
    await pay(db, transit, 'I-3', 5000, '2026-11-02T12:00:00Z');
    await run(db, '2026-11-03');
    const n = await notices(db);
    assert.deepEqual(n.map((x) => [x.customer_number, x.payload.total_eur_minor]), [[rest, 1000]]);
    const before = await run(db, '2026-11-23');
    assert.equal(before.disconnectionCount, 1);
    await pay(db, rest, 'I-1', 1000, '2026-11-23T08:00:00Z');
    assert.equal((await run(db, '2026-11-23', { dryRun: true })).disconnectionCount, 0);
  });

  test('a new overdue episode starts when the oldest invoice is paid, with its own stages', async () => {
    const { db } = get();
    const a = await addCustomer(db, 1);
    await addInvoice(db, a, 'I-1', DUE, 5000);
    await addInvoice(db, a, 'I-2', '2026-11-09', 5000);
    await run(db, '2026-11-03');
    await pay(db, a, 'I-1', 5000, '2026-11-09T10:00:00Z');
    // 10 November: I-2 is one working day overdue: a reminder of the new episode.
    await run(db, '2026-11-10');
    assert.deepEqual((await notices(db)).map((n) => n.business_key), [`dunning:${a}:reminder:${DUE}`, `dunning:${a}:reminder:2026-11-09`]);
  });

  test('a declared day off, Easter week and a holiday moved from a Sunday shift the stages (the calendar comes from the database)', async () => {
    const { db } = get();
    const a = await addCustomer(db, 1);
    await addInvoice(db, a, 'I-1', DUE, 5000);
    await saveCalendarOverride(db, { date: '2026-11-03', kind: 'day_off', note: 'declared' }, 'test');
    assert.equal((await run(db, '2026-11-03')).noticesCreated, 0);
    assert.equal((await run(db, '2026-11-04')).noticesCreated, 1);
    const b = await addCustomer(db, 2);
    await addInvoice(db, b, 'I-2', '2026-04-09', 5000);
    // Good Friday to Easter Monday 2026 are off: nothing until Tuesday 14 April.
    for (const day of ['2026-04-10', '2026-04-13']) assert.equal((await run(db, day)).noticesCreated, 0);
    assert.equal((await run(db, '2026-04-14')).noticesCreated, 1);
    // 24 May 2026 is a Sunday: Monday 25 May is off, so due Friday 22 May is reminded on Tuesday 26 May.
    const c = await addCustomer(db, 3);
    await addInvoice(db, c, 'I-3', '2026-05-22', 5000);
    assert.equal((await run(db, '2026-05-25')).noticesCreated, 0);
    assert.equal((await run(db, '2026-05-26')).noticesCreated, 1);
  });
});
