// The lifecycle messages (issue 13, point 4) through the real parts: the daily run, the payment
// import and the payment API, the guards, and the renderer, on PGlite and PostgreSQL.
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { recordPayment } from '../../src/billing/record-payment.js';
import { messageRenderer } from '../../src/app/renderer.js';
import { shippedTemplates } from '../../src/delivery/render.js';
import { contactCheckGuard, lifecycleGuards, preDueGuard } from '../../src/dunning/lifecycle/guards.js';
import { demoPolicy, parsePolicy, defaultPolicy, type DunningPolicy } from '../../src/dunning/policy.js';
import { savePolicy } from '../../src/dunning/policy-store.js';
import { toMessage } from '../../src/delivery/outbox/message.js';
import { describeEachBackend } from '../support/db.js';
import { importText } from '../support/program.js';
import { addCustomer, addInvoice, customerNumber, phoneOf, reset, run } from './fixtures.js';

const renderer = messageRenderer(shippedTemplates, { publicUrl: 'https://izvestie.example.bg', unsubscribeUrl: (id) => `https://izvestie.example.bg/u/${id}` });

test('policy: versions saved before the lifecycle sections parse with all four off; the demo turns them on; bad values are refused', () => {
  const old = JSON.parse(JSON.stringify({ stages: defaultPolicy.stages, disconnection: defaultPolicy.disconnection })) as unknown;
  const p = parsePolicy(old);
  assert.deepEqual([p.preDue.enabled, p.paymentReceived.enabled, p.reconnection.enabled, p.contactCheck.enabled], [false, false, false, false]);
  assert.equal(p.preDue.workingDaysBefore, 3);
  assert.equal(p.contactCheck.afterMonths, 12);
  const demo = parsePolicy(demoPolicy());
  assert.deepEqual([demo.preDue.enabled, demo.paymentReceived.enabled, demo.reconnection.enabled, demo.contactCheck.enabled], [true, true, true, true]);
  assert.throws(() => parsePolicy({ ...demo, reconnection: { ...demo.reconnection, expressWithinHours: 48 } }), /reconnection\.expressWithinHours: the express reconnection must be faster/);
  assert.throws(() => parsePolicy({ ...demo, preDue: { ...demo.preDue, channels: ['letter'] } }), /preDue\.channels/);
  assert.throws(() => parsePolicy({ ...demo, contactCheck: { ...demo.contactCheck, afterMonths: 0 } }), /contactCheck\.afterMonths/);
});

