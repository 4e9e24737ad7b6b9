import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../../src/db/schema.js';
import { enqueue, enqueueMany } from '../../../src/delivery/outbox/enqueue.js';
import type { Worker } from '../../../src/delivery/worker.js';
import { describeEachBackend } from '../../support/db.js';
import { TEXT_KIND, e2eWorker, quickRetries, seedOverdue, until } from '../../support/delivery-e2e.js';
import { startSmsc, type Smsc } from '../../support/smsc.js';
import { startSmtpSink } from '../../support/smtp-sink.js';
import { byKey, messageById, resetData } from '../outbox/fixtures.js';

// The configured SMPP channel and the worker against an SMSC that goes away, is slow, throttles
// and refuses. Retry delays are shortened (quickRetries); everything else is as configured.

const phone = (i: number) => `+359888${String(i).padStart(6, '0')}`;
const notices = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ businessKey: `${prefix}:${i}`, kind: TEXT_KIND, channel: 'sms' as const, recipient: phone(i), body: `Neplateni smetki ${i}` }));

async function countSent(db: Kysely<DB>): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_messages WHERE status = 'sent'`.execute(db);
  return r.rows[0]?.n ?? 0;
}

async function attemptOutcomes(db: Kysely<DB>): Promise<Array<{ message_id: number; outcome: string | null; error: string | null }>> {
  return db.selectFrom('message_attempts').select(['message_id', 'outcome', 'error']).orderBy('id').execute();
}

/** How many times each destination reached the SMSC (accepted submit_sm, parts counted once each). */
function copies(smsc: Smsc): Map<string, number> {
  const m = new Map<string, number>();
  for (const s of smsc.submitted) m.set(s.destination_addr, (m.get(s.destination_addr) ?? 0) + 1);
  return m;
}

describeEachBackend('SMS delivery through SMSC faults', (get) => {
  let smsc: Smsc;
  let worker: Worker | undefined;
  beforeEach(async () => {
    await resetData(get().db);
    smsc = await startSmsc();
  });
  afterEach(async () => {
    await worker?.stop();
    await smsc.stop();
  });
  const start = async (env: Record<string, string> = {}) => {
    worker = await e2eWorker(get(), { SMPP_URL: smsc.url, ...env }, quickRetries);
    await worker.start();
  };

  test('SMSC down, then back: messages wait without spending attempts, then each goes exactly once', async () => {
    const { db } = get();
    await start();
    await smsc.pause();
    smsc.dropConnections();
    await enqueueMany(db, notices('down', 10));
    // Many poll rounds (50 ms each with quickRetries): a worker that claimed while unbound would fail them all.
    await sleep(1500);
    assert.equal(await countSent(db), 0);
    assert.deepEqual(await attemptOutcomes(db), [], 'nothing is claimed while the provider is down');
    await smsc.resume();
    await until(async () => (await countSent(db)) === 10, 30_000, 'every message sent after the SMSC returned');
    assert.deepEqual([...copies(smsc).values()], Array(10).fill(1));
    const attempts = await attemptOutcomes(db);
    assert.deepEqual(attempts.map((a) => a.outcome), Array(10).fill('accepted'));
  });

  test('connection lost with submits unanswered: they are resent, at most the window twice, each marked unknown', async () => {
    const { db } = get();
    const window = 4;
    smsc.setBehaviour({ respondDelayMs: 400 });
    await start({ SMPP_WINDOW: String(window) });
    await enqueueMany(db, notices('drop', 16));
    await until(() => smsc.received.length >= 6, 20_000, 'submits in flight');
    smsc.dropConnections();
    smsc.setBehaviour({ respondDelayMs: 0 });
    await until(async () => (await countSent(db)) === 16, 30_000, 'every message sent after the reconnect');
    const seen = copies(smsc);
    assert.equal(seen.size, 16, 'every message reached the SMSC');
    const twice = [...seen].filter(([, n]) => n > 1).map(([dest]) => dest);
    const unknown = (await attemptOutcomes(db)).filter((a) => a.outcome === 'unknown');
    assert.ok(twice.length >= 1, 'the submits cut off had reached the SMSC');
    assert.ok(unknown.length <= window, `unknown outcomes (${unknown.length}) within the window (${window})`);
    // Every copy is visible: the message sent twice has an attempt whose outcome is unknown.
    const unknownDest = new Set(await Promise.all(unknown.map(async (a) => (await messageById(db, a.message_id)).recipient.slice(1))));
    for (const dest of twice) assert.ok(unknownDest.has(dest), `${dest} went twice and has an unknown attempt`);
    for (const a of unknown) assert.match(a.error ?? '', /connection lost.*may have the message/);
  });

  test('a slow SMSC: never more than SMPP_WINDOW submits unanswered, each message once', async () => {
    const { db } = get();
    smsc.setBehaviour({ respondDelayMs: 150 });
    await start({ SMPP_WINDOW: '3' });
    await enqueueMany(db, notices('slow', 15));
    await until(async () => (await countSent(db)) === 15, 30_000, 'every message sent');
    assert.equal(smsc.maxInFlight, 3, 'the window is used, and not exceeded');
    assert.deepEqual([...copies(smsc).values()], Array(15).fill(1));
    assert.equal((await attemptOutcomes(db)).length, 15, 'no retries');
  });

  test('throttling answers (ESME_RTHROTTLED) are retried: each message accepted once, each refusal recorded', async () => {
    const { db } = get();
    smsc.setBehaviour({ throttleEvery: 3 });
    await start();
    await enqueueMany(db, notices('throttle', 12));
    await until(async () => (await countSent(db)) === 12, 30_000, 'every message sent');
    assert.ok(smsc.refused >= 4, `refusals: ${smsc.refused}`);
    assert.deepEqual([...copies(smsc).values()], Array(12).fill(1));
    const refused = (await attemptOutcomes(db)).filter((a) => a.outcome !== 'accepted');
    assert.equal(refused.length, smsc.refused);
    for (const a of refused) {
      assert.equal(a.outcome, 'transient');
      assert.match(a.error ?? '', /submit_sm refused with command_status 0x00000058/);
    }
  });

  test('a permanent refusal fails the SMS at once, counts against the phone, and the email fallback arrives', async () => {
    const { db } = get();
    const sink = await startSmtpSink();
    try {
      const c = await seedOverdue(db, 7);
      smsc.setBehaviour({ failStatus: 0x0b }); // ESME_RINVDSTADR
      await start({ SMTP_URL: sink.url });
      const { id } = await enqueue(db, {
        businessKey: 'perm:7',
        kind: 'overdue_reminder',
        channel: 'sms',
        recipient: c.phone,
        customerNumber: c.customerNumber,
        subscriptionId: c.smsId,
        fallback: ['email'],
        payload: c.payload,
      });
      const [mail] = await sink.waitForMessages(1, 20_000);
      const sms = await messageById(db, id);
      assert.deepEqual([sms.status, sms.attempts], ['failed', 1]);
      assert.match(sms.last_error ?? '', /0x0000000b/);
      // Every part of the one attempt refused, none retried.
      const parts = smsc.received.length;
      assert.ok(parts >= 1);
      assert.deepEqual(smsc.received.map((r) => [r.udh?.seq ?? 1, r.commandStatus]), Array.from({ length: parts }, (_, i) => [i + 1, 0x0b]));
      const email = await byKey(db, 'perm:7:email');
      assert.deepEqual([email?.parent_id, email?.recipient], [id, c.email]);
      assert.deepEqual(mail?.rcptTo, [c.email]);
      assert.match(mail?.parsed.subject ?? '', /^Напомняне за неплатени сметки – клиентски № \*{6}0007$/);
      assert.match(mail?.parsed.text ?? '', /E2E-7/);
      await until(async () => (await messageById(db, email?.id ?? -1)).status === 'sent', 10_000, 'the email recorded sent');
      const sub = await db.selectFrom('subscriptions').select('hard_failures').where('id', '=', c.smsId ?? -1).executeTakeFirstOrThrow();
      assert.equal(sub.hard_failures, 1);
    } finally {
      // The pooled SMTP connection must close first: the sink waits for it.
      await worker?.stop();
      await sink.stop();
    }
  });
});
