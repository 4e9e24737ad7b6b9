import { sql } from 'kysely';
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeEachBackend } from '../../support/db.js';
import { claimBatch } from '../../../src/delivery/outbox/claim.js';
import { enqueueMany } from '../../../src/delivery/outbox/enqueue.js';
import type { FailureContext } from '../../../src/delivery/outbox/fallback.js';
import { toMessage } from '../../../src/delivery/outbox/message.js';
import { recordReceipt } from '../../../src/delivery/outbox/receipts.js';
import { startAttempts, writeJournal } from '../../../src/delivery/outbox/record.js';
import { attemptsOf, clock, messageById, render, resetData } from './fixtures.js';

// The worker writes attempts and acceptances set-based (many messages per statement and commit):
// each message in a set must come out as if it had been written alone.

const ctx: FailureContext = { render, hardFailureThreshold: 3 };
const at = (d: Date | null | undefined) => d?.toISOString();

describeEachBackend('set-based attempt and acceptance records', (get) => {
  beforeEach(() => resetData(get().db));

  test('each message of a set gets its attempt, its lease renewed when half gone, and its texts, unless its lease is lost', async () => {
    const { db } = get();
    const t = clock();
    await enqueueMany(db, [
      { businessKey: 'r:1', kind: 'overdue_reminder', channel: 'sms', recipient: '+359888000001', body: 'Готов текст' },
      { businessKey: 'r:2', kind: 'overdue_reminder', channel: 'sms', recipient: '+359888000002', payload: { total_eur: '1.00' } },
      { businessKey: 'r:3', kind: 'overdue_reminder', channel: 'sms', recipient: '+359888000003', body: 'Чужд' },
    ]);
    const claimedAt = t.now();
    const rows = await claimBatch(db, { channel: 'sms', limit: 3, workerId: 'w1', now: claimedAt, leaseSeconds: 60, urgentOnly: false });
    const [one, two, three] = rows.map((r) => toMessage(r, render));
    assert.ok(one && two && three);
    // The third was taken over by another worker meanwhile.
    await db.updateTable('outbox_messages').set({ leased_by: 'w2' }).where('id', '=', three.id).execute();
    // The first starts with most of its lease left: kept as it is (the row's indexed columns do not
    // change, so the update can be HOT); the second after more than half of it: renewed.
    t.advance(1000);
    const firstAt = t.now();
    const first = await startAttempts(db, { provider: 'test-sms', leaseSeconds: 60 }, [{ messageId: one.id, workerId: 'w1', now: firstAt, msg: one }]);
    t.advance(30_000);
    const secondAt = t.now();
    const ids = [...first, ...(await startAttempts(db, { provider: 'test-sms', leaseSeconds: 60 }, [two, three].map((msg) => ({ messageId: msg.id, workerId: 'w1', now: secondAt, msg }))))];
    assert.equal(ids[2], null);
    assert.ok(ids[0] !== null && ids[1] !== null && ids[0] !== ids[1]);
    const expected = [
      { startedAt: firstAt, leaseUntil: new Date(claimedAt.getTime() + 60_000) },
      { startedAt: secondAt, leaseUntil: new Date(secondAt.getTime() + 60_000) },
    ];
    for (const [i, msg] of [one, two].entries()) {
      const m = await messageById(db, msg.id);
      const e = expected[i];
      assert.deepEqual([m.attempts, at(m.first_attempt_at), at(m.lease_until), m.body], [1, at(e?.startedAt), at(e?.leaseUntil), msg.body]);
      const [a] = await attemptsOf(db, msg.id);
      assert.deepEqual([a?.id, a?.attempt, a?.worker, a?.provider, at(a?.started_at), a?.outcome], [ids[i], 1, 'w1', 'test-sms', at(e?.startedAt), null]);
    }
    assert.equal((await messageById(db, two.id)).body, 'overdue_reminder sms bg {"total_eur":"1.00"}', 'texts rendered at send time are stored');
    assert.deepEqual([(await messageById(db, three.id)).attempts, (await attemptsOf(db, three.id)).length], [0, 0]);
  });

  test('an attempt started with most of its lease left can be a HOT update: no index of the outbox gets an entry', async () => {
    const { db } = get();
    const t = clock();
    await enqueueMany(
      db,
      Array.from({ length: 200 }, (_, i) => ({ businessKey: `hot:${i}`, kind: 'overdue_reminder', channel: 'sms' as const, recipient: '+359888000001', payload: { total_eur: '1.00' } })),
    );
    const msgs = (await claimBatch(db, { channel: 'sms', limit: 200, workerId: 'w1', now: t.now(), leaseSeconds: 60, urgentOnly: false })).map((r) => toMessage(r, render));
    t.advance(1000);
    // Counters of this backend not yet reported: the difference across the statement is its own.
    const counters = async (tx: typeof db) =>
      (
        await sql<{ updated: number; hot: number }>`
          SELECT pg_stat_get_xact_tuples_updated('outbox_messages'::regclass)::int AS updated,
                 pg_stat_get_xact_tuples_hot_updated('outbox_messages'::regclass)::int AS hot`.execute(tx)
      ).rows[0] ?? { updated: 0, hot: 0 };
    const { updated, hot } = await db.transaction().execute(async (tx) => {
      const before = await counters(tx);
      await startAttempts(tx, { provider: 'test-sms', leaseSeconds: 60 }, msgs.map((msg) => ({ messageId: msg.id, workerId: 'w1', now: t.now(), msg })));
      const after = await counters(tx);
      return { updated: after.updated - before.updated, hot: after.hot - before.hot };
    });
    // fillfactor 70 (migration 0028) leaves room on the page for most; every update was off HOT
    // when the start renewed every lease (a changed lease_until is a changed key of outbox_lease_idx).
    assert.equal(updated, 200);
    assert.ok(hot >= 100, `${hot} of 200 updates HOT`);
  });

  test('a set of acceptances: sent, delivered by a receipt that came first, taken although the lease ran out, or lost', async () => {
    const { db } = get();
    const t = clock();
    await enqueueMany(
      db,
      [1, 2, 3, 4].map((n) => ({ businessKey: `s:${n}`, kind: 'overdue_reminder', channel: 'sms' as const, recipient: `+35988800000${n}`, body: `Текст ${n}` })),
    );
    const rows = await claimBatch(db, { channel: 'sms', limit: 4, workerId: 'w1', now: t.now(), leaseSeconds: 60, urgentOnly: false });
    const msgs = rows.map((r) => toMessage(r, render));
    const attemptIds = await startAttempts(db, { provider: 'test-sms', leaseSeconds: 60 }, msgs.map((msg) => ({ messageId: msg.id, workerId: 'w1', now: t.now(), msg })));
    const [plain, early, requeued, lost] = msgs;
    assert.ok(plain && early && requeued && lost);
    // Both parts of the second were receipted before their send was recorded.
    await recordReceipt(db, { provider: 'test-sms', providerMessageId: 'e-1', status: 'DELIVRD', receivedAt: t.now() }, ctx);
    await recordReceipt(db, { provider: 'test-sms', providerMessageId: 'e-2', status: 'DELIVRD', receivedAt: t.now() }, ctx);
    // The third's lease ran out and it went back to the queue; the fourth is another worker's now.
    await db.updateTable('outbox_messages').set({ status: 'queued', leased_by: null, lease_until: null }).where('id', '=', requeued.id).execute();
    await db.updateTable('outbox_messages').set({ leased_by: 'w2' }).where('id', '=', lost.id).execute();
    t.advance(2000);
    const result = (ids: string[]) => ({ providerMessageIds: ids, segments: ids.length, encoding: 'ucs2', answer: 'OK' });
    const statuses = await writeJournal(
      db,
      { provider: 'test-sms', ctx },
      [
        { sent: { messageId: plain.id, workerId: 'w1', now: t.now(), attemptId: attemptIds[0] ?? -1, result: result(['p-1']), costMinor: 5 } },
        { sent: { messageId: early.id, workerId: 'w1', now: t.now(), attemptId: attemptIds[1] ?? -1, result: result(['e-1', 'e-2']), costMinor: 10 } },
        { sent: { messageId: requeued.id, workerId: 'w1', now: t.now(), attemptId: attemptIds[2] ?? -1, result: result(['q-1']), costMinor: 5 } },
        { sent: { messageId: lost.id, workerId: 'w1', now: t.now(), attemptId: attemptIds[3] ?? -1, result: result(['l-1']), costMinor: 5 } },
      ],
    );
    assert.deepEqual(statuses, ['sent', 'delivered', 'sent', 'lost']);
    const m = await messageById(db, plain.id);
    assert.deepEqual(
      [m.status, m.provider, m.provider_message_ids, m.segments, m.encoding, m.cost_minor, at(m.sent_at), m.leased_by, m.lease_until],
      ['sent', 'test-sms', ['p-1'], 1, 'ucs2', 5, at(t.now()), null, null],
    );
    const e = await messageById(db, early.id);
    assert.deepEqual([e.status, e.provider_message_ids, at(e.delivered_at)], ['delivered', ['e-1', 'e-2'], at(clock().now())]);
    const linked = await db.selectFrom('delivery_receipts').select(['provider_message_id', 'message_id']).orderBy('provider_message_id').execute();
    assert.deepEqual(linked, [{ provider_message_id: 'e-1', message_id: early.id }, { provider_message_id: 'e-2', message_id: early.id }]);
    assert.equal((await messageById(db, requeued.id)).status, 'sent');
    assert.deepEqual([(await messageById(db, lost.id)).status, (await messageById(db, lost.id)).leased_by], ['sending', 'w2']);
    for (const id of [plain.id, early.id, requeued.id, lost.id]) {
      const [a] = await attemptsOf(db, id);
      assert.deepEqual([a?.outcome, a?.answer, at(a?.finished_at)], ['accepted', 'OK', at(t.now())]);
    }
  });

  test('a journal write of acceptances and receipts: receipts after the sends of the same write find them, results in the order asked', async () => {
    const { db } = get();
    const t = clock();
    await enqueueMany(
      db,
      [1, 2, 3].map((n) => ({ businessKey: `j:${n}`, kind: 'overdue_reminder', channel: 'sms' as const, recipient: `+35988800001${n}`, body: `Текст ${n}` })),
    );
    const rows = await claimBatch(db, { channel: 'sms', limit: 3, workerId: 'w1', now: t.now(), leaseSeconds: 60, urgentOnly: false });
    const [a, b, c] = rows.map((r) => toMessage(r, render));
    assert.ok(a && b && c);
    const [attemptA, attemptB, attemptC] = await startAttempts(db, { provider: 'test-sms', leaseSeconds: 60 }, [a, b, c].map((msg) => ({ messageId: msg.id, workerId: 'w1', now: t.now(), msg })));
    t.advance(1000);
    const sent = (msg: typeof a, attemptId: number | null | undefined, id: string) => ({
      sent: { messageId: msg.id, workerId: 'w1', now: t.now(), attemptId: attemptId ?? -1, result: { providerMessageIds: [id], segments: 1, encoding: 'gsm7' }, costMinor: 5 },
    });
    const receipt = (id: string, status: string) => ({ receipt: { provider: 'test-sms', providerMessageId: id, status, receivedAt: t.now() } });
    // a's receipt came before its submit_sm_resp (it is asked for first), b's after, c's failed,
    // and one names an id nobody has sent yet (kept until its send is recorded).
    const out = await writeJournal(db, { provider: 'test-sms', ctx }, [
      receipt('a-1', 'DELIVRD'),
      sent(a, attemptA, 'a-1'),
      sent(b, attemptB, 'b-1'),
      receipt('b-1', 'DELIVRD'),
      sent(c, attemptC, 'c-1'),
      receipt('c-1', 'UNDELIV'),
      receipt('x-1', 'DELIVRD'),
      receipt('b-1', 'DELIVRD'),
    ]);
    // a and b were recorded delivered with their sends (migration 0030), c sent, then failed.
    assert.deepEqual(out, [
      { duplicate: false, messageId: a.id, status: 'delivered' },
      'delivered',
      'delivered',
      { duplicate: false, messageId: b.id, status: 'delivered' },
      'sent',
      { duplicate: false, messageId: c.id, status: 'failed' },
      { duplicate: false, messageId: null, status: null },
      { duplicate: true, messageId: null, status: null },
    ]);
    assert.deepEqual(
      [(await messageById(db, a.id)).status, (await messageById(db, b.id)).status, (await messageById(db, c.id)).status],
      ['delivered', 'delivered', 'failed'],
    );
    const waiting = await db.selectFrom('delivery_receipts').select(['provider_message_id', 'message_id']).where('message_id', 'is', null).execute();
    assert.deepEqual(waiting, [{ provider_message_id: 'x-1', message_id: null }]);
  });
});
