// The daily run: evaluate every overdue customer, enqueue one notice per customer and stage in a
// single INSERT ... SELECT, record who reached the disconnection list, hold the notices of an
// unusually big run for a supervisor, and record the run — all in one transaction under an
// advisory lock, so one runner at a time across every process.
import { sql, type Kysely, type Transaction } from 'kysely';
import { holdRun, needsApproval, usualNotices, type ApprovalSettings } from '../backoffice/run-approval.js';
import type { DB } from '../db/schema.js';
import type { Renderer } from '../delivery/outbox/message.js';
import type { ChannelType } from '../delivery/outbox/tables.js';
import { countSms } from '../delivery/text/segments.js';
import { PAY_REF_SQL } from '../portal/pay/link.js';
import type { LocalDate } from './calendar/index.js';
import { loadCalendar } from './calendar-store.js';
import { evaluation } from './evaluate.js';
import { enqueueDailyLifecycle, type DailyLifecycle } from './lifecycle/daily.js';
import { currentPolicy } from './policy-store.js';
import { planDay, type DayPlan } from './stages.js';
import type { RunTrigger } from './tables.js';

/**
 * pg advisory lock of the dunning run, with the schema as the second key: installations that share
 * a server in separate schemas (and the test suite) do not wait for each other.
 */
const RUN_LOCK = 727_274_104;

// Prices are shown in both currencies until this day (the euro adoption law); after it the leva
// equivalent is added only when a named invoice was issued in leva.
const DUAL_DISPLAY_UNTIL = '2026-08-08';

export interface RunOptions {
  date: LocalDate;
  trigger: RunTrigger;
  actor: string;
  /** The renderer the worker uses: the SMS part count of the notices is estimated with it. */
  render: Renderer;
  smsPricePerSegmentMinor: number;
  /** VIBER_PRICE_PER_MESSAGE in euro cents: Viber notices are priced per message, not per part. */
  viberPricePerMessageMinor?: number;
  /** Shows what the run would do and writes nothing. */
  dryRun?: boolean;
  /** The scheduler: skip if another process holds the lock, or today's scheduled run is recorded. */
  oncePerDay?: boolean;
  /** Replaying a past day (demo history): balances as of this instant, and rows stamped with it. */
  asOf?: Date;
  /** Hold the notices of a run far bigger than usual for a supervisor; absent, a run is never held. */
  approval?: ApprovalSettings;
}

export interface ChannelFigures {
  channel: ChannelType;
  /** Customers the stage would reach through this channel first. */
  planned: number;
  /** Notices enqueued by this run (the rest were enqueued by an earlier run of the episode). */
  created: number;
}

export interface StageFigures {
  stage: string;
  template: string | null;
  /** Customers at this stage on the day. */
  customers: number;
  notCovered: number;
  belowMinimum: number;
  held: number;
  /** Notice stages: none of the stage's channels. */
  noContact: number;
  channels: ChannelFigures[];
  /** The disconnection list: customers on it, and how many are on it for the first time. */
  listed: number;
  newlyListed: number;
  smsSegments: number;
  smsCostMinor: number;
  /** SMS notices created at this stage, and their average parts (null: none). */
  smsNotices?: number;
  smsPartsPerNotice?: number | null;
  /** Viber notices created at this stage and their cost (a price per message); their SMS fallbacks count as SMS when sent. */
  viberNotices?: number;
  viberCostMinor?: number;
}

export interface RunReport {
  runId: number | null;
  date: LocalDate;
  dryRun: boolean;
  /** Why nothing ran (scheduler only): another process is running it, or it ran today. */
  skipped: 'locked' | 'done' | null;
  policyVersion: number;
  overdueCustomers: number;
  noticesCreated: number;
  disconnectionCount: number;
  smsSegments: number;
  smsCostMinor: number;
  /** SMS notices created, and their average parts (one part each is the goal; null: none). */
  smsNotices: number;
  smsPartsPerNotice: number | null;
  viberNotices?: number;
  viberCostMinor?: number;
  stages: StageFigures[];
  /** Asked only when the run has approval settings: the usual day, and whether its notices are held. */
  approval: { usualNotices: number; held: boolean } | null;
  /** Pre-due reminders and contact checks enqueued (policy sections preDue and contactCheck). */
  lifecycle: DailyLifecycle;
}

