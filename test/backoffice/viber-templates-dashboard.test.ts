// Issue 14, point 4 in the back office: a supervisor edits the Viber text of a notice in the template
// editor (checked, previewed, versioned and audited), the next daily run's Viber messages reach the
// gateway with that text, and the dashboard and its CSV show the Viber figures beside the SMS ones:
// sent, delivered by Viber, fallen back to SMS, and the cost at VIBER_PRICE_PER_MESSAGE.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { monthList } from '../../src/backoffice/reports.js';
import type { DB } from '../../src/db/schema.js';
import { runDunning } from '../../src/dunning/run.js';
import { backends } from '../support/db.js';
import { until } from '../support/delivery-e2e.js';
import { startInfobip } from '../support/gateways/infobip.js';
import { startMobica } from '../support/gateways/mobica.js';
import { addCustomer, addInvoice, phoneOf } from '../dunning/fixtures.js';
import { seedStaff, signIn } from './support.js';
import { VIBER_CALLBACK_SECRET, viberProgram } from '../delivery/viber/program.js';

const postgres = backends.find((b) => b.name === 'postgres');
const SECRET = VIBER_CALLBACK_SECRET;
const KIND = 'overdue_reminder';
const PAGE = `/backoffice/templates/${KIND}`;


/** The web process and the worker, assembled by the root from one environment, with a supervisor signed in. */
async function izvestie(t: { after(fn: () => Promise<void>): void }, env: Record<string, string>) {
  const { database, db, root, app } = await viberProgram(t, env);
  await seedStaff(database);
  const supervisor = await signIn(app, 'supervisor1');
  const daily = (date: string) => runDunning(db, { date, trigger: 'cli', actor: 'test', render: root.render, smsPricePerSegmentMinor: 5, viberPricePerMessageMinor: 4 });
  return { db, daily, supervisor };
}

async function customer(db: Kysely<DB>, i: number): Promise<string> {
  const cn = await addCustomer(db, i, { sms: true });
  await addInvoice(db, cn, `VT-${i}`, '2026-11-20', 4520);
  return cn;
}

async function messagesOf(db: Kysely<DB>, cn: string) {
  const r = await sql<{ id: number; kind: string; channel: string; status: string; reached_via: string | null }>`
    SELECT id::int, kind, channel, status, reached_via FROM outbox_messages WHERE customer_number = ${cn} ORDER BY id`.execute(db);
  return r.rows;
}

function formOf(body: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const m of body.matchAll(/<textarea[^>]*name="([^"]+)"[^>]*>([\s\S]*?)<\/textarea>/g)) {
    fields[m[1] as string] = (m[2] as string).replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');
  }
  return fields;
}

/** A CSV export as rows of cells (no quoted commas in these figures). */
function csvRows(text: string): string[][] {
  return text.replace(/^\uFEFF/, '').trim().split(/\r?\n/).map((l) => l.split(','));
}

const thisMonth = () => monthList(new Date(), 1)[0] as string;

