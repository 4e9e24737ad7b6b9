// The history of bench/dispatch.ts --history: a database holding a few years of a large utility's
// SMS (10 million old messages, each with its attempt; 15 million parts; 30 million receipts, an
// ENROUTE and a DELIVRD for each part), generated once, set-based, and kept between runs (its own
// database, bench_history by default). Each bench run adds its messages on top and deletes them
// afterwards, so every run meets the same history.
// Run alone to build it ahead of time: tsx bench/dispatch-history.ts
import pg from 'pg';
import { openDatabase } from '../src/db/open.js';
import { migrate } from '../src/db/migrate.js';
import { silentLogger } from '../src/log.js';

export const HISTORY = { messages: 10_000_000, receipts: 30_000_000 };
const TABLES = ['outbox_messages', 'message_attempts', 'delivery_receipts'];

/** The URL of database `name` on the server of `baseUrl`. */
export function databaseUrl(baseUrl: string, name: string): string {
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Creates database `name` when missing; returns whether it was created. */
export async function ensureDatabase(baseUrl: string, name: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: databaseUrl(baseUrl, 'postgres') });
  await c.connect();
  try {
    const exists = await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 1) return false;
    await c.query(`CREATE DATABASE ${name}`);
    return true;
  } finally {
    await c.end();
  }
}

async function step(c: pg.Client, what: string, text: string): Promise<void> {
  const t = performance.now();
  await c.query(text);
  console.log(`history: ${what} (${((performance.now() - t) / 1000).toFixed(0)} s)`);
}

/**
 * Makes sure database `name` holds the history (building it took 70 minutes on 2 busy shared cores and
 * takes about 18 GB of disk). Returns the highest message id of the history: rows above it are a run's own.
 */
