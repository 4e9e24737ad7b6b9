// The identity check under parallel guesses on a pooled PostgreSQL: each guess on its own
// connection, all released at the same moment. Only PostgreSQL runs statements in parallel.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { DB } from '../../src/db/schema.js';
import { checkIdentity } from '../../src/portal/identity.js';
import { backends, openTestPostgres } from '../support/db.js';
import { seedCustomers, type SeededCustomer } from './fixtures.js';

const postgres = backends.find((b) => b.name === 'postgres')!;
const GUESSES = 50;

describe('portal identity check: parallel guesses [postgres]', { skip: postgres.skip }, () => {
  let database: Awaited<ReturnType<typeof openTestPostgres>>;
  let pool: pg.Pool;
  let db: Kysely<DB>;
  let target: SeededCustomer;
  const app = `izvestie-race-${randomBytes(4).toString('hex')}`;
  const limits = { contactMaxCustomers: 5, smsCodesPerHour: 500, ipAttemptsPerHour: 1000, ipFailuresPerHour: 1000, ipCodesPerHour: 10, customerCodesPerDay: 5, customerContactsPerDay: 3 };

  before(async () => {
    database = await openTestPostgres();
    target = (await seedCustomers(database, 5_300_000_001, 1))[0]!;
    pool = new pg.Pool({ connectionString: database.url, max: GUESSES + 2, application_name: app });
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  });
  after(async () => {
    await db.destroy();
    await database.close();
  });

  /** Waits (no deadline: the test runner's timeout is the bound) until n checks wait on a lock. */
  async function waiting(n: number): Promise<void> {
    for (;;) {
      const r = await sql<{ n: string }>`SELECT count(*) AS n FROM pg_stat_activity WHERE application_name = ${app} AND wait_event_type = 'Lock'`.execute(database.db);
      if (Number(r.rows[0]!.n) >= n) return;
      await sleep(20);
    }
  }

  test(`${GUESSES} parallel wrong guesses and then the right invoice: 5 are evaluated, then the lock refuses even the right one`, async () => {
    const now = new Date();
    const check = (invoice: string, i: number) => checkIdentity(db, limits, { customerNumber: target.customerNumber, invoiceNumber: invoice, ip: `10.9.${Math.floor(i / 250)}.${i % 250}`, now });
    // Holding the invoices stops every check at its look-up; each has read what it reads before.
    const barrier = new pg.Client({ connectionString: database.url });
    await barrier.connect();
    try {
      await barrier.query('BEGIN');
      await barrier.query('LOCK TABLE invoices IN ACCESS EXCLUSIVE MODE');
      const wrong = Array.from({ length: GUESSES }, (_, i) => check(`W${i}`, i));
      await waiting(GUESSES);
      const right = check(target.invoice, GUESSES);
      await waiting(GUESSES + 1);
      await barrier.query('COMMIT');
      const outcomes = await Promise.all(wrong);
      assert.deepEqual(new Set(outcomes.map((o) => JSON.stringify(o))), new Set([JSON.stringify({ ok: false, reason: 'not_matched' })]));
      assert.deepEqual(await right, { ok: false, reason: 'not_matched' }, 'the right invoice after 5 failures is refused');
    } finally {
      await barrier.end();
    }
    const row = await database.db.selectFrom('portal_counters').selectAll().where('scope', '=', 'customer').where('key', '=', target.customerNumber).executeTakeFirstOrThrow();
    assert.equal(row.locks, 1, 'locked once');
    assert.ok(row.locked_until !== null && row.locked_until > now);
    // The lock resets the count: what came after it is the rest of the guesses and the right invoice.
    assert.equal(row.hits, GUESSES + 1 - 5, 'exactly 5 checks were evaluated before the lock');
    assert.deepEqual(await check(target.invoice, GUESSES + 1), { ok: false, reason: 'not_matched' }, 'and it stays refused');
  });
});
