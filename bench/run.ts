// npm run bench:run — the daily dunning run on PostgreSQL with 1.2M customers, 14.4M invoices and
// 500,000 subscriptions, generated set-based in a scratch schema. Two days are timed: a usual one
// (about 1,500 customers newly overdue) and a heavy one (100,000 overdue customers, all subscribed,
// as after a long holiday). Beside each: the same selection as one bare hand-written INSERT ... SELECT
// into a copy of the outbox with the same indexes, and as one bare SELECT, in the same run.
// Env: BENCH_DATABASE_URL (default TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test),
// BENCH_CUSTOMERS (default 1200000), BENCH_REPEAT (default 3; medians are reported).
import { cpus, totalmem } from 'node:os';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../src/db/open.js';
import { migrate } from '../src/db/migrate.js';
import type { DB } from '../src/db/schema.js';
import { silentLogger } from '../src/log.js';
import { makeCalendar } from '../src/dunning/calendar/index.js';
import { defaultPolicy } from '../src/dunning/policy.js';
import { noticeRenderer } from '../src/dunning/render.js';
import { runDunning } from '../src/dunning/run.js';
import { planDay } from '../src/dunning/stages.js';

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const customers = Number(process.env.BENCH_CUSTOMERS ?? 1_200_000);
const repeat = Number(process.env.BENCH_REPEAT ?? 3);
const schema = 'bench_dunning';
const render = noticeRenderer('https://izvestia.example.bg');

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(text);
  await c.end();
}

const seconds = (ms: number) => (ms / 1000).toFixed(2);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function timed<T>(label: string, fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t = performance.now();
  const value = await fn();
  const ms = performance.now() - t;
  console.log(`  ${label}: ${seconds(ms)} s`);
  return { ms, value };
}

/**
 * Customer i (3000000000::bigint + i): meter-reading group i % 4 (due on the 5th, 15th, 20th, 24th), 12
 * monthly invoices due Dec 2025 – Nov 2026, all paid except: every 60th customer owes Aug–Nov (at
 * the disconnection stage), every 800th of the 24th group owes November (the usual day's newcomers),
 * every 400th of the 15th group owes November (further along). Subscriptions: i % 12 < 4 SMS, = 4 email.
 */
async function generate(db: Kysely<DB>): Promise<void> {
  await sql`SET session_replication_role = replica`.execute(db); // no FK triggers during the bulk load
  await sql`
    INSERT INTO customers (customer_number, name, street, town, postcode, customer_class)
    SELECT (3000000000::bigint + i)::text, 'Клиент ' || i, 'ул. Примерна ' || (i % 200 + 1), 'Варна', '9000',
           CASE WHEN i % 10 = 9 THEN 'business' ELSE 'household' END
      FROM generate_series(0, ${customers - 1}::int) i`.execute(db);
  await sql`
    INSERT INTO invoices (invoice_number, customer_number, issue_date, due_date, amount_minor, currency, paid_eur_minor)
    SELECT no, cn, due - 20, due, amount, cur,
           CASE WHEN unpaid THEN 0 WHEN cur = 'EUR' THEN amount ELSE (amount * 200000 + 195583) / 391166 END
      FROM (SELECT (5000000000 + i::bigint * 12 + m)::text AS no, (3000000000::bigint + i)::text AS cn, d.due,
                   (2500 + (i * 7 + m * 13) % 9000)::bigint AS amount, CASE WHEN d.due - 20 < DATE '2026-01-01' THEN 'BGN' ELSE 'EUR' END AS cur,
                   (i % 60 = 0 AND m >= 8) OR (i % 800 = 3 AND m = 11) OR (i % 400 = 1 AND m = 11) AS unpaid
              FROM generate_series(0, ${customers - 1}::int) i, generate_series(0, 11) m,
                   LATERAL (SELECT make_date(2025 + (11 + m) / 12, (11 + m) % 12 + 1, (ARRAY[5, 15, 20, 24])[i % 4 + 1]) AS due) d) x`.execute(db);
  await sql`
    INSERT INTO subscriptions (customer_number, channel, address, status, verified_at, source, consent_version, consent_at)
    SELECT (3000000000::bigint + i)::text, CASE WHEN i % 12 < 4 THEN 'sms' ELSE 'email' END,
           CASE WHEN i % 12 < 4 THEN '+35988' || lpad(i::text, 7, '0') ELSE 'client' || i || '@example.bg' END,
           'active', '2025-01-01', 'import', 'v1', '2025-01-01'
      FROM generate_series(0, ${customers - 1}::int) i WHERE i % 12 < 5`.execute(db);
  await sql`SET session_replication_role = origin`.execute(db);
}

