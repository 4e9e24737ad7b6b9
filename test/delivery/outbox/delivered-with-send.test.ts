import { sql } from 'kysely';
import { beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { describeEachBackend } from '../../support/db.js';
import { claimBatch } from '../../../src/delivery/outbox/claim.js';
import { enqueueMany } from '../../../src/delivery/outbox/enqueue.js';
import type { FailureContext } from '../../../src/delivery/outbox/fallback.js';
import { toMessage } from '../../../src/delivery/outbox/message.js';
import { startAttempts, writeJournal, type JournalEntry } from '../../../src/delivery/outbox/record.js';
import { clock, messageById, render, resetData } from './fixtures.js';

// Migration 0030: a send whose receipts are all known and all DELIVRD when it is recorded (waiting
// from an earlier write, or in the same one) is recorded delivered at once, one row version instead
// of two. It must end exactly as the old way ends it: the send recorded alone, its receipts applied
// afterwards (izvestie_settle_receipts and the one-part delivery of the journal write).

const ctx: FailureContext = { render, hardFailureThreshold: 3 };

interface Receipt {
  part: number;
  status: string;
  /** Seconds after the send. */
  after: number;
  /** In a write before the send's (waiting for it), else in the send's own write. */
  early: boolean;
}
interface Scenario {
  parts: number;
  receipts: Receipt[];
}

// What an SMSC sends of a part: at most one final status (sent again at times), maybe an ENROUTE
// before it, each early or with the send, in any order. (A part both delivered and failed is the
// SMSC's contradiction, which the order of arrival decides, with or without this migration.)
const part = (n: number) =>
  fc
    .record({
      final: fc.constantFrom(null, 'DELIVRD', 'DELIVRD', 'UNDELIV', 'EXPIRED'),
      repeated: fc.boolean(),
      enroute: fc.boolean(),
      early: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
      after: fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 3, maxLength: 3 }),
    })
    .map((p): Receipt[] => {
      const statuses = [...(p.enroute ? ['ENROUTE'] : []), ...(p.final === null ? [] : p.repeated ? [p.final, p.final] : [p.final])];
      return statuses.map((status, i) => ({ part: n, status, early: p.early[i] ?? false, after: p.after[i] ?? 0 }));
    });

const scenario: fc.Arbitrary<Scenario> = fc.integer({ min: 1, max: 3 }).chain((parts) =>
  fc
    .tuple(...Array.from({ length: parts }, (_, n) => part(n)))
    .chain((perPart) => fc.shuffledSubarray(perPart.flat(), { minLength: perPart.flat().length }))
    .map((receipts) => ({ parts, receipts })),
);

