// The figures of the dashboard. Each is one set-based query over an index (outbox by created_at,
// the queue's partial index, subscriptions once), so the page stays fast on a utility's volumes.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { effectivenessReport } from '../dunning/effectiveness.js';
import { NOTICE_KINDS } from '../dunning/policy.js';

export interface MonthChannel {
  month: string;
  channel: 'sms' | 'email' | 'letter' | 'viber';
  messages: number;
  /** Handed to the provider (sent or delivered). */
  sent: number;
  /** Confirmed by a receipt. */
  delivered: number;
  failed: number;
}

/** Months are Sofia months, 'YYYY-MM', the last `months` including the current one. */
export function monthList(now: Date, months: number): string[] {
  const sofia = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Sofia', year: 'numeric', month: '2-digit' }).format(now);
  let [y, m] = sofia.split('-').map(Number) as [number, number];
  const out: string[] = [];
  for (let i = 0; i < months; i++) {
    out.unshift(`${y}-${String(m).padStart(2, '0')}`);
    m -= 1;
    if (m === 0) {
      m = 12;
      y -= 1;
    }
  }
  return out;
}

const monthStart = (month: string) => sql<Date>`(${`${month}-01`}::timestamp AT TIME ZONE 'Europe/Sofia')`;

export async function messagesByMonth(db: Kysely<DB>, months: readonly string[]): Promise<MonthChannel[]> {
  const r = await sql<{ month: string; channel: MonthChannel['channel']; messages: number; sent: number; delivered: number; failed: number }>`
    SELECT to_char(created_at AT TIME ZONE 'Europe/Sofia', 'YYYY-MM') AS month, channel,
           count(*)::int AS messages,
           count(*) FILTER (WHERE status IN ('sent', 'delivered'))::int AS sent,
           count(*) FILTER (WHERE status = 'delivered')::int AS delivered,
           count(*) FILTER (WHERE status IN ('failed', 'expired'))::int AS failed
      FROM outbox_messages
     WHERE created_at >= ${monthStart(months[0] ?? '2000-01')}
     GROUP BY 1, 2 ORDER BY 1, 2`.execute(db);
  return r.rows;
}

export interface SmsMonth {
  month: string;
  segments: number;
  costMinor: number;
  /** Overdue notices sent by SMS, and their average parts (the goal is one; null: none). */
  notices: number;
  partsPerNotice: number | null;
}

const noticeKinds = sql.join(NOTICE_KINDS.map((k) => sql`${k}`));

export async function smsByMonth(db: Kysely<DB>, months: readonly string[]): Promise<SmsMonth[]> {
  const r = await sql<{ month: string; segments: number; cost: number; notices: number; notice_segments: number }>`
    SELECT to_char(created_at AT TIME ZONE 'Europe/Sofia', 'YYYY-MM') AS month,
           coalesce(sum(segments), 0)::int AS segments, coalesce(sum(cost_minor), 0)::bigint AS cost,
           (count(*) FILTER (WHERE kind IN (${noticeKinds})))::int AS notices,
           (coalesce(sum(segments) FILTER (WHERE kind IN (${noticeKinds})), 0))::int AS notice_segments
      FROM outbox_messages
     WHERE created_at >= ${monthStart(months[0] ?? '2000-01')} AND channel = 'sms' AND sent_at IS NOT NULL
     GROUP BY 1 ORDER BY 1`.execute(db);
  return r.rows.map((x) => ({
    month: x.month,
    segments: x.segments,
    costMinor: Number(x.cost),
    notices: x.notices,
    partsPerNotice: x.notices === 0 ? null : Math.round((x.notice_segments / x.notices) * 100) / 100,
  }));
}

export interface ViberMonth {
  month: string;
  /** Viber messages created (each a notice that could have gone by SMS). */
  messages: number;
  /** Handed to the Viber gateway. */
  sent: number;
  /** Delivered by Viber. */
  deliveredByViber: number;
  /** Delivered by the gateway's own SMS (VIBER_PROVIDER smsFallback): no SMS of ours. */
  deliveredByProviderSms: number;
  /** Failed on Viber (no Viber, no report in time, no provider) and sent on as our SMS. */
  fellBackToSms: number;
  /** What the Viber messages cost (VIBER_PRICE_PER_MESSAGE each, as recorded when sent). */
  costMinor: number;
  /** SMS parts and cost of those fallback SMS (they are in the SMS figures too). */
  fallbackSegments: number;
  fallbackCostMinor: number;
}

