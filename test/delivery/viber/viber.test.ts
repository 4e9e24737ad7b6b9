import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { loadConfig } from '../../../src/config.js';
import type { DB } from '../../../src/db/schema.js';
import { effectivenessReport } from '../../../src/dunning/effectiveness.js';
import { defaultPolicy } from '../../../src/dunning/policy.js';
import { runDunning } from '../../../src/dunning/run.js';
import { until } from '../../support/delivery-e2e.js';
import { VIBER_CALLBACK_SECRET, viberProgram } from './program.js';
import { startInfobip } from '../../support/gateways/infobip.js';
import { startMobica } from '../../support/gateways/mobica.js';
import { addCustomer, addInvoice, phoneOf } from '../../dunning/fixtures.js';

// Issue 14, point 4 on the wire: the daily run (stage channels ['viber', 'sms']) creates Viber
// notices; the worker the root builds sends them to the gateway's Viber endpoint; a number without
// Viber, or no report in time, gets the SMS, exactly once; the gateway's own SMS fallback is recorded.

const SECRET = VIBER_CALLBACK_SECRET;
const RUN_DATE = '2026-11-24';
const DUE = '2026-11-20';


/** The web process (reports) and `izvestie worker` (sending and its chores), assembled by the root from one environment. */
async function izvestie(t: { after(fn: () => Promise<void>): void }, env: Record<string, string>) {
  const { db, root } = await viberProgram(t, env);
  const daily = () => runDunning(db, { date: RUN_DATE, trigger: 'cli', actor: 'test', render: root.render, smsPricePerSegmentMinor: 5, viberPricePerMessageMinor: 3 });
  return { db, daily };
}

async function customer(db: Kysely<DB>, i: number, o: { viberOptOut?: boolean } = {}): Promise<string> {
  const cn = await addCustomer(db, i, { sms: true });
  await addInvoice(db, cn, `VB-${i}`, DUE, 4520);
  if (o.viberOptOut) await db.updateTable('subscriptions').set({ viber_opt_out: true }).where('customer_number', '=', cn).execute();
  return cn;
}

interface Msg {
  id: number;
  channel: string;
  status: string;
  recipient: string;
  last_error: string | null;
  reached_via: string | null;
  cost_minor: number | null;
  parent_id: number | null;
}

async function messagesOf(db: Kysely<DB>, cn: string): Promise<Msg[]> {
  const r = await sql<Msg>`SELECT id::int, channel, status, recipient, last_error, reached_via, cost_minor, parent_id::int FROM outbox_messages WHERE customer_number = ${cn} ORDER BY id`.execute(db);
  return r.rows;
}

const ref = (id: number) => `izv${id}`;

test('infobip: the run sends Viber; no Viber gets the SMS; opted out gets SMS directly; delivered counts once in effectiveness', async (t) => {
  const gw = await startInfobip({ key: 'ib-key-123' });
  t.after(() => gw.stop());
  const account = { preset: 'infobip', token: 'ib-key-123', callbackSecret: SECRET };
  const { db, daily } = await izvestie(t, {
    HTTP_SMS_URL: gw.base,
    HTTP_SMS_OPTIONS: JSON.stringify({ ...account, from: 'EnergoPro' }),
    VIBER_PROVIDER: JSON.stringify({ ...account, url: gw.base, sender: 'EnergoPro' }),
  });
  const delivered = await customer(db, 1);
  const noViber = await customer(db, 2);
  const optedOut = await customer(db, 3, { viberOptOut: true });

  const report = await daily();
  assert.equal(report.noticesCreated, 3);
  assert.equal(report.viberNotices, 2);
  assert.equal(report.viberCostMinor, 6);
  assert.equal(report.smsNotices, 1);

  // The opted-out customer's notice is an SMS from the start, with nothing after it.
  const [direct] = await messagesOf(db, optedOut);
  assert.equal(direct?.channel, 'sms');

  await until(async () => gw.viber.length === 2 && gw.accepted.length === 1, 30_000, 'two Viber messages and one SMS at the gateway');
  const [v1] = await messagesOf(db, delivered);
  const [v2] = await messagesOf(db, noViber);
  assert.equal(v1?.channel, 'viber');
  assert.equal(v2?.channel, 'viber');
  // On the wire: the Viber endpoint, sender, text (Cyrillic as written: Viber takes any letters), our reference.
  const sent = gw.viber.find((m) => m.messageId === ref(v1?.id ?? 0));
  assert.ok(sent, 'the Viber message of the delivered customer');
  assert.equal(sent.to, phoneOf(1).slice(1));
  assert.equal(sent.from, 'EnergoPro');
  assert.match(sent.text, /45[.,]20/);
  assert.match(gw.requests.find((r) => r.path === '/viber/2/messages')?.raw ?? '', /"type":"TEXT"/);
  assert.equal(gw.accepted[0]?.to, phoneOf(3).slice(1));
  await until(async () => (await messagesOf(db, delivered))[0]?.status === 'sent' && (await messagesOf(db, noViber))[0]?.status === 'sent', 30_000, 'both Viber messages sent');

  const a = await gw.pushViberReports([ref(v1?.id ?? 0)]);
  const b = await gw.pushViberReports([ref(v2?.id ?? 0)], 'EC_NOT_VIBER_USER');
  assert.deepEqual([a[0]?.status, b[0]?.status], [200, 200]);

  await until(async () => gw.accepted.length === 2, 30_000, 'the SMS of the number without Viber');
  assert.equal(gw.accepted[1]?.to, phoneOf(2).slice(1));
  await until(async () => (await messagesOf(db, delivered))[0]?.reached_via === 'viber', 30_000, 'the delivered Viber message records Viber');

  const one = await messagesOf(db, delivered);
  assert.deepEqual(one.map((m) => [m.channel, m.status, m.cost_minor]), [['viber', 'delivered', 3]]);
  const two = await messagesOf(db, noViber);
  assert.deepEqual(two.map((m) => [m.channel, m.status]), [['viber', 'failed'], ['sms', 'sent']]);
  assert.match(two[0]?.last_error ?? '', /EC_NOT_VIBER_USER/);
  assert.equal(two[1]?.parent_id, two[0]?.id);
  assert.equal(two[1]?.recipient, phoneOf(2));
  // A number without Viber is no fault of the phone: the subscription is not counted a hard failure.
  const sub = await db.selectFrom('subscriptions').select(['hard_failures']).where('customer_number', '=', noViber).executeTakeFirstOrThrow();
  assert.equal(sub.hard_failures, 0);

  // Each customer's notice is counted once: Viber for one, the SMS for the other two.
  const eff = await effectivenessReport(db, '2026-11', 7);
  const reminder = eff.totals.filter((r) => r.stage === 'reminder');
  const by = Object.fromEntries(reminder.map((r) => [r.channel, r.notified]));
  assert.deepEqual(by, { viber: 1, sms: 2 });
});

