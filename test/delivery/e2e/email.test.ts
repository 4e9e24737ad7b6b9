import { afterEach, beforeEach, test } from 'node:test';
import assert from 'node:assert/strict';
import { enqueue, enqueueMany } from '../../../src/delivery/outbox/enqueue.js';
import type { Worker } from '../../../src/delivery/worker.js';
import { describeEachBackend } from '../../support/db.js';
import { TEXT_KIND, e2eWorker, quickRetries, seedOverdue, until } from '../../support/delivery-e2e.js';
import { startSmsc, type Smsc } from '../../support/smsc.js';
import { startSmtpSink, type SmtpSink } from '../../support/smtp-sink.js';
import { attemptsOf, byKey, messageById, resetData } from '../outbox/fixtures.js';

// Email through the configured SMTP channel (nodemailer pool) to a real smtp-server on loopback:
// what arrives on the wire, and what the outbox makes of 4xx, 5xx and a slow server.

const FROM = '"Известия за ток" <izvestia@izvestie.example.bg>';
const BOUNCES = 'bounce.izvestie.example.bg';

/** The header block as it came over the wire, unfolded. */
function headerBlock(raw: Buffer): string {
  const text = raw.toString('utf8');
  return text.slice(0, text.indexOf('\r\n\r\n')).replace(/\r\n[ \t]+/g, ' ');
}