/** Viber beside SMS: the Viber messages of each month and what became of them (their fallbacks by parent_id). */
export async function viberByMonth(db: Kysely<DB>, months: readonly string[]): Promise<ViberMonth[]> {
  const r = await sql<{ month: string; messages: number; sent: number; by_viber: number; by_provider_sms: number; fell_back: number; cost: string; fallback_segments: number; fallback_cost: string }>`
    SELECT to_char(v.created_at AT TIME ZONE 'Europe/Sofia', 'YYYY-MM') AS month,
           count(*)::int AS messages,
           count(*) FILTER (WHERE v.sent_at IS NOT NULL)::int AS sent,
           count(*) FILTER (WHERE v.status = 'delivered' AND v.reached_via IS DISTINCT FROM 'sms')::int AS by_viber,
           count(*) FILTER (WHERE v.status = 'delivered' AND v.reached_via = 'sms')::int AS by_provider_sms,
           count(f.id)::int AS fell_back,
           coalesce(sum(v.cost_minor) FILTER (WHERE v.sent_at IS NOT NULL), 0)::bigint AS cost,
           coalesce(sum(f.segments) FILTER (WHERE f.sent_at IS NOT NULL), 0)::int AS fallback_segments,
           coalesce(sum(f.cost_minor) FILTER (WHERE f.sent_at IS NOT NULL), 0)::bigint AS fallback_cost
      FROM outbox_messages v
      -- One fallback SMS at most per Viber message (handed over once); outbox_parent_idx finds it.
      LEFT JOIN LATERAL (
        SELECT s.id, s.segments, s.cost_minor, s.sent_at FROM outbox_messages s
         WHERE s.parent_id = v.id AND s.channel = 'sms' ORDER BY s.id LIMIT 1
      ) f ON true
     WHERE v.created_at >= ${monthStart(months[0] ?? '2000-01')} AND v.channel = 'viber'
     GROUP BY 1 ORDER BY 1`.execute(db);
  return r.rows.map((x) => ({
    month: x.month,
    messages: x.messages,
    sent: x.sent,
    deliveredByViber: x.by_viber,
    deliveredByProviderSms: x.by_provider_sms,
    fellBackToSms: x.fell_back,
    costMinor: Number(x.cost),
    fallbackSegments: x.fallback_segments,
    fallbackCostMinor: Number(x.fallback_cost),
  }));
}

export interface SubscriptionMonth {
  month: string;
  source: 'online' | 'centre' | 'import';
  /** Active at the end of the month. */
  active: number;
  added: number;
  ended: number;
}

/** Active subscriptions at each month's end by source: those before the window, plus what came and went. */
export async function subscriptionsByMonth(db: Kysely<DB>, months: readonly string[]): Promise<SubscriptionMonth[]> {
  const start = monthStart(months[0] ?? '2000-01');
  const r = await sql<{ source: SubscriptionMonth['source']; month: string | null; added: number; ended: number; before: number }>`
    SELECT source, month, sum(added)::int AS added, sum(ended)::int AS ended, sum(before)::int AS before FROM (
      SELECT source,
             CASE WHEN verified_at >= ${start} THEN to_char(verified_at AT TIME ZONE 'Europe/Sofia', 'YYYY-MM') END AS month,
             (verified_at >= ${start})::int AS added, 0 AS ended,
             (verified_at < ${start} AND (ended_at IS NULL OR ended_at >= ${start}))::int AS before
        FROM subscriptions WHERE verified_at IS NOT NULL
      UNION ALL
      SELECT source, to_char(ended_at AT TIME ZONE 'Europe/Sofia', 'YYYY-MM'), 0, 1, 0
        FROM subscriptions WHERE verified_at IS NOT NULL AND ended_at >= ${start}
    ) x GROUP BY 1, 2`.execute(db);
  const out: SubscriptionMonth[] = [];
  for (const source of ['online', 'centre', 'import'] as const) {
    let active = r.rows.filter((x) => x.source === source).reduce((n, x) => n + x.before, 0);
    for (const month of months) {
      const row = r.rows.find((x) => x.source === source && x.month === month);
      const added = row?.added ?? 0;
      const ended = row?.ended ?? 0;
      active += added - ended;
      out.push({ month, source, active, added, ended });
    }
  }
  return out;
}

