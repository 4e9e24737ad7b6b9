import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { previewTemplate } from '../../src/backoffice/preview.js';
import { EDITABLE_KINDS, LANGS, templateCache, templateProblems } from '../../src/backoffice/templates-store.js';
import { defaultTemplates } from '../../src/delivery/text/default-templates.js';
import { messageRenderer } from '../../src/app/renderer.js';
import { shippedTemplates } from '../../src/delivery/render.js';
import { currentPolicy } from '../../src/dunning/policy-store.js';
import { describeEachBackend } from '../support/db.js';
import { backofficeApp, seedStaff, signIn, type Client } from './support.js';

test('the shipped notice templates pass the checks; broken ones are caught with field and placeholder', () => {
  for (const kind of EDITABLE_KINDS) for (const lang of LANGS) assert.deepEqual(templateProblems(kind, defaultTemplates[kind][lang]), [], `${kind} ${lang}`);
  const base = defaultTemplates.overdue_final.bg;
  const problems = templateProblems('overdue_final', { ...base, sms: 'Платете {{total_eur}} {{amount}} {{ pay_url }', emailSubject: '', letter: base.letter.replaceAll('{{disconnection_date}}', 'скоро') });
  assert.deepEqual(problems, [
    { field: 'sms', problem: 'unknown_placeholder', placeholder: 'amount' },
    { field: 'sms', problem: 'missing_placeholder', placeholder: 'disconnection_date' },
    { field: 'sms', problem: 'stray_braces' },
    { field: 'emailSubject', problem: 'empty' },
    { field: 'letter', problem: 'missing_placeholder', placeholder: 'disconnection_date' },
  ]);
});

test('the preview counts SMS parts and price as written (UCS-2) and transliterated (GSM-7)', () => {
  const render = messageRenderer(shippedTemplates, { publicUrl: 'https://izvestia.example.bg', unsubscribeUrl: (id) => `https://izvestia.example.bg/u/${id}.token` });
  const p = previewTemplate(render, 'overdue_reminder', 'bg', 5);
  assert.equal(p.sms.encoding, 'ucs2');
  assert.match(p.sms.text, /123,45 EUR \(241,45 лв\.\)/);
  assert.ok(p.sms.segments >= 3);
  assert.equal(p.sms.costMinor, p.sms.segments * 5);
  assert.equal(p.smsLatin.encoding, 'gsm7');
  assert.match(p.smsLatin.text, /^Imate neplateni smetki za tok/);
  assert.ok(p.smsLatin.segments < p.sms.segments);
  assert.match(p.email.html, /Иван Петров Георгиев/);
  // No real subscription's link: a test send of the preview must not carry a working unsubscribe token.
  assert.match(p.email.text, /https:\/\/izvestia\.example\.bg\/manage\/unsubscribe/);
});

