// The demo's past: the daily runs of the last weeks replayed over the demo data as it was on each
// day (payments made after a run did not count at that run), their notices marked as sent by the
// sandbox. The effectiveness report then shows customers paying after their notices.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { Renderer } from '../delivery/outbox/message.js';
import { countSms } from '../delivery/text/segments.js';
import { addDays, sofiaInstant, type LocalDate } from './calendar/index.js';
import { loadCalendar } from './calendar-store.js';
import { runDunning } from './run.js';
import { demoPolicy } from './policy.js';
import { currentPolicy, savePolicy } from './policy-store.js';

export interface DemoHistoryOptions {
  /** The demo's today: runs are replayed for the working days before it. */
  today: LocalDate;
  days?: number;
  /** Sofia time of the replayed runs; their notices count as sent five minutes later. */
  runAt?: string;
  render: Renderer;
  smsPricePerSegmentMinor: number;
}

const BATCH = 5000;

interface Unsent {
  id: number;
  kind: string;
  channel: 'sms' | 'email' | 'letter' | 'viber';
  lang: 'bg' | 'en';
  payload: Record<string, unknown>;
}

/** Renders and marks sent, in batches of set-based updates, the replayed runs' notices. */
async function markSent(db: Kysely<DB>, runIds: number[], o: DemoHistoryOptions): Promise<number> {
  let done = 0;
  for (let after = 0; ; ) {
    const rows: Unsent[] = await db
      .selectFrom('outbox_messages')
      .select(['id', 'kind', 'channel', 'lang', 'payload'])
      .where('status', '=', 'queued')
      .where(sql<boolean>`payload ? 'run_id' AND (payload->>'run_id')::bigint = ANY (${runIds}::bigint[])`)
      .where('id', '>', after)
      .orderBy('id')
      .limit(BATCH)
      .execute();
    const last = rows.at(-1);
    if (!last) return done;
    after = last.id;
    const texts = rows.map((m) => o.render(m.kind, m.channel, m.lang, m.payload));
    const counts = rows.map((m, i) => (m.channel === 'sms' ? countSms(texts[i]?.body ?? '') : null));
    await db.transaction().execute(async (trx) => {
      await sql`
        UPDATE outbox_messages m
           SET status = 'sent', provider = 'sandbox', provider_message_ids = ARRAY['sandbox-' || m.id], attempts = 1,
               subject = t.subject, body = t.body, html = t.html, segments = t.segments,
               cost_minor = t.segments * ${o.smsPricePerSegmentMinor}::int,
               encoding = t.encoding,
               first_attempt_at = m.created_at + interval '5 minutes', sent_at = m.created_at + interval '5 minutes',
               updated_at = m.created_at + interval '5 minutes'
          FROM unnest(${rows.map((m) => m.id)}::bigint[], ${texts.map((t) => t.subject ?? null)}::text[], ${texts.map((t) => t.body)}::text[],
                      ${texts.map((t) => t.html ?? null)}::text[], ${counts.map((c) => c?.segments ?? null)}::int[], ${counts.map((c) => c?.encoding ?? null)}::text[])
                      AS t(id, subject, body, html, segments, encoding)
         WHERE m.id = t.id`.execute(trx);
      await sql`
        INSERT INTO message_attempts (message_id, attempt, worker, provider, started_at, finished_at, outcome, answer)
        SELECT id, 1, 'demo-history', 'sandbox', sent_at, sent_at, 'accepted', 'recorded by the sandbox, not sent'
          FROM outbox_messages WHERE id = ANY (${rows.map((m) => m.id)}::bigint[])`.execute(trx);
    });
    done += rows.length;
  }
}

/**
 * Replays the daily runs of the `days` (default 60) days before `today`, each set-based as of its
 * run time, and marks their notices sent by the sandbox. Call it once, right after the demo data
 * is loaded (a second call adds empty runs and nothing else).
 */
export async function seedDemoHistory(db: Kysely<DB>, o: DemoHistoryOptions): Promise<{ runs: number; notices: number }> {
  const calendar = await loadCalendar(db);
  const runIds: number[] = [];
  for (let day = addDays(o.today, -(o.days ?? 60)); day < o.today; day = addDays(day, 1)) {
    if (!calendar.isWorkingDay(day)) continue;
    const r = await runDunning(db, {
      date: day,
      trigger: 'demo',
      actor: 'demo',
      render: o.render,
      smsPricePerSegmentMinor: o.smsPricePerSegmentMinor,
      asOf: sofiaInstant(day, o.runAt ?? '10:00'),
    });
    if (r.runId !== null) runIds.push(r.runId);
  }
  const notices = await markSent(db, runIds, o);
  await installDemoPolicy(db);
  return { runs: runIds.length, notices };
}

/**
 * The demo shows the lifecycle messages too: after the replayed history (which sends none of them),
 * a first policy version with all four turned on, the contact check at 50 a day (the demo's
 * contacts were verified years ago). Nothing is saved over a policy staff already saved.
 */
export async function installDemoPolicy(db: Kysely<DB>): Promise<void> {
  if ((await currentPolicy(db)).version !== 0) return;
  const policy = demoPolicy();
  policy.contactCheck.maxPerDay = 50;
  await savePolicy(db, policy, 'demo', 'Demo: lifecycle messages turned on');
}
