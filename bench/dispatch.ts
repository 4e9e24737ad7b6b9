// npm run bench:dispatch — SMS dispatch as production runs it: every part asks for a delivery
// receipt and the SMSC simulator sends one for each (every other one before its submit_sm_resp).
// For each case (1 part, window 10; 1 part, window 50; 3 parts, window 10), receipts on and off,
// the same messages go through a bare SMPP loop (a raw `smpp` client with the same window that
// answers each receipt and keeps nothing) and through izvestie's worker (as `izvestie worker`
// builds it, on PostgreSQL), in the same run, each in its own process (bench/dispatch-child.ts).
// Reported: messages/s, receipts/s, PostgreSQL CPU per message and per receipt, and the ratios.
//
//   npm run bench:dispatch                      empty tables (database bench_dispatch)
//   npm run bench:dispatch -- --history         on 10 million old messages and 30 million old receipts
//                                               (database bench_history, built once: bench/dispatch-history.ts)
//   npm run bench:dispatch -- --classic         the older run: 50,000 SMS without receipts and 5,000 emails
// Options: --messages=20000 --reps=3 --cases=1x10,1x50,3x10 --receipts=on,off
// Env: BENCH_DATABASE_URL (the server; default postgres://postgres@127.0.0.1:5432/postgres);
// BENCH_CPU_PROF=<dir> writes a V8 CPU profile of each worker run.
import { spawn } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';
import pg from 'pg';
import { openDatabase } from '../src/db/open.js';
import { migrate } from '../src/db/migrate.js';
import { enqueueMany } from '../src/delivery/outbox/enqueue.js';
import { silentLogger } from '../src/log.js';
import { startSmsc } from '../test/support/smsc.js';
import { BENCH_CUSTOMER, BENCH_INVOICE, benchSmsRows } from './dispatch-content.js';
import { postgresCpu } from './dispatch-cpu.js';
import { databaseUrl, ensureDatabase, ensureHistory } from './dispatch-history.js';

