import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { enqueueMany, type NewMessage } from '../../../src/delivery/outbox/enqueue.js';
import { linkWaitingReceipts } from '../../../src/delivery/outbox/receipts.js';
import { backends, openTestPostgres } from '../../support/db.js';
import { TEXT_KIND, until } from '../../support/delivery-e2e.js';
import { startSmsc, type Smsc } from '../../support/smsc.js';
import { startWorkerProcess } from '../../support/worker-process.js';
import { render } from '../outbox/fixtures.js';

// Receipts and SIGKILL: the SMSC sends a receipt for every part (every other one before the
// submit_sm_resp) and, like a real SMSC, sends again whatever was refused or left unanswered.
// Worker processes are killed one after the other in the middle of the traffic; then one drains.

const MESSAGES = 3000;
const KILLS = 5;
// Every third message has two parts (two SMSC ids, two receipts).
const twoParts = (i: number) => i % 3 === 0;
const body = (i: number) => (twoParts(i) ? `Neplateni smetki za tok ${i}: ${'molya platete gi navreme '.repeat(7)}` : `Neplateni smetki za tok, izvestie ${i}`);
const phone = (i: number) => `+359887${String(i).padStart(6, '0')}`;

const postgres = backends.find((b) => b.name === 'postgres');

describe('workers killed with SIGKILL while receipts arrive', { skip: postgres?.skip ?? 'no PostgreSQL backend' }, () => {
  let database: Awaited<ReturnType<typeof openTestPostgres>>;
  let smsc: Smsc;
  before(async () => {
    database = await openTestPostgres();
    smsc = await startSmsc({ receipts: 'some-before', redeliverReceipts: true });
  });
  after(async () => {
    await smsc?.stop();
    await database?.close();
  });

  test(`${MESSAGES} SMS, ${KILLS} kills: every acknowledged receipt is stored once and applied; no message stays sent`, async (t) => {
    const { db } = database;
    const rows: NewMessage[] = Array.from({ length: MESSAGES }, (_, i) => ({ businessKey: `rkill:${i}`, kind: TEXT_KIND, channel: 'sms', recipient: phone(i), body: body(i) }));
    assert.equal(await enqueueMany(db, rows), MESSAGES);
    const env = {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '10',
      SMPP_URL: smsc.url,
      SMPP_WINDOW: '10',
      SMPP_IN_FLIGHT: '40',
      SMPP_RATE: '100000',
      SMS_QUIET_HOURS: 'off',
      DELIVERY_LEASE_SECONDS: '5',
    };

    for (let k = 0; k < KILLS; k++) {
      const worker = startWorkerProcess(env);
      let ended = false;
      void worker.exited.then(() => (ended = true));
      // Killed once it has had receipts answered, while the traffic is at full speed.
      const answered = smsc.receiptAnswers.length;
      const submitted = smsc.submitted.length;
      await until(
        () => {
          if (ended) throw new Error(`worker ${k + 1} ended by itself\n${worker.output()}`);
          return smsc.receiptAnswers.length >= answered + 200 && smsc.submitted.length >= submitted + 300;
        },
        120_000,
        `kill ${k + 1}: traffic`,
      );
      worker.kill('SIGKILL');
      assert.equal(await worker.exited, 'SIGKILL');
    }
    const atLastKill = { submitted: smsc.submitted.length, answers: smsc.receiptAnswers.length };

    const last = startWorkerProcess(env);
    const count = async (status: string) => Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_messages WHERE status = ${status}`.execute(db)).rows[0]?.n);
    try {
      await until(async () => (await count('delivered')) === MESSAGES, 120_000, `every message delivered\n${last.output()}`);
      // The receipts of copies sent twice may still be on their way: wait until none is owed.
      await until(() => new Set(smsc.receiptAnswers.filter((a) => a.commandStatus === 0).map((a) => a.messageId)).size >= smsc.submitted.length, 30_000, 'every receipt acknowledged');
    } finally {
      last.kill('SIGTERM');
    }
    assert.equal(await last.exited, 0, last.output());

    const acked = new Set(smsc.receiptAnswers.filter((a) => a.commandStatus === 0).map((a) => a.messageId));
    const refused = smsc.receiptAnswers.filter((a) => a.commandStatus !== 0).length;
    const stored = await db.selectFrom('delivery_receipts').select(['provider_message_id', 'status', 'message_id']).execute();
    const storedIds = new Map<string, number>();
    for (const r of stored) storedIds.set(r.provider_message_id, (storedIds.get(r.provider_message_id) ?? 0) + 1);
    // Every receipt acknowledged is stored, once (the SMSC ids are unique, all receipts DELIVRD).
    const lost = [...acked].filter((id) => !storedIds.has(id));
    assert.deepEqual(lost, [], 'no acknowledged receipt lost');
    assert.ok([...storedIds.values()].every((n) => n === 1), 'each receipt stored once');
    assert.ok(stored.every((r) => r.status === 'DELIVRD'));

    // No message is left sent with every part's receipt acknowledged: before any sweep, every
    // receipt of a recorded send is linked to its message.
    const unlinked = await sql<{ n: number }>`
      SELECT count(*)::int AS n FROM delivery_receipts r
      WHERE r.message_id IS NULL AND EXISTS (SELECT 1 FROM outbox_messages o WHERE o.provider = r.provider AND o.provider_message_ids @> ARRAY[r.provider_message_id])`.execute(db);
    assert.equal(unlinked.rows[0]?.n, 0, 'no receipt of a recorded send left unlinked');
    const swept = await linkWaitingReceipts(db, { render, hardFailureThreshold: 3 });
    assert.equal(swept, 0, 'the sweep finds nothing to link');
    assert.deepEqual(await sql`SELECT status, count(*)::int AS n FROM outbox_messages GROUP BY status`.execute(db).then((r) => r.rows), [{ status: 'delivered', n: MESSAGES }]);

    // Applied once: each delivered message's parts each have exactly one linked receipt.
    const parts = await sql<{ bad: number; linked: number; orphans: number }>`
      SELECT (SELECT count(*) FROM outbox_messages o
              WHERE cardinality(o.provider_message_ids) <> (SELECT count(*) FROM delivery_receipts r WHERE r.message_id = o.id))::int AS bad,
             (SELECT count(*) FROM delivery_receipts WHERE message_id IS NOT NULL)::int AS linked,
             (SELECT count(*) FROM delivery_receipts WHERE message_id IS NULL)::int AS orphans`.execute(db);
    const p = parts.rows[0];
    assert.equal(p?.bad, 0, 'every part of every message has exactly its one receipt');
    t.diagnostic(
      `at the last kill ${atLastKill.submitted} parts accepted, ${atLastKill.answers} receipt answers; in all: ${smsc.submitted.length} parts accepted, ` +
        `${smsc.receiptsSent} receipts sent (redeliveries included), ${acked.size} acknowledged, ${refused} refused, ${stored.length} stored ` +
        `(${p?.linked} linked, ${p?.orphans} of copies whose send was never recorded), ${lost.length} lost, ${MESSAGES} messages delivered`,
    );
  });
});
