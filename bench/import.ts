// npm run bench:import — 1.2M customers and 14.4M invoices as CSV, imported into PostgreSQL through
// izvestie's import, beside psql \copy of the same files into bare tables of the same columns (the
// headline baseline), and into keyed tables of the same columns with our primary keys, foreign key and
// secondary indexes (a second baseline), in the same run. Then the same import into PGlite for 100,000
// customers.
// Env: BENCH_DATABASE_URL (default TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test),
// BENCH_CUSTOMERS (default 1200000), BENCH_PGLITE_CUSTOMERS (default 100000).
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { demoCsv, type DemoKind } from '../src/demo/generate.js';

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const customers = Number(process.env.BENCH_CUSTOMERS ?? 1_200_000);
const pgliteCustomers = Number(process.env.BENCH_PGLITE_CUSTOMERS ?? 100_000);
const today = '2026-11-24';
const dir = '.bench';

async function files(n: number): Promise<Record<'customers' | 'invoices', string>> {
  const out = {} as Record<'customers' | 'invoices', string>;
  for (const kind of ['customers', 'invoices'] as DemoKind[]) {
    const file = join(dir, `${n}-${kind}.csv`);
    if (!existsSync(file)) {
      mkdirSync(dir, { recursive: true });
      const t = performance.now();
      await pipeline(Readable.from(demoCsv(kind, { customers: n, seed: 7, today })), createWriteStream(file + '.partial'));
      execFileSync('mv', [file + '.partial', file]);
      console.log(`generated ${file} (${(statSync(file).size / 1e6).toFixed(0)} MB) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    out[kind as 'customers' | 'invoices'] = file;
  }
  return out;
}

function withSchema(schema: string): string {
  return `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
}

async function sql(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(text);
  await c.end();
}

// The import runs under plain node, as the built CLI does (not through tsx, whose loader and compiled
// sources would count in its peak RSS): the child is bundled once with esbuild, packages left external.
// It sits one level below the package root, as src/ and dist/ files do, so it finds migrations/.
const child = join(dir, 'import-child.mjs');
mkdirSync(dir, { recursive: true });
execFileSync(join('node_modules', '.bin', 'esbuild'), ['bench/import-child.ts', '--bundle', '--platform=node', '--format=esm', '--packages=external', '--target=node20', `--outfile=${child}`, '--log-level=warning']);

function ours(kind: string, file: string, target: string) {
  const r = spawnSync(process.execPath, [child, kind, file, target], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { rows: number; ms: number; maxRssMB: number; phases: Record<string, number> };
}

function copy(schema: string, table: string, file: string) {
  const t = performance.now();
  execFileSync('psql', [withSchema(schema), '-q', '-c', `\\copy ${table} FROM '${file}' WITH (FORMAT csv, HEADER true)`]);
  return performance.now() - t;
}

// The schema's floor: the fastest any importer could put the same rows into izvestie's own tables, with
// no client, no parsing, no validation and no report. psql \copy of values already in the column types
// straight into tables with the migrations' columns, CHECKs, defaults and generated column (copied
// from bench_ours, which the import has just migrated), then the primary key, the secondary indexes
// and the foreign key built once each, all in one transaction. Invoices are first written out with
// their amounts in minor units (not timed).
async function floor(kind: 'customers' | 'invoices', file: string): Promise<number> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const table = `bench_ours.${kind}`;
  const pk = (await c.query<{ def: string }>(`SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass AND contype = 'p'`, [table])).rows[0]?.def;
  const indexes = (await c.query<{ def: string }>(`SELECT pg_get_indexdef(indexrelid) AS def FROM pg_index WHERE indrelid = $1::regclass AND NOT indisprimary ORDER BY indexrelid`, [table])).rows;
  await c.query(`CREATE TABLE bench_floor.${kind} (LIKE ${table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING GENERATED)`);
  await c.end();
  let source = file;
  let columns = 'customer_number, name, street, town, postcode, customer_class';
  if (kind === 'invoices') {
    source = file.replace(/\.csv$/, '-minor.csv');
    columns = 'invoice_number, customer_number, issue_date, due_date, amount_minor, currency';
    const select = `SELECT invoice_number, customer_number, issue_date, due_date, (amount * 100)::bigint, currency FROM bench_bare.invoices`;
    execFileSync('psql', [url, '-q', '-c', `\\copy (${select}) TO '${source}' WITH (FORMAT csv, HEADER true)`]);
  }
  const script = [
    `SET maintenance_work_mem = '256MB';`,
    `\\copy ${kind} (${columns}) FROM '${source}' WITH (FORMAT csv, HEADER true)`,
    `ALTER TABLE ${kind} ADD ${pk};`,
    ...indexes.map((i) => `${i.def.replace(` ON ${table} `, ` ON ${kind} `)};`),
    ...(kind === 'invoices' ? ['ALTER TABLE invoices ADD FOREIGN KEY (customer_number) REFERENCES customers;'] : []),
  ].join('\n');
  const t = performance.now();
  execFileSync('psql', [withSchema('bench_floor'), '-q', '-v', 'ON_ERROR_STOP=1', '-1', '-f', '-'], { input: script });
  const ms = performance.now() - t;
  if (kind === 'invoices') rmSync(source);
  return ms;
}

const f = await files(customers);
const schemas = ['bench_ours', 'bench_bare', 'bench_keyed', 'bench_floor'];
await sql(schemas.map((s) => `DROP SCHEMA IF EXISTS ${s} CASCADE; CREATE SCHEMA ${s};`).join(' '));
// Bare: the files' columns, nothing else. Keyed: the same columns with our primary keys, the invoice →
// customer foreign key and our secondary indexes (the partial one on a comparable predicate), all
// maintained row by row; no CHECKs, no validation, no report (COPY stops at the first bad row).
await sql(`CREATE TABLE bench_bare.customers (customer_number text, name text, street text, town text, postcode text, customer_class text);
           CREATE TABLE bench_bare.invoices (invoice_number text, customer_number text, issue_date date, due_date date, amount numeric, currency text);
           CREATE TABLE bench_keyed.customers (customer_number text PRIMARY KEY, name text, street text, town text, postcode text, customer_class text);
           CREATE INDEX ON bench_keyed.customers (lower(name) text_pattern_ops);
           CREATE TABLE bench_keyed.invoices (invoice_number text PRIMARY KEY, customer_number text REFERENCES bench_keyed.customers,
                                              issue_date date, due_date date, amount numeric, currency text);
           CREATE INDEX ON bench_keyed.invoices (customer_number, due_date);
           CREATE INDEX ON bench_keyed.invoices (due_date, customer_number) WHERE amount > 0`);
const rows: Array<{ kind: string; rows: number; bare: number; keyed: number; floor: number; ours: number; rss: number; phases: Record<string, number> }> = [];
for (const kind of ['customers', 'invoices'] as const) {
  const b = copy('bench_bare', kind, f[kind]);
  const k = copy('bench_keyed', kind, f[kind]);
  const o = ours(kind, f[kind], withSchema('bench_ours'));
  const fl = await floor(kind, f[kind]);
  const rate = (ms: number) => o.rows / (ms / 1000);
  rows.push({ kind, rows: o.rows, bare: rate(b), keyed: rate(k), floor: rate(fl), ours: rate(o.ms), rss: o.maxRssMB, phases: o.phases });
}
const load = loadavg().map((x) => x.toFixed(1)).join(' ');
console.log(`\nPostgreSQL, ${customers.toLocaleString('en')} customers (machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; load average now ${load})`);
console.log('kind       rows         bare \\copy rows/s   keyed \\copy rows/s   schema floor rows/s   izvestie rows/s   ratio to bare   to keyed   to floor   floor to bare   peak RSS MB');
for (const r of rows) {
  console.log(
    `${r.kind.padEnd(10)} ${String(r.rows).padStart(10)}   ${r.bare.toFixed(0).padStart(16)}   ${r.keyed.toFixed(0).padStart(17)}   ${r.floor.toFixed(0).padStart(19)}   ${r.ours.toFixed(0).padStart(15)}` +
      `   ${(r.ours / r.bare).toFixed(2).padStart(13)}   ${(r.ours / r.keyed).toFixed(2).padStart(8)}   ${(r.ours / r.floor).toFixed(2).padStart(8)}   ${(r.floor / r.bare).toFixed(2).padStart(13)}   ${r.rss.toFixed(0).padStart(11)}`,
  );
}
for (const r of rows) console.log(`${r.kind} phases (ms): ${Object.entries(r.phases).map(([p, ms]) => `${p} ${ms}`).join(', ')}`);
await sql(schemas.map((s) => `DROP SCHEMA ${s} CASCADE;`).join(' '));

const pf = await files(pgliteCustomers);
const pgliteDir = join(dir, 'pglite');
rmSync(pgliteDir, { recursive: true, force: true });
console.log(`\nPGlite (embedded), ${pgliteCustomers.toLocaleString('en')} customers`);
for (const kind of ['customers', 'invoices'] as const) {
  const o = ours(kind, pf[kind], pgliteDir);
  console.log(`${kind.padEnd(10)} ${String(o.rows).padStart(10)} rows in ${(o.ms / 1000).toFixed(1)} s = ${(o.rows / (o.ms / 1000)).toFixed(0)} rows/s, peak RSS ${o.maxRssMB.toFixed(0)} MB; phases (ms): ${Object.entries(o.phases).map(([p, ms]) => `${p} ${ms}`).join(', ')}`);
}
rmSync(pgliteDir, { recursive: true, force: true });
