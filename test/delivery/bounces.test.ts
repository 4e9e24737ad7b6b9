import { after, before, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import nodemailer from 'nodemailer';
import { startBounceReceiver } from '../../src/delivery/bounces.js';
import { enqueue } from '../../src/delivery/outbox/enqueue.js';
import { createWorker } from '../../src/app/worker.js';
import { testApiKey, testRoot, testServer } from '../support/app.js';
import { describeEachBackend } from '../support/db.js';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink.js';
import { buildDsn } from './email/dsn-fixture.js';
import { byKey, messageById, resetData, seedCustomer } from './outbox/fixtures.js';

const BOUNCE_DOMAIN = 'bounces.example.bg';
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
};

describeEachBackend('email bounces', (get) => {
  let sink: SmtpSink;
  let env: Record<string, string>;
  let app: FastifyInstance;
  before(async () => {
    sink = await startSmtpSink();
    env = {
      SMTP_URL: sink.url,
      EMAIL_DOMAIN: 'izvestie.example.bg',
      BOUNCE_DOMAIN,
      BOUNCE_SMTP_PORT: '0',
      HOST: '127.0.0.1',
      PUBLIC_URL: 'https://izvestie.example.bg',
    };
    app = await testServer(get(), env);
  });
  after(async () => {
    await app.close();
    await sink.stop();
  });
  beforeEach(() => resetData(get().db));

  /** An email notice (SMS as its fallback) sent over real SMTP by the worker; returns it with the header block as it left. */
  async function sentEmail(n: number) {
    const { db } = get();
    const c = await seedCustomer(db, n);
    const { id } = await enqueue(db, {
      businessKey: `notice:${n}`,
      kind: 'overdue_reminder',
      channel: 'email',
      recipient: c.email,
      customerNumber: c.customerNumber,
      subscriptionId: c.emailId,
      subject: 'Напомняне',
      body: 'Неплатена сметка',
      html: '<p>Неплатена сметка</p>',
      fallback: ['sms'],
      payload: { vars },
    });
    const seen = sink.messages.length;
    const worker = createWorker(await testRoot(get(), env));
    await worker.drain();
    await worker.stop();
    const [mail] = (await sink.waitForMessages(seen + 1)).slice(seen);
    assert.equal(mail?.mailFrom, `bounce+${id}@${BOUNCE_DOMAIN}`);
    const raw = mail?.raw.toString('utf8') ?? '';
    const headers = raw.slice(0, raw.indexOf('\r\n\r\n'));
    assert.equal((await messageById(db, id)).status, 'sent');
    return { id, customer: c, headers };
  }

  const post = (dsn: string, o: { key?: string | null; query?: string; type?: string } = {}) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/delivery/bounces${o.query ?? ''}`,
      headers: { 'content-type': o.type ?? 'message/rfc822', ...(o.key === null ? {} : { authorization: `Bearer ${o.key ?? testApiKey}` }) },
      payload: dsn,
    });

  test('a hard bounce POSTed with the returned headers fails the message, counts against the address, and SMS takes over', async () => {
    const { db } = get();
    const { id, customer, headers } = await sentEmail(1);
    const dsn = buildDsn({ to: 'postmaster@izvestie.example.bg', finalRecipient: customer.email, originalHeaders: headers });

    assert.equal((await post(dsn, { key: null })).statusCode, 401);
    assert.equal((await post(dsn, { key: 'not-the-key-0123456789abcdef' })).statusCode, 401);
    assert.equal((await messageById(db, id)).status, 'sent');

    const res = await post(dsn);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().messageId, res.json().receipt, res.json().status, res.json().duplicate, res.json().bounce.hard], [id, 'UNDELIV', 'failed', false, true]);
    const m = await messageById(db, id);
    assert.equal(m.status, 'failed');
    assert.match(m.last_error ?? '', /UNDELIV/);
    const sub = await db.selectFrom('subscriptions').select(['hard_failures']).where('id', '=', customer.emailId).executeTakeFirstOrThrow();
    assert.equal(sub.hard_failures, 1);
    const sms = await byKey(db, 'notice:1:sms');
    assert.deepEqual([sms?.channel, sms?.recipient, sms?.parent_id, sms?.status], ['sms', customer.phone, id, 'queued']);
    assert.match(sms?.body ?? '', /\*\*\*\*\*\*0001/);

    // The same report again (mail servers retry): nothing more happens.
    const again = await post(dsn, { type: 'text/plain' });
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().duplicate, true);
    const after = await db.selectFrom('subscriptions').select(['hard_failures']).where('id', '=', customer.emailId).executeTakeFirstOrThrow();
    assert.equal(after.hard_failures, 1);
  });

  test('a soft bounce (delayed) is recorded only; the VERP recipient can be given as rcpt_to', async () => {
    const { db } = get();
    const { id } = await sentEmail(2);
    const dsn = buildDsn({ action: 'delayed', status: '4.2.2', returned: 'none' });
    const res = await post(dsn, { query: `?rcpt_to=${encodeURIComponent(`bounce+${id}@${BOUNCE_DOMAIN}`)}` });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().receipt, res.json().status], ['DELAYED', 'sent']);
    assert.equal((await messageById(db, id)).status, 'sent');
    const receipts = await db.selectFrom('delivery_receipts').select(['provider', 'status', 'message_id']).execute();
    assert.deepEqual(receipts, [{ provider: 'smtp', status: 'DELAYED', message_id: id }]);
    assert.equal(await byKey(db, 'notice:2:sms'), undefined);
  });

  test('what is not a DSN, or names none of our emails, is refused', async () => {
    const { id } = await sentEmail(3);
    const notDsn = await post('From: someone@example.net\r\nSubject: out of office\r\n\r\nI am away.\r\n');
    assert.equal(notDsn.statusCode, 422);
    const stranger = await post(buildDsn({ returned: 'none' }), { query: `?rcpt_to=bounce+${id + 1000}@${BOUNCE_DOMAIN}` });
    assert.equal(stranger.statusCode, 404);
    assert.equal((await post('{}', { type: 'application/json' })).statusCode, 415);
  });

  test('the built-in SMTP receiver takes a DSN sent to the VERP address and fails the message', async () => {
    const { db } = get();
    const { id, customer } = await sentEmail(4);
    const receiver = await startBounceReceiver(await testRoot(get(), env));
    assert.ok(receiver !== null);
    const client = nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, ignoreTLS: true });
    try {
      // As a remote MTA sends it: null sender, to the return path of our message.
      const dsn = buildDsn({ to: `bounce+${id}@${BOUNCE_DOMAIN}`, finalRecipient: customer.email, returned: 'none' });
      await client.sendMail({ envelope: { from: '', to: `bounce+${id}@${BOUNCE_DOMAIN}` }, raw: dsn });
    } finally {
      client.close();
      await receiver.stop();
    }
    assert.equal((await messageById(db, id)).status, 'failed');
    assert.equal((await db.selectFrom('subscriptions').select('hard_failures').where('id', '=', customer.emailId).executeTakeFirstOrThrow()).hard_failures, 1);
    assert.equal((await byKey(db, 'notice:4:sms'))?.parent_id, id);
  });

  test('no receiver without BOUNCE_SMTP_PORT', async () => {
    const { BOUNCE_SMTP_PORT: _port, ...rest } = env;
    assert.equal(await startBounceReceiver(await testRoot(get(), rest)), null);
  });
});
