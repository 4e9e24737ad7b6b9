import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyInstance } from 'fastify';
import { assemble, type Root } from '../../src/app/root.js';
import { buildServer } from '../../src/http/server.js';
import { logOptions } from '../../src/log.js';
import { describeEachBackend } from '../support/db.js';
import { testApiKey, testConfig } from '../support/app.js';
import { apiClient, lastCode, seedCustomers } from '../portal/fixtures.js';

const CALLBACK_SECRET = 'callback-secret-0123456789-abcdef';
const STAFF_COOKIE = 'staff-session-cookie-value-0123456789';

describeEachBackend('secrets stay out of logs and stored reports', (get) => {
  let app: FastifyInstance;
  let root: Root;
  const lines: string[] = [];
  before(async () => {
    // Every level, as an operator chasing a problem would set it.
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = pino(logOptions('trace'), sink);
    const env = {
      IZVESTIE_SANDBOX: 'on',
      HTTP_SMS_URL: 'http://127.0.0.1:9/send',
      HTTP_SMS_OPTIONS: JSON.stringify({ bodyTemplate: { to: '{to}', text: '{text}' }, callbackSecret: CALLBACK_SECRET, callbackMode: 'token' }),
    };
    root = await assemble(testConfig(env), logger, get());
    app = await buildServer(root);
  });
  after(async () => {
    await app.close();
  });

  test('a registration, a code, the API key, a staff cookie, a one-click link and a gateway callback in token mode: none of their secrets is logged or stored', async () => {
    const [customer] = await seedCustomers(get(), 5_700_000_001, 1);
    const api = apiClient(app, '192.0.2.90');
    await api.identify(customer!);
    assert.equal((await api.register({ email: 'secret-flow@example.bg' })).status, 202);
    const code = await lastCode(get(), 'secret-flow@example.bg');
    assert.equal((await api.verify('email', code)).status, 200);
    const subscription = await get().db.selectFrom('subscriptions').select('id').where('address', '=', 'secret-flow@example.bg').executeTakeFirstOrThrow();

    const key = await app.inject({ method: 'GET', url: '/api/v1/reports/effectiveness?month=2026-10', headers: { authorization: `Bearer ${testApiKey}` } });
    assert.equal(key.statusCode, 200);
    const wrongKey = await app.inject({ method: 'GET', url: '/api/v1/disconnections', headers: { 'x-api-key': `${testApiKey}-almost` } });
    assert.equal(wrongKey.statusCode, 401);
    await app.inject({ method: 'GET', url: '/backoffice', headers: { cookie: `__Host-izvestie-staff=${STAFF_COOKIE}` } });

    const link = new URL(root.unsubscribeUrl(subscription.id));
    const unsubscribeToken = link.pathname.split('/').at(-1)!;
    assert.equal((await app.inject({ method: 'GET', url: link.pathname })).statusCode, 200);
    assert.equal((await app.inject({ method: 'POST', url: link.pathname, payload: { 'List-Unsubscribe': 'One-Click' } })).statusCode, 200);

    const callback = await app.inject({ method: 'GET', url: `/api/v1/delivery/http-sms/callback?token=${CALLBACK_SECRET}&id=gw-secret-test-1&status=DELIVRD` });
    assert.equal(callback.statusCode, 200, callback.body);
    const refused = await app.inject({ method: 'GET', url: `/api/v1/delivery/http-sms/callback?token=${CALLBACK_SECRET}x&id=gw-secret-test-2&status=DELIVRD` });
    assert.equal(refused.statusCode, 401);

    const log = lines.join('');
    // The requests were logged, only without their secrets.
    assert.match(log, /"url":"\/u\/\[redacted\]"/);
    assert.match(log, /"url":"\/api\/v1\/delivery\/http-sms\/callback\?token=\[redacted\]&id=\[redacted\]&status=DELIVRD"/);
    assert.match(log, /"url":"\/api\/v1\/reports\/effectiveness\?month=2026-10"/);
    const secrets = { apiKey: testApiKey, flowToken: api.token, code, unsubscribeToken, callbackSecret: CALLBACK_SECRET, staffCookie: STAFF_COOKIE };
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(secret.length >= 6, name);
      assert.ok(!log.includes(secret), `the ${name} is in the log`);
    }

    const stored = await get().db.selectFrom('delivery_receipts').select('raw').where('provider_message_id', '=', 'gw-secret-test-1').executeTakeFirstOrThrow();
    assert.ok(!JSON.stringify(stored.raw).includes(CALLBACK_SECRET), `the callback token is stored: ${JSON.stringify(stored.raw)}`);
    assert.match(JSON.stringify(stored.raw), /DELIVRD/);
  });
});
