import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { appSecret } from '../../src/db/app-secret.js';
import { enqueue } from '../../src/delivery/outbox/enqueue.js';
import { createWorker } from '../../src/app/worker.js';
import { unsubscribeToken } from '../../src/delivery/unsubscribe-token.js';
import { testRoot, testServer } from '../support/app.js';
import { describeEachBackend } from '../support/db.js';
import { postSignedCallback, startHttpGateway, type HttpGateway } from '../support/http-gateway.js';
import { byKey, messageById, resetData, seedCustomer } from './outbox/fixtures.js';

const SECRET = 'gateway-callback-secret-0123';
// What the email that takes over is rendered from.
const vars = {
  customer_name: 'Иван Петров',
  customer_number_masked: '******0001',
  total_eur: '12,34 EUR',
  total_bgn_note: '',
  invoice_count: 1,
  invoice_numbers: 'INV-1',
  oldest_due_date: '21.10.2026',
  pay_url: 'https://izvestie.example.bg/pay',
  customer_no: '******0001',
  pay_code: '',
  invoice_list: '- № INV-1, падеж 21.10.2026, дължимо 12,34 EUR',
  ways_to_pay: 'Банков превод:\n  IBAN: BG80 BNBG 9661 1020 3456 78',
  unsubscribe_url: 'https://izvestie.example.bg/u/x',
};
const PATH = '/api/v1/delivery/http-sms/callback';

