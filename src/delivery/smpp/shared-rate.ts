// One bind's rate shared by every worker process (SMPP_RATE_SCOPE=shared). An operator's limit is
// per bind (system_id), not per process: with two workers each pacing itself at the full rate the
// SMSC sees twice the rate and throttles. The bucket lives in one PostgreSQL row, refilled by the
// database's clock; each process takes a few tokens at a time with one statement and spends them
// at once, so the processes together stay within the rate.
import { setTimeout as sleep } from 'node:timers/promises';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { TokenBucket } from '../outbox/pacing.js';

export interface SharedRateOptions {
  /** The bind: system_id@host:port. */
  key: string;
  ratePerSecond: number;
  logger?: { warn: (obj: object, msg: string) => void };
}

// Tokens taken but not spent within this are dropped: a process must not save tokens up and spend
// them together with the ones other processes take later. With the bucket holding a tenth of a
// second's worth, any one-second span sees at most (1 + 0.1 + HOLD_MS/1000) × the rate.
const HOLD_MS = 50;
// While the database cannot be asked, sending waits (the worker cannot record outcomes then anyway).
const DB_RETRY_MS = 500;

// One statement: refill by the time elapsed on the database's clock, grant up to $want whole
// tokens. The row lock (FOR UPDATE) orders concurrent takers; a clock read before the wait for the
// lock only credits less time (greatest), never more, and refilled_at never moves back.
function grab(db: Kysely<DB>, key: string, rate: number, capacity: number, want: number) {
  return sql<{ granted: number; avail: number }>`
    WITH b AS (
      SELECT key, tokens, refilled_at, clock_timestamp() AS t FROM smpp_rate_buckets WHERE key = ${key} FOR UPDATE
    ), a AS (
      SELECT key, greatest(refilled_at, t) AS t,
             least(${capacity}::float8, tokens + ${rate}::float8 * greatest(0, extract(epoch FROM t - refilled_at))::float8) AS avail
      FROM b
    )
    UPDATE smpp_rate_buckets s SET tokens = a.avail - least(floor(a.avail), ${want}::int), refilled_at = a.t
    FROM a WHERE s.key = a.key
    RETURNING least(floor(a.avail), ${want}::int)::int AS granted, a.avail::float8 AS avail`.execute(db);
}

export function sharedTokenBucket(db: Kysely<DB>, o: SharedRateOptions): TokenBucket {
  const rate = o.ratePerSecond;
  if (!(rate > 0)) throw new RangeError(`rate must be positive, got ${rate}`);
  const capacity = Math.max(1, rate / 10);
  // A batch is at most 20 ms worth: fewer statements, little taken ahead of its use.
  const batch = Math.max(1, Math.floor(rate / 50));
  let held = 0;
  let heldAt = 0;
  let waiting = 0;
  let created = false;
  let failing = false;
  let queue: Promise<void> = Promise.resolve();

  async function ask(want: number): Promise<{ granted: number; avail: number }> {
    if (!created) {
      // Starts empty: a process joining does not bring a burst with it.
      await sql`INSERT INTO smpp_rate_buckets (key, tokens, refilled_at) VALUES (${o.key}, 0, clock_timestamp()) ON CONFLICT (key) DO NOTHING`.execute(db);
      created = true;
    }
    const r = await grab(db, o.key, rate, capacity, want);
    const row = r.rows[0];
    if (row === undefined) {
      created = false; // the row was deleted: make it again
      return { granted: 0, avail: 0 };
    }
    return { granted: Number(row.granted), avail: Number(row.avail) };
  }

  async function takeOne(): Promise<void> {
    for (;;) {
      if (held > 0 && performance.now() - heldAt < HOLD_MS) {
        held--;
        return;
      }
      held = 0;
      let got: { granted: number; avail: number };
      try {
        got = await ask(Math.min(batch, Math.max(1, waiting)));
        failing = false;
      } catch (err) {
        if (!failing) o.logger?.warn({ err, bind: o.key }, 'shared SMPP rate: database not answering; sending waits');
        failing = true;
        await sleep(DB_RETRY_MS);
        continue;
      }
      if (got.granted > 0) {
        held = got.granted;
        heldAt = performance.now();
        continue;
      }
      // Until the next whole token, by the rate; other processes may take it first, then again.
      await sleep(Math.max(1, Math.ceil(((1 - got.avail) * 1000) / rate)));
    }
  }

  return {
    take() {
      waiting++;
      const turn = queue.then(takeOne).finally(() => waiting--);
      queue = turn;
      return turn;
    },
  };
}
