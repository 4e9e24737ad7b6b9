import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import Fastify from 'fastify';
import { backofficeRoutes } from '../../src/backoffice/routes.js';
import type { Database } from '../../src/db/open.js';
import { registerErrorHandler } from '../../src/http/error-handler.js';
import { buildMetricsServer } from '../../src/http/metrics.js';
import { testRoot, testServer } from '../support/app.js';
import { describeEachBackend } from '../support/db.js';
import { backofficeApp, seedStaff, signIn } from './support.js';

const SMPP = { SMPP_URL: 'smpp://izv:secret@127.0.0.1:2775' };
const dryRun = async () => ({ plannedNotices: 0, figures: [] });

async function providersPage(database: Database, env: Record<string, string>): Promise<string> {
  const app = Fastify({ logger: false });
  registerErrorHandler(app);
  await app.register(backofficeRoutes(await testRoot(database, env), { dryRun }));
  await app.ready();
  try {
    const page = await (await signIn(app, 'admin1')).get('/backoffice/providers');
    assert.equal(page.status, 200);
    return page.body;
  } finally {
    await app.close();
  }
}

let serial = 0;
async function queue(database: Database, channel: 'sms' | 'email', n: number): Promise<void> {
  const rows = Array.from({ length: n }, () => {
    serial += 1;
    return { business_key: `providers-page:${serial}`, kind: 'e2e_text', channel, recipient: channel === 'sms' ? '+359888000001' : 'x@example.bg', body: 'Проба', status: 'queued' as const, not_before: new Date() };
  });
  await database.db.insertInto('outbox_messages').values(rows).execute();
}

const waitingOf = (page: string, channel: string) => Number(new RegExp(`Няма доставчик за ${channel}: (\\d+) съобщения чакат`).exec(page)?.[1]);

describeEachBackend('back-office providers page: the sandbox and the channels that wait', (get) => {
  before(async () => {
    await seedStaff(get());
  });

  test('the demo (no provider at all): both channels go to the sandbox, and the page says nothing is sent', async () => {
    const page = await providersPage(get(), {});
    assert.match(page, /<td>SMS, имейл<\/td><td>тестов режим \(нищо не се изпраща\)<\/td><td><span class="mono">\/dev\/outbox<\/span><\/td>/);
    assert.match(page, /id="sandbox-banner" role="note"><p>Тестов режим: нищо не се изпраща наистина\./);
    assert.doesNotMatch(page, /Няма доставчик/);
  });

  test('SMS configured, email not: email is not sandboxed, its queued messages are counted with the setting to give', async () => {
    const before = await providersPage(get(), SMPP);
    assert.match(before, /<td>SMS<\/td><td>SMPP 3\.4<\/td><td><span class="mono">smpp:\/\/127\.0\.0\.1:2775<\/span>/);
    assert.doesNotMatch(before, /secret/);
    assert.doesNotMatch(before, /тестов режим|sandbox-banner|\/dev\/outbox/);
    assert.doesNotMatch(before, /Няма доставчик за SMS/);
    const waiting = waitingOf(before, 'имейл');
    assert.ok(Number.isInteger(waiting), 'the email channel is named as waiting');
    assert.match(before, /Задайте SMTP_URL и рестартирайте\./);
    await queue(get(), 'email', 3);
    await queue(get(), 'sms', 2);
    assert.equal(waitingOf(await providersPage(get(), SMPP), 'имейл'), waiting + 3, 'only queued email counts');
  });

  test('the sandbox off with no provider: both channels wait', async () => {
    const page = await providersPage(get(), { IZVESTIE_SANDBOX: 'off' });
    assert.ok(waitingOf(page, 'SMS') >= 2);
    assert.ok(waitingOf(page, 'имейл') >= 3);
    assert.match(page, /Задайте SMPP_URL или HTTP_SMS_URL и рестартирайте\./);
  });

  test('every back-office page, signed in or not, says so while the sandbox is on', async () => {
    for (const [env, shown] of [[{}, true], [{ IZVESTIE_SANDBOX: 'auto', ...SMPP }, false]] as const) {
      const { app } = await backofficeApp(get(), { env });
      try {
        for (const url of ['/backoffice/login', '/backoffice/login?lang=en']) {
          const page = await app.inject({ url });
          assert.equal(page.statusCode, 200);
          assert.equal(/<div class="banner banner--warning" id="sandbox-banner" role="note">/.test(page.body), shown, `${url} ${JSON.stringify(env)}`);
        }
        if (shown) assert.match((await app.inject({ url: '/backoffice/login?lang=en' })).body, /Sandbox: nothing is really sent\./);
      } finally {
        await app.close();
      }
    }
  });

  test('/metrics counts the messages waiting for a provider, 0 for a channel that has one', async () => {
    const app = await testServer(get(), SMPP);
    const metrics = buildMetricsServer(app, { cacheMs: 0 });
    try {
      const body = (await metrics.inject({ url: '/metrics' })).body;
      assert.match(body, /^# TYPE izvestie_messages_waiting_no_provider gauge$/m);
      assert.match(body, /^izvestie_messages_waiting_no_provider\{channel="sms"\} 0$/m);
      const email = Number(/^izvestie_messages_waiting_no_provider\{channel="email"\} (\d+)$/m.exec(body)?.[1]);
      assert.ok(email >= 3, body);
      await queue(get(), 'email', 1);
      assert.match((await metrics.inject({ url: '/metrics' })).body, new RegExp(`^izvestie_messages_waiting_no_provider\\{channel="email"\\} ${email + 1}$`, 'm'));
    } finally {
      await app.close();
    }
  });
});
