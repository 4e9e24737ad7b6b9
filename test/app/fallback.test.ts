// Fallback from every failure path, through the program as users run it: notices made by the
// real daily run (`izvestie run`) over imported data, sent by `izvestie worker`, failed by the SMSC,
// the SMTP server, the HTTP gateway's callback or a bounce, and printed by `izvestie letters export`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { assemble } from '../../src/app/root.js';
import { loadConfig } from '../../src/config.js';
import type { DB } from '../../src/db/schema.js';
import { startBounceReceiver } from '../../src/delivery/bounces.js';
import { sofiaDate } from '../../src/dunning/calendar/index.js';
import { buildServer } from '../../src/http/server.js';
import { silentLogger } from '../../src/log.js';
import nodemailer from 'nodemailer';
import { testApiKey } from '../support/app.js';
import { backends, openTestPostgres } from '../support/db.js';
import { buildDsn } from '../delivery/email/dsn-fixture.js';
import { postSignedCallback, startHttpGateway } from '../support/http-gateway.js';
import { cli, importCustomers, programEnv as baseEnv } from '../support/program.js';
import { startSmsc } from '../support/smsc.js';
import { startSmtpSink } from '../support/smtp-sink.js';
import { startWorkerProcess } from '../support/worker-process.js';
import { quickRetries } from '../support/delivery-e2e.js';
import { createWorker } from '../../src/app/worker.js';

const postgres = backends.find((b) => b.name === 'postgres');
// A Wednesday: an invoice due on 2026-11-05 is 14 working days overdue (the final notice, with a
// letter as the last channel); one due on 2026-11-20 is 3 (the reminder: SMS, then email).
const RUN_DATE = '2026-11-25';
const FINAL_DUE = '2026-11-05';
const REMINDER_DUE = '2026-11-20';
const SECRET = 'gateway-callback-secret-0123';

interface Row {
  id: number;
  kind: string;
  channel: string;
  status: string;
  parent_id: number | null;
  body: string | null;
  template_version: number | null;
  last_error: string | null;
}

async function messagesOf(db: Kysely<DB>, customer: string): Promise<Row[]> {
  return db.selectFrom('outbox_messages').select(['id', 'kind', 'channel', 'status', 'parent_id', 'body', 'template_version', 'last_error']).where('customer_number', '=', customer).orderBy('id').execute();
}

