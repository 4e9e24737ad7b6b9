import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachBackend } from '../../support/db.js';
import { claimBatch } from '../../../src/delivery/outbox/claim.js';
import { enqueueMany } from '../../../src/delivery/outbox/enqueue.js';
import { journalWrite } from '../../../src/delivery/outbox/journal-write.js';
import { toMessage } from '../../../src/delivery/outbox/message.js';
import { receiptRows, recordReceipts } from '../../../src/delivery/outbox/receipts.js';
import { startAttempts, writeJournal, type SentRecord } from '../../../src/delivery/outbox/record.js';
import { settleReceipts } from '../../../src/delivery/outbox/settle.js';
import { clock, render, resetData } from './fixtures.js';

// The statuses of outbox_messages swing by the hour while ANALYZE of the history finds nearly every
// row delivered. Taking those statistics at their word, the planner read the whole partial index of
// a status (the queue, the leases, the messages awaiting receipts) for each journal write instead of
// looking its rows up by id (migration 0026). Each write here must read no entry of those indexes.
const QUEUE_INDEXES = ['outbox_due_idx', 'outbox_lease_idx', 'outbox_awaiting_report_idx', 'delivery_receipts_waiting_idx'];

describeEachBackend('journal writes find their rows by key, whatever the statistics say', (get) => {
  beforeEach(() => resetData(get().db));

  test('with a history of delivered messages analyzed and a backlog queued, sent and awaiting receipts', async () => {
    const { db } = get();
    const t = clock();
    await sql`
      INSERT INTO outbox_messages (business_key, kind, channel, recipient, body, status, provider, provider_message_ids, sent_at, delivered_at, final_at)
      SELECT 'old:' || g, 'overdue_reminder', 'sms', '+359888000001', 'Стар текст', 'delivered', 'test-sms', ARRAY['old-' || g], now(), now(), now()
      FROM generate_series(1, 4000) g`.execute(db);
    await sql`ANALYZE outbox_messages`.execute(db);
    await sql`ANALYZE delivery_receipts`.execute(db);
    await enqueueMany(
      db,
      Array.from({ length: 1500 }, (_, i) => ({ businessKey: `new:${i}`, kind: 'overdue_reminder', channel: 'sms' as const, recipient: '+359888000002', body: `Текст ${i}` })),
    );
    const sendAll = async (n: number, prefix: string): Promise<SentRecord[]> => {
      const msgs = (await claimBatch(db, { channel: 'sms', limit: n, workerId: 'w1', now: t.now(), leaseSeconds: 60, urgentOnly: false })).map((r) => toMessage(r, render));
      const attempts = await startAttempts(db, { provider: 'test-sms', leaseSeconds: 60 }, msgs.map((msg) => ({ messageId: msg.id, workerId: 'w1', now: t.now(), msg })));
      return msgs.map((msg, i) => ({
        messageId: msg.id,
        workerId: 'w1',
        now: t.now(),
        attemptId: attempts[i] ?? -1,
        result: { providerMessageIds: [`${prefix}-${msg.id}`], segments: 1, encoding: 'gsm7', answer: 'OK' },
        costMinor: 5,
      }));
    };
    // 600 sent and awaiting their receipts, 390 leased (under way or about to start), 510 still queued.
    const awaiting = await sendAll(600, 'a');
    await writeJournal(db, { provider: 'test-sms', ctx: { render, hardFailureThreshold: 3 } }, awaiting.map((sent) => ({ sent })));
    await sendAll(300, 'x');
    const sends = await sendAll(60, 'b');
    // Receipts of ids nobody sent (another system's on the same account) wait for their message forever.
    await recordReceipts(
      db,
      Array.from({ length: 200 }, (_, i) => ({ provider: 'test-sms', providerMessageId: `unknown-${i}`, status: 'DELIVRD' })),
      { render, hardFailureThreshold: 3 },
    );
    const toStart = (await claimBatch(db, { channel: 'sms', limit: 30, workerId: 'w1', now: t.now(), leaseSeconds: 60, urgentOnly: false })).map((r) => toMessage(r, render));
    const receipts = receiptRows(
      awaiting.slice(0, 60).map((s) => ({ provider: 'test-sms', providerMessageId: `a-${s.messageId}`, status: 'DELIVRD' })),
      t.now(),
    );

    const { written, read } = await db.transaction().execute(async (tx) => {
      // The backend's counts not yet reported (earlier transactions' too): the difference is this one's.
      const count = async () =>
        (await sql<{ n: string }>`SELECT pg_stat_get_xact_tuples_returned(i::regclass) AS n FROM unnest(${QUEUE_INDEXES}::text[]) AS i`.execute(tx)).rows.map((r) => Number(r.n));
      const before = await count();
      const started = await startAttempts(tx, { provider: 'test-sms', leaseSeconds: 60 }, toStart.map((msg) => ({ messageId: msg.id, workerId: 'w1', now: t.now(), msg })));
      assert.equal(started.filter((a) => a !== null).length, 30, 'every attempt started');
      const written = await journalWrite(tx, { provider: 'test-sms', now: t.now(), sents: sends, receipts });
      // settleReceipts looks up sent messages too (multi-part ones, failures).
      await settleReceipts(tx, awaiting.slice(60, 120).map((s) => s.messageId), t.now(), { render, hardFailureThreshold: 3 });
      const after = await count();
      return { written, read: Object.fromEntries(QUEUE_INDEXES.map((i, k) => [i, (after[k] ?? 0) - (before[k] ?? 0)])) };
    });
    assert.equal(written.sent.length, 60, 'every send recorded');
    assert.equal(written.stored.filter((r) => r.delivered).length, 60, 'every receipt delivered its message');
    assert.deepEqual(read, Object.fromEntries(QUEUE_INDEXES.map((i) => [i, 0])));
  });
});
