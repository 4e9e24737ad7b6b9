import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kysely } from 'kysely';
import { describeEachBackend } from '../support/db.js';
import type { DB } from '../../src/db/schema.js';
import { decideRun } from '../../src/backoffice/run-approval.js';
import { claimBatch } from '../../src/delivery/outbox/claim.js';
import { AppError } from '../../src/errors.js';
import { addCustomer, addInvoice, notices, reset, run } from './fixtures.js';

// Due Monday 2 November 2026: the reminder stage is reached on Tuesday 3 November.
const DUE = '2026-11-02';
const approval = { factor: 3, minNotices: 2 };

async function customers(db: Kysely<DB>, from: number, n: number, due = DUE): Promise<void> {
  for (let i = from; i < from + n; i++) await addInvoice(db, await addCustomer(db, i), `I-${i}`, due, 5000);
}

const claim = (db: Kysely<DB>) => claimBatch(db, { channel: 'sms', limit: 100, workerId: 'w1', now: new Date('2030-01-01T00:00:00Z'), leaseSeconds: 60, urgentOnly: false });

async function statuses(db: Kysely<DB>): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of await notices(db)) out[n.status] = (out[n.status] ?? 0) + 1;
  return out;
}

async function audit(db: Kysely<DB>, subject: string): Promise<Array<{ action: string; details: unknown }>> {
  return db.selectFrom('audit_events').select(['action', 'details']).where('subject', '=', subject).orderBy('id').execute();
}

async function refused(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e: unknown) => e instanceof AppError && e.code === code);
}