test('infobip: a Viber message without a report within the timeout gets its SMS exactly once; a late report changes nothing', async (t) => {
  const gw = await startInfobip({ key: 'ib-key-123' });
  t.after(() => gw.stop());
  const account = { preset: 'infobip', token: 'ib-key-123', callbackSecret: SECRET };
  const { db, daily } = await izvestie(t, {
    HTTP_SMS_URL: gw.base,
    HTTP_SMS_OPTIONS: JSON.stringify({ ...account, from: 'EnergoPro' }),
    VIBER_PROVIDER: JSON.stringify({ ...account, url: gw.base, sender: 'EnergoPro' }),
    // 1.2 s: the chore looks every second.
    VIBER_DELIVERY_TIMEOUT_MINUTES: '0.02',
  });
  const cn = await customer(db, 4);
  await daily();
  await until(async () => gw.accepted.length === 1, 30_000, 'the SMS after the timeout');
  const [viber, sms] = await messagesOf(db, cn);
  assert.equal(viber?.channel, 'viber');
  assert.equal(viber?.status, 'failed');
  assert.match(viber?.last_error ?? '', /^timeout: no delivery report within 0\.02 min/);
  assert.equal(sms?.channel, 'sms');
  assert.equal(sms?.parent_id, viber?.id);

  // The Viber report arrives late: the message stays failed, and no second SMS follows.
  await gw.pushViberReports([ref(viber?.id ?? 0)]);
  await new Promise((r) => setTimeout(r, 2500));
  const after = await messagesOf(db, cn);
  assert.deepEqual(after.map((m) => [m.channel, m.status === 'failed' ? 'failed' : 'on its way']), [['viber', 'failed'], ['sms', 'on its way']]);
  assert.equal(gw.accepted.length, 1);
  assert.equal(gw.viber.length, 1);
});

test('mobica: sms_text goes along, the gateway falls back itself, no SMS of ours and no timeout; the report records the SMS as what reached the customer', async (t) => {
  const gw = await startMobica({ user: 'energo', pass: 'pa55' });
  t.after(() => gw.stop());
  const account = { preset: 'mobica', user: 'energo', password: 'pa55' };
  const { db, daily } = await izvestie(t, {
    HTTP_SMS_URL: gw.base,
    HTTP_SMS_OPTIONS: JSON.stringify({ ...account, from: 'EnergoPro' }),
    VIBER_PROVIDER: JSON.stringify({ ...account, url: gw.base, sender: 'EnergoPro', smsFallback: true, poll: { intervalSeconds: 1 } }),
    VIBER_DELIVERY_TIMEOUT_MINUTES: '0.02',
  });
  const cn = await customer(db, 5);
  await daily();
  await until(async () => gw.viber.length === 1, 30_000, 'the Viber message at Mobica');
  const [m] = await messagesOf(db, cn);
  const sent = gw.viber[0];
  assert.equal(sent?.idd, ref(m?.id ?? 0));
  assert.equal(sent?.phone, phoneOf(5).slice(1));
  // The SMS text rendered for the SMS channel (Latin letters by default), beside the Viber text.
  assert.ok((sent?.sms_text ?? '').length > 0, 'sms_text sent along');
  assert.notEqual(sent?.sms_text, sent?.message);
  assert.match(sent?.sms_text ?? '', /45,20 EUR/);
  // Past the timeout the message is still Mobica's to settle.
  await until(async () => (await messagesOf(db, cn))[0]?.status === 'sent', 30_000, 'sent');
  await new Promise((r) => setTimeout(r, 2500));
  assert.equal((await messagesOf(db, cn))[0]?.status, 'sent');

  gw.setViberState(sent?.idd ?? '', 'delivered', 'sms');
  await until(async () => (await messagesOf(db, cn))[0]?.reached_via === 'sms', 30_000, 'delivered, reached by SMS');
  const all = await messagesOf(db, cn);
  assert.deepEqual(all.map((x) => [x.channel, x.status, x.reached_via]), [['viber', 'delivered', 'sms']]);
  assert.equal(gw.accepted.length, 0, 'no SMS of ours');
});