test('a Viber text edited in the template editor is what the next run sends by Viber; the dashboard shows Viber beside SMS', { skip: postgres?.skip ?? 'no PostgreSQL' }, async (t) => {
  const gw = await startInfobip({ key: 'ib-key-123' });
  t.after(() => gw.stop());
  const account = { preset: 'infobip', token: 'ib-key-123', callbackSecret: SECRET };
  const { db, daily, supervisor } = await izvestie(t, {
    HTTP_SMS_URL: gw.base,
    HTTP_SMS_OPTIONS: JSON.stringify({ ...account, from: 'EnergoPro' }),
    VIBER_PROVIDER: JSON.stringify({ ...account, url: gw.base, sender: 'EnergoPro' }),
    VIBER_PRICE_PER_MESSAGE: '0.04',
  });

  // The editor has a Viber field per language; empty, the Viber message carries the SMS text.
  const page = await supervisor.get(PAGE);
  assert.equal(page.status, 200);
  const form = formOf(page.body);
  assert.equal(form.viber_bg, '');
  assert.match(page.body, /Viber/);

  // Checked like the other texts: a placeholder Viber messages do not have, the required amount, and
  // 1,000 characters with the longest values (a name of 100 characters, the longest amounts).
  const refused = async (viber: string, problem: RegExp) => {
    const r = await supervisor.post(PAGE, { ...form, viber_bg: viber, action: 'save' });
    assert.equal(r.status, 422, viber.slice(0, 40));
    assert.match(r.body, problem);
  };
  await refused('Платете {{total_eur}}: {{unsubscribe_url}}', /Непознато поле \{\{unsubscribe_url\}\}/);
  await refused('Платете сметката си за ток.', /Липсва задължителното поле \{\{total_eur\}\}/);
  await refused(`${'я'.repeat(900)} {{customer_name}} {{total_eur}}`, /съобщението във Viber става \d{4} знака, а Viber приема до 1000/);

  // Any letters and no part budget: a Cyrillic text far longer than one SMS part.
  const viberText = 'Viber-ТЕСТ: {{customer_name}}, дължите {{total_eur}} за електроенергия. Моля, платете до края на седмицата на {{pay_url}} или в най-близката каса. Благодарим Ви!';
  const draft = { ...form, viber_bg: viberText, viber_en: '', note: 'Viber text' };
  const preview = await supervisor.post(PAGE, { ...draft, action: 'preview' });
  assert.equal(preview.status, 200);
  // The preview renders the Viber text of the sample notice, with its characters and the setting's price.
  assert.match(preview.body, /Viber-ТЕСТ: Иван Петров Георгиев, дължите 123,45 EUR за електроенергия\./);
  assert.match(preview.body, /знаци: \d+ \/ 1000 · цена \(едно съобщение, без части\): 0,04/);
  const saved = await supervisor.post(PAGE, { ...draft, action: 'save' });
  assert.equal(saved.status, 303);

  // Versioned and audited like the other fields; the versions list (and its CSV) has the Viber text.
  const audit = await db.selectFrom('audit_events').select(['actor', 'details']).where('action', '=', 'backoffice.template_saved').where('subject', '=', `template:${KIND}:bg`).execute();
  assert.equal(audit.length, 1);
  assert.deepEqual((audit[0]?.details as { changed: string[] }).changed, ['viber']);
  const again = await supervisor.get(PAGE);
  assert.equal(formOf(again.body).viber_bg, viberText);
  const versions = await supervisor.get(`${PAGE}?format=csv`);
  assert.match(versions.body, /Viber-ТЕСТ/);
  // Saving the same again changes nothing.
  const same = await supervisor.post(PAGE, { ...formOf(again.body), action: 'save' });
  assert.equal(same.status, 303);
  assert.equal((await db.selectFrom('message_templates').select('version').where('kind', '=', KIND).execute()).length, 1);

  // The next run: both customers' notices go by Viber, with the saved text, as written (Cyrillic).
  const delivered = await customer(db, 41);
  const noViber = await customer(db, 42);
  const report = await daily('2026-11-24');
  assert.equal(report.viberNotices, 2);
  await until(async () => gw.viber.length === 2, 30_000, 'two Viber messages at the gateway');
  const [v1] = await messagesOf(db, delivered);
  const [v2] = await messagesOf(db, noViber);
  assert.deepEqual([v1?.kind, v1?.channel], [KIND, 'viber']);
  const sent = gw.viber.find((m) => m.messageId === `izv${v1?.id ?? 0}`);
  assert.equal(sent?.to, phoneOf(41).slice(1));
  assert.match(sent?.text ?? '', /^Viber-ТЕСТ: Клиент 41, дължите 45,20 EUR за електроенергия\. Моля, платете до края на седмицата на http:\/\/127\.0\.0\.1:\d+\/\S+ или в най-близката каса\. Благодарим Ви!$/);

  // One is delivered by Viber; the other number has no Viber and gets the SMS (its own SMS text).
  await until(async () => (await messagesOf(db, delivered))[0]?.status === 'sent' && (await messagesOf(db, noViber))[0]?.status === 'sent', 30_000, 'both Viber messages sent');
  await gw.pushViberReports([`izv${v1?.id ?? 0}`]);
  await gw.pushViberReports([`izv${v2?.id ?? 0}`], 'EC_NOT_VIBER_USER');
  await until(async () => gw.accepted.length === 1, 30_000, 'the fallback SMS');
  assert.doesNotMatch(gw.accepted[0]?.text ?? '', /Viber-ТЕСТ/);
  await until(async () => (await messagesOf(db, delivered))[0]?.reached_via === 'viber', 30_000, 'Viber recorded as what reached the customer');
  await until(async () => (await messagesOf(db, noViber))[1]?.status === 'sent', 30_000, 'the fallback SMS recorded as sent');

  // The dashboard: Viber per month beside SMS, in the page, its chart data and the CSV.
  const dash = await supervisor.get('/backoffice/dashboard');
  assert.equal(dash.status, 200);
  assert.match(dash.body, /id="chart-viber"/);
  assert.match(dash.body, /Viber по месеци/);
  const data = JSON.parse(/<script type="application\/json" id="dashboard-data">([\s\S]*?)<\/script>/.exec(dash.body)?.[1] ?? '{}') as {
    viber: { byViber: number[]; byProviderSms: number[]; fellBack: number[]; cost: number[] };
    messages: Record<string, number[]>;
  };
  assert.equal(data.viber.byViber.at(-1), 1);
  assert.equal(data.viber.fellBack.at(-1), 1);
  assert.equal(data.viber.byProviderSms.at(-1), 0);
  assert.equal(data.viber.cost.at(-1), 0.08);
  assert.equal(data.messages.viber?.at(-1), 2);
  const csv = await supervisor.get('/backoffice/dashboard/export/viber');
  assert.equal(csv.status, 200);
  const [header, ...rows] = csvRows(csv.body);
  assert.deepEqual(header, ['Месец', 'Viber съобщения', 'Изпратени', 'Доставени във Viber', 'Доставени с SMS от доставчика', 'Пренасочени към SMS', 'Цена на Viber (EUR)', 'SMS части на пренасочените', 'Цена на пренасочените SMS (EUR)']);
  // Two sent at 0.04 EUR; the fallback SMS took one part at SMS_PRICE_PER_SEGMENT (0.05).
  assert.deepEqual(rows, [[thisMonth(), '2', '2', '1', '0', '1', '0.08', '1', '0.05']]);

  // Effectiveness counts each customer's notice once: by Viber for one, by the fallback SMS for the other.
  const eff = csvRows((await supervisor.get('/backoffice/dashboard/export/effectiveness')).body).slice(1);
  assert.deepEqual(eff.map((r) => [r[0], r[1]?.toLowerCase(), r[2]]).sort(), [['reminder', 'sms', '1'], ['reminder', 'viber', '1']]);
});

