import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sql, type Kysely } from 'kysely';
import { assemble } from '../../../src/app/root.js';
import { startWorker } from '../../../src/app/processes.js';
import { createWorker } from '../../../src/app/worker.js';
import type { DB } from '../../../src/db/schema.js';
import { enqueue, enqueueMany } from '../../../src/delivery/outbox/enqueue.js';
import { buildServer } from '../../../src/http/server.js';
import { silentLogger } from '../../../src/log.js';
import { openTestPostgres } from '../../support/db.js';
import { freePort } from '../../support/free-port.js';
import { TEXT_KIND, e2eConfig, quickRetries, seedOverdue, until } from '../../support/delivery-e2e.js';
import { startInfobip } from '../../support/gateways/infobip.js';
import { startMobica } from '../../support/gateways/mobica.js';
import { startSmsapiBg } from '../../support/gateways/smsapi-bg.js';
import { byKey, messageById } from '../outbox/fixtures.js';

// Issue 14, points 1 and 2 on the wire: a preset plus the account (credentials, sender, callback
// secret) sends through the worker the composition root builds, against servers that answer as
// each provider's public documentation describes; delivery states come back by callback or poll.

const SECRET = 'callback-secret-0123456789';
const phone = (i: number) => `+359887${String(i).padStart(6, '0')}`;
const notices = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ businessKey: `${prefix}:${i}`, kind: TEXT_KIND, channel: 'sms' as const, recipient: phone(i), body: `Известие ${i}: неплатена сметка` }));


async function counts(db: Kysely<DB>): Promise<Record<string, number>> {
  const r = await sql<{ status: string; n: number }>`SELECT status, count(*)::int AS n FROM outbox_messages WHERE channel = 'sms' GROUP BY status`.execute(db);
  return Object.fromEntries(r.rows.map((x) => [x.status, x.n]));
}

/** The web process (callbacks) and a worker, both assembled from one environment by the root. */
async function izvestie(t: { after(fn: () => Promise<void>): void }, env: Record<string, string>, o: { poller?: boolean } = {}) {
  const database = await openTestPostgres();
  const port = await freePort();
  const config = e2eConfig({ PUBLIC_URL: `http://127.0.0.1:${port}`, HTTP_SMS_RATE: '1000', ...env });
  const root = await assemble(config, silentLogger, database);
  const app = await buildServer(root);
  await app.listen({ host: '127.0.0.1', port });
  // startWorker is `izvestie worker`: the worker plus its chores (the status poll among them).
  const running = o.poller ? await startWorker(root) : null;
  const worker = running ? null : createWorker(root, quickRetries);
  await worker?.start();
  t.after(async () => {
    await worker?.stop();
    await running?.stop();
    await app.close();
    await database.close();
  });
  return { db: database.db };
}