const CHANNELS: ChannelType[] = ['viber', 'sms', 'email', 'letter'];
const WANTED = sql.raw('applies AND above_min AND hold_reason IS NULL');

interface StageRow {
  stage: string;
  customers: number;
  not_covered: number;
  below_minimum: number;
  held: number;
  no_contact: number;
  listed: number;
  viber: number;
  sms: number;
  email: number;
  letter: number;
}

interface CreatedGroup {
  stage: string;
  channel: ChannelType;
  kind: string;
  lang: 'bg' | 'en';
  n: number;
  sample: number;
}

async function enqueueNotices(trx: Transaction<DB>, runId: number, date: LocalDate, stamp: Date | null): Promise<CreatedGroup[]> {
  // Groups by what changes an SMS's length, so that one rendered sample per group counts the parts.
  const r = await sql<CreatedGroup>`
    WITH ins AS (
      INSERT INTO outbox_messages (business_key, kind, customer_number, subscription_id, channel, recipient, lang, fallback, payload,
                                   not_before, created_at, updated_at)
      SELECT 'dunning:' || customer_number || ':' || stage || ':' || to_char(oldest_due, 'YYYY-MM-DD'),
             template, customer_number, subscription_id, channel, recipient, lang, fallback,
             jsonb_build_object('run_id', ${runId}::bigint, 'stage', stage, 'notified_on', ${date}::date,
               'customer_number', customer_number, 'customer_name', name, 'oldest_due_date', oldest_due,
               'invoices', to_jsonb(invoices), 'invoice_due_dates', to_jsonb(invoice_due_dates), 'invoice_open_minor', to_jsonb(invoice_open),
               'total_eur_minor', total, 'pay_ref', ${sql.raw(PAY_REF_SQL)},
               'total_bgn_minor', CASE WHEN any_bgn OR ${date}::date <= ${DUAL_DISPLAY_UNTIL}::date THEN (total * 195583 + 50000) / 100000 END,
               'min_eur_minor', min_eur, 'disconnection_date', disconnection_date, 'email_subscription_id', email_subscription_id),
             coalesce(${stamp}::timestamptz, now()), coalesce(${stamp}::timestamptz, now()), coalesce(${stamp}::timestamptz, now())
        FROM dunning_plan
       WHERE template IS NOT NULL AND ${WANTED} AND channel IS NOT NULL
      ON CONFLICT (business_key) DO NOTHING
      RETURNING id, payload, channel, kind, lang, customer_number
    )
    SELECT payload->>'stage' AS stage, channel, kind, lang, count(*)::int AS n, min(id) AS sample
      FROM ins
     GROUP BY 1, 2, 3, 4,
              CASE WHEN channel = 'sms' THEN length(customer_number) END,
              CASE WHEN channel = 'sms' THEN length(payload->>'total_eur_minor') END,
              CASE WHEN channel = 'sms' THEN length(payload->>'total_bgn_minor') END,
              CASE WHEN channel = 'sms' THEN length(payload->>'invoices') END,
              CASE WHEN channel = 'sms' THEN payload->>'disconnection_date' IS NULL END`.execute(trx);
  return r.rows;
}

/** Average SMS parts per notice, to two decimals; null without SMS notices. */
export function partsPerNotice(parts: number, notices: number): number | null {
  return notices === 0 ? null : Math.round((parts / notices) * 100) / 100;
}

async function smsSegmentsByStage(trx: Transaction<DB>, groups: CreatedGroup[], render: Renderer): Promise<Map<string, number>> {
  const sms = groups.filter((g) => g.channel === 'sms');
  const out = new Map<string, number>();
  if (sms.length === 0) return out;
  const samples = await trx.selectFrom('outbox_messages').select(['id', 'payload']).where('id', 'in', sms.map((g) => g.sample)).execute();
  const payloadOf = new Map(samples.map((s) => [s.id, s.payload]));
  for (const g of sms) {
    const text = render(g.kind, 'sms', g.lang, payloadOf.get(g.sample) ?? {});
    out.set(g.stage, (out.get(g.stage) ?? 0) + countSms(text.body).segments * g.n);
  }
  return out;
}