test('VIBER_PROVIDER is checked at start, errors naming the field', () => {
  const load = (v: unknown) => () => loadConfig({ PUBLIC_URL: 'https://izvestie.example.bg', VIBER_PROVIDER: typeof v === 'string' ? v : JSON.stringify(v) });
  assert.throws(load('not json'), /VIBER_PROVIDER: must be a JSON object/);
  assert.throws(load({ preset: 'viberx', url: 'https://api.example.bg' }), /VIBER_PROVIDER: preset: must be one of infobip, mobica/);
  assert.throws(load({ preset: 'infobip', url: 'https://api.example.bg', token: 'k', callbackSecret: SECRET }), /VIBER_PROVIDER: sender: is required with preset infobip/);
  assert.throws(load({ preset: 'infobip', token: 'k', sender: 'E', callbackSecret: SECRET }), /VIBER_PROVIDER: url: is required/);
  assert.throws(load({ preset: 'infobip', url: 'https://api.example.bg', token: 'k', sender: 'E', callbackSecret: SECRET, smsFallback: true }), /VIBER_PROVIDER: smsFallback: preset infobip has no provider-side SMS fallback/);
  assert.throws(load({ preset: 'infobip', url: 'https://api.example.bg', token: 'k', sender: 'E', callbackSecret: 'short' }), /VIBER_PROVIDER: callbackSecret: must be at least 16 characters/);
  const ok = loadConfig({ PUBLIC_URL: 'https://izvestie.example.bg', VIBER_PROVIDER: JSON.stringify({ preset: 'mobica', url: 'https://api.mobica.bg', user: 'u', password: 'p', sender: 'EnergoPro', smsFallback: true }) });
  assert.equal(ok.delivery.viber?.options.url, 'https://api.mobica.bg/v2/multi/json/viber.php');
  assert.equal(ok.delivery.viber?.timeoutMs, 600_000);
  assert.equal(ok.delivery.viber?.pricePerMessageMinor, 3);
  assert.equal(ok.delivery.viber?.providerFallback, true);
});

test('policy: viber only directly before sms', async () => {
  const { parsePolicy } = await import('../../../src/dunning/policy.js');
  const withChannels = (channels: string[]) => {
    const p = structuredClone(defaultPolicy) as unknown as { stages: Array<{ channels: string[] }> };
    for (const s of p.stages) s.channels = channels;
    p.stages[2]!.channels = [...channels, 'letter'];
    return p;
  };
  assert.deepEqual(parsePolicy(withChannels(['viber', 'sms', 'email'])).stages[0]?.channels, ['viber', 'sms', 'email']);
  assert.throws(() => parsePolicy(withChannels(['viber', 'email'])), /'viber' only directly before 'sms'/);
  assert.throws(() => parsePolicy(withChannels(['sms', 'viber'])), /'viber' only directly before 'sms'/);
  assert.throws(() => parsePolicy(withChannels(['viber'])), /'viber' only directly before 'sms'/);
});

test('no VIBER_PROVIDER: a policy with Viber still reaches the customer, by SMS', async (t) => {
  const gw = await startInfobip({ key: 'ib-key-123' });
  t.after(() => gw.stop());
  const { db, daily } = await izvestie(t, {
    HTTP_SMS_URL: gw.base,
    HTTP_SMS_OPTIONS: JSON.stringify({ preset: 'infobip', token: 'ib-key-123', callbackSecret: SECRET, from: 'EnergoPro' }),
  });
  const cn = await customer(db, 6);
  await daily();
  await until(async () => gw.accepted.length === 1, 30_000, 'the SMS');
  const all = await messagesOf(db, cn);
  assert.deepEqual(all.map((m) => [m.channel, m.status === 'failed' ? 'failed' : 'on its way']), [['viber', 'failed'], ['sms', 'on its way']]);
  assert.match(all[0]?.last_error ?? '', /no Viber provider/);
  assert.equal(gw.viber.length, 0);
});