describeEachBackend('a send recorded delivered with its receipts', (get) => {
  beforeEach(() => resetData(get().db));

  test('ends as the send recorded alone and its receipts applied afterwards', async () => {
    const { db } = get();
    let run = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(scenario, { minLength: 1, maxLength: 4 }), async (scenarios) => {
        run += 1;
        const t = clock();
        // Each scenario twice: 'new' as the worker writes it now, 'old' with nothing known at the send.
        const cases = scenarios.flatMap((s, i) => (['new', 'old'] as const).map((way) => ({ s, way, key: `p${run}:${i}:${way}` })));
        await enqueueMany(db, cases.map((c, i) => ({ businessKey: c.key, kind: 'overdue_reminder', channel: 'sms' as const, recipient: `+3598880${String(10000 + i)}`, body: 'Текст' })));
        const claimed = await claimBatch(db, { channel: 'sms', limit: cases.length, workerId: 'w1', now: t.now(), leaseSeconds: 60, urgentOnly: false });
        const messages = claimed.map((r) => toMessage(r, render));
        const byKey = new Map(messages.map((m) => [m.businessKey, m]));
        const started = await startAttempts(db, { provider: 'test-sms', leaseSeconds: 60 }, messages.map((msg) => ({ messageId: msg.id, workerId: 'w1', now: t.now(), msg })));
        const attemptOf = new Map(messages.map((m, i) => [m.id, started[i] ?? -1]));
        const sendAt = new Date(t.now().getTime() + 1000);
        const pmid = (key: string, p: number) => `${key}-${p}`;
        const all = cases.map((c) => {
          const msg = byKey.get(c.key);
          assert.ok(msg);
          const receipts = c.s.receipts.map((r) => ({
            early: r.early,
            entry: { receipt: { provider: 'test-sms', providerMessageId: pmid(c.key, r.part), status: r.status, receivedAt: new Date(sendAt.getTime() + r.after * 1000) } } as JournalEntry,
          }));
          const providerMessageIds = Array.from({ length: c.s.parts }, (_, p) => pmid(c.key, p));
          const sent: JournalEntry = {
            sent: { messageId: msg.id, workerId: 'w1', now: sendAt, attemptId: attemptOf.get(msg.id) ?? -1, result: { providerMessageIds, segments: c.s.parts, encoding: 'gsm7' }, costMinor: 5 },
          };
          return { c, msg, receipts, sent };
        });
        const fresh = all.filter((x) => x.c.way === 'new');
        const old = all.filter((x) => x.c.way === 'old');
        // new: the early receipts, then each send with its own write's receipts.
        await writeJournal(db, { provider: 'test-sms', ctx }, fresh.flatMap((x) => x.receipts.filter((r) => r.early).map((r) => r.entry)));
        await writeJournal(db, { provider: 'test-sms', ctx }, fresh.flatMap((x) => [x.sent, ...x.receipts.filter((r) => !r.early).map((r) => r.entry)]));
        // old: the sends alone, then every receipt in the order the new way stored them.
        await writeJournal(db, { provider: 'test-sms', ctx }, old.map((x) => x.sent));
        const early = old.flatMap((x) => x.receipts.filter((r) => r.early));
        const late = old.flatMap((x) => x.receipts.filter((r) => !r.early));
        await writeJournal(db, { provider: 'test-sms', ctx }, [...early, ...late].map((r) => r.entry));
        const linked = async (id: number) => (await db.selectFrom('delivery_receipts').select(['status']).where('message_id', '=', id).orderBy('status').execute()).map((r) => r.status);
        for (const [i, a] of fresh.entries()) {
          const b = old[i];
          assert.ok(b);
          const [x, y] = [await messageById(db, a.msg.id), await messageById(db, b.msg.id)];
          const state = (m: typeof x) => ({ status: m.status, sent_at: m.sent_at, delivered_at: m.delivered_at, final_at: m.final_at, last_error: m.last_error, leased_by: m.leased_by });
          assert.deepEqual(state(x), state(y), JSON.stringify(a.c.s));
          assert.deepEqual(await linked(x.id), await linked(y.id), JSON.stringify(a.c.s));
        }
      }),
      { numRuns: 40 },
    );
  });

  test('a send whose one receipt came first is recorded delivered by the statement that records it', async () => {
    const { db } = get();
    const t = clock();
    await enqueueMany(db, [{ businessKey: 'one', kind: 'overdue_reminder', channel: 'sms', recipient: '+359888000001', body: 'Текст' }]);
    const [row] = await claimBatch(db, { channel: 'sms', limit: 1, workerId: 'w1', now: t.now(), leaseSeconds: 60, urgentOnly: false });
    assert.ok(row);
    const msg = toMessage(row, render);
    const [attemptId] = await startAttempts(db, { provider: 'test-sms', leaseSeconds: 60 }, [{ messageId: msg.id, workerId: 'w1', now: t.now(), msg }]);
    t.advance(1000);
    const out = await writeJournal(db, { provider: 'test-sms', ctx }, [
      { receipt: { provider: 'test-sms', providerMessageId: 'one-1', status: 'delivrd', receivedAt: new Date(t.now().getTime() + 2000) } },
      { sent: { messageId: msg.id, workerId: 'w1', now: t.now(), attemptId: attemptId ?? -1, result: { providerMessageIds: ['one-1'], segments: 1, encoding: 'gsm7' }, costMinor: 5 } },
    ]);
    assert.deepEqual(out, [{ duplicate: false, messageId: msg.id, status: 'delivered' }, 'delivered']);
    const m = await messageById(db, msg.id);
    assert.equal(m.status, 'delivered');
    assert.equal(m.delivered_at?.toISOString(), new Date(t.now().getTime() + 2000).toISOString());
    // A row keeps the command id of the statement that wrote its version: here the statement that
    // recorded the send, which came before the one that stored the receipt. Recorded 'sent' and
    // delivered afterwards, it would carry the receipt statement's.
    const cmin = await sql<{ message: number; receipt: number }>`
      SELECT (SELECT cmin::text::int FROM outbox_messages WHERE id = ${msg.id}) AS message,
        (SELECT cmin::text::int FROM delivery_receipts WHERE provider_message_id = 'one-1') AS receipt`.execute(db);
    const c = cmin.rows[0];
    assert.ok(c && c.message < c.receipt, JSON.stringify(c));
  });
});
