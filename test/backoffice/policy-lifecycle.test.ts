// The lifecycle sections of the policy form: shown with their values, validated with the field to
// fix named, saved as a new version, and kept off when a form without them is posted.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { currentPolicy } from '../../src/dunning/policy-store.js';
import { describeEachBackend } from '../support/db.js';
import { backofficeApp, seedStaff, signIn, type Client } from './support.js';

const BASE = {
  stages: '3',
  s0_id: 'reminder', s0_days: '1', s0_template: 'overdue_reminder', s0_channels: 'sms,email', s0_min: '5.00', s0_classes: ['household', 'business'],
  s1_id: 'second', s1_days: '7', s1_template: 'overdue_second', s1_channels: 'sms,email', s1_min: '5.00', s1_classes: ['household', 'business'],
  s2_id: 'final', s2_days: '12', s2_template: 'overdue_final', s2_channels: 'sms,email,letter', s2_letter: 'yes', s2_min: '5.00', s2_classes: ['household', 'business'],
  d_days: '15', d_min: '5.00', d_classes: ['household', 'business'],
} as Record<string, string | string[]>;

const LIFE = {
  life: '1',
  pd_on: 'yes', pd_days: '2', pd_audience: 'all_subscribed', pd_channels: 'email,sms', pd_min: '10,00',
  pr_on: 'yes', pr_channels: 'sms',
  rc_on: 'yes', rc_hours: '48', rc_express: '6', rc_fee: '45,50', rc_channels: 'sms,email',
  cc_on: '', cc_months: '18', cc_max: '300',
};

describeEachBackend('back-office policy: lifecycle messages', (get) => {
  let app: FastifyInstance;
  let supervisor: Client;
  before(async () => {
    ({ app } = await backofficeApp(get()));
    await seedStaff(get());
    supervisor = await signIn(app, 'supervisor1');
  });
  after(async () => {
    await app.close();
  });

  test('the four sections are shown, checked, previewed and saved', async () => {
    const page = await supervisor.get('/backoffice/policy');
    assert.equal(page.status, 200);
    for (const h of ['Напомняне преди падежа', 'Получено плащане', 'Възстановяване на захранването', 'Проверка на контактите']) assert.match(page.body, new RegExp(h));
    assert.match(page.body, /name="pd_days"[^>]*value="3"|value="3"[^>]*name="pd_days"/);

    const bad = await supervisor.post('/backoffice/policy', { ...BASE, ...LIFE, rc_express: '72', action: 'save' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /href="#rc_express"/);
    const badFee = await supervisor.post('/backoffice/policy', { ...BASE, ...LIFE, rc_fee: 'много', action: 'save' });
    assert.equal(badFee.status, 422);
    assert.match(badFee.body, /href="#rc_fee"/);

    const preview = await supervisor.post('/backoffice/policy', { ...BASE, ...LIFE, action: 'preview' });
    assert.equal(preview.status, 200);
    assert.match(preview.body, /preDue\.enabled: false → true/);
    assert.equal((await supervisor.post('/backoffice/policy', { ...BASE, ...LIFE, note: 'Известия по жизнения цикъл', action: 'save' })).status, 303);
    const v = await currentPolicy(get().db);
    assert.equal(v.version, 1);
    assert.deepEqual(v.policy.preDue, { enabled: true, workingDaysBefore: 2, audience: 'all_subscribed', channels: ['email', 'sms'], minEurMinor: 1000 });
    assert.deepEqual(v.policy.paymentReceived, { enabled: true, channels: ['sms'] });
    assert.deepEqual(v.policy.reconnection, { enabled: true, restoreWithinHours: 48, expressWithinHours: 6, expressFeeEurMinor: 4550, channels: ['sms', 'email'] });
    assert.deepEqual(v.policy.contactCheck, { enabled: false, afterMonths: 18, maxPerDay: 300 });
    // The form shows the saved values back.
    assert.match((await supervisor.get('/backoffice/policy')).body, /value="45.50"|value="45,50"/);
  });
});