test("mobica: the dashboard counts the notices the provider's own SMS delivered, with no fallback SMS of ours", { skip: postgres?.skip ?? 'no PostgreSQL' }, async (t) => {
  const gw = await startMobica({ user: 'energo', pass: 'pa55' });
  t.after(() => gw.stop());
  const account = { preset: 'mobica', user: 'energo', password: 'pa55' };
  const { db, daily, supervisor } = await izvestie(t, {
    HTTP_SMS_URL: gw.base,
    HTTP_SMS_OPTIONS: JSON.stringify({ ...account, from: 'EnergoPro' }),
    VIBER_PROVIDER: JSON.stringify({ ...account, url: gw.base, sender: 'EnergoPro', smsFallback: true, poll: { intervalSeconds: 1 } }),
  });
  const cn = await customer(db, 43);
  await daily('2026-11-24');
  await until(async () => gw.viber.length === 1 && (await messagesOf(db, cn))[0]?.status === 'sent', 30_000, 'the Viber message at Mobica');
  gw.setViberState(gw.viber[0]?.idd ?? '', 'delivered', 'sms');
  await until(async () => (await messagesOf(db, cn))[0]?.reached_via === 'sms', 30_000, 'delivered, reached by SMS');
  const rows = csvRows((await supervisor.get('/backoffice/dashboard/export/viber')).body).slice(1);
  // The default VIBER_PRICE_PER_MESSAGE (0.03): the provider's SMS is its to charge, not an SMS of ours.
  assert.deepEqual(rows, [[thisMonth(), '1', '1', '0', '1', '0', '0.03', '0', '0.00']]);
});
