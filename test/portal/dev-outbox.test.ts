import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config.js';
import { sandboxChannel } from '../../src/delivery/channels/sandbox.js';
import { defaultDeliveryConfig } from '../../src/delivery/config.js';
import { Worker } from '../../src/delivery/worker.js';
import { portalHousekeeping } from '../../src/portal/housekeeping.js';
import { describeEachBackend } from '../support/db.js';
import { apiClient, clock, DAY, lastCode, messagesTo, portalApp, seedCustomers, type Clock, type SeededCustomer } from './fixtures.js';
import { verificationCodeGuard } from '../../src/portal/code-guard.js';

describeEachBackend('sandbox outbox page and housekeeping', (get) => {
  let app: FastifyInstance;
  let time: Clock;
  let customers: SeededCustomer[];
  before(async () => {
    customers = await seedCustomers(get(), 5_700_000_001, 4);
    time = clock();
    ({ app } = await portalApp(get(), { clock: time }));
  });
  after(async () => {
    await app.close();
  });

  const drain = async () => {
    const worker = new Worker({
      db: get().db,
      guards: { verification_code: verificationCodeGuard },
      channels: [sandboxChannel('sms'), sandboxChannel('email')],
      config: { ...defaultDeliveryConfig, sendWindows: { sms: null, email: null } },
      render: () => {
        throw new Error('portal messages carry their texts');
      },
    });
    await worker.drain();
    await worker.stop();
  };

  test('a newcomer reads the code on /dev/outbox once the worker has sent it through the sandbox', async () => {
    const api = apiClient(app);
    await api.identify(customers[0]!);
    await api.register({ sms: '0888 700 701' });
    assert.doesNotMatch((await app.inject({ url: '/dev/outbox' })).body, /\+359888700701/, 'queued, not sent yet');
    await drain();
    const page = await app.inject({ url: '/dev/outbox' });
    assert.equal(page.statusCode, 200);
    assert.equal(page.headers['cache-control'], 'no-store');
    const code = await lastCode(get(), '+359888700701');
    assert.match(page.body, new RegExp(`\\+359888700701[\\s\\S]*Kodat Vi za potvarzhdenie e ${code}`));
    // Sofia wall-clock time (UTC+2 in winter, UTC+3 in summer), as everyone who reads the page lives by it.
    const [sent] = await messagesTo(get(), '+359888700701');
    const shown = /<td>(\d\d)\.(\d\d)\.(\d{4}) (\d\d):(\d\d):(\d\d)<\/td><td>SMS: \+359888700701/.exec(page.body);
    assert.ok(shown, 'the time of the message, as DD.MM.YYYY HH:MM:SS');
    const [, d, mo, y, h, mi, se] = shown.map(Number) as number[];
    const offsetHours = (Date.UTC(y!, mo! - 1, d, h, mi, se) - Math.floor(sent!.sent_at!.getTime() / 1000) * 1000) / 3_600_000;
    assert.ok(offsetHours === 2 || offsetHours === 3, `shown ${shown[0]} for ${sent!.sent_at!.toISOString()}`);
    assert.match(page.body, /Кога \(София\)/);
  });

  test('without the sandbox there is no /dev/outbox', async () => {
    const { app: prod } = await portalApp(get(), { env: { IZVESTIE_SANDBOX: 'off' } });
    try {
      assert.equal((await prod.inject({ url: '/dev/outbox' })).statusCode, 404);
    } finally {
      await prod.close();
    }
    assert.equal(loadConfig({}).sandbox, true, 'on by default: the embedded default has no provider');
    assert.equal(loadConfig({ IZVESTIE_SANDBOX: 'off' }).sandbox, false);
  });

  test('with SMS configured and email not, the sandbox is off: no /dev/outbox, no banner', async () => {
    const { app: site } = await portalApp(get(), { env: { IZVESTIE_SANDBOX: 'auto', SMPP_URL: 'smpp://izv:secret@127.0.0.1:2775' } });
    try {
      assert.equal((await site.inject({ url: '/dev/outbox' })).statusCode, 404);
      const home = await site.inject({ url: '/' });
      assert.equal(home.statusCode, 200);
      assert.doesNotMatch(home.body, /sandbox-banner|Тестов режим|\/dev\/outbox/);
    } finally {
      await site.close();
    }
  });

  test('while the sandbox is on every page says that nothing is really sent, in its language', async () => {
    for (const url of ['/', '/?lang=en', '/dev/outbox', '/register/customer-number']) {
      const r = await app.inject({ url });
      assert.match(r.body, /<div class="sandbox" id="sandbox-banner" role="note">/, url);
    }
    assert.match((await app.inject({ url: '/' })).body, /Тестов режим: нищо не се изпраща наистина\. Съобщенията са в <a href="\/dev\/outbox">пробната пощенска кутия<\/a>/);
    assert.match((await app.inject({ url: '/?lang=en' })).body, /Sandbox: nothing is really sent\. The messages are in the <a href="\/dev\/outbox">sandbox outbox<\/a>/);
  });

  test('housekeeping blanks expired codes and forgets old flows and counters', async () => {
    const api = apiClient(app, '198.18.0.1');
    await api.identify(customers[1]!);
    await api.register({ email: 'abandoned@example.bg' });
    const code = await lastCode(get(), 'abandoned@example.bg');
    await app.inject({ method: 'POST', url: '/api/v1/self-service/identity', remoteAddress: '198.18.0.2', payload: { customer_number: '5799999999', invoice_number: 'X', purpose: 'register' } });
    time.advance(11 * 60_000);
    const first = await portalHousekeeping(get().db, time.now());
    assert.ok(first.scrubbed >= 1);
    const [msg] = await messagesTo(get(), 'abandoned@example.bg');
    assert.ok(!`${msg!.body}${msg!.html}`.includes(code), 'the expired code is blanked in its message');
    assert.match(msg!.body ?? '', /••••••/);
    time.advance(2 * DAY);
    const later = await portalHousekeeping(get().db, time.now());
    assert.ok(later.flows >= 1 && later.counters >= 2, JSON.stringify(later));
    const left = await get().db.selectFrom('portal_counters').select('key').where('key', 'in', ['198.18.0.1', '198.18.0.2', '5799999999']).execute();
    assert.deepEqual(left, []);
  });
});