describeEachBackend('HTTP SMS status callback route', (get) => {
  let gateway: HttpGateway;
  let env: Record<string, string>;
  let app: FastifyInstance;
  let url: string;
  before(async () => {
    gateway = await startHttpGateway();
    env = {
      HTTP_SMS_URL: gateway.url,
      HTTP_SMS_OPTIONS: JSON.stringify({
        bodyTemplate: { to: '{to}', text: '{text}', idd: '{ref}' },
        successPath: 'status',
        successValue: 'ok',
        providerIdPath: 'data.id',
        callbackSecret: SECRET,
        callbackMode: 'hmac',
      }),
      SMS_QUIET_HOURS: 'off',
      PUBLIC_URL: 'https://izvestie.example.bg',
    };
    app = await testServer(get(), env);
    url = `${await app.listen({ host: '127.0.0.1', port: 0 })}${PATH}`;
  });
  after(async () => {
    await app.close();
    await gateway.stop();
  });
  beforeEach(() => resetData(get().db));

  /** One SMS sent through the real gateway by the real worker: returns its id and the gateway's id. */
  async function sentSms(n: number): Promise<{ id: number; gatewayId: string; customer: Awaited<ReturnType<typeof seedCustomer>> }> {
    const { db } = get();
    const c = await seedCustomer(db, n);
    const { id } = await enqueue(db, {
      businessKey: `notice:${n}`,
      kind: 'overdue_reminder',
      channel: 'sms',
      recipient: c.phone,
      customerNumber: c.customerNumber,
      subscriptionId: c.smsId,
      body: 'Неплатена сметка',
      fallback: ['email'],
      payload: { vars },
    });
    const before = gateway.requests.length;
    const worker = createWorker(await testRoot(get(), env));
    await worker.drain();
    await worker.stop();
    assert.equal(gateway.requests.length, before + 1);
    const m = await messageById(db, id);
    assert.equal(m.status, 'sent');
    assert.equal(m.provider, 'http-sms');
    const gatewayId = m.provider_message_ids.find((x) => x.startsWith('gw-')) ?? '';
    assert.deepEqual(m.provider_message_ids, [gatewayId, `izv${id}`]);
    return { id, gatewayId, customer: c };
  }

  test('a correctly signed report over HTTP marks the message delivered; a repeat changes nothing', async () => {
    const { db } = get();
    const { id, gatewayId } = await sentSms(1);
    const r = await postSignedCallback(url, { id: gatewayId, idd: `izv${id}`, status: 'DELIVRD' }, { secret: SECRET });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), { status: 'DELIVRD', recorded: 2, messageId: id });
    const m = await messageById(db, id);
    assert.equal(m.status, 'delivered');
    assert.ok(m.delivered_at !== null);

    const again = await postSignedCallback(url, { id: gatewayId, idd: `izv${id}`, status: 'DELIVRD' }, { secret: SECRET });
    assert.deepEqual(JSON.parse(again.body), { status: 'DELIVRD', recorded: 0, messageId: null });
    const receipts = await db.selectFrom('delivery_receipts').select(['provider', 'provider_message_id', 'status', 'message_id']).orderBy('provider_message_id').execute();
    assert.deepEqual(receipts, [
      { provider: 'http-sms', provider_message_id: gatewayId, status: 'DELIVRD', message_id: id },
      { provider: 'http-sms', provider_message_id: `izv${id}`, status: 'DELIVRD', message_id: id },
    ]);
  });

  test('a report that names only our reference is enough', async () => {
    const { id } = await sentSms(2);
    const r = await postSignedCallback(url, { idd: `izv${id}`, status: 'delivered' }, { secret: SECRET });
    assert.equal(r.status, 200, r.body);
    assert.equal((await messageById(get().db, id)).status, 'delivered');
  });

  test('a signed report with a NUL character is refused alone with 400, and a good one at the same moment is stored', async () => {
    const { db } = get();
    const bad = await sentSms(4);
    const good = await sentSms(5);
    const [refused, stored] = await Promise.all([
      postSignedCallback(url, { id: bad.gatewayId, idd: `izv${bad.id}`, status: 'UNDELIV', error: 'x\u0000y' }, { secret: SECRET }),
      postSignedCallback(url, { id: good.gatewayId, idd: `izv${good.id}`, status: 'DELIVRD' }, { secret: SECRET }),
    ]);
    assert.equal(refused.status, 400, refused.body);
    assert.match(refused.body, /body\.error/);
    assert.equal(stored.status, 200, stored.body);
    assert.equal((await messageById(db, bad.id)).status, 'sent');
    assert.equal((await messageById(db, good.id)).status, 'delivered');
  });

  test('a bad signature, another secret or an altered body is refused with 401 and records nothing', async () => {
    const { db } = get();
    const { id, gatewayId } = await sentSms(3);
    const fields = { id: gatewayId, idd: `izv${id}`, status: 'UNDELIV' };
    assert.equal((await postSignedCallback(url, fields, { secret: SECRET, signature: 'f'.repeat(64) })).status, 401);
    assert.equal((await postSignedCallback(url, fields, { secret: 'another-secret-0123456789' })).status, 401);
    assert.equal((await postSignedCallback(url, fields, { secret: SECRET, bodyOverride: JSON.stringify({ ...fields, status: 'DELIVRD' }) })).status, 401);
    // The signature covers the bytes as sent: the same JSON with other spacing is another body.
    const raw = JSON.stringify(fields);
    const res = await app.inject({
      method: 'POST',
      url: PATH,
      headers: { 'content-type': 'application/json', 'x-signature': createHmac('sha256', SECRET).update(raw).digest('hex') },
      payload: JSON.stringify(fields, null, 1),
    });
    assert.equal(res.statusCode, 401);
    assert.equal(res.json().error.code, 'UNAUTHORIZED');
    assert.equal((await db.selectFrom('delivery_receipts').select('id').execute()).length, 0);
    assert.equal((await messageById(db, id)).status, 'sent');
  });

  test('a failure report, signed over the raw form body, fails the message: hard failure counted, email takes over', async () => {
    const { db } = get();
    const { id, gatewayId, customer } = await sentSms(4);
    const raw = `id=${gatewayId}&idd=izv${id}&status=undelivered`;
    const res = await app.inject({
      method: 'POST',
      url: PATH,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-signature': `sha256=${createHmac('sha256', SECRET).update(raw).digest('hex')}` },
      payload: raw,
    });
    assert.equal(res.statusCode, 200, res.body);
    const m = await messageById(db, id);
    assert.equal(m.status, 'failed');
    assert.match(m.last_error ?? '', /UNDELIV/);
    const sub = await db.selectFrom('subscriptions').select('hard_failures').where('id', '=', customer.smsId).executeTakeFirstOrThrow();
    assert.equal(sub.hard_failures, 1);
    const email = await byKey(db, 'notice:4:email');
    assert.deepEqual([email?.channel, email?.recipient, email?.parent_id, email?.status], ['email', customer.email, id, 'queued']);
  });

  test('a "sent" report is recorded and changes nothing; a report naming no message is refused', async () => {
    const { db } = get();
    const { id, gatewayId } = await sentSms(5);
    const r = await postSignedCallback(url, { id: gatewayId, status: 'accepted' }, { secret: SECRET });
    assert.equal(r.status, 200, r.body);
    assert.equal((await messageById(db, id)).status, 'sent');
    assert.equal(Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM delivery_receipts WHERE status = 'ENROUTE'`.execute(db)).rows[0]?.n), 2);
    assert.equal((await postSignedCallback(url, { status: 'DELIVRD' }, { secret: SECRET })).status, 422);
  });
});

describeEachBackend('delivery routes without an HTTP gateway', (get) => {
  test('the callback route does not exist', async () => {
    const app = await testServer(get());
    try {
      const res = await app.inject({ method: 'POST', url: PATH, headers: { 'content-type': 'application/json' }, payload: '{"idd":"izv1","status":"DELIVRD"}' });
      assert.equal(res.statusCode, 404);
    } finally {
      await app.close();
    }
  });
});

describeEachBackend('one-click unsubscribe', (get) => {
  let app: FastifyInstance;
  before(async () => {
    app = await testServer(get(), { PUBLIC_URL: 'https://izvestie.example.bg' });
  });
  after(() => app.close());
  beforeEach(() => resetData(get().db));

  async function tokenFor(id: number): Promise<string> {
    return unsubscribeToken(await appSecret(get(), 'unsubscribe'), id);
  }

  const oneClick = (token: string, payload = 'List-Unsubscribe=One-Click', type = 'application/x-www-form-urlencoded') =>
    app.inject({ method: 'POST', url: `/u/${token}`, headers: { 'content-type': type }, payload });

  const audits = () =>
    get()
      .db.selectFrom('audit_events')
      .select(['actor', 'action', 'subject', 'details'])
      .where('action', '=', 'subscription.cancelled')
      .execute();

  test('GET shows a bilingual page with a button; POST List-Unsubscribe=One-Click ends it at once, once', async () => {
    const { db } = get();
    const c = await seedCustomer(db, 1);
    const emailId = c.emailId ?? 0;
    const later = new Date(Date.now() + 86_400_000);
    const queuedEmail = await enqueue(db, { businessKey: 'e1', kind: 'overdue_reminder', channel: 'email', recipient: c.email, customerNumber: c.customerNumber, subscriptionId: emailId, body: 'x', subject: 's', notBefore: later });
    const queuedSms = await enqueue(db, { businessKey: 's1', kind: 'overdue_reminder', channel: 'sms', recipient: c.phone, customerNumber: c.customerNumber, subscriptionId: c.smsId, body: 'x', notBefore: later });
    const before = (await audits()).length;
    const token = await tokenFor(emailId);

    const page = await app.inject({ method: 'GET', url: `/u/${token}` });
    assert.equal(page.statusCode, 200);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.ok(page.headers['content-security-policy']);
    assert.ok(page.body.indexOf('Отказ от известията') < page.body.indexOf('Unsubscribe from notices'), 'Bulgarian first');
    assert.ok(page.body.includes(`<form method="post" action="/u/${token}">`));
    assert.ok(page.body.includes('name="List-Unsubscribe" value="One-Click"'));
    assert.ok(!page.body.includes(c.email), 'the address is shown masked');
    // Looking does not unsubscribe (mail scanners follow links).
    assert.equal((await db.selectFrom('subscriptions').select('status').where('id', '=', emailId).executeTakeFirstOrThrow()).status, 'active');

    const res = await oneClick(token);
    assert.equal(res.statusCode, 200);
    assert.ok(res.body.includes('Отказахте се от известията'));
    const sub = await db.selectFrom('subscriptions').selectAll().where('id', '=', emailId).executeTakeFirstOrThrow();
    assert.deepEqual([sub.status, sub.end_reason, sub.ended_at !== null], ['unsubscribed', 'cancelled', true]);
    const e = await messageById(db, queuedEmail.id);
    assert.deepEqual([e.status, e.cancel_reason], ['cancelled', 'subscription ended']);
    assert.equal((await messageById(db, queuedSms.id)).status, 'queued');
    const rows = (await audits()).slice(before);
    assert.equal(rows.length, 1);
    assert.deepEqual([rows[0]?.actor, rows[0]?.subject, rows[0]?.details.via, rows[0]?.details.subscription_id, rows[0]?.details.cancelled_messages], ['customer', c.customerNumber, 'one-click', emailId, 1]);

    // Idempotent: again, and the page, say it is done and change nothing.
    const again = await oneClick(token);
    assert.equal(again.statusCode, 200);
    assert.ok(again.body.includes('Отказахте се от известията'));
    assert.equal((await audits()).length, before + 1);
    const after = await app.inject({ method: 'GET', url: `/u/${token}` });
    assert.equal(after.statusCode, 200);
    assert.ok(after.body.includes('You are unsubscribed'));
    assert.equal((await db.selectFrom('subscriptions').select('ended_at').where('id', '=', emailId).executeTakeFirstOrThrow()).ended_at?.toISOString(), sub.ended_at?.toISOString());
  });

  test('the RFC 8058 multipart/form-data body works too; a POST without it changes nothing', async () => {
    const { db } = get();
    const c = await seedCustomer(db, 2);
    const token = await tokenFor(c.emailId ?? 0);
    const bare = await app.inject({ method: 'POST', url: `/u/${token}` });
    assert.equal(bare.statusCode, 400);
    assert.equal((await oneClick(token, 'List-Unsubscribe=Maybe')).statusCode, 400);
    assert.equal((await db.selectFrom('subscriptions').select('status').where('id', '=', c.emailId).executeTakeFirstOrThrow()).status, 'active');

    const boundary = '---FormBoundaryjWmhtjORrn';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const res = await oneClick(token, body, `multipart/form-data; boundary=${boundary}`);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal((await db.selectFrom('subscriptions').select('status').where('id', '=', c.emailId).executeTakeFirstOrThrow()).status, 'unsubscribed');
  });

  test('a bad or forged token is a 404 page and changes nothing', async () => {
    const { db } = get();
    const c = await seedCustomer(db, 3);
    const good = await tokenFor(c.emailId ?? 0);
    const mac = good.split('.')[1] ?? '';
    const before = (await audits()).length;
    for (const token of [`${c.emailId}.${'A'.repeat(22)}`, `${c.smsId}.${mac}`, 'nonsense', `${c.emailId}`, await tokenFor(999_999)]) {
      const page = await app.inject({ method: 'GET', url: `/u/${token}` });
      assert.equal(page.statusCode, 404, token);
      assert.ok(page.body.includes('Връзката не е валидна'));
      assert.equal((await oneClick(token)).statusCode, 404, token);
    }
    const statuses = await db.selectFrom('subscriptions').select('status').where('customer_number', '=', c.customerNumber).execute();
    assert.deepEqual(statuses.map((s) => s.status), ['active', 'active']);
    assert.equal((await audits()).length, before);
  });
});
