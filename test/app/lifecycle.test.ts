// The four lifecycle messages on the wire, through the program as users run it: billing data by the
// import, `izvestie run` for the day, a running `izvestie worker` sending to a real SMPP server and
// a real SMTP server, and payments brought in by `izvestie import payments`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { demoPolicy } from '../../src/dunning/policy.js';
import { savePolicy } from '../../src/dunning/policy-store.js';
import { backends, openTestPostgres } from '../support/db.js';
import { until } from '../support/delivery-e2e.js';
import { cli, importCustomers, importText, programEnv, textsByDestination } from '../support/program.js';
import { startSmsc } from '../support/smsc.js';
import { startSmtpSink } from '../support/smtp-sink.js';
import { startWorkerProcess } from '../support/worker-process.js';

const postgres = backends.find((b) => b.name === 'postgres');
// Wednesday 2026-11-25: bills due on Friday 27 fall due within 3 working days (pre-due); one due on
// 2026-11-20 is 3 working days overdue (the reminder); one due on 2026-11-02 is on the disconnection list.
const RUN_DATE = '2026-11-25';

test('pre-due, payment received, supply restored and the contact check reach the SMSC and the SMTP server; a pre-due reminder paid before sending is not sent', { skip: postgres?.skip ?? 'no PostgreSQL' }, async (t) => {
  const database = await openTestPostgres();
  const smsc = await startSmsc();
  const sink = await startSmtpSink();
  const dir = mkdtempSync(join(tmpdir(), 'izvestie-lifecycle-'));
  const env = { ...programEnv(database.url), SMPP_URL: smsc.url, SMTP_URL: sink.url, DUNNING_RUN_AT: '23:59' };
  let worker: ReturnType<typeof startWorkerProcess> | null = null;
  t.after(async () => {
    if (worker) {
      worker.kill('SIGTERM');
      await worker.exited;
    }
    await smsc.stop();
    await sink.stop();
    await database.close();
    rmSync(dir, { recursive: true, force: true });
  });

  await importCustomers(database, [
    { number: '3000000901', name: 'Иван Петров', phone: '0888 900 901', invoices: [{ number: '7000000901', due: '2026-11-27', amount: '48.20' }] },
    { number: '3000000902', name: 'Анна Колева', phone: '0888 900 902', invoices: [{ number: '7000000902', due: '2026-11-27', amount: '19.90' }] },
    { number: '3000000903', name: 'Петър Димов', phone: '0888 900 903', invoices: [{ number: '7000000903', due: '2026-11-20', amount: '27.40' }] },
    { number: '3000000904', name: 'Мария Стоянова', email: 'maria@example.bg', invoices: [{ number: '7000000904', due: '2026-11-02', amount: '61.00' }] },
    { number: '3000000905', name: 'Стоян Тодоров', invoices: [] },
    { number: '3000000906', name: 'Елена Маринова', phone: '0888 900 906', invoices: [{ number: '7000000906', due: '2026-11-20', amount: '33.10' }] },
  ]);
  // The one contact verified long ago (the others were in January 2025, within the 23 months below).
  await importText(database, 'subscriptions', 'customer_number,channel,address,registered_at,consent_version\n3000000905,email,stoyan@example.bg,2024-01-10,test-v1');
  const policy = demoPolicy();
  Object.assign(policy.preDue, { workingDaysBefore: 3, audience: 'all_subscribed' });
  Object.assign(policy.reconnection, { restoreWithinHours: 24, expressWithinHours: 4, expressFeeEurMinor: 3000 });
  Object.assign(policy.contactCheck, { afterMonths: 23 });
  await savePolicy(database.db, policy, 'test');

  const run = await cli(['run', '--date', RUN_DATE], env);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /Pre-due reminders: 2; contact checks: 1\./);
  // Anna pays before the worker gets to her reminder, Elena before it gets to her overdue notice (the
  // bank's file comes later): the guards stop both (the notice's: izvestie_stale_notices).
  await database.db.updateTable('invoices').set({ paid_eur_minor: 1990 }).where('invoice_number', '=', '7000000902').execute();
  await database.db.updateTable('invoices').set({ paid_eur_minor: 3310 }).where('invoice_number', '=', '7000000906').execute();

  worker = startWorkerProcess(env);
  const w = worker;
  await until(() => textsByDestination(smsc.submitted).size === 2, 60_000, `pre-due and reminder at the SMSC\n${w.output()}`);
  const mails = await sink.waitForMessages(1, 60_000);
  let texts = textsByDestination(smsc.submitted);
  assert.deepEqual(texts.get('359888900901'), ['PRIMER: Smetka za tok, kl. No ******0901: 48,20 EUR, padezh 27.11.2026. Plashtane: https://izvestie.example.bg/']);
  assert.equal(texts.get('359888900902'), undefined, 'the paid pre-due reminder is not sent');
  assert.equal(texts.get('359888900903')?.length, 1, 'the overdue reminder');
  assert.deepEqual(mails[0]?.rcptTo, ['stoyan@example.bg']);
  assert.match(mails[0]?.parsed.subject ?? '', /Още ли е актуален контактът Ви за известия\?/);
  assert.match(mails[0]?.parsed.text ?? '', /st\*+@example\.bg[\s\S]*https:\/\/izvestie\.example\.bg\/manage/);
  const anna = await database.db.selectFrom('outbox_messages').select(['status', 'cancel_reason']).where('business_key', '=', 'predue:3000000902:7000000902').executeTakeFirstOrThrow();
  assert.deepEqual(anna, { status: 'cancelled', cancel_reason: 'invoice paid' });
  const elena = await database.db.selectFrom('outbox_messages').select(['kind', 'status', 'cancel_reason']).where('customer_number', '=', '3000000906').execute();
  assert.deepEqual(elena, [{ kind: 'overdue_reminder', status: 'cancelled', cancel_reason: 'invoices paid' }]);
  assert.equal(texts.get('359888900906'), undefined, 'the paid overdue notice is not sent');
  const subscription = await database.db.selectFrom('subscriptions').select('contact_checked_at').where('address', '=', 'stoyan@example.bg').executeTakeFirstOrThrow();
  assert.ok(subscription.contact_checked_at !== null);

  // Thanks only after a notice went out: wait until the reminder's send is recorded.
  const reminderSent = async () => (await database.db.selectFrom('outbox_messages').select('status').where('kind', '=', 'overdue_reminder').where('customer_number', '=', '3000000903').executeTakeFirstOrThrow()).status;
  await until(async () => ['sent', 'delivered'].includes(await reminderSent()), 30_000, 'the reminder recorded as sent');
  const file = join(dir, 'payments.csv');
  writeFileSync(file, 'payment_reference,customer_number,invoice_number,amount,currency,paid_at,channel\nBANK-1,3000000903,,27.40,EUR,2026-11-26T08:00:00Z,bank\nBANK-2,3000000904,,61.00,EUR,2026-11-26T08:00:00Z,epay\n');
  const imported = await cli(['import', 'payments', file], env);
  assert.equal(imported.code, 0, imported.stderr);

  await until(() => (textsByDestination(smsc.submitted).get('359888900903')?.length ?? 0) === 2, 60_000, `thanks at the SMSC\n${w.output()}`);
  texts = textsByDestination(smsc.submitted);
  assert.equal(texts.get('359888900903')?.[1], 'PRIMER: Blagodarim! Poluchihme 27,40 EUR po kl. No ******0903. Prosrochenite smetki sa plateni.');
  const [, restored] = await sink.waitForMessages(2, 60_000);
  assert.deepEqual(restored?.rcptTo, ['maria@example.bg']);
  assert.match(restored?.parsed.subject ?? '', /Плащането е получено: възстановяване на захранването/);
  const body = restored?.parsed.text ?? '';
  assert.match(body, /Получихме плащане от 61,00 EUR по клиентски № \*{6}0904 на 26\.11\.2026/);
  assert.match(body, /ще бъде възстановено до 24 часа/);
  assert.match(body, /експресно възстановяване до 4 часа срещу такса 30,00 EUR/);
  // Only one message per payment: no plain thanks for the reconnected customer.
  const kinds = await database.db.selectFrom('outbox_messages').select('kind').where('customer_number', '=', '3000000904').where('kind', 'in', ['payment_received', 'supply_restored']).execute();
  assert.deepEqual(kinds.map((k) => k.kind), ['supply_restored']);
});
