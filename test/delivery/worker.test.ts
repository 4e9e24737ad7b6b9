import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { describeEachBackend } from '../support/db.js';
import { enqueue, type NewMessage } from '../../src/delivery/outbox/enqueue.js';
import { DeliveryError } from '../../src/delivery/channels/types.js';
import type { Guard } from '../../src/delivery/guards.js';
import { Worker } from '../../src/delivery/worker.js';
import { attemptsOf, byKey, clock, drain, messageById, render, resetData, seedCustomer, testChannel, testConfig } from './outbox/fixtures.js';

const MIN = 60_000;
const at = (d: Date | null | undefined) => d?.toISOString();
const ok = (ids: string[]) => ({ providerMessageIds: ids });
const transient = (outcome: 'rejected' | 'unknown' = 'rejected', retryAfterMs?: number) =>
  new DeliveryError('ESME_RTHROTTLED', { kind: 'transient', outcome, ...(retryAfterMs === undefined ? {} : { retryAfterMs }) });
const permanent = () => new DeliveryError('550 5.1.1 no such user', { kind: 'permanent' });

const sms = (key: string, to: string, extra: Partial<NewMessage> = {}): NewMessage => ({ businessKey: key, kind: 'overdue_reminder', channel: 'sms', recipient: to, body: 'Просрочена сметка', ...extra });