test('infobip: App key, batches matched back by messageId, a 500 retried, a rejected number fails over, reports in batches of 100 mark each delivered once', async (t) => {
  const gw = await startInfobip({ key: 'ib-key-123' }, { delayMs: 150 });
  t.after(() => gw.stop());
  const { db } = await izvestie(t, { HTTP_SMS_URL: gw.base, HTTP_SMS_OPTIONS: JSON.stringify({ preset: 'infobip', token: 'ib-key-123', from: 'EnergoPro', callbackSecret: SECRET }) });
  gw.failNext(500);
  const c = await seedOverdue(db, 1);
  gw.invalidNumbers.add(c.phone.slice(1));
  const { id: refusedId } = await enqueue(db, { businessKey: 'ib:refused', kind: 'overdue_reminder', channel: 'sms', recipient: c.phone, customerNumber: c.customerNumber, subscriptionId: c.smsId, fallback: ['email'], payload: c.payload });
  await enqueueMany(db, notices('ib', 150));
  await until(async () => (await counts(db))['sent'] === 150, 60_000, 'every notice sent');

  // Several messages per request, each matched to its own result; the first request's messages got a 500 and went again.
  assert.ok(Math.max(...gw.batches) > 1, `batches: ${gw.batches.join(',')}`);
  assert.equal(new Set(gw.accepted.map((m) => m.messageId)).size, 150);
  assert.deepEqual(gw.requests[0]?.headers.authorization, 'App ib-key-123');
  const first = JSON.parse(gw.requests[0]?.raw ?? '{}') as { messages: Array<{ from: string; destinations: Array<{ to: string; messageId: string }>; notifyUrl: string }> };
  assert.equal(first.messages[0]?.from, 'EnergoPro');
  assert.match(first.messages[0]?.destinations[0]?.messageId ?? '', /^izv\d+$/);
  const retried = await sql<{ n: number }>`SELECT count(*)::int AS n FROM message_attempts WHERE outcome = 'transient' AND error LIKE '%answered 500%'`.execute(db);
  assert.ok((retried.rows[0]?.n ?? 0) >= 1);

  await until(async () => (await messageById(db, refusedId)).status === 'failed', 20_000, 'the refused one failed');
  const refused = await messageById(db, refusedId);
  assert.match(refused.last_error ?? '', /code 5/);
  assert.equal((await byKey(db, 'ib:refused:email'))?.parent_id, refusedId);

  const ids = gw.accepted.map((m) => m.messageId);
  const answers = await gw.pushReports(ids);
  assert.deepEqual(answers.map((a) => [a.status, a.count]), [[200, 100], [200, 50]]);
  assert.deepEqual(await counts(db), { delivered: 150, failed: 1 });
  const again = await gw.pushReports(ids);
  assert.deepEqual(again.map((a) => [a.status, (JSON.parse(a.body) as { recorded: number }).recorded]), [[200, 0], [200, 0]]);
  const receipts = await sql<{ n: number }>`SELECT count(*)::int AS n FROM delivery_receipts WHERE status = 'DELIVRD'`.execute(db);
  assert.equal(receipts.rows[0]?.n, 150);
});

test('infobip: a wrong key is retried (the account, not the number), never failed over', async (t) => {
  const gw = await startInfobip({ key: 'right-key' });
  t.after(() => gw.stop());
  const { db } = await izvestie(t, { HTTP_SMS_URL: gw.base, HTTP_SMS_OPTIONS: JSON.stringify({ preset: 'infobip', token: 'wrong-key', from: 'EnergoPro', callbackSecret: SECRET }) });
  await enqueueMany(db, notices('key', 1));
  await until(async () => gw.requests.length >= 2, 20_000, 'a retry');
  const [m] = await db.selectFrom('outbox_messages').selectAll().execute();
  assert.notEqual(m?.status, 'failed');
  assert.match(m?.last_error ?? '', /answered 401/);
});

test('smsapi-bg: bearer token, form body, a GET report answered OK marks the message delivered once; a bad number fails over', async (t) => {
  const gw = await startSmsapiBg({ token: 'sa-token-1' });
  t.after(() => gw.stop());
  const { db } = await izvestie(t, { HTTP_SMS_URL: gw.base, HTTP_SMS_OPTIONS: JSON.stringify({ preset: 'smsapi-bg', token: 'sa-token-1', from: 'EnergoPro', callbackSecret: SECRET }) });
  const c = await seedOverdue(db, 2);
  gw.invalidNumbers.add(c.phone.slice(1));
  const { id: refusedId } = await enqueue(db, { businessKey: 'sa:refused', kind: 'overdue_reminder', channel: 'sms', recipient: c.phone, customerNumber: c.customerNumber, subscriptionId: c.smsId, fallback: ['email'], payload: c.payload });
  gw.failNext(500, 201);
  await enqueueMany(db, notices('sa', 3));
  await until(async () => (await counts(db))['sent'] === 3, 30_000, 'the notices sent');
  assert.equal(gw.requests[0]?.headers.authorization, 'Bearer sa-token-1');
  assert.match(gw.requests[0]?.headers['content-type'] ?? '', /^application\/x-www-form-urlencoded/);
  assert.equal(gw.accepted[0]?.from, 'EnergoPro');
  await until(async () => (await messageById(db, refusedId)).status === 'failed', 20_000, 'the refused one failed');
  assert.match((await messageById(db, refusedId)).last_error ?? '', /code 13/);
  assert.equal((await byKey(db, 'sa:refused:email'))?.parent_id, refusedId);

  const m = gw.accepted[0];
  assert.ok(m);
  const r = await gw.report(m.id, 404, 'DELIVERED');
  assert.deepEqual(r, { status: 200, body: 'OK' });
  const id = Number(m.idx.slice(3));
  assert.equal((await messageById(db, id)).status, 'delivered');
  const at = (await messageById(db, id)).delivered_at;
  assert.deepEqual(await gw.report(m.id, 404, 'DELIVERED'), { status: 200, body: 'OK' });
  assert.deepEqual((await messageById(db, id)).delivered_at, at);
  // Without the token in the URL the report is refused (and the gateway will send it again).
  const bad = await fetch(m.notifyUrl.replace(/token=[^&]+/, 'token=wrong'));
  assert.equal(bad.status, 401);
  const failed = gw.accepted[1];
  assert.ok(failed);
  assert.deepEqual(await gw.report(failed.id, 405, 'UNDELIVERED'), { status: 200, body: 'OK' });
  assert.equal((await messageById(db, Number(failed.idx.slice(3)))).status, 'failed');
});