const argv = process.argv.slice(2);
const option = (name: string, dflt: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? dflt;

interface Case {
  parts: number;
  window: number;
}

interface Figures {
  /** Messages per second, from the start of sending to the last part accepted by the SMSC. */
  msgsPerS: number;
  /** Receipts acknowledged per second, from the start of sending to the last one. */
  receiptsPerS: number;
  /** Until everything is done: accepted, receipts acknowledged and (worker) every message recorded. */
  seconds: number;
  messages: number;
  receipts: number;
  /** PostgreSQL CPU (ms) of the run's own backends, and of every postgres process on the machine. */
  pgOwnMs: number;
  pgAllMs: number;
  senderMs: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, every: number, what: string, timeoutMs = 1_200_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
  return performance.now();
}

async function main(): Promise<void> {
  const history = argv.includes('--history');
  const n = Number(option('messages', '20000'));
  const reps = Number(option('reps', '3'));
  const cases: Case[] = option('cases', '1x10,1x50,3x10')
    .split(',')
    .map((c) => {
      const [parts, window] = c.split('x').map(Number);
      return { parts: parts ?? 1, window: window ?? 10 };
    });
  const receiptModes = option('receipts', 'on,off').split(',') as Array<'on' | 'off'>;
  const server = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = history ? 'bench_history' : 'bench_dispatch';

  // The history's own rows end at `base`; a run's rows (ids above it) are deleted after it.
  let base = 0;
  // Empty tables: a database made afresh by this checkout's migrations. One left by a run of another
  // checkout (a run cut short) would keep that checkout's functions, and an A/B pair would measure one.
  if (history) base = await ensureHistory(server);
  else {
    await dropQuietly(server, dbName);
    await ensureDatabase(server, dbName);
  }
  const url = databaseUrl(server, dbName);
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 2 }, silentLogger);
  await migrate(database, silentLogger);
  await database.close();
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const self = new Set([Number((await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid)]);
  await c.query(`INSERT INTO customers (customer_number, name, street, town, postcode, customer_class) VALUES ($1, 'Иван Петров', 'ул. Шипка 5', 'Варна', '9000', 'household') ON CONFLICT DO NOTHING`, [BENCH_CUSTOMER]);
  await c.query(
    `INSERT INTO invoices (invoice_number, customer_number, issue_date, due_date, amount_minor, currency) VALUES ($1, $2, '2026-09-24', '2026-10-24', 4520, 'EUR') ON CONFLICT DO NOTHING`,
    [BENCH_INVOICE, BENCH_CUSTOMER],
  );
  const receiptsBase = Number((await c.query<{ m: string | null }>('SELECT max(id) AS m FROM delivery_receipts WHERE message_id <= $1', [base])).rows[0]?.m ?? 0);
  const attemptsBase = Number((await c.query<{ m: string | null }>('SELECT max(id) AS m FROM message_attempts WHERE message_id <= $1', [base])).rows[0]?.m ?? 0);
  const clear = async () => {
    if (!history) {
      await c.query('TRUNCATE outbox_messages, message_attempts, delivery_receipts CASCADE');
      return;
    }
    await c.query('DELETE FROM delivery_receipts WHERE id > $1', [receiptsBase]);
    await c.query('DELETE FROM message_attempts WHERE id > $1', [attemptsBase]);
    await c.query('DELETE FROM outbox_messages WHERE id > $1', [base]);
  };

  const smsc = await startSmsc();
  const acked = { i: 0, n: 0 };
  const ackedCount = () => {
    for (; acked.i < smsc.receiptAnswers.length; acked.i++) if (smsc.receiptAnswers[acked.i]?.commandStatus === 0) acked.n++;
    return acked.n;
  };

  async function run(args: string[], env: Record<string, string>, k: Case, receipts: boolean, recorded?: () => Promise<boolean>): Promise<Figures> {
    const parts0 = smsc.submitted.length;
    const acks0 = ackedCount();
    const prof = process.env.BENCH_CPU_PROF && args[0] === 'worker' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
    const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'bench/dispatch-child.ts', ...args], {
      env: { ...process.env, LOG_LEVEL: 'warn', ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    const messages: Array<Record<string, number>> = [];
    child.on('message', (m) => messages.push(m as Record<string, number>));
    const go = await until(() => messages.length > 0 || child.exitCode !== null, 1, 'the sender to start');
    if (child.exitCode !== null) throw new Error(`${args[0]} exited with ${child.exitCode}`);
    const cpu = postgresCpu(dbName, self);
    const parts = n * k.parts;
    const receiptsDue = receipts ? parts : 0;
    const failed = () => {
      if (child.exitCode !== null) throw new Error(`${args[0]} exited with ${child.exitCode} after ${smsc.submitted.length - parts0} of ${parts} parts`);
    };
    let accepted = 0;
    let receiptsDone = go;
    await until(
      () => {
        failed();
        if (accepted === 0 && smsc.submitted.length - parts0 >= parts) accepted = performance.now();
        if (ackedCount() - acks0 < receiptsDue) return false;
        receiptsDone = receiptsDue === 0 ? go : performance.now();
        return accepted > 0;
      },
      2,
      `${parts} parts accepted and ${receiptsDue} receipts acknowledged`,
    );
    const done = recorded ? await until(recorded, 20, 'every message recorded') : performance.now();
    const pgCpu = cpu.stop();
    child.send('stop');
    await until(() => messages.length > 1, 10, 'the sender to stop');
    if ((await exited) !== 0) throw new Error(`${args[0]} failed`);
    return {
      msgsPerS: n / ((accepted - go) / 1000),
      receiptsPerS: receiptsDue / ((receiptsDone - go) / 1000),
      seconds: (done - go) / 1000,
      messages: n,
      receipts: receiptsDue,
      pgOwnMs: pgCpu.ownMs,
      pgAllMs: pgCpu.allMs,
      // The sender's from its start of sending to its stop (its start-up, compiling included, is left out).
      senderMs: (messages[1]?.cpuMs ?? NaN) - (messages[0]?.cpuMs ?? NaN),
    };
  }

  const workerEnv = (k: Case) => ({
    DATABASE_URL: url,
    SMPP_URL: smsc.url,
    SMPP_WINDOW: String(k.window),
    SMPP_RATE: '100000',
    SMS_QUIET_HOURS: 'off',
    PUBLIC_URL: 'https://izvestie.example.bg',
  });
  const status = async (want: string) =>
    Number((await c.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox_messages WHERE id > $1 AND status = $2', [base, want])).rows[0]?.n) >= n;

  const rows: Row[] = [];
  const loadBefore = loadavg()[0] ?? NaN;
  console.log(`${history ? 'history' : 'empty tables'}: ${n} messages a run, ${reps} repetitions; cases ${cases.map((k) => `${k.parts}×w${k.window}`).join(', ')}; receipts ${receiptModes.join(', ')}`);
  for (let rep = 1; rep <= reps; rep++) {
    for (const k of cases) {
      for (const receipts of receiptModes) {
        smsc.setBehaviour({ receipts: receipts === 'on' ? 'some-before' : 'none' });
        const bare = await run(['bare-smpp', smsc.url, String(n), String(k.window), String(k.parts)], {}, k, receipts === 'on');
        await clear();
        await enqueueManyRows(url, n, k.parts);
        const worker = await run(['worker'], workerEnv(k), k, receipts === 'on', () => status(receipts === 'on' ? 'delivered' : 'sent'));
        await clear();
        const row: Row = { k, receipts, rep, bare, worker };
        rows.push(row);
        console.log(line(row));
      }
    }
  }

  console.log(
    `\nmachine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? NaN).toFixed(1)} after; ${history ? 'history' : 'empty tables'}`,
  );
  console.log(summary(rows));
  const goal = rows.filter((r) => r.receipts === 'on');
  const perReceipt = goal.map((r) => (r.worker.pgOwnMs * 1000) / r.worker.receipts);
  const w50 = goal.filter((r) => r.k.parts === 1 && r.k.window === 50).map((r) => r.worker.msgsPerS / r.bare.msgsPerS);
  if (goal.length > 0) console.log(`${Math.max(...perReceipt) <= 300 ? 'met    ' : 'NOT MET'}  PostgreSQL CPU at most 300 µs per receipt (own backends): ${range(perReceipt)} µs`);
  if (w50.length > 0) console.log(`${Math.min(...w50) >= 0.3 ? 'met    ' : 'NOT MET'}  worker at least 0.3 of the bare loop's msgs/s (1 part, window 50, receipts on): ${range(w50, 2)}`);

  await smsc.stop();
  await c.end();
  if (!history) await dropQuietly(server, dbName);
}

/** Enqueued through the outbox's own enqueueMany (a connection of its own, closed before the run). */
async function enqueueManyRows(url: string, n: number, parts: number): Promise<void> {
  const database = await openDatabase({ kind: 'postgres', url, poolSize: 2 }, silentLogger);
  try {
    await enqueueMany(database.db, benchSmsRows(n, parts, `bench:sms:${Date.now()}`));
  } finally {
    await database.close();
  }
}

async function dropQuietly(server: string, name: string): Promise<void> {
  const c = new pg.Client({ connectionString: databaseUrl(server, 'postgres') });
  await c.connect();
  // FORCE: a connection still closing (a child's pool) made the drop fail and leave the database.
  await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
  await c.end();
}

const us = (ms: number, count: number) => (count === 0 ? NaN : (ms * 1000) / count);
const f0 = (x: number) => (Number.isFinite(x) ? x.toFixed(0) : '-');

function range(xs: number[], digits = 0): string {
  const lo = Math.min(...xs);
  const hi = Math.max(...xs);
  return lo.toFixed(digits) === hi.toFixed(digits) ? lo.toFixed(digits) : `${lo.toFixed(digits)}-${hi.toFixed(digits)}`;
}

type Row = { k: Case; receipts: 'on' | 'off'; rep: number; bare: Figures; worker: Figures };

const perMsg = (f: Figures, ms: number) => us(ms, f.messages);
const perRcpt = (f: Figures, ms: number) => us(ms, f.receipts);

function line(r: Row): string {
  const { bare: b, worker: w } = r;
  return (
    `${r.k.parts} part${r.k.parts > 1 ? 's' : ' '} w${String(r.k.window).padEnd(2)} receipts ${r.receipts.padEnd(3)} #${r.rep}: ` +
    `bare ${f0(b.msgsPerS)} msg/s ${f0(b.receiptsPerS)} rcpt/s | worker ${f0(w.msgsPerS)} msg/s ${f0(w.receiptsPerS)} rcpt/s = ${(w.msgsPerS / b.msgsPerS).toFixed(2)} of bare, all recorded in ${w.seconds.toFixed(1)} s | ` +
    `PostgreSQL µs per msg / rcpt: worker own ${f0(perMsg(w, w.pgOwnMs))} / ${f0(perRcpt(w, w.pgOwnMs))}, all ${f0(perMsg(w, w.pgAllMs))} / ${f0(perRcpt(w, w.pgAllMs))}; ` +
    `bare all ${f0(perMsg(b, b.pgAllMs))} | sender µs/msg bare ${f0(perMsg(b, b.senderMs))} worker ${f0(perMsg(w, w.senderMs))}`
  );
}

/** One line per case and receipts mode: the range over the repetitions. */
function summary(rows: Row[]): string {
  const out = [
    'case        receipts   bare msg/s   bare rcpt/s   worker msg/s   worker rcpt/s   worker/bare   PG µs/msg own (all)   PG µs/rcpt own (all)   bare PG µs/msg all',
  ];
  const keys = [...new Set(rows.map((r) => `${r.k.parts}x${r.k.window}|${r.receipts}`))];
  for (const key of keys) {
    const rs = rows.filter((r) => `${r.k.parts}x${r.k.window}|${r.receipts}` === key);
    const first = rs[0] as Row;
    const m = (f: (r: Row) => number, d = 0) => range(rs.map(f), d);
    out.push(
      [
        `${first.k.parts} part${first.k.parts > 1 ? 's' : ''}, w${first.k.window}`.padEnd(11),
        first.receipts.padEnd(8),
        m((r) => r.bare.msgsPerS).padStart(12),
        (first.receipts === 'on' ? m((r) => r.bare.receiptsPerS) : '-').padStart(13),
        m((r) => r.worker.msgsPerS).padStart(14),
        (first.receipts === 'on' ? m((r) => r.worker.receiptsPerS) : '-').padStart(15),
        m((r) => r.worker.msgsPerS / r.bare.msgsPerS, 2).padStart(13),
        `${m((r) => perMsg(r.worker, r.worker.pgOwnMs))} (${m((r) => perMsg(r.worker, r.worker.pgAllMs))})`.padStart(21),
        (first.receipts === 'on' ? `${m((r) => perRcpt(r.worker, r.worker.pgOwnMs))} (${m((r) => perRcpt(r.worker, r.worker.pgAllMs))})` : '-').padStart(22),
        m((r) => perMsg(r.bare, r.bare.pgAllMs)).padStart(20),
      ].join('  '),
    );
  }
  // What receipts add: the worker's PostgreSQL CPU per message with receipts on, less with them
  // off (medians over the repetitions), per receipt.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
  for (const key of new Set(rows.map((r) => `${r.k.parts}x${r.k.window}`))) {
    const of = (mode: string) => rows.filter((r) => `${r.k.parts}x${r.k.window}` === key && r.receipts === mode).map((r) => perMsg(r.worker, r.worker.pgOwnMs));
    const [on, off] = [of('on'), of('off')];
    const parts = Number(key.split('x')[0]);
    if (on.length > 0 && off.length > 0) out.push(`${key}: receipts add ${f0((median(on) - median(off)) / parts)} µs of PostgreSQL CPU (own backends) per receipt`);
  }
  return out.join('\n');
}

if (argv.includes('--classic')) {
  await import('./dispatch-classic.js');
} else {
  await main();
}
