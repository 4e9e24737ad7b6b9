// What the worker does for Viber besides sending: a Viber message with no delivery report within
// VIBER_DELIVERY_TIMEOUT_MINUTES fails as 'timeout' and its fallback (the SMS) is created, in one
// transaction and exactly once (the row leaves 'sent' under its lock; a late report then changes
// nothing); and each delivered Viber message records which channel reached the customer.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { handOver, type FailureContext } from '../outbox/fallback.js';
import type { OutboxRow } from '../outbox/message.js';
import { pollHttpGateway } from '../http-sms/poll.js';
import { VIBER_PROVIDER_NAME, type ViberSettings } from './settings.js';

// A backlog is worked through over several runs, not in one long transaction.
const BATCH = 500;
const REACHED_VIA_MS = 5000;

/** Fails the Viber messages sent longer ago than timeoutMs without a final report; returns how many. */
export async function failTimedOutViber(db: Kysely<DB>, ctx: FailureContext, o: { timeoutMs: number; now?: Date }): Promise<number> {
  const now = o.now ?? new Date();
  const before = new Date(now.getTime() - o.timeoutMs);
  const minutes = Math.round((o.timeoutMs / 60_000) * 100) / 100;
  return db.transaction().execute(async (tx) => {
    // SKIP LOCKED: a message whose report is being stored right now is left to the report.
    const failed = await sql<OutboxRow>`
      UPDATE outbox_messages o
      SET status = 'failed', final_at = ${now}, updated_at = ${now},
          last_error = concat_ws('; ', o.last_error, ${`timeout: no delivery report within ${minutes} min`}::text)
      WHERE o.id IN (
        SELECT id FROM outbox_messages
        WHERE channel = 'viber' AND status = 'sent' AND sent_at <= ${before}
        ORDER BY sent_at, id LIMIT ${BATCH}
        FOR NO KEY UPDATE SKIP LOCKED
      ) AND o.status = 'sent'
      RETURNING o.*`.execute(tx);
    for (const row of failed.rows.sort((a, b) => Number(a.id) - Number(b.id))) {
      await handOver(tx, row, { hardFailure: false, now, ctx });
    }
    return failed.rows.length;
  });
}

/**
 * Without a Viber lane (VIBER_PROVIDER unset, or the sandbox), Viber messages would wait in the
 * queue for ever: each fails at once as 'no Viber provider' and its SMS is created, as a number
 * without Viber would be.
 */
export async function failUnprovidedViber(db: Kysely<DB>, ctx: FailureContext, o: { now?: Date } = {}): Promise<number> {
  const now = o.now ?? new Date();
  return db.transaction().execute(async (tx) => {
    const failed = await sql<OutboxRow>`
      UPDATE outbox_messages o
      SET status = 'failed', final_at = ${now}, updated_at = ${now},
          last_error = concat_ws('; ', o.last_error, 'no Viber provider (VIBER_PROVIDER unset or sandbox)'::text)
      WHERE o.id IN (
        SELECT id FROM outbox_messages WHERE channel = 'viber' AND status = 'queued'
        ORDER BY id LIMIT ${BATCH}
        FOR NO KEY UPDATE SKIP LOCKED
      ) AND o.status = 'queued'
      RETURNING o.*`.execute(tx);
    for (const row of failed.rows.sort((a, b) => Number(a.id) - Number(b.id))) {
      await handOver(tx, row, { hardFailure: false, now, ctx });
    }
    return failed.rows.length;
  });
}

/**
 * Which channel reached the customer of each delivered Viber message: the gateway's report names
 * it when the gateway fell back to SMS itself (Mobica's channel: sms); otherwise Viber did.
 */
export async function recordReachedVia(db: Kysely<DB>): Promise<number> {
  const r = await sql`
    UPDATE outbox_messages o
    SET reached_via = CASE WHEN rr.via = 'sms' THEN 'sms' ELSE 'viber' END
    FROM (
      SELECT DISTINCT ON (m.id) m.id,
             CASE WHEN r.raw ~ '^\\s*\\{' THEN lower(r.raw::jsonb ->> 'channel') END AS via
        FROM outbox_messages m JOIN delivery_receipts r ON r.message_id = m.id AND r.status = 'DELIVRD'
       WHERE m.channel = 'viber' AND m.status = 'delivered' AND m.reached_via IS NULL
       ORDER BY m.id, r.id
       LIMIT ${BATCH}
    ) rr
    WHERE o.id = rr.id AND o.reached_via IS NULL`.execute(db);
  return Number(r.numAffectedRows ?? 0n);
}

export interface ViberChore {
  name: string;
  everyMs: number;
  run: () => Promise<unknown>;
}

/** The worker's Viber chores: the status poll (gateways that report only when asked), the timeout, the channel that reached the customer. */
export function viberChores(o: { db: Kysely<DB>; failure: FailureContext; viber: (ViberSettings & { timeoutMs: number }) | null; sandbox: boolean }): ViberChore[] {
  const v = o.viber;
  if (v === null || o.sandbox) return [{ name: 'Viber without a provider', everyMs: REACHED_VIA_MS, run: () => failUnprovidedViber(o.db, o.failure) }];
  const chores: ViberChore[] = [];
  const poll = v.options.poll;
  if (poll !== undefined) {
    chores.push({
      name: 'Viber status poll',
      everyMs: poll.intervalSeconds * 1000,
      run: async () => {
        await pollHttpGateway(o.db, o.failure, v.options, { provider: VIBER_PROVIDER_NAME });
        return recordReachedVia(o.db);
      },
    });
  }
  // Checked four times per timeout (between 1 s and a minute), so a message waits at most a quarter longer.
  const everyMs = Math.min(60_000, Math.max(1000, Math.floor(v.timeoutMs / 4)));
  chores.push({
    name: 'Viber delivery timeout',
    everyMs,
    run: async () => {
      // A gateway that falls back to SMS itself has the message in hand: a second SMS of ours would duplicate it.
      return v.providerFallback ? 0 : failTimedOutViber(o.db, o.failure, { timeoutMs: v.timeoutMs });
    },
  });
  // Reports come by callback at any time: which channel reached the customer is noted soon after.
  chores.push({ name: 'Viber reached via', everyMs: REACHED_VIA_MS, run: () => recordReachedVia(o.db) });
  return chores;
}