export async function ensureHistory(baseUrl: string, name = 'bench_history', messages = HISTORY.messages): Promise<number> {
  await ensureDatabase(baseUrl, name);
  const url = databaseUrl(baseUrl, name);
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 2 }, silentLogger);
  await migrate(database, silentLogger);
  await database.close();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query('CREATE TABLE IF NOT EXISTS bench_history (messages bigint NOT NULL, receipts bigint NOT NULL, built_at timestamptz NOT NULL DEFAULT now())');
    const built = await c.query<{ messages: string }>('SELECT messages FROM bench_history');
    if (built.rows[0] !== undefined) return Number(built.rows[0].messages);
    console.log(`history: building ${messages} messages and ${messages * 3} receipts in ${name}`);
    await c.query(`SET maintenance_work_mem = '1GB'; SET synchronous_commit = off; SET max_parallel_maintenance_workers = 1`);
    await c.query(`TRUNCATE ${TABLES.join(', ')} CASCADE`);
    // Bulk load without the secondary indexes and the foreign keys of the three tables (built and
    // validated once afterwards, as the migrations define them); the primary keys stay.
    const defs = await c.query<{ kind: string; tbl: string; name: string; def: string }>(
      `SELECT 'index' AS kind, tablename AS tbl, indexname AS name, indexdef AS def FROM pg_indexes
         WHERE schemaname = current_schema() AND tablename = ANY($1) AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'p')
         AND indexname NOT IN (SELECT conname FROM pg_constraint WHERE contype = 'u')
       UNION ALL
       SELECT CASE contype WHEN 'u' THEN 'unique' ELSE 'fk' END, conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint
         WHERE conrelid::regclass::text = ANY($1) AND contype IN ('u', 'f')`,
      [TABLES],
    );
    const options = await c.query<{ name: string; opts: string[] | null }>(
      `SELECT c.relname AS name, c.reloptions AS opts FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE i.indrelid::regclass::text = ANY($1)`,
      [TABLES],
    );
    const optionsOf = new Map(options.rows.map((o) => [o.name, o.opts]));
    for (const d of defs.rows.filter((x) => x.kind === 'fk')) await c.query(`ALTER TABLE ${d.tbl} DROP CONSTRAINT ${d.name}`);
    for (const d of defs.rows.filter((x) => x.kind === 'unique')) await c.query(`ALTER TABLE ${d.tbl} DROP CONSTRAINT ${d.name}`);
    for (const d of defs.rows.filter((x) => x.kind === 'index')) await c.query(`DROP INDEX ${d.name}`);

    const n = messages;
    // Three years of sends, one every ~9.5 s; every other message has two parts.
    await step(
      c,
      `${n} messages`,
      `INSERT INTO outbox_messages (id, business_key, kind, channel, recipient, lang, body, payload, status, not_before, attempts, first_attempt_at,
         provider, provider_message_ids, segments, encoding, created_at, updated_at, sent_at, delivered_at, final_at, template_version)
       OVERRIDING SYSTEM VALUE
       SELECT g, 'history:' || g, 'overdue_reminder', 'sms', '+359888' || lpad((g % 1000000)::text, 6, '0'), 'bg',
         'Neplateni smetki za tok, klientski No ******' || lpad((g % 10000)::text, 4, '0') || ': 45.20 EUR. Platete na https://izvestie.example.bg/p Ako ste platili, blagodarim!',
         jsonb_build_object('run_id', g / 20000, 'stage', 'reminder', 'notified_on', (t::date)::text, 'customer_number', (3000000000 + g % 600000)::text,
           'invoices', jsonb_build_array('INV-' || g), 'total_eur_minor', 4520, 'total_bgn_minor', 8840, 'min_eur_minor', 100),
         'delivered', t, 1, t, 'smpp',
         CASE WHEN g % 2 = 0 THEN ARRAY['h' || to_hex(g) || 'a'] ELSE ARRAY['h' || to_hex(g) || 'a', 'h' || to_hex(g) || 'b'] END,
         1 + g % 2, 'GSM-7', t, t + interval '20 s', t + interval '1 s', t + interval '20 s', t + interval '20 s', 0
       FROM generate_series(1, ${n}) g, LATERAL (SELECT now() - interval '3 years' + g * interval '9.4 s' AS t) x`,
    );
    await c.query(`SELECT setval(pg_get_serial_sequence('outbox_messages', 'id'), ${n})`);
    await step(
      c,
      `${n} attempts`,
      `INSERT INTO message_attempts (message_id, attempt, worker, provider, started_at, finished_at, outcome, answer)
       SELECT id, 1, 'history', 'smpp', sent_at, sent_at + interval '50 ms', 'accepted', 'message_id ' || array_to_string(provider_message_ids, ',')
       FROM outbox_messages ORDER BY id`,
    );
    await step(
      c,
      'receipts',
      `INSERT INTO delivery_receipts (provider, provider_message_id, status, received_at, raw, message_id)
       SELECT 'smpp', p.pmid, s.st, o.sent_at + s.after,
         'id:' || p.pmid || ' sub:001 dlvrd:00' || s.d || ' submit date:' || to_char(o.sent_at, 'YYMMDDHH24MI') || ' done date:' || to_char(o.sent_at + s.after, 'YYMMDDHH24MI') || ' stat:' || s.st || ' err:000 text:',
         o.id
       FROM outbox_messages o CROSS JOIN LATERAL unnest(o.provider_message_ids) AS p(pmid)
         CROSS JOIN (VALUES ('ENROUTE', interval '2 s', 0), ('DELIVRD', interval '19 s', 1)) AS s(st, after, d)
       ORDER BY o.id, s.after`,
    );
    for (const d of defs.rows.filter((x) => x.kind === 'unique')) await step(c, d.name, `ALTER TABLE ${d.tbl} ADD CONSTRAINT ${d.name} ${d.def}`);
    for (const d of defs.rows.filter((x) => x.kind === 'index')) {
      await step(c, d.name, d.def);
      const opts = optionsOf.get(d.name);
      if (opts) await c.query(`ALTER INDEX ${d.name} SET (${opts.join(', ')})`);
    }
    for (const d of defs.rows.filter((x) => x.kind === 'fk')) await step(c, d.name, `ALTER TABLE ${d.tbl} ADD CONSTRAINT ${d.name} ${d.def}`);
    // Statistics only: a VACUUM (FREEZE) of the 50 million rows takes longer than the load on 2 shared
    // cores. Autovacuum may then run during a timed run; it is not counted in the run's own backends.
    await step(c, 'analyze', `ANALYZE ${TABLES.join(', ')}`);
    const counts = await c.query<{ m: string; r: string }>('SELECT (SELECT count(*) FROM outbox_messages) AS m, (SELECT count(*) FROM delivery_receipts) AS r');
    await c.query('INSERT INTO bench_history (messages, receipts) VALUES ($1, $2)', [counts.rows[0]?.m, counts.rows[0]?.r]);
    return n;
  } finally {
    await c.end();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const base = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  console.log(`history ready: ${await ensureHistory(base, process.env.BENCH_HISTORY_DB, Number(process.env.BENCH_HISTORY_MESSAGES ?? HISTORY.messages))} messages`);
}
