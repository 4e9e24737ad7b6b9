import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { migrate } from '../../../src/db/migrate.js';
import { openDatabase, type Database } from '../../../src/db/open.js';
import { enqueueMany, type NewMessage } from '../../../src/delivery/outbox/enqueue.js';
import { silentLogger } from '../../../src/log.js';
import { freePort } from '../../support/free-port.js';
import { privatePostgresProblem, startPrivatePostgres, type PrivatePostgres } from '../../support/private-postgres.js';
import { startSmsc, type Smsc } from '../../support/smsc.js';
import { startCliProcess, startWorkerProcess, type WorkerProcess } from '../../support/worker-process.js';

// A kind with neither a guard nor a template (as TEXT_KIND in support/delivery-e2e.ts).
const TEXT_KIND = 'e2e_text';
const MESSAGES = 3000;
const SMPP_WINDOW = 10;
const IN_FLIGHT = 40;
// Slow enough that both outages fall in the middle of the batch.
const RATE = 250;
// The promise: sending resumes within this long of the database being back.
const RESUME_MS = 10_000;
const phone = (i: number) => `+359887${String(i).padStart(6, '0')}`;

function rows(prefix: string, from: number, n: number): NewMessage[] {
  return Array.from({ length: n }, (_, k) => ({
    businessKey: `${prefix}:${from + k}`,
    kind: TEXT_KIND,
    channel: 'sms' as const,
    recipient: phone(from + k),
    body: `Neplateni smetki za tok, izvestie ${from + k}`,
  }));
}