describeEachBackend('lifecycle messages', (get) => {
  beforeEach(() => reset(get().db));

  const policy = (f: (p: DunningPolicy) => void) => {
    const p = structuredClone(defaultPolicy) as DunningPolicy;
    f(p);
    return savePolicy(get().db, p, 'test');
  };
  const messages = (kind: string) =>
    get().db.selectFrom('outbox_messages').select(['id', 'business_key', 'customer_number', 'channel', 'recipient', 'status', 'cancel_reason', 'payload', 'lang']).where('kind', '=', kind).orderBy('id').execute();
  const smsOf = async (id: number) => {
    const row = await get().db.selectFrom('outbox_messages').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    return toMessage(row, renderer).body;
  };
  const importPayments = (lines: string[]) => importText(get(), 'payments', ['payment_reference,customer_number,invoice_number,amount,currency,paid_at,channel', ...lines].join('\n'));

  test('pre-due: N working days before the due date, to those who opted in; once per invoice; a paid invoice stops it', async () => {
    const { db } = get();
    await policy((p) => Object.assign(p.preDue, { enabled: true, workingDaysBefore: 3 }));
    const opted = await addCustomer(db, 1);
    const notOpted = await addCustomer(db, 2);
    const later = await addCustomer(db, 3);
    await db.updateTable('subscriptions').set({ predue_opt_in: true }).where('customer_number', 'in', [opted, later]).execute();
    // Run on Tuesday 2026-12-01: three working days ahead is Friday 2026-12-04.
    await addInvoice(db, opted, 'P-1', '2026-12-04', 4820);
    await addInvoice(db, notOpted, 'P-2', '2026-12-04', 4820);
    await addInvoice(db, later, 'P-3', '2026-12-07', 4820);
    const r = await run(db, '2026-12-01');
    assert.equal(r.lifecycle.preDue, 1);
    let m = await messages('predue_reminder');
    assert.deepEqual(m.map((x) => [x.business_key, x.recipient, x.status]), [[`predue:${opted}:P-1`, phoneOf(1), 'queued']]);
    // The same day again, and the next: the first invoice is not reminded twice; the second's turn comes.
    assert.equal((await run(db, '2026-12-01')).lifecycle.preDue, 0);
    assert.equal((await run(db, '2026-12-02')).lifecycle.preDue, 1);
    m = await messages('predue_reminder');
    assert.deepEqual(m.map((x) => x.business_key), [`predue:${opted}:P-1`, `predue:${later}:P-3`]);
    // By policy, everyone subscribed.
    await policy((p) => Object.assign(p.preDue, { enabled: true, audience: 'all_subscribed' }));
    assert.equal((await run(db, '2026-12-02')).lifecycle.preDue, 1);
    // The guard right before sending: a paid invoice's reminder is no longer wanted.
    const second = (await messages('predue_reminder'))[1]!;
    const msg = toMessage(await db.selectFrom('outbox_messages').selectAll().where('id', '=', second.id).executeTakeFirstOrThrow(), renderer);
    assert.equal(await preDueGuard(db, msg), null);
    await db.updateTable('invoices').set({ paid_eur_minor: 4820 }).where('invoice_number', '=', 'P-3').execute();
    assert.equal(await preDueGuard(db, msg), 'invoice paid');
    assert.equal(lifecycleGuards.predue_reminder, preDueGuard);
    // A payment import cancels the queued reminder of the invoice it pays, in its own transaction.
    await importPayments([`PAY-1,${opted},P-1,48.20,EUR,2026-12-02T09:00:00Z,bank`]);
    const first = (await messages('predue_reminder'))[0]!;
    assert.deepEqual([first.status, first.cancel_reason], ['cancelled', 'invoice paid']);
  });

  test('pre-due SMS text in Bulgarian (in Latin letters, as shipped: one GSM-7 part) and English', async () => {
    const { db } = get();
    await policy((p) => Object.assign(p.preDue, { enabled: true, audience: 'all_subscribed' }));
    const bg = await addCustomer(db, 1);
    const en = await addCustomer(db, 2, { lang: 'en' });
    await addInvoice(db, bg, 'P-1', '2026-12-04', 4820);
    await addInvoice(db, en, 'P-2', '2026-12-04', 123456);
    await run(db, '2026-12-01');
    const [a, b] = await messages('predue_reminder');
    assert.equal(await smsOf(a!.id), 'PRIMER: Smetka za tok, kl. No ******0001: 48,20 EUR, padezh 04.12.2026. Plashtane: https://izvestie.example.bg/');
    assert.equal(await smsOf(b!.id), 'PRIMER: Electricity bill, customer no. ******0002: EUR 1,234.56, due 04.12.2026. Pay at https://izvestie.example.bg/');
  });

  test('payment received: an imported payment that ends an episode after a notice went out; not before a notice was sent; once', async () => {
    const { db } = get();
    await policy((p) => {
      p.paymentReceived.enabled = true;
    });
    const sent = await addCustomer(db, 1);
    const queued = await addCustomer(db, 2);
    const partial = await addCustomer(db, 3);
    await addInvoice(db, sent, 'I-1', '2026-11-02', 4820);
    await addInvoice(db, queued, 'I-2', '2026-11-02', 4820);
    await addInvoice(db, partial, 'I-3', '2026-11-02', 4820);
    await run(db, '2026-11-03');
    await db.updateTable('outbox_messages').set({ status: 'sent' }).where('customer_number', 'in', [sent, partial]).execute();
    await importPayments([
      `PAY-1,${sent},I-1,48.20,EUR,2026-11-05T09:00:00Z,bank`,
      `PAY-2,${queued},I-2,48.20,EUR,2026-11-05T09:00:00Z,bank`,
      `PAY-3,${partial},I-3,20.00,EUR,2026-11-05T09:00:00Z,bank`,
    ]);
    const m = await messages('payment_received');
    assert.deepEqual(m.map((x) => [x.business_key, x.recipient]), [[`paid:${sent}:2026-11-02`, phoneOf(1)]]);
    assert.equal(await smsOf(m[0]!.id), 'PRIMER: Blagodarim! Poluchihme 48,20 EUR po kl. No ******0001. Prosrochenite smetki sa plateni.');
    // The rest of the partial payment, through the payment API: the episode ends now.
    await recordPayment(get(), { payment_reference: 'PAY-4', customer_number: partial, invoice_number: 'I-3', amount: '28.20', paid_at: '2026-11-06T09:00:00Z', channel: 'cash_desk' }, 'k-4', 'test');
    const after = await messages('payment_received');
    assert.deepEqual(after.map((x) => x.business_key), [`paid:${sent}:2026-11-02`, `paid:${partial}:2026-11-02`]);
    assert.equal((after[1]!.payload as { amount_eur_minor: number }).amount_eur_minor, 2820);
    // Re-importing the same file changes nothing.
    await importPayments([`PAY-1,${sent},I-1,48.20,EUR,2026-11-05T09:00:00Z,bank`]);
    assert.equal((await messages('payment_received')).length, 2);
  });

  test('supply restored: a listed customer who pays in full gets the restore time and the express option, not the plain thanks', async () => {
    const { db } = get();
    await policy((p) => {
      p.paymentReceived.enabled = true;
      Object.assign(p.reconnection, { enabled: true, restoreWithinHours: 24, expressWithinHours: 4, expressFeeEurMinor: 3000 });
    });
    const listed = await addCustomer(db, 1, { email: true });
    const partly = await addCustomer(db, 2);
    await addInvoice(db, listed, 'I-1', '2026-10-01', 4820);
    await addInvoice(db, listed, 'I-1b', '2026-10-15', 1000);
    await addInvoice(db, partly, 'I-2', '2026-10-01', 4820);
    // Every notice, then the disconnection list (15 working days after the due date).
    for (const d of ['2026-10-02', '2026-10-12', '2026-10-19', '2026-10-23']) await run(db, d);
    await db.updateTable('outbox_messages').set({ status: 'sent' }).execute();
    assert.equal((await db.selectFrom('dunning_listings').select('customer_number').execute()).length, 2);
    await recordPayment(get(), { payment_reference: 'PAY-1', customer_number: listed, amount: '58.20', paid_at: '2026-10-26T09:00:00Z', channel: 'card' }, 'k-1', 'test');
    await recordPayment(get(), { payment_reference: 'PAY-2', customer_number: partly, amount: '10.00', paid_at: '2026-10-26T09:00:00Z', channel: 'card' }, 'k-2', 'test');
    const m = await messages('supply_restored');
    assert.deepEqual(m.map((x) => [x.business_key, x.channel]), [[`restored:${listed}:2026-10-01`, 'sms']]);
    assert.equal(await smsOf(m[0]!.id), 'PRIMER: Poluchihme plashtaneto po kl. No ******0001. Zahranvaneto se vazstanovyava do 24 ch., ekspresno do 4 ch. sreshtu 30,00 EUR.');
    assert.equal((await messages('payment_received')).length, 0, 'no second message for the same payment');
    // The email fallback says it at length.
    const email = renderer('supply_restored', 'email', 'bg', m[0]!.payload as Record<string, unknown>);
    assert.match(email.body, /Получихме плащане от 58,20 EUR по клиентски № \*{6}0001 на 26\.10\.2026/);
    assert.match(email.body, /експресно възстановяване до 4 часа срещу такса 30,00 EUR на телефон 0700 10 010/);
    assert.match(email.body, /https:\/\/izvestie\.example\.bg\/u\/\d+/);
  });

  test('contact check: once a year to contacts verified long ago, recorded; a confirmation stops it before sending', async () => {
    const { db } = get();
    await policy((p) => Object.assign(p.contactCheck, { enabled: true, afterMonths: 12, maxPerDay: 2 }));
    const old = await addCustomer(db, 1, { email: true });
    const oldest = await addCustomer(db, 2);
    const recent = await addCustomer(db, 3);
    await db.updateTable('subscriptions').set({ verified_at: '2024-06-01T00:00:00Z' }).where('customer_number', '=', oldest).execute();
    await db.updateTable('subscriptions').set({ verified_at: '2026-03-01T00:00:00Z' }).where('customer_number', '=', recent).execute();
    const r = await run(db, '2026-12-01');
    // At most two a day, the oldest first.
    assert.equal(r.lifecycle.contactChecks, 2);
    let m = await messages('contact_check');
    const subs = await db.selectFrom('subscriptions').select(['id', 'customer_number', 'channel', 'contact_checked_at']).orderBy('id').execute();
    const idOf = (c: string, ch: string) => subs.find((s) => s.customer_number === c && s.channel === ch)!.id;
    assert.deepEqual(m.map((x) => x.business_key), [`check:${idOf(oldest, 'sms')}:2026`, `check:${idOf(old, 'sms')}:2026`]);
    assert.equal(await smsOf(m[0]!.id), 'PRIMER: Oshte li e Vash tozi kontakt za izvestia za smetki za tok? Potvardete ili promenete: https://izvestie.example.bg/manage');
    assert.equal(subs.filter((s) => s.contact_checked_at !== null).length, 2);
    // The next day: the rest (the email), never the same contact again within the year, nor the recent one.
    assert.equal((await run(db, '2026-12-02')).lifecycle.contactChecks, 1);
    assert.equal((await run(db, '2026-12-03')).lifecycle.contactChecks, 0);
    m = await messages('contact_check');
    assert.equal(m.at(-1)!.channel, 'email');
    const email = renderer('contact_check', 'email', 'bg', m.at(-1)!.payload as Record<string, unknown>);
    assert.match(email.body, /Адрес за известия: cl\*+@example\.bg/);
    // The customer confirms in the portal: the guard cancels what is still waiting.
    const msg = toMessage(await db.selectFrom('outbox_messages').selectAll().where('id', '=', m[0]!.id).executeTakeFirstOrThrow(), renderer);
    assert.equal(await contactCheckGuard(db, msg), null);
    await sql`UPDATE subscriptions SET contact_confirmed_at = now() WHERE id = ${idOf(oldest, 'sms')}`.execute(db);
    assert.equal(await contactCheckGuard(db, msg), 'contact confirmed');
    assert.equal(customerNumber(2), oldest);
  });
});