async function stageFigures(trx: Transaction<DB>, plan: DayPlan): Promise<Map<string, StageRow>> {
  const r = await sql<StageRow>`
    SELECT stage, count(*)::int AS customers,
           count(*) FILTER (WHERE NOT applies)::int AS not_covered,
           count(*) FILTER (WHERE applies AND NOT above_min)::int AS below_minimum,
           count(*) FILTER (WHERE applies AND above_min AND hold_reason IS NOT NULL)::int AS held,
           count(*) FILTER (WHERE ${WANTED} AND template IS NOT NULL AND channel IS NULL)::int AS no_contact,
           count(*) FILTER (WHERE ${WANTED} AND template IS NULL)::int AS listed,
           count(*) FILTER (WHERE ${WANTED} AND channel = 'viber')::int AS viber,
           count(*) FILTER (WHERE ${WANTED} AND channel = 'sms')::int AS sms,
           count(*) FILTER (WHERE ${WANTED} AND channel = 'email')::int AS email,
           count(*) FILTER (WHERE ${WANTED} AND channel = 'letter')::int AS letter
      FROM dunning_plan GROUP BY stage`.execute(trx);
  const byStage = new Map(r.rows.map((row) => [row.stage, row]));
  for (const s of plan.stages) {
    if (!byStage.has(s.id)) byStage.set(s.id, { stage: s.id, customers: 0, not_covered: 0, below_minimum: 0, held: 0, no_contact: 0, listed: 0, viber: 0, sms: 0, email: 0, letter: 0 });
  }
  return byStage;
}

async function lock(trx: Transaction<DB>, wait: boolean): Promise<boolean> {
  if (wait) {
    await sql`SELECT pg_advisory_xact_lock(${RUN_LOCK}::int, hashtext(current_schema()))`.execute(trx);
    return true;
  }
  const r = await sql<{ got: boolean }>`SELECT pg_try_advisory_xact_lock(${RUN_LOCK}::int, hashtext(current_schema())) AS got`.execute(trx);
  return r.rows[0]?.got === true;
}

/**
 * Runs dunning for one day. Idempotent: notices are keyed by customer, stage and overdue episode
 * (the oldest unpaid due date), so a second run the same day creates nothing new, held or not. A
 * dry run does everything in a transaction it then rolls back: its figures (and whether it would be
 * held) are exactly what the run would do.
 */