describeEachBackend('back-office templates and policy', (get) => {
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

  const form = (page: string): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const m of page.matchAll(/<textarea[^>]* id="([^"]+)" name="[^"]+"[^>]*>([\s\S]*?)<\/textarea>/g)) {
      out[m[1] as string] = (m[2] as string).replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');
    }
    return out;
  };

  test('a template is previewed, refused when broken, saved as a new version, and served to the worker', async () => {
    const page = await supervisor.get('/backoffice/templates/overdue_reminder');
    assert.equal(page.status, 200);
    assert.match(page.body, /UCS-2/);
    assert.match(page.body, /GSM-7/);
    const draft = form(page.body);
    assert.equal(draft.sms_bg, defaultTemplates.overdue_reminder.bg.sms);
    const sms = 'Неплатени сметки {{total_eur}}, клиент {{customer_number_masked}}. Платете на {{pay_url}}';
    const preview = await supervisor.post('/backoffice/templates/overdue_reminder', { ...draft, sms_bg: sms, action: 'preview' });
    assert.equal(preview.status, 200);
    assert.match(preview.body, /Неплатени сметки 123,45 EUR, клиент \*\*\*\*\*\*0101/);
    const broken = await supervisor.post('/backoffice/templates/overdue_reminder', { ...draft, sms_bg: 'Платете {{amount}}', action: 'save' });
    assert.equal(broken.status, 422);
    assert.match(broken.body, /href="#sms_bg"/);
    assert.match(broken.body, /Непознато поле \{\{amount\}\}/);
    const saved = await supervisor.post('/backoffice/templates/overdue_reminder', { ...draft, sms_bg: sms, note: 'По-кратко SMS', action: 'save' });
    assert.equal(saved.status, 303);
    const rows = await get().db.selectFrom('message_templates').selectAll().execute();
    assert.equal(rows.length, 1, 'only the language that changed gets a version');
    assert.equal(rows[0]?.version, 1);
    assert.equal(rows[0]?.lang, 'bg');
    assert.equal(rows[0]?.created_by, 'staff:supervisor1');
    assert.equal(rows[0]?.note, 'По-кратко SMS');
    await assert.rejects(get().db.updateTable('message_templates').set({ sms: 'x' }).execute(), /append-only/);
    const audit = await get().db.selectFrom('audit_events').selectAll().where('action', '=', 'backoffice.template_saved').executeTakeFirstOrThrow();
    assert.deepEqual(audit.details.changed, ['sms']);
    const cache = templateCache(get().db);
    await cache.refresh();
    assert.deepEqual(cache.source('overdue_reminder', 'bg')?.version, 1);
    assert.equal(cache.source('overdue_reminder', 'bg')?.set.sms, sms);
    assert.equal(cache.source('overdue_reminder', 'en')?.set.sms, defaultTemplates.overdue_reminder.en.sms);
    assert.equal(cache.source('overdue_reminder', 'en')?.version, 0);
    const list = await supervisor.get('/backoffice/templates/overdue_reminder?format=csv');
    assert.match(list.body, /По-кратко SMS/);
  });

  test('a test send puts the rendered draft in the outbox for the given contact', async () => {
    const page = await supervisor.get('/backoffice/templates/overdue_final');
    const draft = form(page.body);
    const bad = await supervisor.post('/backoffice/templates/overdue_final', { ...draft, action: 'test', test_channel: 'sms', test_lang: 'bg', test_contact: '12' });
    assert.equal(bad.status, 422);
    const r = await supervisor.post('/backoffice/templates/overdue_final', { ...draft, action: 'test', test_channel: 'sms', test_lang: 'en', test_contact: '0888 123 456' });
    assert.equal(r.status, 200);
    assert.match(r.body, /в опашката/);
    const m = await get().db.selectFrom('outbox_messages').selectAll().where('kind', '=', 'template_test').executeTakeFirstOrThrow();
    assert.equal(m.recipient, '+359888123456');
    assert.equal(m.channel, 'sms');
    assert.match(m.body ?? '', /^Final reminder: unpaid electricity bills/);
    assert.match(m.body ?? '', /11\.12\.2026/);
  });

  test('the policy form previews the changes and the dates, refuses a bad policy, and saves a version with who and why', async () => {
    const page = await supervisor.get('/backoffice/policy');
    assert.equal(page.status, 200);
    assert.match(page.body, /value="reminder"/);
    const base = {
      stages: '4',
      s0_id: 'reminder', s0_days: '1', s0_template: 'overdue_reminder', s0_channels: 'sms,email', s0_min: '5.00', s0_classes: ['household', 'business'],
      s1_id: 'second', s1_days: '7', s1_template: 'overdue_second', s1_channels: 'sms,email', s1_min: '5.00', s1_classes: ['household', 'business'],
      s2_id: 'final', s2_days: '12', s2_template: 'overdue_final', s2_channels: 'sms,email,letter', s2_letter: 'yes', s2_min: '5.00', s2_classes: ['household', 'business'],
      s3_id: '', s3_days: '', s3_template: 'overdue_reminder', s3_channels: 'sms,email', s3_min: '5.00', s3_classes: ['household'],
      d_days: '15', d_min: '5.00', d_classes: ['household', 'business'],
    } as Record<string, string | string[]>;
    const preview = await supervisor.post('/backoffice/policy', { ...base, s0_min: '10,00', action: 'preview' });
    assert.equal(preview.status, 200);
    assert.match(preview.body, /stages\.0\.minOverdueEurMinor: 500 → 1000/);
    assert.match(preview.body, /Сметка с падеж днес/);
    const bad = await supervisor.post('/backoffice/policy', { ...base, s1_days: '1', action: 'save' });
    assert.equal(bad.status, 422);
    assert.match(bad.body, /href="#s1_days"/);
    const money = await supervisor.post('/backoffice/policy', { ...base, d_min: 'пет', action: 'save' });
    assert.equal(money.status, 422);
    assert.match(money.body, /href="#d_min"/);
    assert.equal((await currentPolicy(get().db)).version, 0);
    // Drop the second stage, add one through the spare row.
    const saved = await supervisor.post('/backoffice/policy', { ...base, s1_remove: 'yes', s3_id: 'late', s3_days: '14', s3_template: 'overdue_final', s3_channels: 'letter', s3_letter: 'yes', s3_classes: ['business'], d_days: '20', note: 'Писмо за фирми', action: 'save' });
    assert.equal(saved.status, 303);
    const v = await currentPolicy(get().db);
    assert.equal(v.version, 1);
    assert.equal(v.createdBy, 'staff:supervisor1');
    assert.equal(v.note, 'Писмо за фирми');
    assert.deepEqual(v.policy.stages.map((s) => s.id), ['reminder', 'final', 'late']);
    assert.equal(v.policy.disconnection.afterWorkingDays, 20);
    const after = await supervisor.get('/backoffice/policy');
    assert.match(after.body, /Запазена е версия 1/);
    assert.match(after.body, /disconnection\.afterWorkingDays: 15 → 20/);
    assert.match((await supervisor.get('/backoffice/policy/versions/1')).body, /&quot;late&quot;/);
    assert.match((await supervisor.get('/backoffice/policy?format=csv')).body, /Писмо за фирми/);
  });
});