/** The same selection as one bare statement: the stage cutoffs as literals, the rules written out. */
function bareSelection(date: string, into: 'bare_outbox' | null) {
  const plan = planDay(defaultPolicy, makeCalendar([]), date);
  const [reminder, second, final, disconnection] = plan.stages.map((s) => s.cutoff);
  const select = sql`
    SELECT 'dunning:' || o.customer_number || ':' || s.stage || ':' || o.oldest_due AS business_key, s.kind,
           o.customer_number, coalesce(sms.id, em.id) AS subscription_id,
           CASE WHEN sms.id IS NOT NULL THEN 'sms' WHEN em.id IS NOT NULL THEN 'email' ELSE 'letter' END AS channel,
           coalesce(sms.address, em.address, c.name || E'\n' || c.street || E'\n' || c.postcode || ' ' || c.town) AS recipient,
           coalesce(sms.lang, em.lang, 'bg') AS lang,
           CASE WHEN sms.id IS NOT NULL THEN CASE WHEN s.stage = 'final' THEN ARRAY['email', 'letter'] ELSE ARRAY['email'] END
                WHEN em.id IS NOT NULL AND s.stage = 'final' THEN ARRAY['letter'] ELSE ARRAY[]::text[] END AS fallback,
           jsonb_build_object('run_id', 0, 'stage', s.stage, 'notified_on', ${date}::date, 'customer_number', o.customer_number,
             'customer_name', c.name, 'oldest_due_date', o.oldest_due, 'invoices', to_jsonb(o.invoices), 'total_eur_minor', o.total,
             'total_bgn_minor', NULL, 'min_eur_minor', 500, 'disconnection_date', NULL, 'email_subscription_id', em.id) AS payload
      FROM (SELECT customer_number, min(due_date) AS oldest_due, sum(amount_eur_minor - paid_eur_minor) AS total,
                   array_agg(invoice_number ORDER BY due_date, invoice_number) AS invoices
              FROM invoices WHERE paid_eur_minor < amount_eur_minor AND due_date < ${date}::date
             GROUP BY customer_number HAVING min(due_date) <= ${reminder}::date) o
      JOIN customers c ON c.customer_number = o.customer_number
      CROSS JOIN LATERAL (SELECT CASE WHEN o.oldest_due <= ${disconnection}::date THEN NULL
                                      WHEN o.oldest_due <= ${final}::date THEN 'final' WHEN o.oldest_due <= ${second}::date THEN 'second'
                                      ELSE 'reminder' END AS stage) st0
      CROSS JOIN LATERAL (SELECT st0.stage, 'overdue_' || CASE st0.stage WHEN 'reminder' THEN 'reminder' WHEN 'second' THEN 'second' ELSE 'final' END AS kind) s
      LEFT JOIN subscriptions sms ON sms.customer_number = o.customer_number AND sms.channel = 'sms' AND sms.status = 'active'
      LEFT JOIN subscriptions em ON em.customer_number = o.customer_number AND em.channel = 'email' AND em.status = 'active'
     WHERE s.stage IS NOT NULL AND o.total >= 500
       AND (sms.id IS NOT NULL OR em.id IS NOT NULL OR s.stage = 'final')
       AND NOT EXISTS (SELECT 1 FROM dunning_holds h WHERE h.customer_number = o.customer_number AND h.released_at IS NULL AND h.until >= ${date}::date)`;
  return into === null
    ? sql<{ n: number }>`SELECT count(*)::int AS n FROM (${select}) x`
    : sql<{ n: number }>`WITH ins AS (
        INSERT INTO bare_outbox (business_key, kind, customer_number, subscription_id, channel, recipient, lang, fallback, payload)
        ${select} ON CONFLICT (business_key) DO NOTHING RETURNING 1) SELECT count(*)::int AS n FROM ins`;
}

interface DayFigures {
  label: string;
  overdue: number;
  notices: number;
  bareSelect: number;
  bareInsert: number;
  ours: number;
  rerun: number;
}

