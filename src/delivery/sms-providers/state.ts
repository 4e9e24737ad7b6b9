// Provider health as reported by the workers (sms_provider_health, migration 0019), and each SMS
// provider's share of the traffic from the attempts: for the providers page and /metrics, which
// may run in a process that sends nothing.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { HealthChange } from './health.js';

export interface HealthReport {
  provider: string;
  healthy: boolean;
  reason: string;
  changedAt: Date;
  lastError: string | null;
  lastErrorAt: Date | null;
  worker: string;
  updatedAt: Date;
}

/** Stores one worker's view of a provider (its last change, and its last error). */
export async function reportHealth(db: Kysely<DB>, worker: string, c: HealthChange, lastError: { error: string; at: Date } | null): Promise<void> {
  await sql`
    INSERT INTO sms_provider_health (provider, worker, healthy, reason, changed_at, last_error, last_error_at, updated_at)
    VALUES (${c.provider}, ${worker}, ${c.healthy}, ${c.reason.slice(0, 1000)}, ${c.at}, ${lastError?.error.slice(0, 1000) ?? null}, ${lastError?.at ?? null}, ${c.at})
    ON CONFLICT (provider, worker) DO UPDATE
      SET healthy = EXCLUDED.healthy, reason = EXCLUDED.reason, changed_at = EXCLUDED.changed_at,
          last_error = COALESCE(EXCLUDED.last_error, sms_provider_health.last_error),
          last_error_at = COALESCE(EXCLUDED.last_error_at, sms_provider_health.last_error_at),
          updated_at = EXCLUDED.updated_at`.execute(db);
}

/** Reports of workers long gone (each process reports under its own name): a week without news. */
export async function forgetStaleReports(db: Kysely<DB>, before: Date): Promise<void> {
  await sql`DELETE FROM sms_provider_health WHERE updated_at < ${before}`.execute(db);
}

/** The latest report of each provider, whichever worker made it. */
export async function latestHealth(db: Kysely<DB>): Promise<Map<string, HealthReport>> {
  const r = await sql<{ provider: string; worker: string; healthy: boolean; reason: string; changed_at: Date; last_error: string | null; last_error_at: Date | null; updated_at: Date }>`
    SELECT DISTINCT ON (provider) provider, worker, healthy, reason, changed_at, last_error, last_error_at, updated_at
      FROM sms_provider_health ORDER BY provider, updated_at DESC`.execute(db);
  return new Map(
    r.rows.map((x) => [
      x.provider,
      { provider: x.provider, healthy: x.healthy, reason: x.reason, changedAt: x.changed_at, lastError: x.last_error, lastErrorAt: x.last_error_at, worker: x.worker, updatedAt: x.updated_at },
    ]),
  );
}

export interface TrafficShare {
  provider: string;
  attempts: number;
  accepted: number;
  /** Of all SMS attempts of the named providers in the period, 0-1. */
  share: number;
}

/** Attempts per provider finished since `since` (message_attempts_finished_idx), among `providers`. */
export async function trafficShares(db: Kysely<DB>, providers: readonly string[], since: Date): Promise<TrafficShare[]> {
  if (providers.length === 0) return [];
  const r = await sql<{ provider: string; attempts: number; accepted: number }>`
    SELECT provider, count(*)::int AS attempts, count(*) FILTER (WHERE outcome = 'accepted')::int AS accepted
      FROM message_attempts WHERE finished_at >= ${since} AND provider = ANY(${[...providers]}::text[]) GROUP BY provider`.execute(db);
  const total = r.rows.reduce((s, x) => s + x.attempts, 0);
  return providers.map((provider) => {
    const x = r.rows.find((y) => y.provider === provider);
    const attempts = x?.attempts ?? 0;
    return { provider, attempts, accepted: x?.accepted ?? 0, share: total === 0 ? 0 : attempts / total };
  });
}