describeEachBackend('email on the wire, sent by the configured SMTP channel', (get) => {
  let sink: SmtpSink;
  let worker: Worker | undefined;
  beforeEach(async () => {
    await resetData(get().db);
    sink = await startSmtpSink();
  });
  afterEach(async () => {
    // The pooled connections must close first: the sink waits for them.
    await worker?.stop();
    await sink.stop();
  });
  const start = async (env: Record<string, string> = {}) => {
    worker = await e2eWorker(get(), { SMTP_URL: sink.url, SMTP_FROM: FROM, BOUNCE_DOMAIN: BOUNCES, ...env }, quickRetries);
    await worker.start();
  };

  test('an overdue reminder arrives with its stable Message-ID, one-click unsubscribe, VERP sender and Cyrillic subject', async () => {
    const { db } = get();
    const c = await seedOverdue(db, 3);
    await start();
    const { id } = await enqueue(db, { businessKey: 'overdue:3:2026-11-24', kind: 'overdue_reminder', channel: 'email', recipient: c.email, customerNumber: c.customerNumber, subscriptionId: c.emailId, payload: c.payload });
    const [mail] = await sink.waitForMessages(1, 20_000);
    assert.ok(mail);
    await until(async () => (await messageById(db, id)).status === 'sent', 10_000, 'the email recorded sent');
    const row = await messageById(db, id);
    const headers = headerBlock(mail.raw);

    assert.deepEqual([mail.mailFrom, mail.rcptTo], [`bounce+${id}@${BOUNCES}`, [c.email]]);
    assert.equal(mail.parsed.messageId, `<overdue-3-2026-11-24.${id}@izvestie.example.bg>`);
    assert.deepEqual(row.provider_message_ids, [mail.parsed.messageId]);
    assert.deepEqual(mail.parsed.from?.value, [{ name: 'Известия за ток', address: 'izvestia@izvestie.example.bg' }]);
    // The subject is stored as rendered, and goes encoded (RFC 2047): the wire is 7-bit.
    assert.equal(mail.parsed.subject, row.subject);
    assert.match(row.subject ?? '', /^Напомняне за неплатени сметки – клиентски № \*{6}0003$/);
    assert.match(headers, /^Subject: =\?UTF-8\?[BQ]\?/m);
    assert.match(headers, /^List-Unsubscribe: <https:\/\/izvestie\.example\.bg\/u\/[A-Za-z0-9._~-]+>$/m);
    assert.match(headers, /^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    assert.match(headers, /^Auto-Submitted: auto-generated$/m);
    // Header names are case-insensitive (nodemailer writes X-Izvestie-Message-ID).
    assert.match(headers, new RegExp(`^X-Izvestie-Message-Id: ${id}$`, 'mi'));
    assert.equal(mail.parsed.text?.trim(), row.body?.trim());
    assert.match(mail.parsed.text ?? '', /E2E-3/);
    assert.match(String(mail.parsed.html), /<html lang="bg">/);
  });

  test('4xx answers are retried: one copy arrives, under the same Message-ID, after the refused attempts', async () => {
    const { db } = get();
    sink.failWith({ code: 451, message: '4.3.0 Try again later', times: 2 });
    await start();
    const { id } = await enqueue(db, { businessKey: 'tempfail', kind: TEXT_KIND, channel: 'email', recipient: 'client@example.bg', subject: 'Опит', body: 'Текст', html: '<p>Текст</p>' });
    await until(async () => (await messageById(db, id)).status === 'sent', 20_000, 'the email sent after the refusals');
    assert.equal(sink.messages.length, 1);
    assert.equal(sink.messages[0]?.parsed.messageId, `<tempfail.${id}@izvestie.example.bg>`);
    const attempts = await attemptsOf(db, id);
    assert.deepEqual(attempts.map((a) => a.outcome), ['transient', 'transient', 'accepted']);
    for (const a of attempts.slice(0, 2)) assert.match(a.error ?? '', /^SMTP 451: /);
  });

  test('a 5xx answer fails the email for good, counts against the address, and the SMS fallback goes out', async () => {
    const { db } = get();
    const smsc: Smsc = await startSmsc();
    try {
      const c = await seedOverdue(db, 4);
      sink.failWith({ code: 550, message: '5.1.1 No such user', at: 'rcpt' });
      await start({ SMPP_URL: smsc.url });
      const { id } = await enqueue(db, { businessKey: 'hardfail', kind: 'overdue_reminder', channel: 'email', recipient: c.email, customerNumber: c.customerNumber, subscriptionId: c.emailId, fallback: ['sms'], payload: c.payload });
      await until(() => smsc.submitted.length > 0, 20_000, 'the SMS fallback at the SMSC');
      const email = await messageById(db, id);
      assert.deepEqual([email.status, email.attempts, sink.messages.length], ['failed', 1, 0]);
      assert.match(email.last_error ?? '', /^SMTP 550: /);
      assert.deepEqual((await attemptsOf(db, id)).map((a) => a.outcome), ['permanent']);
      const sub = await db.selectFrom('subscriptions').select('hard_failures').where('id', '=', c.emailId ?? -1).executeTakeFirstOrThrow();
      assert.equal(sub.hard_failures, 1);
      const sms = await byKey(db, 'hardfail:sms');
      assert.deepEqual([sms?.parent_id, sms?.recipient], [id, c.phone]);
      // One GSM-7 part: the Bulgarian notice goes in Latin letters by default.
      assert.ok(smsc.submitted.every((s) => s.destination_addr === c.phone.slice(1) && s.data_coding === 0));
      await until(async () => (await byKey(db, 'hardfail:sms'))?.status === 'sent', 10_000, 'the SMS recorded sent');
    } finally {
      await worker?.stop();
      await smsc.stop();
    }
  });

  test('a slow server: at most SMTP_POOL_SIZE connections, every email once', async () => {
    const { db } = get();
    sink.setDelay(150);
    await start({ SMTP_POOL_SIZE: '2' });
    await enqueueMany(db, Array.from({ length: 10 }, (_, i) => ({ businessKey: `slow:${i}`, kind: TEXT_KIND, channel: 'email' as const, recipient: `client${i}@example.bg`, subject: 'Бавно', body: `Писмо ${i}` })));
    await sink.waitForMessages(10, 30_000);
    assert.ok(sink.peakConnections <= 2, `peak connections ${sink.peakConnections}`);
    assert.deepEqual(sink.messages.map((m) => m.rcptTo[0]).sort(), Array.from({ length: 10 }, (_, i) => `client${i}@example.bg`).sort());
  });

  test('a worker with SMTP refuses to start without an https PUBLIC_URL, which one-click unsubscribe links need', async () => {
    await assert.rejects(e2eWorker(get(), { SMTP_URL: sink.url, PUBLIC_URL: 'http://localhost:3000' }), /PUBLIC_URL: must be an https:\/\/ URL/);
  });
});
