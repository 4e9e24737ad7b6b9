import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { describeEachBackend } from '../support/db.js';
import { openDatabase, type Database } from '../../src/db/open.js';
import { silentLogger } from '../../src/log.js';
import { enqueueMany } from '../../src/delivery/outbox/enqueue.js';
import { claimBatch } from '../../src/delivery/outbox/claim.js';
import { Worker } from '../../src/delivery/worker.js';
import { clock, render, resetData, testChannel, testConfig } from './outbox/fixtures.js';

const MESSAGES = 2000;

const notices = (prefix: string) =>
  Array.from({ length: MESSAGES }, (_, i) => ({ businessKey: `${prefix}:${i}`, kind: 'overdue_reminder', channel: 'sms' as const, recipient: '+359888000001', body: `Съобщение ${i}` }));

/** Three more pools on PostgreSQL, as separate processes would have; PGlite has one connection. */
async function pools(main: Database, backend: string): Promise<Database[]> {
  const url = (main as Database & { url?: string }).url;
  return backend === 'postgres' && url ? Promise.all([1, 2, 3].map(() => openDatabase({ kind: 'postgres', url, poolSize: 4 }, silentLogger))) : [];
}

describeEachBackend('delivery worker, many at once', (get, backend) => {
  test(`concurrent claims never hand one message to two workers`, async () => {
    const main = get();
    const now = clock().now();
    await enqueueMany(main.db, notices('claim'));
    const extra = await pools(main, backend);
    const claimed: number[][] = [];
    try {
      await Promise.all(
        [main, ...(extra.length ? extra : [main, main, main])].map(async (d, i) => {
          const mine: number[] = [];
          claimed.push(mine);
          for (;;) {
            const rows = await claimBatch(d.db, { channel: 'sms', limit: 25, workerId: `c${i}`, now, leaseSeconds: 60, urgentOnly: false });
            if (rows.length === 0) return;
            mine.push(...rows.map((r) => r.id));
          }
        }),
      );
    } finally {
      await Promise.all(extra.map((d) => d.close()));
    }
    const all = claimed.flat();
    assert.equal(all.length, MESSAGES);
    assert.equal(new Set(all).size, MESSAGES);
    await resetData(main.db);
  });

  test(`4 workers share ${MESSAGES} messages: each is sent exactly once`, async () => {
    const main = get();
    const t = clock();
    await enqueueMany(main.db, notices('send'));
    const extra = await pools(main, backend);
    const sent = new Map<number, number>();
    try {
      const workers = [main, ...(extra.length ? extra : [main, main, main])].map(
        (d, i) =>
          new Worker({
            db: d.db,
            workerId: `w${i}`,
            render,
            guards: {},
            now: t.now,
            config: testConfig({ batchSize: 25 }),
            channels: [
              testChannel('sms', (msg) => {
                sent.set(msg.id, (sent.get(msg.id) ?? 0) + 1);
                return { providerMessageIds: [`c-${msg.id}`] };
              }),
            ],
          }),
      );
      await Promise.all(workers.map((w) => w.drain()));
      await Promise.all(workers.map((w) => w.stop()));
    } finally {
      await Promise.all(extra.map((d) => d.close()));
    }
    assert.equal(sent.size, MESSAGES);
    assert.deepEqual([...new Set(sent.values())], [1]);
    const r = await sql<{ status: string; n: number; workers: number }>`
      SELECT m.status, count(*)::int AS n, count(DISTINCT a.worker)::int AS workers
      FROM outbox_messages m JOIN message_attempts a ON a.message_id = m.id
      GROUP BY m.status`.execute(main.db);
    assert.equal(r.rows.length, 1);
    assert.deepEqual([r.rows[0]?.status, r.rows[0]?.n], ['sent', MESSAGES]);
    if (backend === 'postgres') assert.ok((r.rows[0]?.workers ?? 0) > 1, 'the work was shared');
  });
});
