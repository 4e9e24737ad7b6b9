// npm run bench:portal — the portal's registration check (POST /api/v1/self-service/identity) with
// 1.2 million customers in PostgreSQL, under autocannon, beside a bare Fastify route taking a body
// of the same size, in the same run and the same server process. Then the four failure kinds one by
// one, to see that they take the same time.
// Env: BENCH_DATABASE_URL (default TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test),
// BENCH_CUSTOMERS (default 1200000), BENCH_SECONDS (default 30), BENCH_RATE (default 500).
import { assemble } from '../src/app/root.js';
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { cpus, totalmem } from 'node:os';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/open.js';
import { migrate } from '../src/db/migrate.js';
import { buildServer } from '../src/http/server.js';
import { createLogger, silentLogger } from '../src/log.js';

const url = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const customers = Number(process.env.BENCH_CUSTOMERS ?? 1_200_000);
const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const rate = Number(process.env.BENCH_RATE ?? 500);
const schema = 'bench_portal';
const FIRST = 3_000_000_000;
const withSchema = `${url}${url.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;

/** The child: the whole izvestie server and a bare Fastify, both listening; prints their ports. */
async function serve(): Promise<void> {
  const config = loadConfig({
    DATABASE_URL: withSchema,
    DATABASE_POOL_SIZE: '10',
    IZVESTIE_DEMO_DATA: 'off',
    // As behind the utility's proxy: each request names its client in X-Forwarded-For.
    TRUST_PROXY: 'true',
  });
  const database = await openDatabase(config.database, silentLogger);
  const app = await buildServer(await assemble(config, createLogger('warn'), database));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const bare = Fastify();
  bare.post('/identity', async (req) => ({ ok: typeof (req.body as { customer_number?: unknown }).customer_number === 'string' }));
  await bare.listen({ host: '127.0.0.1', port: 0 });
  const port = (a: { server: { address(): unknown } }) => (a.server.address() as { port: number }).port;
  console.log(JSON.stringify({ app: port(app), bare: port(bare) }));
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await app.close();
  await bare.close();
  await database.close();
}

async function sql(text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: withSchema });
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}

async function setUp(): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  await admin.end();
  const database = await openDatabase({ kind: 'postgres', url: withSchema, poolSize: 2 }, silentLogger);
  await migrate(database, silentLogger);
  await database.close();
  const t = performance.now();
  // Set-based: each customer has invoices issued 5, 35 and 400 days ago (the last one too old).
  await sql(
    `INSERT INTO customers (customer_number, name, street, town, postcode, customer_class)
     SELECT ($1::bigint + g)::text, 'Клиент ' || g, 'ул. Примерна ' || (g % 300), 'Варна', '9000', 'household'
     FROM generate_series(1, $2::int) g`,
    [FIRST, customers],
  );
  await sql(
    `INSERT INTO invoices (invoice_number, customer_number, issue_date, due_date, amount_minor, currency)
     SELECT 'F' || ($1::bigint + g) || '-' || k, ($1::bigint + g)::text, d, d + 20, 4200, CASE WHEN d < DATE '2026-01-01' THEN 'BGN' ELSE 'EUR' END
     FROM generate_series(1, $2::int) g, unnest(ARRAY[0, 1, 2]) k,
          LATERAL (SELECT (now() AT TIME ZONE 'Europe/Sofia')::date - (ARRAY[5, 35, 400])[k + 1] AS d) dates`,
    [FIRST, customers],
  );
  // Fresh rows get their hint bits written on first read, and the load's WAL would bring a
  // checkpoint into the measurement: settle both first, as in a database that has been running.
  await sql('VACUUM (ANALYZE) customers, invoices');
  await sql('CHECKPOINT').catch((e: Error) => console.log(`no CHECKPOINT (${e.message}); the first run may see one`));
  console.log(`generated ${customers.toLocaleString('en')} customers and ${(3 * customers).toLocaleString('en')} invoices in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

function body(customer: number, invoice: string): string {
  return JSON.stringify({ customer_number: String(FIRST + customer), invoice_number: invoice, purpose: 'register' });
}

const pick = () => 1 + Math.floor(Math.random() * customers);
/**
 * Clients spread over 10.0.0.0/8, as real customers are: with one address for all, every check
 * would queue on that address's counter row (and the default per-IP limits would stop the run).
 */
const client = () => `10.${Math.floor(Math.random() * 256)}.${Math.floor(Math.random() * 256)}.${1 + Math.floor(Math.random() * 254)}`;
/** 80% right pairs (a flow is created), 20% a wrong invoice number of the same length. */
const mixed = () => {
  const c = pick();
  return body(c, Math.random() < 0.8 ? `F${FIRST + c}-${Math.random() < 0.5 ? 0 : 1}` : `F${FIRST + c}-9`);
};