test('mobica: user and pass in the JSON body, a batch with per-message codes, 1121 retried, states polled until final and not asked about after', async (t) => {
  const gw = await startMobica({ user: 'utility', pass: 'p4ss' }, { delayMs: 100 });
  t.after(() => gw.stop());
  gw.refuseNext(1121);
  const { db } = await izvestie(
    t,
    { HTTP_SMS_URL: gw.base, HTTP_SMS_OPTIONS: JSON.stringify({ preset: 'mobica', user: 'utility', password: 'p4ss', from: 'EnergoPro', poll: { intervalSeconds: 1 } }) },
    { poller: true },
  );
  await enqueueMany(db, notices('mo', 30));
  await until(async () => (await counts(db))['sent'] === 30, 60_000, 'every notice sent');
  assert.ok(Math.max(...gw.batches) > 1, `batches: ${gw.batches.join(',')}`);
  assert.equal(new Set(gw.accepted.map((m) => m.idd)).size, 30);
  const firstBody = JSON.parse(gw.requests[0]?.raw ?? '{}') as Record<string, unknown>;
  assert.deepEqual([firstBody['user'], firstBody['pass']], ['utility', 'p4ss']);
  const refusedOnce = await sql<{ n: number }>`SELECT count(*)::int AS n FROM message_attempts WHERE outcome = 'transient' AND error LIKE '%code 1121%'`.execute(db);
  assert.ok((refusedOnce.rows[0]?.n ?? 0) >= 1);

  const idds = gw.accepted.map((m) => m.idd);
  for (const idd of idds.slice(0, 28)) gw.setState(idd, 'delivered');
  gw.setState(idds[28] ?? '', 'undelivered', 'Absent subscriber');
  // idds[29] stays pending: asked about again at each interval.
  await until(async () => {
    const c = await counts(db);
    return c['delivered'] === 28 && c['failed'] === 1;
  }, 30_000, 'polled states stored');
  const settled = new Map(idds.slice(0, 29).map((i) => [i, gw.asked.get(i) ?? 0]));
  const pendingAsked = gw.asked.get(idds[29] ?? '') ?? 0;
  await until(async () => (gw.asked.get(idds[29] ?? '') ?? 0) >= pendingAsked + 2, 20_000, 'the pending one asked about again');
  for (const [idd, n] of settled) assert.equal(gw.asked.get(idd), n, `${idd} asked about after its final state`);
  assert.equal((await counts(db))['sent'], 1);
  const failed = await messageById(db, Number((idds[28] ?? '').slice(3)));
  assert.match(failed.last_error ?? '', /undelivered: Absent subscriber/);
  const receipts = await sql<{ n: number }>`SELECT count(*)::int AS n FROM delivery_receipts WHERE status = 'DELIVRD'`.execute(db);
  assert.equal(receipts.rows[0]?.n, 28);
});
