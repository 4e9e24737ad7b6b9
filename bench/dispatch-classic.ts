// npm run bench:dispatch -- --classic (this file) — 50,000 SMS through SMPP to the SMSC simulator, without receipts, and 5,000 emails to an
// smtp-server, each from queued to accepted by the server, sent by izvestie's worker (as
// `izvestie worker` builds it, on PostgreSQL) beside a bare transport loop (a raw `smpp` client
// with the same window; a raw nodemailer pool of the same size) in the same run. Every sender runs
// in its own process (bench/dispatch-child.ts); the servers run here and count what they accept.
// Env: BENCH_DATABASE_URL (default TEST_DATABASE_URL or postgres://postgres@127.0.0.1:5432/test),
// BENCH_SMS (50000), BENCH_EMAILS (5000), BENCH_SMPP_WINDOW (50), BENCH_SMTP_POOL (5); BENCH_CPU_PROF=<dir>
// writes a V8 CPU profile of each izvestie worker run there.
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { sql } from 'kysely';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import type { AddressInfo } from 'node:net';
import { openDatabase } from '../src/db/open.js';
import { migrate } from '../src/db/migrate.js';
import { claimBatch } from '../src/delivery/outbox/claim.js';
import { enqueueMany } from '../src/delivery/outbox/enqueue.js';
import { silentLogger } from '../src/log.js';
import { startSmsc } from '../test/support/smsc.js';
import { BENCH_CUSTOMER, BENCH_INVOICE, benchEmailRows, benchSmsRows } from './dispatch-content.js';

const baseUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const SMS = Number(process.env.BENCH_SMS ?? 50_000);
const EMAILS = Number(process.env.BENCH_EMAILS ?? 5_000);
const WINDOW = Number(process.env.BENCH_SMPP_WINDOW ?? 50);
const POOL = Number(process.env.BENCH_SMTP_POOL ?? 5);
const SCHEMA = 'bench_dispatch';

async function admin(text: string): Promise<void> {
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  await c.query(text);
  await c.end();
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, every: number, what: string, timeoutMs = 600_000): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(every);
  }
  return performance.now();
}

interface Run {
  /** Messages per second from the start of sending to the last one accepted by the server. */
  rate: number;
  /** Messages per second until every one is recorded sent in the database (worker only). */
  recordedRate?: number;
  maxRssMB: number;
  /** CPU time per message (µs) of the sender, of every PostgreSQL process, and of this process (the servers). */
  cpu: { sender: number; postgres: number; servers: number };
}

