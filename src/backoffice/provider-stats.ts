// How each provider has been answering: attempts by outcome and how long it took, from
// message_attempts (by its finished_at index), and what waits for want of a provider, for the
// providers page and /metrics.
import { sql, type Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { DB } from '../db/schema.js';
import { missingProviders, type MissingProvider } from '../delivery/providers.js';

export interface ProviderStats {
  provider: string;
  attempts: number;
  accepted: number;
  transient: number;
  permanent: number;
  unknown: number;
  /** Seconds from the start of an attempt to the provider's answer. */
  p50: number | null;
  p95: number | null;
  max: number | null;
}

export async function providerStats(db: Kysely<DB>, since: Date): Promise<ProviderStats[]> {
  const r = await sql<{ provider: string; attempts: number; accepted: number; transient: number; permanent: number; unknown: number; p50: number | null; p95: number | null; max: number | null }>`
    SELECT provider, count(*)::int AS attempts,
           count(*) FILTER (WHERE outcome = 'accepted')::int AS accepted,
           count(*) FILTER (WHERE outcome = 'transient')::int AS transient,
           count(*) FILTER (WHERE outcome = 'permanent')::int AS permanent,
           count(*) FILTER (WHERE outcome = 'unknown')::int AS unknown,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at))::float8 AS p50,
           percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at))::float8 AS p95,
           max(extract(epoch FROM finished_at - started_at))::float8 AS max
      FROM message_attempts WHERE finished_at >= ${since} GROUP BY provider ORDER BY provider`.execute(db);
  return r.rows;
}

/** Attempts finished since `since` per provider in cumulative latency buckets (a Prometheus histogram). */
export async function latencyBuckets(db: Kysely<DB>, since: Date, bounds: readonly number[]): Promise<Array<{ provider: string; counts: number[]; count: number; sum: number }>> {
  const r = await sql<{ provider: string; counts: number[]; count: number; sum: number }>`
    SELECT provider,
           array[${sql.join(bounds.map((b) => sql`count(*) FILTER (WHERE extract(epoch FROM finished_at - started_at) <= ${b})::int`))}] AS counts,
           count(*)::int AS count,
           coalesce(sum(extract(epoch FROM finished_at - started_at)), 0)::float8 AS sum
      FROM message_attempts WHERE finished_at >= ${since} GROUP BY provider ORDER BY provider`.execute(db);
  return r.rows.map((x) => ({ ...x, counts: x.counts.map(Number) }));
}

/** Each channel without a provider, with its queued messages (which no worker will claim). */
export async function waitingForProvider(db: Kysely<DB>, config: Config): Promise<Array<MissingProvider & { waiting: number }>> {
  const missing = missingProviders(config);
  if (missing.length === 0) return [];
  // outbox_due_idx: the queued rows of a channel, nothing else read.
  const r = await sql<{ channel: string; n: number }>`
    SELECT channel, count(*)::int AS n FROM outbox_messages
     WHERE status = 'queued' AND channel IN (${sql.join(missing.map((m) => m.channel))}) GROUP BY channel`.execute(db);
  return missing.map((m) => ({ ...m, waiting: r.rows.find((x) => x.channel === m.channel)?.n ?? 0 }));
}
