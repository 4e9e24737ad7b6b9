// npm run bench:import — 1.2M customers and 14.4M invoices as CSV, imported into PostgreSQL through
// izvestie's import, beside psql \copy of the same files into bare tables of the same columns, in the
// same run. Then the same import into PGlite for 100,000 customers.
// Env: BENCH_DATABASE_URL (default TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test),
// BENCH_CUSTOMERS (default 1200000), BENCH_PGLITE_CUSTOMERS (default 100000).
import { createWriteStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
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

function ours(kind: string, file: string, target: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/import-child.ts', kind, file, target], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { rows: number; ms: number; maxRssMB: number };
}

function bare(table: string, file: string) {
  const t = performance.now();
  execFileSync('psql', [withSchema('bench_bare'), '-q', '-c', `\\copy ${table} FROM '${file}' WITH (FORMAT csv, HEADER true)`]);
  return performance.now() - t;
}

const f = await files(customers);
await sql('DROP SCHEMA IF EXISTS bench_ours CASCADE; CREATE SCHEMA bench_ours; DROP SCHEMA IF EXISTS bench_bare CASCADE; CREATE SCHEMA bench_bare');
await sql(`CREATE TABLE bench_bare.customers (customer_number text, name text, street text, town text, postcode text, customer_class text);
           CREATE TABLE bench_bare.invoices (invoice_number text, customer_number text, issue_date date, due_date date, amount numeric, currency text)`);
const rows: Array<[string, number, number, number, number]> = [];
for (const kind of ['customers', 'invoices'] as const) {
  const b = bare(`${kind}`, f[kind]);
  const o = ours(kind, f[kind], withSchema('bench_ours'));
  rows.push([kind, o.rows, o.rows / (b / 1000), o.rows / (o.ms / 1000), o.maxRssMB]);
}
console.log(`\nPostgreSQL, ${customers.toLocaleString('en')} customers (machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB)`);
console.log('kind       rows         bare \\copy rows/s   izvestie rows/s   ratio   peak RSS MB');
for (const [kind, n, bareRate, ourRate, rss] of rows) {
  console.log(`${kind.padEnd(10)} ${String(n).padStart(10)}   ${bareRate.toFixed(0).padStart(16)}   ${ourRate.toFixed(0).padStart(15)}   ${(ourRate / bareRate).toFixed(2).padStart(5)}   ${rss.toFixed(0).padStart(11)}`);
}
await sql('DROP SCHEMA bench_ours CASCADE; DROP SCHEMA bench_bare CASCADE');

const pf = await files(pgliteCustomers);
const pgliteDir = join(dir, 'pglite');
rmSync(pgliteDir, { recursive: true, force: true });
console.log(`\nPGlite (embedded), ${pgliteCustomers.toLocaleString('en')} customers`);
for (const kind of ['customers', 'invoices'] as const) {
  const o = ours(kind, pf[kind], pgliteDir);
  console.log(`${kind.padEnd(10)} ${String(o.rows).padStart(10)} rows in ${(o.ms / 1000).toFixed(1)} s = ${(o.rows / (o.ms / 1000)).toFixed(0)} rows/s, peak RSS ${o.maxRssMB.toFixed(0)} MB`);
}
rmSync(pgliteDir, { recursive: true, force: true });
