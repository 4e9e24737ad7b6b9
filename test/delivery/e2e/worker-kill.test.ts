import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { enqueueMany, type NewMessage } from '../../../src/delivery/outbox/enqueue.js';
import { backends, openTestPostgres } from '../../support/db.js';
import { TEXT_KIND, until } from '../../support/delivery-e2e.js';
import { startSmsc, type Smsc } from '../../support/smsc.js';
import { startWorkerProcess } from '../../support/worker-process.js';

const MESSAGES = 10_000;
// The SMPP window (submit_sm awaiting an answer) is narrower than what the worker has under way.
const SMPP_WINDOW = 10;
const IN_FLIGHT = 40;
const phone = (i: number) => `+359888${String(i).padStart(6, '0')}`;

const postgres = backends.find((b) => b.name === 'postgres');

// Several worker processes need a database they can share: PostgreSQL (PGlite is one process).
describe('a worker killed with SIGKILL during a batch', { skip: postgres?.skip ?? 'no PostgreSQL backend' }, () => {
  let database: Awaited<ReturnType<typeof openTestPostgres>>;
  let smsc: Smsc;
  before(async () => {
    database = await openTestPostgres();
    smsc = await startSmsc();
  });
  after(async () => {
    await smsc?.stop();
    await database?.close();
  });

  test(`${MESSAGES} SMS: the next worker sends the rest, none is lost, duplicates stay within the in-flight window`, async (t) => {
    const rows: NewMessage[] = Array.from({ length: MESSAGES }, (_, i) => ({
      businessKey: `kill:${i}`,
      kind: TEXT_KIND,
      channel: 'sms',
      recipient: phone(i),
      body: `Neplateni smetki za tok, izvestie ${i}`,
    }));
    assert.equal(await enqueueMany(database.db, rows), MESSAGES);
    const env = {
      DATABASE_URL: database.url,
      DATABASE_POOL_SIZE: '10',
      SMPP_URL: smsc.url,
      SMPP_WINDOW: String(SMPP_WINDOW),
      SMPP_IN_FLIGHT: String(IN_FLIGHT),
      SMPP_RATE: '100000',
      SMS_QUIET_HOURS: 'off',
      DELIVERY_LEASE_SECONDS: '5',
    };

    const first = startWorkerProcess(env);
    await until(() => smsc.submitted.length >= MESSAGES / 2, 60_000, `half the messages at the SMSC\n${first.output()}`);
    first.kill('SIGKILL');
    assert.equal(await first.exited, 'SIGKILL');
    const atKill = smsc.submitted.length;
    const held = await sql<{ sending: number; open: number }>`
      SELECT (SELECT count(*) FROM outbox_messages WHERE status = 'sending')::int AS sending,
             (SELECT count(*) FROM message_attempts WHERE outcome IS NULL)::int AS open`.execute(database.db);
    const { sending, open } = held.rows[0] ?? { sending: -1, open: -1 };
    assert.ok(atKill < MESSAGES, 'killed before the end');

    const second = startWorkerProcess(env);
    try {
      await until(
        async () => Number((await database.db.selectFrom('outbox_messages').select((eb) => eb.fn.countAll().as('n')).where('status', '=', 'sent').executeTakeFirstOrThrow()).n) === MESSAGES,
        60_000,
        `every message sent\n${second.output()}`,
      );
    } finally {
      second.kill('SIGTERM');
    }
    assert.equal(await second.exited, 0, second.output());

    // On the SMSC: every message arrived, and the copies are only of messages the dead worker held.
    const copies = new Map<string, number>();
    for (const sm of smsc.submitted) copies.set(sm.destination_addr, (copies.get(sm.destination_addr) ?? 0) + 1);
    assert.equal(copies.size, MESSAGES, 'every message reached the SMSC');
    for (let i = 0; i < MESSAGES; i++) assert.ok(copies.has(phone(i).slice(1)), `${phone(i)} reached the SMSC`);
    const duplicates = smsc.submitted.length - MESSAGES;
    assert.ok(Math.max(...copies.values()) <= 2, 'no message went more than twice');

    // In the database: the take-over closed the dead worker's open attempts as 'unknown'.
    const a = await sql<{ unknown: number; open: number; unfinished: number; multi: number }>`
      SELECT (SELECT count(*) FROM message_attempts WHERE outcome = 'unknown' AND error LIKE 'lease of % expired%')::int AS unknown,
             (SELECT count(*) FROM message_attempts WHERE outcome IS NULL)::int AS open,
             (SELECT count(*) FROM outbox_messages WHERE status <> 'sent')::int AS unfinished,
             (SELECT count(*) FROM outbox_messages WHERE attempts > 1)::int AS multi`.execute(database.db);
    const after = a.rows[0];
    t.diagnostic(`killed at ${atKill} accepted; it held ${sending} claimed, ${open} with an attempt started; ${duplicates} sent twice`);
    assert.deepEqual([after?.open, after?.unfinished], [0, 0]);
    assert.equal(after?.unknown, open, 'every attempt open at the kill was closed as unknown');
    assert.ok(duplicates <= open, `duplicates (${duplicates}) only among attempts open at the kill (${open})`);
    assert.ok(open <= IN_FLIGHT, `attempts open at the kill (${open}) within the in-flight window (${IN_FLIGHT})`);
    assert.ok(duplicates <= IN_FLIGHT, `duplicates (${duplicates}) within the in-flight window (${IN_FLIGHT})`);
    assert.equal(after?.multi, open, 'only the messages caught in flight were attempted twice');
    // Every copy is visible: a message that went twice has an attempt whose outcome is unknown.
    const maybeSent = await sql<{ recipient: string }>`
      SELECT m.recipient FROM outbox_messages m JOIN message_attempts a ON a.message_id = m.id WHERE a.outcome = 'unknown'`.execute(database.db);
    const visible = new Set(maybeSent.rows.map((r) => r.recipient.slice(1)));
    for (const [dest, n] of copies) if (n > 1) assert.ok(visible.has(dest), `${dest} went twice and has an unknown attempt`);
  });
});