export interface Effectiveness {
  stage: string;
  channel: string;
  /** Customers a notice of this stage reached by this channel. */
  notices: number;
  /** Of them, paid in full before the disconnection date of their overdue episode. */
  paidInTime: number;
}

/** The dunning engineer's effectiveness report, summed over the months given, by stage and channel. */
export async function effectiveness(db: Kysely<DB>, months: readonly string[]): Promise<Effectiveness[]> {
  const totals = new Map<string, Effectiveness>();
  for (const month of months) {
    for (const t of (await effectivenessReport(db, month, 7)).totals) {
      const key = `${t.stage}\u0000${t.channel}`;
      const e = totals.get(key) ?? { stage: t.stage, channel: t.channel, notices: 0, paidInTime: 0 };
      e.notices += t.notified;
      e.paidInTime += t.paidBeforeDisconnection;
      totals.set(key, e);
    }
  }
  return [...totals.values()].sort((a, b) => a.stage.localeCompare(b.stage) || a.channel.localeCompare(b.channel));
}

export interface QueueRow {
  channel: 'sms' | 'email' | 'letter';
  /** Queued and due now. */
  due: number;
  /** Queued for later (quiet hours, retries). */
  later: number;
  sending: number;
  oldestDue: Date | null;
}

export async function queueNow(db: Kysely<DB>, now: Date): Promise<QueueRow[]> {
  // Two halves, each matching one partial index (queued: outbox_due_idx, sending: outbox_lease_idx),
  // so /metrics can ask every few seconds without reading the whole outbox.
  const r = await sql<{ channel: QueueRow['channel']; due: number; later: number; sending: number; oldest: Date | null }>`
    SELECT channel, sum(due)::int AS due, sum(later)::int AS later, sum(sending)::int AS sending, min(oldest) AS oldest FROM (
      SELECT channel, count(*) FILTER (WHERE not_before <= ${now}) AS due, count(*) FILTER (WHERE not_before > ${now}) AS later,
             0 AS sending, min(not_before) FILTER (WHERE not_before <= ${now}) AS oldest
        FROM outbox_messages WHERE status = 'queued' GROUP BY channel
      UNION ALL
      SELECT channel, 0, 0, count(*), NULL FROM outbox_messages WHERE status = 'sending' GROUP BY channel
    ) q GROUP BY channel`.execute(db);
  return (['sms', 'email', 'letter'] as const).map((channel) => {
    const x = r.rows.find((y) => y.channel === channel);
    return { channel, due: x?.due ?? 0, later: x?.later ?? 0, sending: x?.sending ?? 0, oldestDue: x?.oldest ?? null };
  });
}

export interface AttentionRow {
  customerNumber: string;
  name: string;
  channel: 'sms' | 'email';
  address: string;
  hardFailures: number;
  updatedAt: Date;
}

export const ATTENTION_LIMIT = 1000;

/** Active contacts flagged after repeated permanent failures: staff should ask the customer for a new one. */
export async function contactsNeedingAttention(db: Kysely<DB>): Promise<{ total: number; rows: AttentionRow[] }> {
  const total = await db
    .selectFrom('subscriptions')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('needs_attention', '=', true)
    .where('status', '=', 'active')
    .executeTakeFirstOrThrow();
  const rows = await db
    .selectFrom('subscriptions as s')
    .innerJoin('customers as c', 'c.customer_number', 's.customer_number')
    .select(['s.customer_number', 'c.name', 's.channel', 's.address', 's.hard_failures', 's.updated_at'])
    .where('s.needs_attention', '=', true)
    .where('s.status', '=', 'active')
    .orderBy('s.updated_at', 'desc')
    .limit(ATTENTION_LIMIT)
    .execute();
  return {
    total: Number(total.n),
    rows: rows.map((r) => ({ customerNumber: r.customer_number, name: r.name, channel: r.channel, address: r.address, hardFailures: r.hard_failures, updatedAt: r.updated_at })),
  };
}
