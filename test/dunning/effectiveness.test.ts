import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { describeEachBackend } from '../support/db.js';
import type { DB } from '../../src/db/schema.js';
import { loadDemo } from '../../src/demo/load.js';
import { seedDemoHistory } from '../../src/dunning/demo-history.js';
import { effectivenessReport } from '../../src/dunning/effectiveness.js';
import { addCustomer, addInvoice, pay, render, reset, run } from './fixtures.js';

/** What the worker does with the notices of a run: sent five minutes after it. */
async function sendRun(db: Kysely<DB>, runId: number | null, at: string): Promise<void> {
  await sql`UPDATE outbox_messages SET status = 'sent', provider = 'test', sent_at = ${at}::timestamptz
             WHERE (payload->>'run_id')::bigint = ${runId}::bigint AND status = 'queued'`.execute(db);
}

describeEachBackend('effectiveness of notices', (get) => {
  test('per run and per month: notified, paid within N days, paid before the disconnection date, listed', async () => {
    const { db } = get();
    await reset(db);
    const prompt = await addCustomer(db, 1);
    const late = await addCustomer(db, 2, { sms: false, email: true });
    const never = await addCustomer(db, 3);
    const partial = await addCustomer(db, 4);
    for (const [c, i] of [[prompt, 1], [late, 2], [never, 3], [partial, 4]] as const) await addInvoice(db, c, `I-${i}`, '2026-11-02', 5000);
    const r1 = await run(db, '2026-11-03');
    await sendRun(db, r1.runId, '2026-11-03T08:05:00Z');
    await pay(db, prompt, 'I-1', 5000, '2026-11-05T12:00:00Z');
    await pay(db, partial, 'I-4', 3000, '2026-11-06T12:00:00Z');
    const r2 = await run(db, '2026-11-11');
    await sendRun(db, r2.runId, '2026-11-11T08:05:00Z');
    await pay(db, late, 'I-2', 5000, '2026-11-20T12:00:00Z');
    const r3 = await run(db, '2026-11-23');
    assert.equal(r3.disconnectionCount, 2);
    const rep = await effectivenessReport(db, '2026-11', 7);
    assert.deepEqual(rep.totals, [
      { stage: 'reminder', channel: 'email', notified: 1, paidWithinDays: 0, paidBeforeDisconnection: 1 },
      { stage: 'reminder', channel: 'sms', notified: 3, paidWithinDays: 1, paidBeforeDisconnection: 1 },
      { stage: 'second', channel: 'email', notified: 1, paidWithinDays: 0, paidBeforeDisconnection: 1 },
      { stage: 'second', channel: 'sms', notified: 2, paidWithinDays: 0, paidBeforeDisconnection: 0 },
    ]);
    assert.equal(rep.newlyListed, 2);
    assert.deepEqual(rep.runs.map((x) => [x.runDate, x.noticesCreated, x.disconnectionListed, x.newlyListed, x.rows.length]), [
      ['2026-11-03', 4, 0, 0, 2],
      ['2026-11-11', 3, 0, 0, 2],
      ['2026-11-23', 0, 2, 2, 0],
    ]);
    // Twelve days after the reminder, the late payer counts as paid within N days.
    const wide = await effectivenessReport(db, '2026-11', 20);
    assert.equal(wide.runs[0]?.rows.find((x) => x.channel === 'email')?.paidWithinDays, 1);
    assert.deepEqual((await effectivenessReport(db, '2026-10', 7)).runs, []);
  });

  test('demo history: the past runs replayed as of their day, notices sent by the sandbox, payments after notices', async () => {
    const { db } = get();
    await reset(db);
    const today = '2026-11-24';
    await loadDemo(get(), { customers: 600, seed: 3, today }, 10);
    const h = await seedDemoHistory(db, { today, days: 60, render, smsPricePerSegmentMinor: 5 });
    assert.ok(h.runs >= 40, `runs ${h.runs}`);
    assert.ok(h.notices > 20, `notices ${h.notices}`);
    const left = await db.selectFrom('outbox_messages').select(sql<number>`count(*)::int`.as('n')).where('status', '=', 'queued').executeTakeFirstOrThrow();
    assert.equal(left.n, 0);
    const sent = await db.selectFrom('outbox_messages').select(['body', 'sent_at', 'created_at', 'provider']).where('channel', '=', 'sms').limit(1).executeTakeFirstOrThrow();
    assert.equal(sent.provider, 'sandbox');
    assert.ok(sent.body && sent.body.length > 50);
    assert.ok(sent.sent_at && sent.sent_at.getTime() - sent.created_at.getTime() === 5 * 60_000);
    const runs = await db.selectFrom('dunning_runs').select(['run_date', 'started_at', 'trigger']).orderBy('id').execute();
    assert.ok(runs.every((r) => r.trigger === 'demo' && r.run_date < today));
    const rep = await effectivenessReport(db, '2026-10', 7);
    const notified = rep.totals.reduce((n, r) => n + r.notified, 0);
    const paid = rep.totals.reduce((n, r) => n + r.paidWithinDays, 0);
    assert.ok(notified > 0 && paid > 0 && paid < notified, `notified ${notified}, paid within 7 days ${paid}`);
    assert.ok(rep.totals.some((r) => r.paidBeforeDisconnection > 0));
    // Today's real run finds the episodes the history already notified.
    const todayRun = await run(db, today, { dryRun: true });
    assert.ok(todayRun.noticesCreated < h.notices);
  });
});