export async function runDunning(db: Kysely<DB>, o: RunOptions): Promise<RunReport> {
  const trx = await db.startTransaction().execute();
  try {
    const skip = async (why: 'locked' | 'done'): Promise<RunReport> => {
      await trx.rollback().execute();
      return { runId: null, date: o.date, dryRun: o.dryRun === true, skipped: why, policyVersion: 0, overdueCustomers: 0, noticesCreated: 0, disconnectionCount: 0, smsSegments: 0, smsCostMinor: 0, smsNotices: 0, smsPartsPerNotice: null, stages: [], approval: null, lifecycle: { preDue: 0, contactChecks: 0 } };
    };
    if (!(await lock(trx, o.oncePerDay !== true))) return await skip('locked');
    if (o.oncePerDay) {
      const done = await trx.selectFrom('dunning_runs').select('id').where('run_date', '=', o.date).where('trigger', '=', 'schedule').executeTakeFirst();
      if (done) return await skip('done');
    }
    const policy = await currentPolicy(trx);
    const calendar = await loadCalendar(trx);
    const plan = planDay(policy.policy, calendar, o.date);
    const stamp = o.asOf ?? null;
    const run = await trx
      .insertInto('dunning_runs')
      .values({ run_date: o.date, trigger: o.trigger, actor: o.actor, policy_version: policy.version, started_at: stamp ?? new Date(), figures: '[]' })
      .returning('id')
      .executeTakeFirstOrThrow();

    await sql`CREATE TEMP TABLE dunning_plan ON COMMIT DROP AS ${evaluation({ plan, asOf: stamp })}`.execute(trx);
    const created = await enqueueNotices(trx, run.id, o.date, stamp);
    const listed = await sql`
      INSERT INTO dunning_listings (customer_number, oldest_due_date, listed_on, run_id)
      SELECT customer_number, oldest_due, ${o.date}::date, ${run.id}::bigint FROM dunning_plan WHERE template IS NULL AND ${WANTED}
      ON CONFLICT (customer_number, oldest_due_date) DO NOTHING`.execute(trx);
    const lifecycle = await enqueueDailyLifecycle(trx, { policy: policy.policy, calendar, date: o.date, stamp });
    const rows = await stageFigures(trx, plan);
    const segments = await smsSegmentsByStage(trx, created, o.render);

    const stages: StageFigures[] = plan.stages.map((s) => {
      const row = rows.get(s.id) as StageRow;
      const seg = segments.get(s.id) ?? 0;
      const smsNotices = created.filter((g) => g.stage === s.id && g.channel === 'sms').reduce((n, g) => n + g.n, 0);
      const viberNotices = created.filter((g) => g.stage === s.id && g.channel === 'viber').reduce((n, g) => n + g.n, 0);
      return {
        stage: s.id,
        template: s.notice?.template ?? null,
        customers: row.customers,
        notCovered: row.not_covered,
        belowMinimum: row.below_minimum,
        held: row.held,
        noContact: row.no_contact,
        channels: s.notice === null ? [] : CHANNELS.filter((c) => s.notice?.channels.includes(c)).map((channel) => ({
          channel,
          planned: row[channel],
          created: created.filter((g) => g.stage === s.id && g.channel === channel).reduce((n, g) => n + g.n, 0),
        })),
        listed: row.listed,
        newlyListed: s.notice === null ? Number(listed.numAffectedRows ?? 0n) : 0,
        smsSegments: seg,
        smsCostMinor: seg * o.smsPricePerSegmentMinor,
        smsNotices,
        smsPartsPerNotice: partsPerNotice(seg, smsNotices),
        viberNotices,
        viberCostMinor: viberNotices * (o.viberPricePerMessageMinor ?? 0),
      };
    });
    const sum = (f: (s: StageFigures) => number) => stages.reduce((n, s) => n + f(s), 0);
    const noticesCreated = created.reduce((n, g) => n + g.n, 0);
    let approval: RunReport['approval'] = null;
    if (o.approval) {
      const usual = await usualNotices(trx, o.date);
      approval = { usualNotices: usual, held: needsApproval(o.approval, noticesCreated, usual) };
      if (approval.held) await holdRun(trx, { runId: run.id, runDate: o.date, planned: noticesCreated, usual, settings: o.approval, actor: o.actor });
    }
    const report: RunReport = {
      runId: o.dryRun ? null : run.id,
      date: o.date,
      dryRun: o.dryRun === true,
      skipped: null,
      policyVersion: policy.version,
      overdueCustomers: sum((s) => s.customers),
      noticesCreated,
      disconnectionCount: sum((s) => s.listed),
      smsSegments: sum((s) => s.smsSegments),
      smsCostMinor: sum((s) => s.smsCostMinor),
      smsNotices: sum((s) => s.smsNotices ?? 0),
      smsPartsPerNotice: partsPerNotice(sum((s) => s.smsSegments), sum((s) => s.smsNotices ?? 0)),
      viberNotices: sum((s) => s.viberNotices ?? 0),
      viberCostMinor: sum((s) => s.viberCostMinor ?? 0),
      stages,
      approval,
      lifecycle,
    };
    await trx
      .updateTable('dunning_runs')
      .set({
        finished_at: stamp ?? new Date(),
        overdue_customers: report.overdueCustomers,
        notices_created: report.noticesCreated,
        disconnection_count: report.disconnectionCount,
        sms_segments: report.smsSegments,
        sms_cost_minor: report.smsCostMinor,
        figures: JSON.stringify(stages),
      })
      .where('id', '=', run.id)
      .execute();
    if (o.dryRun) await trx.rollback().execute();
    else await trx.commit().execute();
    return report;
  } catch (e) {
    await trx.rollback().execute().catch(() => undefined);
    throw e;
  }
}