describeEachBackend('approval of unusually big daily runs', (get) => {
  beforeEach(() => reset(get().db));

  test('a run above the threshold holds its notices and asks for a decision; the worker claims none of them', async () => {
    const { db } = get();
    await customers(db, 1, 3);
    const r = await run(db, '2026-11-03', { approval });
    assert.equal(r.noticesCreated, 3);
    assert.deepEqual(r.approval, { usualNotices: 0, held: true });
    assert.deepEqual(await statuses(db), { held: 3 });
    assert.deepEqual(await claim(db), []);
    const [req] = await db.selectFrom('dunning_run_approvals').selectAll().execute();
    assert.deepEqual([req?.run_id, req?.run_date, req?.planned_notices, req?.usual_notices, req?.decision], [r.runId, '2026-11-03', 3, 0, null]);
    const trail = await audit(db, 'dunning_run:2026-11-03');
    assert.equal(trail.at(-1)?.action, 'dunning.run_approval_requested');
    assert.deepEqual(trail.at(-1)?.details, { run_id: r.runId, planned: 3, usual: 0, factor: 3, min_notices: 2 });
  });

  test('at or below the threshold, or without approval settings, the notices are queued as before', async () => {
    const { db } = get();
    await customers(db, 1, 2);
    assert.deepEqual((await run(db, '2026-11-03', { approval })).approval, { usualNotices: 0, held: false });
    await customers(db, 3, 3, '2026-11-03');
    assert.equal((await run(db, '2026-11-04')).approval, null);
    assert.deepEqual(await statuses(db), { queued: 5 });
    assert.equal((await db.selectFrom('dunning_run_approvals').select('run_id').execute()).length, 0);
  });

  test('the usual day counts: three times the median of earlier days is not held, more is', async () => {
    const { db } = get();
    await customers(db, 1, 2, '2026-10-26');
    await run(db, '2026-10-27', { approval });
    await customers(db, 3, 6);
    assert.deepEqual((await run(db, '2026-11-03', { approval })).approval, { usualNotices: 2, held: false }, '6 = 3 × 2');
    // 7 reminders, and the first two customers reach the second stage: 9.
    await customers(db, 10, 7, '2026-11-03');
    assert.deepEqual((await run(db, '2026-11-04', { approval })).approval, { usualNotices: 4, held: false }, 'the median of 2 and 6');
    // A rerun the same day adds to its day rather than pulling the median down.
    assert.equal((await run(db, '2026-11-04', { approval })).noticesCreated, 0);
    await customers(db, 20, 19, '2026-11-04');
    assert.deepEqual((await run(db, '2026-11-05', { approval })).approval, { usualNotices: 6, held: true }, '19 > 3 × the median of 2, 6 and 9');
  });

  test('a dry run reports that the run would be held and writes nothing', async () => {
    const { db } = get();
    await customers(db, 1, 3);
    const before = (await audit(db, 'dunning_run:2026-11-03')).length;
    const r = await run(db, '2026-11-03', { approval, dryRun: true });
    assert.equal(r.dryRun, true);
    assert.deepEqual(r.approval, { usualNotices: 0, held: true });
    assert.deepEqual(await notices(db), []);
    assert.equal((await db.selectFrom('dunning_run_approvals').select('run_id').execute()).length, 0);
    assert.equal((await db.selectFrom('dunning_runs').select('id').execute()).length, 0);
    assert.equal((await audit(db, 'dunning_run:2026-11-03')).length, before);
  });

  test('approved: the held notices are queued once and the worker claims each once; deciding again is refused', async () => {
    const { db } = get();
    await customers(db, 1, 3);
    const r = await run(db, '2026-11-05', { approval });
    const before = (await audit(db, 'dunning_run:2026-11-05')).length;
    const d = await decideRun(db, { runDate: '2026-11-05', decision: 'approved', reason: null, actor: 'staff:boss' });
    assert.deepEqual(d, { runDate: '2026-11-05', decision: 'approved', runIds: [r.runId], notices: 3, planned: 3, usual: 0 });
    assert.deepEqual(await statuses(db), { queued: 3 });
    assert.equal((await claim(db)).length, 3);
    assert.equal((await claim(db)).length, 0);
    await refused(decideRun(db, { runDate: '2026-11-05', decision: 'approved', reason: null, actor: 'staff:boss' }), 'CONFLICT');
    await refused(decideRun(db, { runDate: '2026-11-05', decision: 'rejected', reason: 'late', actor: 'staff:boss' }), 'CONFLICT');
    await refused(decideRun(db, { runDate: '2026-11-06', decision: 'approved', reason: null, actor: 'staff:boss' }), 'NOT_FOUND');
    assert.deepEqual(await statuses(db), { sending: 3 });
    const trail = (await audit(db, 'dunning_run:2026-11-05')).slice(before);
    assert.deepEqual(trail.map((a) => a.action), ['dunning.run_approved']);
    assert.deepEqual(trail[0]?.details, { run_ids: [r.runId], notices: 3, planned: 3, usual: 0, reason: null });
    const row = await db.selectFrom('dunning_run_approvals').selectAll().executeTakeFirstOrThrow();
    assert.deepEqual([row.decision, row.decided_by], ['approved', 'staff:boss']);
  });

  test('two supervisors deciding at once: one decision wins, the other is refused', async () => {
    const { db } = get();
    await customers(db, 1, 3);
    await run(db, '2026-11-03', { approval });
    const both = await Promise.allSettled([
      decideRun(db, { runDate: '2026-11-03', decision: 'approved', reason: null, actor: 'staff:a' }),
      decideRun(db, { runDate: '2026-11-03', decision: 'rejected', reason: 'no', actor: 'staff:b' }),
    ]);
    const won = both.flatMap((x) => (x.status === 'fulfilled' ? [x.value] : []));
    assert.equal(won.length, 1);
    assert.ok(both.some((x) => x.status === 'rejected' && x.reason instanceof AppError && x.reason.code === 'CONFLICT'));
    assert.deepEqual(await statuses(db), { [won[0]?.decision === 'approved' ? 'queued' : 'cancelled']: 3 });
  });

  test('rejected, with a reason: the held notices are cancelled with it; a rerun creates none again', async () => {
    const { db } = get();
    await customers(db, 1, 3);
    await run(db, '2026-11-03', { approval });
    await refused(decideRun(db, { runDate: '2026-11-03', decision: 'rejected', reason: '  ', actor: 'staff:boss' }), 'VALIDATION_FAILED');
    const d = await decideRun(db, { runDate: '2026-11-03', decision: 'rejected', reason: 'Грешен импорт', actor: 'staff:boss' });
    assert.equal(d.notices, 3);
    const all = await notices(db);
    assert.deepEqual(all.map((n) => [n.status, n.cancel_reason]), Array(3).fill(['cancelled', 'run rejected: Грешен импорт']));
    assert.equal((await db.selectFrom('outbox_messages').select('id').where('final_at', 'is', null).execute()).length, 0);
    assert.equal((await audit(db, 'dunning_run:2026-11-03')).at(-1)?.action, 'dunning.run_rejected');
    await refused(decideRun(db, { runDate: '2026-11-03', decision: 'approved', reason: null, actor: 'staff:boss' }), 'CONFLICT');
    const again = await run(db, '2026-11-03', { approval });
    assert.equal(again.noticesCreated, 0);
    assert.equal(again.approval?.held, false);
    assert.equal((await claim(db)).length, 0);
  });

  test('the next day plans while a run is held: no duplicates, and each day is decided on its own count', async () => {
    const { db } = get();
    await customers(db, 1, 3);
    const first = await run(db, '2026-11-03', { approval });
    await customers(db, 10, 4, '2026-11-03');
    const second = await run(db, '2026-11-04', { approval });
    assert.equal(second.noticesCreated, 4, 'the customers already held for are not planned again');
    assert.deepEqual(second.approval, { usualNotices: 0, held: true }, 'a day still waiting is not the usual');
    const keys = (await notices(db)).map((n) => n.business_key);
    assert.equal(new Set(keys).size, 7);
    // A quiet day after them plans its own notices, queued at once.
    await customers(db, 20, 1, '2026-11-04');
    const third = await run(db, '2026-11-05', { approval });
    assert.deepEqual([third.noticesCreated, third.approval?.held], [1, false]);
    assert.equal((await claim(db)).length, 1);

    await decideRun(db, { runDate: '2026-11-04', decision: 'rejected', reason: 'проверка', actor: 'staff:boss' });
    const d = await decideRun(db, { runDate: '2026-11-03', decision: 'approved', reason: null, actor: 'staff:boss' });
    assert.deepEqual(d.runIds, [first.runId]);
    const byRun = new Map<unknown, string[]>();
    for (const n of await notices(db)) byRun.set(n.payload.run_id, [...(byRun.get(n.payload.run_id) ?? []), n.status]);
    assert.deepEqual(byRun.get(first.runId), ['queued', 'queued', 'queued']);
    assert.deepEqual(byRun.get(second.runId), ['cancelled', 'cancelled', 'cancelled', 'cancelled']);
    assert.equal((await claim(db)).length, 3);
  });
});
