import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { assemble, type Root } from '../../../src/app/root.js';
import { createWorker } from '../../../src/app/worker.js';
import { loadConfig } from '../../../src/config.js';
import { enqueueMany, type NewMessage } from '../../../src/delivery/outbox/enqueue.js';
import { silentLogger } from '../../../src/log.js';
import { backends, openTestPostgres } from '../../support/db.js';
import { startSmsc, type Smsc } from '../../support/smsc.js';
import { seedCustomer } from '../outbox/fixtures.js';

// A kind with neither a guard nor a template: messages of it carry their own body.
const TEXT_KIND = 'e2e_text';
const MESSAGES = 2000;
// Paced, so the batch takes long enough for an outage in its middle (as a real SMSC's 100-150/s).
const RATE = 200;
const SMPP_WINDOW = 10;
const IN_FLIGHT = 40;
const OUTAGE_MS = 12_000;
// The reconnect back-off is capped at 5 s and an idle worker looks for work every second: what an
// SMSC back from an outage may wait for, whatever the size of the backlog (and a second for a
// shared machine).
const SLACK_MS = 7000;
const phone = (i: number) => `+359886${String(i).padStart(6, '0')}`;

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(20);
  }
}

const postgres = backends.find((b) => b.name === 'postgres');

describe('an SMSC outage', { skip: postgres?.skip ?? 'no PostgreSQL backend' }, () => {
  let database: Awaited<ReturnType<typeof openTestPostgres>>;
  let smsc: Smsc;
  let root: Root;
  before(async () => {
    database = await openTestPostgres();
    smsc = await startSmsc();
    const config = loadConfig({
      DATABASE_URL: database.url,
      SMPP_URL: smsc.url,
      SMPP_RATE: String(RATE),
      SMPP_WINDOW: String(SMPP_WINDOW),
      SMPP_IN_FLIGHT: String(IN_FLIGHT),
      SMS_QUIET_HOURS: 'off',
    });
    root = await assemble(config, silentLogger, database);
  });
  after(async () => {
    await smsc?.stop();
    await database?.close();
  });

  const batch = (prefix: string): NewMessage[] =>
    Array.from({ length: MESSAGES }, (_, i) => ({ businessKey: `${prefix}:${i}`, kind: TEXT_KIND, channel: 'sms', recipient: phone(i), body: `Neplateni smetki za tok, izvestie ${i}` }));
  const count = async (prefix: string, where: 'sent' | 'sending') => {
    const r = await sql<{ n: number }>`SELECT count(*)::int AS n FROM outbox_messages WHERE business_key LIKE ${`${prefix}:%`} AND status = ${where}`.execute(database.db);
    return r.rows[0]?.n ?? -1;
  };

  test(`${MESSAGES} SMS with a ${OUTAGE_MS / 1000} s outage in the middle: nothing claimed meanwhile, and the backlog drains within 1.2× the time it takes without one`, async (t) => {
    // The baseline: the same number of messages, nothing failing, measured in this run.
    assert.equal(await enqueueMany(database.db, batch('base')), MESSAGES);
    const base = createWorker(root);
    await base.start();
    const baseStart = performance.now();
    try {
      await until(async () => (await count('base', 'sent')) === MESSAGES, 120_000, 'the baseline sent');
    } finally {
      await base.stop();
    }
    const baseline = performance.now() - baseStart;

    assert.equal(await enqueueMany(database.db, batch('out')), MESSAGES);
    const atStart = smsc.submitted.length;
    const worker = createWorker(root);
    await worker.start();
    const start = performance.now();
    const at = { down: 0, up: 0, left: 0 };
    try {
      await until(() => smsc.submitted.length - atStart >= MESSAGES / 3, 120_000, 'a third sent');
      await smsc.pause();
      smsc.dropConnections();
      at.down = performance.now();
      // What was claimed goes back to the queue; nothing more is claimed while the SMSC is away.
      await until(async () => (await count('out', 'sending')) === 0, 10_000, 'the claimed messages back in the queue');
      await sleep(OUTAGE_MS - (performance.now() - at.down));
      assert.equal(await count('out', 'sending'), 0, 'nothing claimed during the outage');
      at.left = MESSAGES - (await count('out', 'sent'));
      await smsc.resume();
      at.up = performance.now();
      await until(async () => (await count('out', 'sent')) === MESSAGES, 120_000, 'every message sent after the outage');
    } finally {
      await worker.stop();
    }
    const end = performance.now();

    const failed = await sql<{ n: number; retried: number }>`
      SELECT count(*) FILTER (WHERE a.outcome <> 'accepted')::int AS n, count(DISTINCT m.id) FILTER (WHERE m.attempts > 1)::int AS retried
      FROM message_attempts a JOIN outbox_messages m ON m.id = a.message_id WHERE m.business_key LIKE 'out:%'`.execute(database.db);
    const { n: failedAttempts, retried } = failed.rows[0] ?? { n: -1, retried: -1 };
    const sending = end - start - (at.up - at.down);
    const drain = end - at.up;
    t.diagnostic(`baseline ${MESSAGES} in ${Math.round(baseline)} ms; with the outage ${Math.round(sending)} ms of sending (${at.left} left at the outage drained in ${Math.round(drain)} ms after it); ${failedAttempts} failed attempts, ${retried} messages tried twice`);
    assert.ok(failedAttempts <= IN_FLIGHT, `failed attempts (${failedAttempts}) no more than were in flight at the drop (${IN_FLIGHT})`);
    assert.ok(sending <= 1.2 * baseline + SLACK_MS, `sending time with the outage (${Math.round(sending)} ms) within 1.2 × the baseline (${Math.round(baseline)} ms) + ${SLACK_MS} ms`);
    const copies = new Set(smsc.submitted.slice(atStart).map((sm) => sm.destination_addr));
    assert.equal(copies.size, MESSAGES, 'every message reached the SMSC');
  });

  test('a message whose retry age passes while the SMSC is down goes to its next channel, never tried on the first', async () => {
    const c = await seedCustomer(database.db, 1, { sms: true, email: true });
    const worker = createWorker(root, { maxRetryAgeMs: 2000 });
    await worker.start();
    try {
      await smsc.pause();
      smsc.dropConnections();
      const vars = { channel_bg: 'SMS', channel_en: 'SMS', address_masked: '+359888***001', manage_url: 'https://izvestie.example.bg/manage' };
      const message: NewMessage = { businessKey: 'down:1', kind: 'subscription_confirmed', channel: 'sms', recipient: c.phone, customerNumber: c.customerNumber, subscriptionId: c.smsId, body: 'Абонаментът Ви е активиран.', fallback: ['email'], payload: vars };
      assert.equal(await enqueueMany(database.db, [message]), 1);
      const row = await database.db.selectFrom('outbox_messages').select('id').where('business_key', '=', 'down:1').executeTakeFirstOrThrow();
      await until(
        async () => (await database.db.selectFrom('outbox_messages').select('id').where('parent_id', '=', row.id).executeTakeFirst()) !== undefined,
        30_000,
        'the email that takes over',
      );
      const sms = await database.db.selectFrom('outbox_messages').selectAll().where('id', '=', row.id).executeTakeFirstOrThrow();
      const email = await database.db.selectFrom('outbox_messages').selectAll().where('parent_id', '=', row.id).executeTakeFirstOrThrow();
      assert.equal(sms.status, 'failed');
      assert.equal(sms.attempts, 0, 'never tried while the SMSC was down');
      assert.match(sms.last_error ?? '', /unavailable/);
      assert.deepEqual([email.channel, email.recipient], ['email', c.email]);
      assert.equal(smsc.received.filter((sm) => sm.destination_addr === c.phone.slice(1)).length, 0);
    } finally {
      await smsc.resume();
      await worker.stop();
    }
  });
});