async function ok(args: string[], env: Record<string, string>): Promise<string> {
  const r = await cli(args, env);
  assert.equal(r.code, 0, `izvestie ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('fallback after every failure, on the whole program', { skip: postgres?.skip ?? 'no PostgreSQL' }, () => {
  let out: string;
  before(() => {
    out = mkdtempSync(join(tmpdir(), 'izvestie-letters-'));
  });
  after(() => rmSync(out, { recursive: true, force: true }));

  test('SMPP permanent failure → email → SMTP 550 → letter, printed by `izvestie letters export`', async (t) => {
    const database = await openTestPostgres();
    const smsc = await startSmsc({ failStatus: 0x0b });
    const sink = await startSmtpSink();
    t.after(async () => {
      await smsc.stop();
      await sink.stop();
      await database.close();
    });
    sink.failWith({ code: 550, message: '5.1.1 no such user', at: 'rcpt' });
    await importCustomers(database, [{ number: '3000000701', name: 'Мария Иванова Стоянова', phone: '0888 700 701', email: 'maria@example.bg', invoices: [{ number: '7000000701', due: FINAL_DUE, amount: '48.20' }] }]);
    const env = { ...baseEnv(database.url), SMPP_URL: smsc.url, SMTP_URL: sink.url };

    assert.match(await ok(['run', '--date', RUN_DATE], env), /Created 1 notice/);
    await ok(['worker', '--drain'], env);

    const [sms, email, letter] = await messagesOf(database.db, '3000000701');
    assert.deepEqual([sms?.channel, sms?.status], ['sms', 'failed']);
    const attempts = await database.db.selectFrom('message_attempts').select(['outcome']).where('message_id', '=', sms?.id ?? 0).execute();
    assert.deepEqual(attempts, [{ outcome: 'permanent' }], 'a permanent refusal is not retried');
    assert.ok(smsc.refused >= 1);
    assert.deepEqual([email?.channel, email?.status, email?.parent_id], ['email', 'failed', sms?.id]);
    assert.deepEqual([letter?.channel, letter?.status, letter?.parent_id], ['letter', 'queued', email?.id]);
    // Rendered from the run's payload, not skipped: the final notice's wording, amount and date.
    assert.match(email?.body ?? '', /48,20/);
    assert.match(letter?.body ?? '', /48,20/);
    assert.equal(letter?.template_version, 0);

    const printed = await ok(['letters', 'export', '--date', sofiaDate(new Date()), '--out', out], env);
    assert.match(printed, /1 letters/);
    const pdf = /\S+\.pdf/.exec(printed)?.[0] ?? '';
    assert.ok(existsSync(pdf), printed);
    const text = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' });
    assert.match(text, /Мария Иванова Стоянова/);
    assert.match(text, /48,20/);
    assert.equal((await messagesOf(database.db, '3000000701'))[2]?.status, 'sent');
  });

  test('an SMPP UNDELIV receipt → email, sent by the running `izvestie worker`', async (t) => {
    const database = await openTestPostgres();
    const smsc = await startSmsc({ receipts: 'after', receiptStat: 'UNDELIV' });
    const sink = await startSmtpSink();
    const env = { ...baseEnv(database.url), SMPP_URL: smsc.url, SMTP_URL: sink.url };
    const worker = startWorkerProcess({ ...env, DUNNING_RUN_AT: '23:59' });
    t.after(async () => {
      worker.kill('SIGTERM');
      await worker.exited;
      await smsc.stop();
      await sink.stop();
      await database.close();
    });
    await importCustomers(database, [{ number: '3000000705', name: 'Стоян Тодоров', phone: '0888 700 705', email: 'stoyan@example.bg', invoices: [{ number: '7000000705', due: REMINDER_DUE, amount: '27.40' }] }]);
    await ok(['run', '--date', RUN_DATE], env);
    const [mail] = await sink.waitForMessages(1, 60_000);
    assert.deepEqual(mail?.rcptTo, ['stoyan@example.bg']);
    assert.match(mail?.parsed.text ?? '', /27,40/);
    const [sms, email] = await messagesOf(database.db, '3000000705');
    assert.deepEqual([sms?.status, email?.channel, email?.parent_id], ['failed', 'email', sms?.id]);
    assert.match(sms?.last_error ?? '', /UNDELIV/);
  });

  test('retries running out (the SMSC throttles everything) → email', async (t) => {
    const database = await openTestPostgres();
    const smsc = await startSmsc({ throttleAll: true });
    const sink = await startSmtpSink();
    const env = { ...baseEnv(database.url), SMPP_URL: smsc.url, SMTP_URL: sink.url };
    // The worker the root builds, with retries within a second and given up after 1.5 s.
    const root = await assemble(loadConfig(env), silentLogger, database);
    t.after(async () => {
      await smsc.stop();
      await sink.stop();
      await database.close();
    });
    await importCustomers(database, [{ number: '3000000706', name: 'Вела Петкова', phone: '0888 700 706', email: 'vela@example.bg', invoices: [{ number: '7000000706', due: REMINDER_DUE, amount: '33.10' }] }]);
    await ok(['run', '--date', RUN_DATE], env);
    const worker = createWorker(root, { ...quickRetries, maxRetryAgeMs: 1500 });
    await worker.start();
    try {
      await sink.waitForMessages(1, 60_000);
    } finally {
      await worker.stop();
    }
    assert.ok(smsc.refused >= 2, 'throttled more than once before giving up');
    const [sms, email] = await messagesOf(database.db, '3000000706');
    assert.equal(sms?.status, 'failed');
    assert.match(sms?.last_error ?? '', /giving up/);
    assert.deepEqual([email?.channel, email?.status, email?.parent_id], ['email', 'sent', sms?.id]);
    const [mail] = await sink.waitForMessages(1);
    assert.match(mail?.parsed.text ?? '', /33,10/);
  });

  test('an HTTP gateway failure callback → email, sent with the notice rendered from the run', async (t) => {
    const database = await openTestPostgres();
    const gateway = await startHttpGateway();
    const sink = await startSmtpSink();
    const env = {
      ...baseEnv(database.url),
      HTTP_SMS_URL: gateway.url,
      HTTP_SMS_OPTIONS: JSON.stringify({ bodyTemplate: { to: '{to}', text: '{text}', idd: '{ref}' }, successPath: 'status', successValue: 'ok', providerIdPath: 'data.id', callbackSecret: SECRET, callbackMode: 'hmac' }),
      SMTP_URL: sink.url,
    };
    // The web process, assembled as `izvestie start` assembles it, takes the gateway's callback.
    const root = await assemble(loadConfig(env), silentLogger, database);
    const app = await buildServer(root);
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    t.after(async () => {
      await app.close();
      await gateway.stop();
      await sink.stop();
      await database.close();
    });
    await importCustomers(database, [{ number: '3000000702', name: 'Петър Колев', phone: '0888 700 702', email: 'petar@example.bg', invoices: [{ number: '7000000702', due: REMINDER_DUE, amount: '31.75' }] }]);

    await ok(['run', '--date', RUN_DATE], env);
    await ok(['worker', '--drain'], env);
    const [sms] = await messagesOf(database.db, '3000000702');
    assert.deepEqual([sms?.channel, sms?.status], ['sms', 'sent']);
    assert.equal(gateway.requests.length, 1);
    const row = await database.db.selectFrom('outbox_messages').select('provider_message_ids').where('id', '=', sms?.id ?? 0).executeTakeFirstOrThrow();
    const gatewayId = row.provider_message_ids.find((x) => !x.startsWith('izv')) ?? '';

    const r = await postSignedCallback(`${base}/api/v1/delivery/http-sms/callback`, { id: gatewayId, idd: `izv${sms?.id}`, status: 'undelivered' }, { secret: SECRET });
    assert.equal(r.status, 200, r.body);
    await ok(['worker', '--drain'], env);

    const [failed, email] = await messagesOf(database.db, '3000000702');
    assert.equal(failed?.status, 'failed');
    assert.deepEqual([email?.channel, email?.status, email?.parent_id], ['email', 'sent', sms?.id]);
    const [mail] = await sink.waitForMessages(1);
    assert.deepEqual(mail?.rcptTo, ['petar@example.bg']);
    assert.match(mail?.parsed.text ?? '', /31,75/);
    assert.match(mail?.parsed.text ?? '', /Петър Колев/);
  });

  test('a hard bounce, posted to the API or received by the built-in SMTP receiver → letter', async (t) => {
    const database = await openTestPostgres();
    const sink = await startSmtpSink();
    const env = { ...baseEnv(database.url), SMTP_URL: sink.url, BOUNCE_DOMAIN: 'bounces.izvestie.example.bg', BOUNCE_SMTP_PORT: '0' };
    const root = await assemble(loadConfig(env), silentLogger, database);
    const app = await buildServer(root);
    const receiver = await startBounceReceiver(root);
    t.after(async () => {
      await receiver?.stop();
      await app.close();
      await sink.stop();
      await database.close();
    });
    assert.ok(receiver);
    // Email only: the final notice goes by email, with the letter as its fallback.
    await importCustomers(database, [
      { number: '3000000703', name: 'Георги Димов', email: 'georgi@example.bg', invoices: [{ number: '7000000703', due: FINAL_DUE, amount: '55.00' }] },
      { number: '3000000704', name: 'Елена Маринова', email: 'elena@example.bg', invoices: [{ number: '7000000704', due: FINAL_DUE, amount: '66.00' }] },
    ]);
    await ok(['run', '--date', RUN_DATE], env);
    await ok(['worker', '--drain'], env);
    const mails = await sink.waitForMessages(2);
    const mailTo = (address: string) => mails.find((m) => m.rcptTo.includes(address));
    const [georgi] = await messagesOf(database.db, '3000000703');
    const [elena] = await messagesOf(database.db, '3000000704');
    assert.deepEqual([georgi?.status, elena?.status], ['sent', 'sent']);

    const raw = mailTo('georgi@example.bg')?.raw.toString('utf8') ?? '';
    const api = await app.inject({
      method: 'POST',
      url: '/api/v1/delivery/bounces',
      headers: { 'content-type': 'message/rfc822', authorization: `Bearer ${testApiKey}` },
      payload: buildDsn({ to: 'postmaster@izvestie.example.bg', finalRecipient: 'georgi@example.bg', originalHeaders: raw.slice(0, raw.indexOf('\r\n\r\n')) }),
    });
    assert.equal(api.statusCode, 200, api.body);

    const returnPath = mailTo('elena@example.bg')?.mailFrom ?? '';
    assert.match(returnPath, /^bounce\+\d+@bounces\.izvestie\.example\.bg$/);
    const mta = nodemailer.createTransport({ host: '127.0.0.1', port: receiver.port, secure: false, ignoreTLS: true });
    try {
      await mta.sendMail({ envelope: { from: '', to: returnPath }, raw: buildDsn({ to: returnPath, finalRecipient: 'elena@example.bg', returned: 'none' }) });
    } finally {
      mta.close();
    }

    for (const [customer, amount] of [['3000000703', '55,00'], ['3000000704', '66,00']] as const) {
      const [email, letter] = await messagesOf(database.db, customer);
      assert.equal(email?.status, 'failed', customer);
      assert.deepEqual([letter?.channel, letter?.status, letter?.parent_id], ['letter', 'queued', email?.id], customer);
      assert.match(letter?.body ?? '', new RegExp(amount), customer);
    }
  });
});