describeEachBackend('delivery worker', (get) => {
  beforeEach(() => resetData(get().db));

  test('sends each due message once and records the attempt, the ids and the cost', async () => {
    const { db } = get();
    const t = clock();
    const due = await enqueue(db, sms('a', '+359888000001'));
    const later = await enqueue(db, sms('b', '+359888000002', { notBefore: new Date(t.now().getTime() + MIN) }));
    const ch = testChannel('sms', () => ({ providerMessageIds: ['p-1', 'p-2'], segments: 2, encoding: 'ucs2', answer: 'submit_sm_resp OK' }));
    await drain({ db, channels: [ch], now: t.now });
    assert.deepEqual(ch.sends.map((m) => m.id), [due.id]);
    const m = await messageById(db, due.id);
    assert.deepEqual(
      [m.status, m.provider, m.provider_message_ids, m.segments, m.encoding, m.cost_minor, m.attempts, at(m.sent_at), m.leased_by, m.lease_until],
      ['sent', 'test-sms', ['p-1', 'p-2'], 2, 'ucs2', 10, 1, at(t.now()), null, null],
    );
    const [a] = await attemptsOf(db, due.id);
    assert.deepEqual([a?.attempt, a?.outcome, a?.provider, a?.answer, at(a?.started_at), at(a?.finished_at)], [1, 'accepted', 'test-sms', 'submit_sm_resp OK', at(t.now()), at(t.now())]);
    assert.equal((await messageById(db, later.id)).status, 'queued');
  });

  test('guards cancel what is no longer wanted, right before sending', async () => {
    const { db } = get();
    const t = clock();
    const paying = await seedCustomer(db, 1);
    const left = await seedCustomer(db, 2);
    await db.insertInto('invoices').values([
      { invoice_number: 'I-1', customer_number: paying.customerNumber, issue_date: '2030-01-01', due_date: '2030-01-21', amount_minor: 5000, currency: 'EUR' },
      { invoice_number: 'I-2', customer_number: paying.customerNumber, issue_date: '2030-02-01', due_date: '2030-02-21', amount_minor: 3000, currency: 'EUR' },
    ]).execute();
    // What the dunning engineer registers: the bills named in the payload must still be unpaid.
    const stillUnpaid: Guard = async (gdb, msg) => {
      const numbers = msg.payload.invoices as string[];
      const open = await gdb.selectFrom('invoices').select('invoice_number').where('invoice_number', 'in', numbers).whereRef('paid_eur_minor', '<', 'amount_eur_minor').execute();
      return open.length > 0 ? null : 'invoices paid';
    };
    const base = { customerNumber: paying.customerNumber, subscriptionId: paying.smsId };
    const unpaid = await enqueue(db, sms('g:unpaid', paying.phone, { ...base, payload: { invoices: ['I-1'] } }));
    const paid = await enqueue(db, sms('g:paid', paying.phone, { ...base, payload: { invoices: ['I-2'] } }));
    const ended = await enqueue(db, sms('g:ended', left.phone, { customerNumber: left.customerNumber, subscriptionId: left.smsId, payload: { invoices: ['I-1'] } }));
    const moved = await enqueue(db, sms('g:moved', '+359888999999', { ...base, payload: { invoices: ['I-1'] } }));
    // The payment and the unsubscription land after the messages were queued.
    await db.updateTable('invoices').set({ paid_eur_minor: 3000 }).where('invoice_number', '=', 'I-2').execute();
    await db.updateTable('subscriptions').set({ status: 'unsubscribed', ended_at: new Date(), end_reason: 'cancelled' }).where('id', '=', left.smsId).execute();
    const ch = testChannel('sms');
    await drain({ db, channels: [ch], now: t.now, guards: { overdue_reminder: stillUnpaid } });
    assert.deepEqual(ch.sends.map((m) => m.id), [unpaid.id]);
    const states = await Promise.all([paid, ended, moved].map(async (x) => {
      const m = await messageById(db, x.id);
      return [m.status, m.cancel_reason, at(m.final_at), m.attempts];
    }));
    assert.deepEqual(states, [
      ['cancelled', 'invoices paid', at(t.now()), 0],
      ['cancelled', 'subscription ended', at(t.now()), 0],
      ['cancelled', 'subscription address changed', at(t.now()), 0],
    ]);
  });

  test('a one-message guard (no batch form) is asked for each message of its kind', async () => {
    const { db } = get();
    const kind = 'code_like';
    const guard: Guard = async (_db, msg) => (msg.payload.expired ? 'code expired' : null);
    const live = await enqueue(db, sms('r:live', '+359888000001', { kind, payload: { expired: false } }));
    const stale = await enqueue(db, sms('r:stale', '+359888000002', { kind, payload: { expired: true } }));
    const ch = testChannel('sms');
    await drain({ db, channels: [ch], now: clock().now, guards: { [kind]: guard } });
    assert.deepEqual(ch.sends.map((m) => m.id), [live.id]);
    assert.equal((await messageById(db, stale.id)).cancel_reason, 'code expired');
  });

  test('a message past expires_at is expired, not sent', async () => {
    const { db } = get();
    const t = clock();
    const m = await enqueue(db, sms('e', '+359888000001', { expiresAt: new Date(t.now().getTime() - 1000) }));
    const ch = testChannel('sms');
    await drain({ db, channels: [ch], now: t.now });
    assert.equal(ch.sends.length, 0);
    const row = await messageById(db, m.id);
    assert.deepEqual([row.status, at(row.final_at), row.attempts], ['expired', at(t.now()), 0]);
  });

  test('transient failures are retried with exponential back-off and jitter, honouring retry-after', async () => {
    const { db } = get();
    const t = clock();
    const { id } = await enqueue(db, sms('t', '+359888000001'));
    const ch = testChannel('sms', (msg, nth) => {
      if (nth === 1) throw transient('unknown');
      if (nth === 2) throw transient('rejected', 5 * MIN);
      if (nth === 3) throw transient();
      return ok([`x-${msg.id}`]);
    });
    const run = () => drain({ db, channels: [ch], now: t.now });
    const notBefore = async () => (await messageById(db, id)).not_before.getTime() - t.now().getTime();

    await run();
    let wait = await notBefore();
    assert.ok(wait >= 0.5 * MIN && wait <= MIN, `first retry after base/2..base, got ${wait} ms`);
    await run();
    assert.equal(ch.sends.length, 1, 'not retried before it is due');
    t.advance(wait);
    await run();
    assert.equal(await notBefore(), 5 * MIN, 'the provider asked for 5 minutes, more than the back-off');
    t.advance(5 * MIN);
    await run();
    wait = await notBefore();
    assert.ok(wait >= 2 * MIN && wait <= 4 * MIN, `third retry after 2..4 base, got ${wait} ms`);
    t.advance(wait);
    await run();
    const m = await messageById(db, id);
    assert.deepEqual([m.status, m.attempts, m.last_error], ['sent', 4, null]);
    assert.deepEqual((await attemptsOf(db, id)).map((a) => [a.outcome, a.error]), [
      ['unknown', 'ESME_RTHROTTLED'],
      ['transient', 'ESME_RTHROTTLED'],
      ['transient', 'ESME_RTHROTTLED'],
      ['accepted', null],
    ]);
  });

  test('retries past the maximum age hand over to email, then to a letter, linked to their parents', async () => {
    const { db } = get();
    const t = clock();
    const c = await seedCustomer(db, 7);
    const first = await enqueue(db, sms('overdue:7', c.phone, { customerNumber: c.customerNumber, subscriptionId: c.smsId, fallback: ['email', 'letter'], payload: { total_eur: '12.30' } }));
    const smsCh = testChannel('sms', () => {
      throw transient();
    });
    const emailCh = testChannel('email', () => {
      throw permanent();
    });
    const run = () => drain({ db, channels: [smsCh, emailCh], now: t.now });
    await run();
    assert.equal((await messageById(db, first.id)).status, 'queued');
    t.advance(11 * MIN);
    await run();

    const s = await messageById(db, first.id);
    assert.equal(s.status, 'failed');
    assert.match(s.last_error ?? '', /giving up/);
    const email = await byKey(db, 'overdue:7:email');
    assert.ok(email);
    assert.deepEqual(
      [email.parent_id, email.channel, email.recipient, email.subscription_id, email.subject, email.html, email.body, email.fallback, email.status, email.last_error],
      [first.id, 'email', c.email, c.emailId, 'overdue_reminder (bg)', '<p>overdue_reminder</p>', 'overdue_reminder email bg {"total_eur":"12.30"}', ['letter'], 'failed', '550 5.1.1 no such user'],
    );
    assert.deepEqual(emailCh.sends.map((m) => m.id), [email.id]);
    const letter = await byKey(db, 'overdue:7:email:letter');
    assert.ok(letter);
    assert.deepEqual(
      [letter.parent_id, letter.channel, letter.recipient, letter.body, letter.fallback, letter.status, letter.subscription_id],
      [email.id, 'letter', 'Клиент 7\nул. Шипка 5\n9000 Варна', 'overdue_reminder letter bg {"total_eur":"12.30"}', [], 'queued', null],
    );
    const subs = await db.selectFrom('subscriptions').select(['channel', 'hard_failures']).where('customer_number', '=', c.customerNumber).orderBy('channel').execute();
    assert.deepEqual(subs, [{ channel: 'email', hard_failures: 1 }, { channel: 'sms', hard_failures: 0 }]);
    // Letters are exported by another command: the worker never claims them.
    await run();
    assert.equal((await messageById(db, letter.id)).status, 'queued');
  });

  test('a permanent failure counts against the contact, skips channels without one, and flags it after 3', async () => {
    const { db } = get();
    const t = clock();
    const phoneOnly = await seedCustomer(db, 1, { sms: true });
    const both = await seedCustomer(db, 2, { sms: true, email: true, lang: 'en' });
    const smsCh = testChannel('sms', () => {
      throw permanent();
    });
    const emailCh = testChannel('email');
    const notice = (n: number, c: typeof phoneOnly) =>
      enqueue(db, sms(`p:${c.customerNumber}:${n}`, c.phone, { customerNumber: c.customerNumber, subscriptionId: c.smsId, fallback: ['email', 'letter'] }));
    const run = () => drain({ db, channels: [smsCh, emailCh], now: t.now });
    const flags = async (id: number | null) => {
      const s = await db.selectFrom('subscriptions').select(['hard_failures', 'needs_attention']).where('id', '=', id ?? -1).executeTakeFirstOrThrow();
      return [s.hard_failures, s.needs_attention];
    };

    const one = await notice(1, phoneOnly);
    await run();
    assert.deepEqual(await flags(phoneOnly.smsId), [1, false]);
    const failed = await messageById(db, one.id);
    assert.equal(failed.status, 'failed');
    assert.match(failed.last_error ?? '', /fallback skipped \(email: no contact\)/);
    assert.equal((await byKey(db, `${failed.business_key}:email`)), undefined);
    assert.equal((await byKey(db, `${failed.business_key}:letter`))?.parent_id, one.id);
    await notice(2, phoneOnly);
    await notice(3, phoneOnly);
    await run();
    assert.deepEqual(await flags(phoneOnly.smsId), [3, true]);

    const other = await notice(1, both);
    await run();
    const email = await byKey(db, `p:${both.customerNumber}:1:email`);
    assert.deepEqual([email?.status, email?.parent_id, email?.lang, email?.recipient], ['sent', other.id, 'en', both.email]);
    assert.deepEqual(emailCh.sends.map((m) => m.businessKey), [`p:${both.customerNumber}:1:email`]);
  });

  test('messages of a dead worker are taken over: an open attempt is recorded as unknown, then resent', async () => {
    const { db } = get();
    const t = clock();
    const now = t.now().getTime();
    const midSend = await enqueue(db, sms('l:mid-send', '+359888000001'));
    const claimedOnly = await enqueue(db, sms('l:claimed', '+359888000002'));
    const alive = await enqueue(db, sms('l:alive', '+359888000003'));
    const lease = (id: number, by: string, until: number, attempts: number) =>
      db.updateTable('outbox_messages').set({ status: 'sending', leased_by: by, lease_until: new Date(until), attempts, first_attempt_at: attempts ? new Date(now - 3 * MIN) : null }).where('id', '=', id).execute();
    await lease(midSend.id, 'dead-worker', now - MIN, 1);
    await db.insertInto('message_attempts').values({ message_id: midSend.id, attempt: 1, worker: 'dead-worker', provider: 'test-sms', started_at: new Date(now - 3 * MIN) }).execute();
    await lease(claimedOnly.id, 'dead-worker', now - MIN, 0);
    await lease(alive.id, 'live-worker', now + MIN, 0);

    const ch = testChannel('sms');
    await drain({ db, channels: [ch], now: t.now });
    assert.deepEqual(ch.sends.map((m) => m.id).sort((a, b) => a - b), [midSend.id, claimedOnly.id]);
    assert.deepEqual((await attemptsOf(db, midSend.id)).map((a) => [a.attempt, a.worker === 'dead-worker', a.outcome]), [
      [1, true, 'unknown'],
      [2, false, 'accepted'],
    ]);
    assert.match((await attemptsOf(db, midSend.id))[0]?.error ?? '', /may have been sent/);
    assert.deepEqual((await attemptsOf(db, claimedOnly.id)).map((a) => a.outcome), ['accepted']);
    const m = await messageById(db, midSend.id);
    assert.deepEqual([m.status, m.attempts], ['sent', 2]);
    const held = await messageById(db, alive.id);
    assert.deepEqual([held.status, held.leased_by], ['sending', 'live-worker']);
  });

  test('quiet hours: SMS waits for 09:00 Sofia (winter and summer), urgent messages and email do not', async () => {
    const { db } = get();
    const t = clock('2030-03-12T18:30:00Z'); // 20:30 in Sofia
    const notice = await enqueue(db, sms('q:notice', '+359888000001'));
    const code = await enqueue(db, sms('q:code', '+359888000002', { kind: 'verification_code', urgent: true }));
    const mail = await enqueue(db, { businessKey: 'q:mail', kind: 'overdue_reminder', channel: 'email', recipient: 'a@example.bg', subject: 's', body: 'b' });
    const smsCh = testChannel('sms');
    const emailCh = testChannel('email');
    const run = () => drain({ db, channels: [smsCh, emailCh], now: t.now });
    await run();
    assert.deepEqual(smsCh.sends.map((m) => m.id), [code.id]);
    assert.deepEqual(emailCh.sends.map((m) => m.id), [mail.id]);
    const waiting = await messageById(db, notice.id);
    assert.deepEqual([waiting.status, at(waiting.not_before), waiting.attempts], ['queued', '2030-03-13T07:00:00.000Z', 0]);
    t.set('2030-03-13T06:59:00Z');
    await run();
    assert.equal(smsCh.sends.length, 1);
    t.set('2030-03-13T07:00:00Z');
    await run();
    assert.equal((await messageById(db, notice.id)).status, 'sent');

    t.set('2030-07-01T18:00:00Z'); // 21:00 in Sofia, summer time
    const summer = await enqueue(db, sms('q:summer', '+359888000003'));
    await run();
    assert.equal(at((await messageById(db, summer.id)).not_before), '2030-07-02T06:00:00.000Z');
    // The window is a setting: off, SMS goes at any hour.
    const night = await enqueue(db, sms('q:night', '+359888000004'));
    await drain({ db, channels: [smsCh], now: t.now, config: testConfig({ sendWindows: { sms: null, email: null } }) });
    assert.equal((await messageById(db, night.id)).status, 'sent');
  });

  test('pacing: the window of sends in flight is never exceeded, and the rate holds sends back', async () => {
    const { db } = get();
    const t = clock();
    for (let i = 0; i < 30; i++) await enqueue(db, sms(`w:${i}`, '+359888000001'));
    const slow = testChannel('sms', async (msg) => {
      await sleep(5);
      return ok([`s-${msg.id}`]);
    });
    await drain({ db, channels: [slow], now: t.now, config: testConfig({ pacing: { 'test-sms': { ratePerSecond: 100_000, window: 3 } } }) });
    assert.equal(slow.sends.length, 30);
    assert.ok(slow.maxInFlight <= 3, `at most 3 in flight, saw ${slow.maxInFlight}`);

    for (let i = 0; i < 30; i++) await enqueue(db, sms(`r:${i}`, '+359888000001'));
    const paced = testChannel('sms');
    const started = performance.now();
    await drain({ db, channels: [paced], now: t.now, config: testConfig({ pacing: { 'test-sms': { ratePerSecond: 50, window: 10 } } }) });
    // 50/s with a burst of 5: the other 25 need at least half a second (a lower bound only).
    assert.equal(paced.sends.length, 30);
    assert.ok(performance.now() - started >= 400, 'sends were paced');
  });

  test('stop() finishes the send in flight and returns the rest of the claim to the queue', async () => {
    const { db } = get();
    const t = clock();
    for (let i = 0; i < 5; i++) await enqueue(db, sms(`s:${i}`, '+359888000001'));
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const ch = testChannel('sms', async (msg) => {
      await gate;
      return ok([`g-${msg.id}`]);
    });
    const w = new Worker({ db, channels: [ch], render, guards: {}, now: t.now, config: testConfig({ pacing: { 'test-sms': { ratePerSecond: 1000, window: 1 } } }) });
    await w.start();
    try {
      for (let i = 0; i < 500 && ch.sends.length === 0; i++) await sleep(10);
      assert.equal(ch.sends.length, 1);
      let stopped = false;
      const stopping = w.stop().then(() => (stopped = true));
      await sleep(50);
      assert.equal(stopped, false, 'stop() waits for the send in flight');
      open();
      await stopping;
    } finally {
      open();
      await w.stop();
    }
    const rows = await db.selectFrom('outbox_messages').select(['id', 'status', 'leased_by', 'attempts']).orderBy('id').execute();
    assert.deepEqual(rows.map((r) => [r.status, r.leased_by, r.attempts]), [
      ['sent', null, 1],
      ...Array.from({ length: 4 }, () => ['queued', null, 0]),
    ]);
    assert.equal(ch.sends.length, 1);
  });

  test('a message whose texts cannot be rendered fails without an attempt', async () => {
    const { db } = get();
    const { id } = await enqueue(db, { businessKey: 'x', kind: 'unknown_kind', channel: 'sms', recipient: '+359888000001' });
    const failing = () => {
      throw new Error('no template for unknown_kind');
    };
    await drain({ db, channels: [testChannel('sms')], now: clock().now, render: failing });
    const m = await messageById(db, id);
    assert.deepEqual([m.status, m.last_error, m.attempts], ['failed', 'cannot render: no template for unknown_kind', 0]);
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM message_attempts`.execute(db);
    assert.equal(r.rows[0]?.n, 0);
  });
});