async function count(db: Database, status: string): Promise<number> {
  const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_messages WHERE status = ${status}`.execute(db.db);
  return r.rows[0]?.n ?? -1;
}

/** Polls an async check until it holds; throws after timeoutMs (generous: the machine is shared). */
async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

function alive(p: WorkerProcess, exitedWith: { value: number | string | null }): void {
  assert.equal(exitedWith.value, null, `the worker exited (${exitedWith.value}) during the outage\n${p.output()}`);
}

const problem = privatePostgresProblem();

// A server of its own: the test crashes and restarts it, which the shared one must never be.
describe('izvestie worker and start through a PostgreSQL restart', { skip: problem ?? false }, () => {
  let server: PrivatePostgres;
  let database: Database;
  let smsc: Smsc;
  before(async () => {
    server = await startPrivatePostgres();
    database = await openDatabase({ kind: 'postgres', url: server.url, poolSize: 3 }, silentLogger);
    await migrate(database, silentLogger);
    smsc = await startSmsc();
  });
  after(async () => {
    await smsc?.stop();
    await database?.close();
    await server?.destroy();
  });

  const env = () => ({
    DATABASE_URL: server.url,
    DATABASE_POOL_SIZE: '10',
    DATABASE_WAIT_SECONDS: '120',
    SMPP_URL: smsc.url,
    SMPP_WINDOW: String(SMPP_WINDOW),
    SMPP_IN_FLIGHT: String(IN_FLIGHT),
    SMPP_RATE: String(RATE),
    SMS_QUIET_HOURS: 'off',
    DELIVERY_LEASE_SECONDS: '30',
  });

  test(`${MESSAGES} SMS through a crash-restart and a 4 s stop: the worker lives, resumes within ${RESUME_MS / 1000} s, loses nothing, duplicates stay within the in-flight window`, async (t) => {
    assert.equal(await enqueueMany(database.db, rows('restart', 0, MESSAGES)), MESSAGES);
    const worker = startWorkerProcess(env());
    const exitedWith: { value: number | string | null } = { value: null };
    void worker.exited.then((v) => (exitedWith.value = v));
    try {
      await until(() => smsc.submitted.length >= MESSAGES / 4, 60_000, `a quarter at the SMSC\n${worker.output()}`);
      await server.restart();
      const restartedAt = smsc.submitted.length;
      await until(() => smsc.submitted.length > restartedAt + 100, RESUME_MS * 3, `sending after the restart\n${worker.output()}`);
      alive(worker, exitedWith);

      await until(() => smsc.submitted.length >= MESSAGES / 2, 60_000, `half at the SMSC\n${worker.output()}`);
      await server.stop('immediate');
      await sleep(4000);
      alive(worker, exitedWith);
      const beforeStart = smsc.submitted.length;
      await server.start();
      const back = performance.now();
      await until(() => smsc.submitted.length > beforeStart, RESUME_MS * 3, `sending after the database came back\n${worker.output()}`);
      const resumedMs = performance.now() - back;
      t.diagnostic(`sending resumed ${Math.round(resumedMs)} ms after the database was back`);
      assert.ok(resumedMs <= RESUME_MS, `sending resumed ${Math.round(resumedMs)} ms after the database was back (at most ${RESUME_MS})`);

      await until(async () => (await count(database, 'sent')) === MESSAGES, 90_000, `every message sent\n${worker.output()}`);
      alive(worker, exitedWith);
    } finally {
      worker.kill('SIGTERM');
    }
    assert.equal(await worker.exited, 0, worker.output());

    const copies = new Map<string, number>();
    for (const sm of smsc.submitted) copies.set(sm.destination_addr, (copies.get(sm.destination_addr) ?? 0) + 1);
    for (let i = 0; i < MESSAGES; i++) assert.ok(copies.has(phone(i).slice(1)), `${phone(i)} reached the SMSC`);
    const duplicates = smsc.submitted.length - MESSAGES;
    t.diagnostic(`${duplicates} sent twice over two outages`);
    // Each outage may strand what was in flight: sent, but its record lost with the connection.
    assert.ok(duplicates <= 2 * IN_FLIGHT, `duplicates (${duplicates}) within the in-flight window per outage (${2 * IN_FLIGHT})`);
    const a = await sql<{ open: number; unfinished: number }>`
      SELECT (SELECT count(*) FROM message_attempts WHERE outcome IS NULL)::int AS open,
             (SELECT count(*) FROM outbox_messages WHERE status <> 'sent')::int AS unfinished`.execute(database.db);
    assert.deepEqual(a.rows[0], { open: 0, unfinished: 0 });
    // Every copy is visible: a message that went twice has an attempt whose outcome is unknown.
    const maybeSent = await sql<{ recipient: string }>`
      SELECT m.recipient FROM outbox_messages m JOIN message_attempts a ON a.message_id = m.id WHERE a.outcome = 'unknown'`.execute(database.db);
    const visible = new Set(maybeSent.rows.map((r) => r.recipient.slice(1)));
    for (const [dest, n] of copies) if (n > 1) assert.ok(visible.has(dest), `${dest} went twice and has an unknown attempt`);
  });

  test('a worker started while the database is down waits for it, says so, and sends once it is up', async () => {
    const first = MESSAGES;
    assert.equal(await enqueueMany(database.db, rows('late', first, 50)), 50);
    const atStart = smsc.submitted.length;
    await server.stop('fast');
    const worker = startWorkerProcess(env());
    try {
      await until(() => /not reachable: waiting for it/.test(worker.output()), 30_000, `the waiting line\n${worker.output()}`);
      await sleep(2000);
      assert.equal(smsc.submitted.length, atStart, 'nothing sent without a database');
      const exited = await Promise.race([worker.exited, sleep(0).then(() => null)]);
      assert.equal(exited, null, `the worker waits instead of exiting\n${worker.output()}`);
      await server.start();
      await until(() => smsc.submitted.length >= atStart + 50, 30_000, `the 50 sent once the database is up\n${worker.output()}`);
    } finally {
      worker.kill('SIGTERM');
    }
    assert.equal(await worker.exited, 0, worker.output());
    assert.equal(await count(database, 'queued'), 0);
  });

  test('izvestie start answers 503 on /readyz while the database is down, and 200 again once it is back', async () => {
    const port = await freePort();
    const web = startCliProcess(['start'], { DATABASE_URL: server.url, DATABASE_WAIT_SECONDS: '60', PORT: String(port), METRICS_PORT: '0', IZVESTIE_DEMO_DATA: 'off' });
    const ready = async () => (await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null))?.status ?? 0;
    try {
      await until(async () => (await ready()) === 200, 60_000, `/readyz 200 at start\n${web.output()}`);
      await server.stop('immediate');
      await until(async () => (await ready()) === 503, 10_000, `/readyz 503 while the database is down\n${web.output()}`);
      await sleep(3000);
      assert.equal(await ready(), 503);
      await server.start();
      await until(async () => (await ready()) === 200, RESUME_MS, `/readyz 200 once the database is back\n${web.output()}`);
    } finally {
      web.kill('SIGTERM');
    }
    assert.equal(await web.exited, 0, web.output());
  });
});