// CPU time (ms) of every PostgreSQL process on this machine (the benchmark's database is local), from
// /proc: what the database spent for a run, whichever backends did the work.
function postgresCpuMs(): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      if (!stat.slice(stat.indexOf('(') + 1, close).startsWith('postgres')) continue;
      const fields = stat.slice(close + 2).split(' ');
      ticks += Number(fields[11]) + Number(fields[12]); // utime and stime, fields 14 and 15 of stat
    } catch {
      // the process has ended meanwhile
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Runs one sender process; `accepted` counts what the server has accepted since it started. */
async function run(args: string[], env: Record<string, string>, n: number, accepted: () => number | Promise<number>, recorded?: () => Promise<boolean>): Promise<Run> {
  const prof = process.env.BENCH_CPU_PROF && args[0] === 'worker' ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : [];
  const child = spawn(process.execPath, [...prof, '--import', 'tsx', 'bench/dispatch-child.ts', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const messages: Array<Record<string, number>> = [];
  child.on('message', (m) => messages.push(m as Record<string, number>));
  const go = await until(() => messages.length > 0 || child.exitCode !== null, 1, 'the sender to start');
  const cpuBefore = { postgres: postgresCpuMs(), servers: process.cpuUsage() };
  if (child.exitCode !== null) throw new Error(`${args[0]} exited with ${child.exitCode}`);
  const last = await until(async () => (await accepted()) >= n || child.exitCode !== null, 1, `${n} accepted`);
  if (child.exitCode !== null) throw new Error(`${args[0]} exited with ${child.exitCode} after ${accepted()} of ${n}`);
  const done = recorded ? await until(recorded, 10, 'every message recorded sent') : undefined;
  const postgres = postgresCpuMs() - cpuBefore.postgres;
  const servers = process.cpuUsage(cpuBefore.servers);
  child.send('stop');
  await until(() => messages.length > 1, 10, 'the sender to stop');
  if ((await exited) !== 0) throw new Error(`${args[0]} failed`);
  const perMessage = (ms: number) => (ms * 1000) / n;
  return {
    rate: n / ((last - go) / 1000),
    ...(done === undefined ? {} : { recordedRate: n / ((done - go) / 1000) }),
    maxRssMB: messages[1]?.maxRssMB ?? NaN,
    // The sender's from its start of sending to its stop (its start-up, compiling included, is left out).
    cpu: { sender: perMessage((messages[1]?.cpuMs ?? NaN) - (messages[0]?.cpuMs ?? NaN)), postgres: perMessage(postgres), servers: perMessage((servers.user + servers.system) / 1000) },
  };
}

const loadBefore = loadavg()[0] ?? NaN;
await admin(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE; CREATE SCHEMA ${SCHEMA}`);
const dbUrl = `${baseUrl}${baseUrl.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${SCHEMA}`)}`;
const database = await openDatabase({ kind: 'postgres', url: dbUrl, poolSize: 2 }, silentLogger);
await migrate(database, silentLogger);
await database.db.insertInto('customers').values({ customer_number: BENCH_CUSTOMER, name: 'Иван Петров', street: 'ул. Шипка 5', town: 'Варна', postcode: '9000', customer_class: 'household' }).execute();
await database.db.insertInto('invoices').values({ invoice_number: BENCH_INVOICE, customer_number: BENCH_CUSTOMER, issue_date: '2026-09-24', due_date: '2026-10-24', amount_minor: 4520, currency: 'EUR' }).execute();

const smsc = await startSmsc();
let mails = 0;
const smtp = new SMTPServer({
  disabledCommands: ['STARTTLS', 'AUTH'],
  authOptional: true,
  disableReverseLookup: true,
  logger: false,
  onData(stream, _session, callback) {
    stream.resume();
    stream.on('end', () => {
      mails++;
      callback();
    });
  },
});
await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
const smtpUrl = `smtp://127.0.0.1:${(smtp.server.address() as AddressInfo).port}`;

const sentCount = (channel: 'sms' | 'email') => async () => {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_messages WHERE channel = ${channel} AND status = 'sent'`.execute(database.db);
  return (r.rows[0]?.n ?? 0) >= (channel === 'sms' ? SMS : EMAILS);
};
const workerEnv = {
  DATABASE_URL: dbUrl,
  SMPP_URL: smsc.url,
  SMPP_WINDOW: String(WINDOW),
  SMPP_RATE: '100000',
  SMS_QUIET_HOURS: 'off',
  SMTP_URL: `${smtpUrl}?starttls=off`,
  SMTP_POOL_SIZE: String(POOL),
  SMTP_RATE: '100000',
  SMTP_FROM: '"Известия за ток" <izvestia@izvestie.example.bg>',
  EMAIL_DOMAIN: 'izvestie.example.bg',
  PUBLIC_URL: 'https://izvestie.example.bg',
};

const from = (base: number, counter: () => number) => () => counter() - base;

let base = smsc.submitted.length;
const bareSms = await run(['bare-smpp', smsc.url, String(SMS), String(WINDOW)], {}, SMS, from(base, () => smsc.submitted.length));
await enqueueMany(database.db, benchSmsRows(SMS));
base = smsc.submitted.length;
const oursSms = await run(['worker'], workerEnv, SMS, from(base, () => smsc.submitted.length), sentCount('sms'));
// The same messages again through the worker with no transport at all (the sandbox channel, the
// SMPP run's in-flight window): the ceiling the worker's bookkeeping in PostgreSQL sets on this
// machine. Nothing is accepted by a server; its figure is the recorded rate.
await sql`TRUNCATE outbox_messages CASCADE`.execute(database.db);
await enqueueMany(database.db, benchSmsRows(SMS));
const sandboxSms = await run(['sandbox', '', '0', String(4 * WINDOW)], workerEnv, SMS, () => SMS, sentCount('sms'));
// The least PostgreSQL work a durable send needs, without the worker: the same messages claimed by
// claimBatch in batches of 1,000, then, per batch, one statement that marks them sent and keeps each
// attempt (issue 3, point 1) as a finished row; no guard, no attempt row before the send, no lease
// renewal, each statement its own commit. CPU of the PostgreSQL processes per message.
await sql`TRUNCATE outbox_messages CASCADE`.execute(database.db);
await enqueueMany(database.db, benchSmsRows(SMS));
await sql`VACUUM ANALYZE outbox_messages`.execute(database.db);
const leastBefore = postgresCpuMs();
for (;;) {
  const claimed = await claimBatch(database.db, { channel: 'sms', limit: 1000, workerId: 'least', now: new Date(), leaseSeconds: 60, urgentOnly: false });
  if (claimed.length === 0) break;
  await sql`
    WITH sent AS (
      UPDATE outbox_messages SET status = 'sent', attempts = attempts + 1, sent_at = now(), updated_at = now(), provider = 'smpp',
             provider_message_ids = ARRAY[id::text], leased_by = NULL, lease_until = NULL
      WHERE id = ANY(${claimed.map((m) => m.id)}::bigint[]) RETURNING id, attempts)
    INSERT INTO message_attempts (message_id, attempt, worker, provider, started_at, finished_at, outcome, answer)
    SELECT id, attempts, 'least', 'smpp', now(), now(), 'accepted', 'submit_sm_resp ' || id FROM sent`.execute(database.db);
}
const leastPostgres = ((postgresCpuMs() - leastBefore) * 1000) / SMS;

base = mails;
const bareMail = await run(['bare-smtp', smtpUrl, String(EMAILS), String(POOL)], {}, EMAILS, from(base, () => mails));
await enqueueMany(database.db, benchEmailRows(EMAILS));
base = mails;
const oursMail = await run(['worker'], workerEnv, EMAILS, from(base, () => mails), sentCount('email'));

const fmt = (x: number | undefined, w: number) => (x === undefined ? '-' : x.toFixed(0)).padStart(w);
console.log(`\nmachine: ${cpus().length} × ${cpus()[0]?.model}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? NaN).toFixed(1)} after; SMPP window ${WINDOW}, SMTP pool ${POOL}`);
console.log('channel   messages   bare msg/s   izvestie msg/s   ratio   izvestie recorded msg/s   peak RSS MB bare / izvestie');
for (const [name, n, bare, ours] of [
  ['SMS/SMPP', SMS, bareSms, oursSms],
  ['email', EMAILS, bareMail, oursMail],
] as const) {
  console.log(
    `${name.padEnd(9)} ${String(n).padStart(8)}   ${fmt(bare.rate, 10)}   ${fmt(ours.rate, 14)}   ${(ours.rate / bare.rate).toFixed(2).padStart(5)}   ${fmt(ours.recordedRate, 23)}   ${fmt(bare.maxRssMB, 11)} / ${fmt(ours.maxRssMB, 0)}`,
  );
}
console.log(
  `SMS, sandbox (no transport, ${4 * WINDOW} in flight): recorded ${fmt(sandboxSms.recordedRate, 0)} msg/s = ${((sandboxSms.recordedRate ?? NaN) / bareSms.rate).toFixed(2)} of the bare SMPP loop`,
);
console.log('\nCPU µs per message   sender   PostgreSQL   servers (this process)   total');
for (const [name, r] of [
  ['SMS bare', bareSms],
  ['SMS izvestie', oursSms],
  ['SMS sandbox', sandboxSms],
  ['email bare', bareMail],
  ['email izvestie', oursMail],
] as const) {
  const { sender, postgres, servers } = r.cpu;
  console.log(`${name.padEnd(18)} ${fmt(sender, 8)}   ${fmt(postgres, 10)}   ${fmt(servers, 22)}   ${fmt(sender + postgres + servers, 5)}`);
}
// On a machine whose cores the sender, the servers and PostgreSQL share, a rate of 0.7 of the bare
// loop leaves cores / (0.7 × bare rate) of CPU per message, of which the bare loop's own transport
// work takes its share: the rest is all the durable bookkeeping may cost.
const bareCpu = bareSms.cpu.sender + bareSms.cpu.postgres + bareSms.cpu.servers;
const budget = (cpus().length * 1e6) / (0.7 * bareSms.rate) - bareCpu;
console.log(
  `\nAt 0.7 of the bare SMPP loop, ${cpus().length} cores leave ${fmt(budget, 0)} µs of CPU per SMS beyond the bare loop's ${fmt(bareCpu, 0)} µs; ` +
    `the least PostgreSQL work per send (claim, sent and its attempt kept; batches of 1,000) took ${fmt(leastPostgres, 0)} µs, izvestie's worker ${fmt(oursSms.cpu.sender + oursSms.cpu.postgres - bareSms.cpu.sender, 0)} µs in all.`,
);
const goals = [
  [`SMS at least 0.7 of bare`, oursSms.rate >= 0.7 * bareSms.rate],
  [`email at least 0.7 of bare`, oursMail.rate >= 0.7 * bareMail.rate],
  [`at least 2,000 SMS/s from one worker`, oursSms.rate >= 2000],
] as const;
for (const [goal, met] of goals) console.log(`${met ? 'met    ' : 'NOT MET'}  ${goal}`);

await smsc.stop();
await new Promise<void>((resolve) => smtp.close(() => resolve()));
await database.close();
await admin(`DROP SCHEMA ${SCHEMA} CASCADE`);