async function measureDay(db: Kysely<DB>, label: string, date: string): Promise<DayFigures> {
  console.log(`\n${label}: ${date}`);
  const bareSelect: number[] = [];
  const bareInsert: number[] = [];
  const ours: number[] = [];
  let notices = 0;
  let overdue = 0;
  let rerun = 0;
  await timed('warm-up (bare SELECT)', () => bareSelection(date, null).execute(db));
  for (let i = 0; i < repeat; i++) {
    // The bare copy holds the same earlier notices, so both meet the same conflicts.
    await sql`TRUNCATE bare_outbox`.execute(db);
    await sql`INSERT INTO bare_outbox OVERRIDING SYSTEM VALUE SELECT * FROM outbox_messages`.execute(db);
    await sql`SELECT setval(pg_get_serial_sequence('bare_outbox', 'id'), (SELECT coalesce(max(id), 0) + 1 FROM bare_outbox), false)`.execute(db);
    const s = await timed('bare SELECT', () => bareSelection(date, null).execute(db));
    bareSelect.push(s.ms);
    const b = await timed('bare INSERT ... SELECT', () => bareSelection(date, 'bare_outbox').execute(db));
    bareInsert.push(b.ms);
    const o = await timed('izvestie run (plan, enqueue, record)', () =>
      runDunning(db, { date, trigger: 'cli', actor: 'bench', render, smsPricePerSegmentMinor: 5 }),
    );
    ours.push(o.ms);
    notices = o.value.noticesCreated;
    overdue = o.value.overdueCustomers;
    if (b.value.rows[0]?.n !== notices) throw new Error(`bare query made ${b.value.rows[0]?.n} notices, izvestie ${notices}`);
    if (i === repeat - 1) {
      rerun = (await timed('izvestie rerun, same day (nothing new)', () => runDunning(db, { date, trigger: 'cli', actor: 'bench', render, smsPricePerSegmentMinor: 5 }))).ms;
    } else {
      // Undo the run so the next repetition creates the same notices again.
      const runs = await db.selectFrom('dunning_runs').select('id').where('run_date', '=', date).execute();
      const ids = runs.map((r) => r.id);
      await sql`DELETE FROM outbox_messages WHERE payload ? 'run_id' AND (payload->>'run_id')::bigint = ANY (${ids}::bigint[])`.execute(db);
      await sql`DELETE FROM dunning_listings WHERE run_id = ANY (${ids}::bigint[])`.execute(db);
      await sql`DELETE FROM dunning_runs WHERE id = ANY (${ids}::bigint[])`.execute(db);
      await sql`VACUUM ANALYZE outbox_messages`.execute(db);
      await sql`VACUUM bare_outbox`.execute(db);
    }
  }
  return { label, overdue, notices, bareSelect: median(bareSelect), bareInsert: median(bareInsert), ours: median(ours), rerun };
}

const started = performance.now();
await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
const database = await openDatabase({ kind: 'postgres', url: `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`, poolSize: 2 }, silentLogger);
try {
  await migrate(database, silentLogger);
  const { db } = database;
  await timed(`generate ${customers.toLocaleString('en')} customers, ${(customers * 12).toLocaleString('en')} invoices, subscriptions`, () => generate(db));
  await sql`CREATE TABLE bare_outbox (LIKE outbox_messages INCLUDING ALL)`.execute(db);
  await timed('VACUUM ANALYZE', () => sql`VACUUM ANALYZE`.execute(db));
  // The day before the usual day, so that only that day's newcomers are new.
  await timed('the day before the usual day (not measured)', () => runDunning(db, { date: '2026-11-24', trigger: 'cli', actor: 'bench', render, smsPricePerSegmentMinor: 5 }));
  const usual = await measureDay(db, 'Usual day', '2026-11-25');
  // A heavy day: 100,000 subscribed customers of the 5th group leave the 5 November invoice unpaid.
  await timed('make 100,000 subscribed customers overdue (5 Nov)', () =>
    sql`UPDATE invoices SET paid_eur_minor = 0 WHERE due_date = DATE '2026-11-05' AND (substr(customer_number, 2)::int % 24 IN (0, 4))`.execute(db),
  );
  await sql`VACUUM ANALYZE invoices`.execute(db);
  const heavy = await measureDay(db, 'Heavy day', '2026-11-06');

  console.log(`\nPostgreSQL, ${customers.toLocaleString('en')} customers (machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB); medians of ${repeat}`);
  console.log('day         overdue  notices  bare SELECT s  bare INSERT s  izvestie s  ratio  rerun s');
  for (const d of [usual, heavy]) {
    console.log(
      `${d.label.padEnd(10)} ${String(d.overdue).padStart(8)} ${String(d.notices).padStart(8)}  ${seconds(d.bareSelect).padStart(13)}  ${seconds(d.bareInsert).padStart(13)}  ${seconds(d.ours).padStart(10)}  ${(d.ours / d.bareInsert).toFixed(2).padStart(5)}  ${seconds(d.rerun).padStart(7)}`,
    );
  }
} finally {
  await database.close();
  await admin(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  console.log(`\ntotal ${seconds(performance.now() - started)} s; scratch schema dropped`);
}