async function load(port: number, path: string, next: () => string, o: { seconds: number; rate?: number }) {
  const r = await autocannon({
    url: `http://127.0.0.1:${port}${path}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    connections: 50,
    duration: o.seconds,
    ...(o.rate ? { overallRate: o.rate } : {}),
    requests: [{ setupRequest: (req) => ({ ...req, body: next(), headers: { ...req.headers, 'x-forwarded-for': client() } }) }],
  });
  return { p50: r.latency.p50, p99: r.latency.p99, rps: r.requests.average, total: r.requests.total, errors: r.errors + r.timeouts + r['5xx'] };
}

/**
 * An open-loop load at a steady rate: requests leave on a fixed schedule whether or not earlier
 * ones have been answered, and latency counts from the scheduled time, so queueing shows.
 * (autocannon's overallRate sends each connection's share in a burst at the start of every second.)
 */
async function steady(port: number, path: string, next: () => string, o: { seconds: number; rate: number }) {
  const agent = new Agent({ keepAlive: true, maxSockets: 256 });
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const total = o.seconds * o.rate;
  let sent = 0;
  const inFlight = new Set<Promise<void>>();
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - started) * o.rate) / 1000));
    for (; sent < due; sent++) {
      const scheduled = started + (sent * 1000) / o.rate;
      const payload = next();
      const p = new Promise<void>((resolve) => {
        const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload), 'x-forwarded-for': client() };
        const req = request({ agent, host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
          res.resume();
          res.on('end', () => {
            if ((res.statusCode ?? 500) >= 500) errors++;
            latencies.push(performance.now() - scheduled);
            resolve();
          });
        });
        req.on('error', () => {
          errors++;
          resolve();
        });
        req.end(payload);
      });
      inFlight.add(p);
      void p.then(() => inFlight.delete(p));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inFlight);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(1));
  return { p50: at(0.5), p99: at(0.99), rps: latencies.length / ((performance.now() - started) / 1000), total: latencies.length, errors };
}

function row(name: string, m: Awaited<ReturnType<typeof load>>): string {
  return `| ${name} | ${m.p50} | ${m.p99} | ${m.rps.toFixed(0)} | ${m.total} | ${m.errors} |`;
}

if (process.argv[2] === '--serve') {
  await serve();
} else {
  await setUp();
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/portal.ts', '--serve'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const ports = await new Promise<{ app: number; bare: number }>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) => resolve(JSON.parse(l) as { app: number; bare: number }));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  });
  const check = '/api/v1/self-service/identity';
  const sameSize = () => body(pick(), `F${FIRST + 1}-0`);
  // Warm both up (JIT, connections, index pages).
  await load(ports.bare, '/identity', sameSize, { seconds: 5 });
  await load(ports.app, check, mixed, { seconds: 5 });
  const results: string[] = [];
  results.push(row(`bare Fastify route, steady ${rate} req/s`, await steady(ports.bare, '/identity', sameSize, { seconds, rate })));
  results.push(row(`registration check, steady ${rate} req/s`, await steady(ports.app, check, mixed, { seconds, rate })));
  results.push(row(`bare Fastify route, autocannon overallRate ${rate}`, await load(ports.bare, '/identity', sameSize, { seconds, rate })));
  results.push(row(`registration check, autocannon overallRate ${rate}`, await load(ports.app, check, mixed, { seconds, rate })));
  results.push(row('bare Fastify route, as fast as it goes', await load(ports.bare, '/identity', sameSize, { seconds: 10 })));
  results.push(row('registration check, as fast as it goes', await load(ports.app, check, mixed, { seconds: 10 })));

  // The four failures at the same rate: each request picks another customer, so none is locked
  // by the others, except in the last case, where the numbers were locked beforehand.
  await sql(
    `INSERT INTO portal_counters (scope, key, window_start, hits, locked_until, locks)
     SELECT 'customer', ($1::bigint + g)::text, now(), 0, now() + interval '1 day', 1 FROM generate_series(1, 10000) g
     ON CONFLICT (scope, key) DO UPDATE SET locked_until = EXCLUDED.locked_until`,
    [FIRST],
  );
  const kinds: Array<[string, () => string]> = [
    ['unknown customer number', () => body(customers + pick(), `F${FIRST + 1}-0`)],
    ['invoice of another customer', () => { const c = 10_000 + pick() % (customers - 10_000); return body(c, `F${FIRST + c + 1}-0`); }],
    ['invoice older than 12 months', () => { const c = 10_000 + pick() % (customers - 10_000); return body(c, `F${FIRST + c}-2`); }],
    ['locked customer number (right invoice)', () => { const c = 1 + (pick() % 10_000); return body(c, `F${FIRST + c}-0`); }],
  ];
  const failures: string[] = [];
  for (const [name, next] of kinds) failures.push(row(name, await steady(ports.app, check, next, { seconds: 10, rate: 300 })));

  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP SCHEMA ${schema} CASCADE`);
  await admin.end();

  console.log(`\nPostgreSQL, ${customers.toLocaleString('en')} customers; machine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB; autocannon, 50 connections`);
  console.log('\n| Load | p50 ms | p99 ms | req/s | requests | errors, timeouts, 5xx |\n| --- | --- | --- | --- | --- | --- |');
  console.log(results.join('\n'));
  console.log(`\nFailure kinds, 10 s each, steady 300 req/s (all answer 422 not_matched):\n\n| Failure | p50 ms | p99 ms | req/s | requests | errors, timeouts, 5xx |\n| --- | --- | --- | --- | --- | --- |`);
  console.log(failures.join('\n'));
}
