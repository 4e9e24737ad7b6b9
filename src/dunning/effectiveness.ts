// The figure the utility runs this service for: of the customers a notice reached, how many paid
// within N days, and how many paid before the disconnection date, by stage and channel, per run and
// per month; and how many customers reached the disconnection list.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { AppError } from '../errors.js';
import { addDays, daysInMonth, type LocalDate } from './calendar/index.js';

export interface EffectivenessRow {
  stage: string;
  channel: string;
  /** Customers a notice of this stage reached by this channel (sent or delivered). */
  notified: number;
  /** Of them, paid in full (every invoice the notice named) within N days of the notice. */
  paidWithinDays: number;
  /** Of them, paid in full before the disconnection date the notice's episode had. */
  paidBeforeDisconnection: number;
}

export interface RunEffectiveness {
  runId: number;
  runDate: LocalDate;
  trigger: string;
  noticesCreated: number;
  /** The disconnection list's size at that run, and how many were on it for the first time. */
  disconnectionListed: number;
  newlyListed: number;
  rows: EffectivenessRow[];
}

export interface EffectivenessReport {
  month: string;
  days: number;
  totals: EffectivenessRow[];
  /** Customers who reached the disconnection list in the month (once per overdue episode). */
  newlyListed: number;
  runs: RunEffectiveness[];
}

function monthRange(month: string): { from: LocalDate; to: LocalDate } {
  const m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(month);
  if (!m) throw new AppError('VALIDATION_FAILED', `month: not a month YYYY-MM: ${JSON.stringify(month)}`);
  const from = `${month}-01`;
  return { from, to: addDays(from, daysInMonth(Number(m[1]), Number(m[2]))) };
}

interface Row {
  run_id: number | null;
  stage: string;
  channel: string;
  notified: number;
  paid_within: number;
  paid_before: number;
}

export async function effectivenessReport(db: Kysely<DB>, month: string, days: number): Promise<EffectivenessReport> {
  if (!Number.isInteger(days) || days < 0 || days > 366) throw new AppError('VALIDATION_FAILED', 'days: a whole number from 0 to 366');
  const { from, to } = monthRange(month);
  const runs = await db
    .selectFrom('dunning_runs')
    .select(['id', 'run_date', 'trigger', 'notices_created', 'disconnection_count'])
    .where('run_date', '>=', from)
    .where('run_date', '<', to)
    .orderBy('run_date')
    .orderBy('id')
    .execute();
  const ids = runs.map((r) => r.id);
  // A notice counts once, through the message of its chain that was sent (the first channel or a fallback).
  const r = await sql<Row>`
    WITH n AS (
      SELECT m.id, (m.payload->>'run_id')::bigint AS run_id, m.payload->>'stage' AS stage, m.channel, m.customer_number,
             m.payload->'invoices' AS invoices, coalesce(m.sent_at, m.created_at) AS notified_at,
             (m.payload->>'disconnection_date')::date AS disconnection_date
        FROM outbox_messages m
       WHERE m.payload ? 'run_id' AND (m.payload->>'run_id')::bigint = ANY (${ids}::bigint[]) AND m.status IN ('sent', 'delivered')
    ),
    inv AS (SELECT DISTINCT n.id, x.invoice_number FROM n CROSS JOIN LATERAL jsonb_array_elements_text(n.invoices) AS x(invoice_number)),
    paid_off AS (
      SELECT invoice_number, min(paid_at) FILTER (WHERE cum >= amount) AS paid_at
        FROM (SELECT a.invoice_number, p.paid_at, i.amount_eur_minor AS amount,
                     sum(a.amount_eur_minor) OVER (PARTITION BY a.invoice_number ORDER BY p.paid_at, p.payment_reference) AS cum
                FROM payment_allocations a
                JOIN payments p ON p.payment_reference = a.payment_reference
                JOIN invoices i ON i.invoice_number = a.invoice_number
               WHERE a.invoice_number IN (SELECT invoice_number FROM inv)) t
       GROUP BY invoice_number
    ),
    np AS (
      SELECT inv.id, CASE WHEN bool_and(po.paid_at IS NOT NULL) THEN max(po.paid_at) END AS paid_at
        FROM inv LEFT JOIN paid_off po ON po.invoice_number = inv.invoice_number GROUP BY inv.id
    )
    SELECT n.run_id, n.stage, n.channel,
           count(DISTINCT n.customer_number)::int AS notified,
           count(DISTINCT n.customer_number) FILTER (WHERE np.paid_at <= n.notified_at + make_interval(days => ${days}::int))::int AS paid_within,
           count(DISTINCT n.customer_number) FILTER (WHERE (np.paid_at AT TIME ZONE 'Europe/Sofia')::date < n.disconnection_date)::int AS paid_before
      FROM n JOIN np ON np.id = n.id
     GROUP BY GROUPING SETS ((n.run_id, n.stage, n.channel), (n.stage, n.channel))
     ORDER BY n.stage, n.channel`.execute(db);
  const toRow = (x: Row): EffectivenessRow => ({ stage: x.stage, channel: x.channel, notified: x.notified, paidWithinDays: x.paid_within, paidBeforeDisconnection: x.paid_before });
  const listings = await sql<{ run_id: number; n: number }>`
    SELECT run_id, count(*)::int AS n FROM dunning_listings WHERE run_id = ANY (${ids}::bigint[]) GROUP BY run_id`.execute(db);
  const newlyByRun = new Map(listings.rows.map((l) => [l.run_id, l.n]));
  return {
    month,
    days,
    totals: r.rows.filter((x) => x.run_id === null).map(toRow),
    newlyListed: listings.rows.reduce((n, l) => n + l.n, 0),
    runs: runs.map((run) => ({
      runId: run.id,
      runDate: run.run_date,
      trigger: run.trigger,
      noticesCreated: run.notices_created,
      disconnectionListed: run.disconnection_count,
      newlyListed: newlyByRun.get(run.id) ?? 0,
      rows: r.rows.filter((x) => x.run_id === run.id).map(toRow),
    })),
  };
}
