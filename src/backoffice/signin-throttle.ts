// Fixed-window failure counters for signing in, in PostgreSQL so that every web process sees the
// same counts: per client address (against password spraying) and per account and address (the
// lockout, which thereby never shuts the rightful user out from their own place).
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export type ThrottleScope = 'address' | 'user_address';

/** failures within ms lock the key for ms. */
export interface ThrottleLimit {
  failures: number;
  ms: number;
}

/** The key of an account at an address. */
export const userAddressKey = (userId: number, ip: string) => `${userId}/${ip}`;

/** The end of the key's lock when it is locked now, else null. */
export async function lockedUntil(db: Kysely<DB>, scope: ThrottleScope, key: string, now: Date): Promise<Date | null> {
  const r = await sql<{ locked_until: Date }>`
    SELECT locked_until FROM staff_signin_counters WHERE scope = ${scope} AND key = ${key} AND locked_until > ${now}`.execute(db);
  return r.rows[0]?.locked_until ?? null;
}

/**
 * One failure more; a window older than ms starts again. The failure that reaches the limit locks
 * the key for ms, and each further one while locked extends it. Atomic, so parallel guesses from
 * several processes cannot slip past the limit. Returns the end of the lock it started, or null.
 */
export async function countFailure(db: Kysely<DB>, scope: ThrottleScope, key: string, limit: ThrottleLimit, now: Date): Promise<Date | null> {
  const stale = new Date(now.getTime() - limit.ms);
  const until = new Date(now.getTime() + limit.ms);
  const r = await sql<{ locked_until: Date | null; failures: number }>`
    INSERT INTO staff_signin_counters AS c (scope, key, failures, window_start, locked_until)
    VALUES (${scope}, ${key}, 1, ${now}, CASE WHEN 1 >= ${limit.failures}::int THEN ${until}::timestamptz END)
    ON CONFLICT (scope, key) DO UPDATE SET
      failures = CASE WHEN c.window_start <= ${stale} THEN 1 ELSE c.failures + 1 END,
      window_start = CASE WHEN c.window_start <= ${stale} THEN ${now} ELSE c.window_start END,
      locked_until = CASE WHEN (CASE WHEN c.window_start <= ${stale} THEN 1 ELSE c.failures + 1 END) >= ${limit.failures}::int THEN ${until}::timestamptz ELSE c.locked_until END
    RETURNING locked_until, failures`.execute(db);
  const row = r.rows[0];
  return row && row.failures === limit.failures && row.locked_until !== null ? row.locked_until : null;
}

/** A right sign-in clears the account's count at that address. */
export async function clearUserAddress(db: Kysely<DB>, userId: number, ip: string): Promise<void> {
  await sql`DELETE FROM staff_signin_counters WHERE scope = 'user_address' AND key = ${userAddressKey(userId, ip)}`.execute(db);
}

/** An admin's unlock opens the account from every address. */
export async function clearUser(db: Kysely<DB>, userId: number): Promise<void> {
  await sql`DELETE FROM staff_signin_counters WHERE scope = 'user_address' AND starts_with(key, ${`${userId}/`})`.execute(db);
}

/** Counters whose window and lock have both ended (housekeeping). */
export async function purgeCounters(db: Kysely<DB>, longestMs: number, now: Date): Promise<number> {
  const r = await sql`
    DELETE FROM staff_signin_counters
     WHERE window_start <= ${new Date(now.getTime() - longestMs)} AND (locked_until IS NULL OR locked_until <= ${now})`.execute(db);
  return Number(r.numAffectedRows ?? 0n);
}
