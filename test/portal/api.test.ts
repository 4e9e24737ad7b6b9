import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { describeEachBackend } from '../support/db.js';
import { testServer } from '../support/app.js';
import { apiClient, lastCode, messagesTo, portalApp, seedCustomers, type SeededCustomer } from './fixtures.js';

describeEachBackend('self-service API', (get) => {
  let app: FastifyInstance;
  let customers: SeededCustomer[];
  before(async () => {
    customers = await seedCustomers(get(), 5_600_000_001, 6);
    ({ app } = await portalApp(get()));
  });
  after(async () => {
    await app.close();
  });
  const c = (i: number) => customers[i]!;

  test('register both channels, verify each; audit says the app', async () => {
    const api = apiClient(app, '192.0.2.61');
    const id = await api.identify(c(0));
    assert.equal(id.json.purpose, 'register');
    assert.equal(id.json.contacts, undefined);
    const consent = await api.call('GET', '/consent');
    assert.equal(consent.json.version, '2026-01');
    const r = await api.register({ sms: '00359 888 600 001', email: 'app@Example.bg' });
    assert.equal(r.status, 202, JSON.stringify(r.json));
    assert.deepEqual(r.json.awaiting.map((a: { channel: string; address_masked: string }) => [a.channel, a.address_masked]), [
      ['sms', '+359*****001'],
      ['email', 'ap***@example.bg'],
    ]);
    const sms = await api.verify('sms', await lastCode(get(), '+359888600001'));
    assert.equal(sms.status, 200);
    assert.deepEqual(sms.json.awaiting.map((a: { channel: string }) => a.channel), ['email']);
    assert.equal(sms.json.authenticated, false);
    const email = await api.verify('email', await lastCode(get(), 'app@example.bg'));
    assert.deepEqual(email.json.awaiting, []);
    const audit = await get().db.selectFrom('audit_events').select(['actor', 'details']).where('subject', '=', c(0).customerNumber).execute();
    assert.deepEqual(audit.map((a) => [a.actor, a.details.ip]), [
      ['online:app', '192.0.2.61'],
      ['online:app', '192.0.2.61'],
    ]);
  });

  test('manage: contacts to choose, sign-in code, list, change, remove one, remove all', async () => {
    const reg = apiClient(app);
    await reg.identify(c(1));
    await reg.register({ sms: '0888600101', email: 'manage@example.bg' });
    await reg.verify('sms', await lastCode(get(), '+359888600101'));
    await reg.verify('email', await lastCode(get(), 'manage@example.bg'));

    const api = apiClient(app);
    const id = await api.identify(c(1), 'manage');
    assert.deepEqual(id.json.contacts, [
      { channel: 'sms', address_masked: '+359*****101' },
      { channel: 'email', address_masked: 'ma***@example.bg' },
    ]);
    assert.equal((await api.call('GET', '/subscriptions')).status, 409, 'not signed in yet');
    assert.equal((await api.call('POST', '/login-code', { channel: 'email' })).status, 202);
    const v = await api.verify('email', await lastCode(get(), 'manage@example.bg'));
    assert.equal(v.json.authenticated, true);
    const list = await api.call('GET', '/subscriptions');
    assert.equal(list.json.customer_number, c(1).customerNumber);
    assert.equal(list.json.subscriptions.length, 2);

    assert.equal((await api.call('PUT', '/subscriptions/sms', { address: '0888 600 102' })).status, 202);
    assert.equal((await api.verify('sms', await lastCode(get(), '+359888600102'))).status, 200);
    assert.deepEqual((await messagesTo(get(), '+359888600101')).map((m) => m.kind).at(-1), 'contact_changed_notice');

    const one = await api.call('DELETE', '/subscriptions/email');
    assert.deepEqual(one.json.cancelled, [{ channel: 'email', address_masked: 'ma***@example.bg' }]);
    const all = await api.call('DELETE', '/subscriptions');
    assert.deepEqual(all.json.cancelled, [{ channel: 'sms', address_masked: '+359*****102' }]);
    assert.deepEqual((await api.call('GET', '/subscriptions')).json.subscriptions, []);
  });

  test('adding a channel needs a sign-in and the consent version; a lost contact can be changed without', async () => {
    const reg = apiClient(app);
    await reg.identify(c(2));
    await reg.register({ sms: '0888600201' });
    await reg.verify('sms', await lastCode(get(), '+359888600201'));
    const api = apiClient(app);
    await api.identify(c(2), 'manage');
    const add = await api.call('PUT', '/subscriptions/email', { address: 'new@example.bg', consent_version: '2026-01' });
    assert.equal(add.status, 409);
    assert.equal(add.json.error.details.reason, 'wrong_step');
    const lost = await api.call('PUT', '/subscriptions/sms', { address: '0888600202' });
    assert.equal(lost.status, 202);
    assert.equal((await api.verify('sms', await lastCode(get(), '+359888600202'))).json.authenticated, true);
    const noConsent = await api.call('PUT', '/subscriptions/email', { address: 'new@example.bg' });
    assert.equal(noConsent.json.error.details.reason, 'consent_required');
    assert.equal((await api.call('PUT', '/subscriptions/email', { address: 'new@example.bg', consent_version: '2026-01' })).status, 202);
  });

  test('a sign-in code stops working when its contact is replaced meanwhile', async () => {
    const reg = apiClient(app);
    await reg.identify(c(4));
    await reg.register({ sms: '0888600401' });
    await reg.verify('sms', await lastCode(get(), '+359888600401'));
    const slow = apiClient(app);
    await slow.identify(c(4), 'manage');
    await slow.call('POST', '/login-code', { channel: 'sms' });
    const code = await lastCode(get(), '+359888600401');
    const other = apiClient(app);
    await other.identify(c(4), 'manage');
    await other.call('PUT', '/subscriptions/sms', { address: '0888600402' });
    await other.verify('sms', await lastCode(get(), '+359888600402'));
    const late = await slow.verify('sms', code);
    assert.equal(late.status, 422);
    assert.equal(late.json.error.details.reason, 'code_expired');
  });

  test('refusals: no token, bad input, a contact that is not one', async () => {
    const api = apiClient(app);
    const noToken = await api.register({ email: 'x@example.bg' });
    assert.equal(noToken.status, 401);
    assert.equal(noToken.json.error.code, 'UNAUTHORIZED');
    const bad = await api.call('POST', '/identity', { customer_number: '12', invoice_number: 'X', purpose: 'register' });
    assert.equal(bad.status, 422);
    assert.equal(bad.json.error.code, 'VALIDATION_FAILED');
    await api.identify(c(3));
    const landline = await api.register({ sms: '02 981 1111' });
    assert.equal(landline.status, 422);
    assert.deepEqual(landline.json.error.details, { reason: 'invalid_contact', field: 'contacts.sms' });
    const oldConsent = await api.call('POST', '/registration', { contacts: { email: 'x@example.bg' }, consent_version: '2020-01' });
    assert.equal(oldConsent.json.error.details.reason, 'consent_required');
  });

  test('the API is described in OpenAPI and served at /docs, in the whole server', async () => {
    const server = await testServer(get());
    try {
      const spec = await server.inject({ url: '/docs/json' });
      assert.equal(spec.statusCode, 200);
      const paths = Object.keys(spec.json().paths).sort();
      assert.deepEqual(paths, [
        '/api/v1/self-service/consent',
        '/api/v1/self-service/identity',
        '/api/v1/self-service/login-code',
        '/api/v1/self-service/registration',
        '/api/v1/self-service/resend',
        '/api/v1/self-service/subscriptions',
        '/api/v1/self-service/subscriptions/{channel}',
        '/api/v1/self-service/verify',
      ]);
      assert.ok(spec.json().components.securitySchemes.flowToken);
      const ui = await server.inject({ url: '/docs/' });
      assert.equal(ui.statusCode, 200);
      assert.match(ui.body, /swagger/i);
      assert.equal((await server.inject({ url: '/' })).statusCode, 200, 'the portal is part of the server');
    } finally {
      await server.close();
    }
  });
});
