import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { scrubExpiredCodes } from './codes.js';
import { rules } from './deps.js';

/**
 * Forgets what the portal no longer needs: expired flows, counters whose windows and locks are
 * long over, code rows older than 30 days (the audit trail keeps what happened); and blanks the
 * digits of code messages whose code expired unused. Safe to run from every process at once.
 */
export async function portalHousekeeping(db: Kysely<DB>, now: Date): Promise<{ flows: number; counters: number; codes: number; scrubbed: number }> {
  const scrubbed = await scrubExpiredCodes(db, now);
  const flows = await db.deleteFrom('portal_sessions').where('expires_at', '<', now).executeTakeFirst();
  const dayAgo = new Date(now.getTime() - Math.max(rules.lockMaxMs, rules.ipWindowMs, 86_400_000));
  // A lock is remembered a day after it ended: the next one doubles within that day.
  const counters = await db
    .deleteFrom('portal_counters')
    .where('window_start', '<', dayAgo)
    .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', dayAgo)]))
    .executeTakeFirst();
  const codes = await db
    .deleteFrom('verification_codes')
    .where('created_at', '<', new Date(now.getTime() - 30 * 86_400_000))
    .where('scrubbed', '=', true)
    .executeTakeFirst();
  return { flows: Number(flows.numDeletedRows), counters: Number(counters.numDeletedRows), codes: Number(codes.numDeletedRows), scrubbed };
}
