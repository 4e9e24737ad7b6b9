import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../../src/db/schema.js';
import { enqueueMany } from '../../../src/delivery/outbox/enqueue.js';
import type { Worker } from '../../../src/delivery/worker.js';
import { describeEachBackend } from '../../support/db.js';
import { TEXT_KIND, e2eWorker, quickRetries, until } from '../../support/delivery-e2e.js';
import { maxInSpan, startSmsc, type Smsc } from '../../support/smsc.js';
import { resetData } from '../outbox/fixtures.js';

// Issue 14, points 5 and 6, on the wire: `izvestie worker` as the composition root builds it
// (SMPP_URL and the SMPP_* settings) against the SMSC simulator.

const phone = (i: number) => `+359886${String(i).padStart(6, '0')}`;
// 165 Cyrillic characters: UCS-2, 3 parts of up to 67.
const notices = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ businessKey: `${prefix}:${i}`, kind: TEXT_KIND, channel: 'sms' as const, recipient: phone(i), body: `Известие ${String(i).padStart(5, '0')}: ${'д'.repeat(150)}` }));

async function statuses(db: Kysely<DB>): Promise<Map<string, number>> {
  const r = await sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM outbox_messages GROUP BY status`.execute(db);
  return new Map(r.rows.map((x) => [x.status, x.n]));
}
const countSent = async (db: Kysely<DB>) => (await statuses(db)).get('sent') ?? 0;

describeEachBackend('SMPP pacing and multi-part retries through the worker, on the wire', (get) => {
  let smsc: Smsc;
  let workers: Worker[] = [];
  beforeEach(async () => {
    await resetData(get().db);
    smsc = await startSmsc();
  });
  afterEach(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    workers = [];
    await smsc.stop();
  });
  const start = async (env: Record<string, string>) => {
    const w = await e2eWorker(get(), { SMPP_URL: smsc.url, ...env }, quickRetries);
    workers.push(w);
    await w.start();
    return w;
  };

  test('SMPP_RATE counts parts: 3-part notices at SMPP_RATE=50 go at about 50 submit_sm a second, not 150', async () => {
    const { db } = get();
    await enqueueMany(db, notices('rate', 60));
    await start({ SMPP_RATE: '50' });
    await until(async () => (await countSent(db)) === 60, 60_000, 'every notice sent');
    assert.equal(smsc.received.length, 180);
    // The bucket allows 55 in any second; the rest is room for a busy machine.
    const most = maxInSpan(smsc.received);
    assert.ok(most <= 70, `at most ~55 submit_sm in any second, saw ${most}`);
  });

  test('SMPP_RATE_SCOPE=shared: two workers on one bind together stay within SMPP_RATE', async () => {
    const { db } = get();
    const n = 200;
    await enqueueMany(db, notices('shared', n));
    // SMPP_IN_FLIGHT bounds each worker's claims (10 × it), so both get work.
    const env = { SMPP_RATE: '50', SMPP_RATE_SCOPE: 'shared', SMPP_WINDOW: '5', SMPP_IN_FLIGHT: '10' };
    await Promise.all([start(env), start(env)]);
    await until(async () => (await countSent(db)) === n, 120_000, 'every notice sent');
    assert.equal(smsc.received.length, 3 * n);
    const byBind = new Map<number, number>();
    for (const s of smsc.received) byBind.set(s.bind, (byBind.get(s.bind) ?? 0) + 1);
    assert.equal(byBind.size, 2, 'both workers sent');
    for (const [bind, n] of byBind) assert.ok(n >= 30, `bind ${bind} sent ${n} parts`);
    // Each alone would go at 50/s: 100/s together. Shared, the bucket allows 57.5 in any second.
    const most = maxInSpan(smsc.received);
    assert.ok(most <= 72, `at most ~58 submit_sm in any second from both workers, saw ${most}`);
  });

  test('2,000 3-part notices with every 40th submit_sm throttled: each complete once on the handset, no fragment', async () => {
    const { db } = get();
    const n = 2000;
    smsc.setBehaviour({ throttleEvery: 40 });
    await enqueueMany(db, notices('orphans', n));
    await start({ SMPP_RATE: '5000', SMPP_WINDOW: '20' });
    await until(async () => (await countSent(db)) === n, 240_000, 'every notice sent');
    assert.ok(smsc.refused >= 140, `throttled: ${smsc.refused}`);
    const r = smsc.reassembly();
    assert.deepEqual(r.orphans, [], 'no fragment on any handset');
    assert.equal(r.duplicateParts, 0);
    assert.equal(r.complete.size, n);
    for (const [to, count] of r.complete) assert.equal(count, 1, `${to} got its notice once`);
    const attempts = await sql<{ n: number }>`SELECT count(*)::int AS n FROM message_attempts`.execute(db);
    assert.equal(attempts.rows[0]?.n, n, 'one attempt each: the refused parts were retried inside it');
    const ids = await db.selectFrom('outbox_messages').select('provider_message_ids').execute();
    for (const row of ids) assert.equal(row.provider_message_ids.length, 3);
  });

  test('a part refused past SMPP_REASSEMBLY_SECONDS: the attempt says so; the next one sends only that part, same reference', async () => {
    const { db } = get();
    smsc.setBehaviour({ throttlePart: { seq: 3, times: Infinity } });
    await enqueueMany(db, notices('resume', 1));
    await start({ SMPP_REASSEMBLY_SECONDS: '1' });
    const attempts = () => db.selectFrom('message_attempts').select(['outcome', 'error']).orderBy('id').execute();
    await until(async () => (await attempts())[0]?.outcome != null, 20_000, 'the first attempt given up');
    const [first] = await attempts();
    assert.equal(first?.outcome, 'unknown');
    assert.match(first?.error ?? '', /2 of 3 parts accepted; the handset may show a fragment/);
    smsc.setBehaviour({ throttlePart: null });
    await until(async () => (await countSent(db)) === 1, 20_000, 'the notice sent');
    const r = smsc.reassembly();
    assert.deepEqual(r.orphans, []);
    assert.equal(r.duplicateParts, 0, 'the accepted parts were not sent again');
    assert.equal(r.complete.get(phone(0).slice(1)), 1);
    assert.equal(new Set(smsc.received.map((s) => s.udh?.ref)).size, 1, 'one reference throughout');
    const row = await db.selectFrom('outbox_messages').select('provider_message_ids').executeTakeFirstOrThrow();
    assert.deepEqual(row.provider_message_ids, smsc.submitted.sort((a, b) => (a.udh?.seq ?? 0) - (b.udh?.seq ?? 0)).map((s) => s.messageId));
  });
});
