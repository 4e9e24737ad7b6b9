import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { previewTemplate, samplePayload } from '../../src/backoffice/preview.js';
import { enqueue } from '../../src/delivery/outbox/enqueue.js';
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

test('the preview counts SMS parts and price as sent: Latin by default (one GSM-7 part), Cyrillic as UCS-2 parts', () => {
  const options = { publicUrl: 'https://izvestia.example.bg', unsubscribeUrl: (id: number) => `https://izvestia.example.bg/u/${id}.token` };
  const render = messageRenderer(shippedTemplates, options);
  const p = previewTemplate(render, 'overdue_reminder', 'bg', 5);
  assert.equal(p.sms.encoding, 'gsm7');
  assert.match(p.sms.text, /^PRIMER: Neplateno po kl\.No \*{6}0101: 123,45 EUR \(241,45 lv\.\)/);
  assert.equal(p.sms.segments, 1);
  assert.equal(p.sms.costMinor, 5);
  const cyrillic = messageRenderer((kind, lang) => {
    const t = shippedTemplates(kind, lang);
    return t && { ...t, set: { ...t.set, sms: `${t.set.sms} Ако вече сте платили, благодарим!`, smsScript: 'cyrillic' } };
  }, options);
  const c = previewTemplate(cyrillic, 'overdue_reminder', 'bg', 5);
  assert.equal(c.sms.encoding, 'ucs2');
  assert.match(c.sms.text, /123,45 EUR \(241,45 лв\.\)/);
  assert.ok(c.sms.segments >= 2);
  assert.equal(c.sms.costMinor, c.sms.segments * 5);
  assert.equal(c.smsLatin.encoding, 'gsm7');
  assert.ok(c.smsLatin.segments < c.sms.segments);
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
    assert.match(preview.body, /Neplateni smetki 123,45 EUR, klient \*\*\*\*\*\*0101/);
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

  test('an SMS over its part budget is refused with its worst case and monthly cost; a raised budget lets it through, audited', async () => {
    const url = '/backoffice/templates/overdue_second';
    // Ten English SMS notices of this kind in the last 30 days: one part more costs 10 × 0,05 EUR a month.
    for (let i = 0; i < 10; i++) {
      await enqueue(get().db, { businessKey: `budget-test:${i}`, kind: 'overdue_second', channel: 'sms', recipient: `+35988800${String(i).padStart(4, '0')}`, lang: 'en', body: 'x' });
    }
    const page = await supervisor.get(url);
    assert.equal(page.status, 200);
    assert.match(page.body, /id="sms_script_bg"/);
    assert.match(page.body, /id="sms_part_budget_en"/);
    assert.match(page.body, /id="worst-en"[\s\S]*?GSM-7 · знаци: \d+ · части: <strong>1<\/strong> · бюджет: 1/);
    const draft = form(page.body);
    const long = `${draft.sms_en ?? ''} If you have already paid, thank you!`;

    const preview = await supervisor.post(url, { ...draft, sms_en: long, action: 'preview' });
    assert.equal(preview.status, 422);
    assert.match(preview.body, /id="worst-en"[\s\S]*?части: <strong>2<\/strong> · бюджет: 1 · <strong>над бюджета<\/strong>/);
    assert.match(preview.body, /SMS известия от този шаблон за последните 30 дни: 10\. Месечна разлика в цената спрямо версията в сила \(1 ч\.\): <strong>\+0,50 EUR<\/strong>/);

    const refused = await supervisor.post(url, { ...draft, sms_en: long, action: 'save' });
    assert.equal(refused.status, 422);
    assert.match(refused.body, /href="#sms_en"/);
    assert.match(refused.body, /С най-дългите стойности SMS-ът става 2 части, а бюджетът е 1/);
    const cyrillic = await supervisor.post(url, { ...draft, sms_script_bg: 'cyrillic', action: 'save' });
    assert.equal(cyrillic.status, 422);
    assert.match(cyrillic.body, /SMS \(bg\): С най-дългите стойности SMS-ът става 3 части, а бюджетът е 1/);
    const english = await supervisor.post(`${url}?lang=en`, { ...draft, sms_en: long, action: 'save' });
    assert.match(english.body, /With the longest values the SMS takes 2 parts and the budget is 1/);
    await supervisor.get(`${url}?lang=bg`); // the language choice sticks to the session
    const badBudget = await supervisor.post(url, { ...draft, sms_en: long, sms_part_budget_en: '0', action: 'save' });
    assert.equal(badBudget.status, 422);
    assert.match(badBudget.body, /href="#sms_part_budget_en"/);
    assert.equal((await get().db.selectFrom('message_templates').selectAll().where('kind', '=', 'overdue_second').execute()).length, 0);

    const saved = await supervisor.post(url, { ...draft, sms_en: long, sms_part_budget_en: '2', sms_script_bg: 'cyrillic', sms_part_budget_bg: '3', note: 'Кирилица', action: 'save' });
    assert.equal(saved.status, 303);
    const rows = await get().db.selectFrom('message_templates').selectAll().where('kind', '=', 'overdue_second').orderBy('lang').execute();
    assert.deepEqual(rows.map((r) => [r.lang, r.version, r.sms_script, r.sms_part_budget]), [['bg', 1, 'cyrillic', 3], ['en', 1, 'latin', 2]]);
    const audit = await get().db.selectFrom('audit_events').selectAll().where('subject', '=', 'template:overdue_second:bg').executeTakeFirstOrThrow();
    assert.equal(audit.actor, 'staff:supervisor1');
    assert.deepEqual(audit.details.changed, ['smsScript', 'smsPartBudget']);
    assert.deepEqual([audit.details.sms_script, audit.details.sms_part_budget], ['cyrillic', 3]);
    const after = await supervisor.get(url);
    assert.match(after.body, /id="sms_part_budget_bg"[^>]*value="3"|value="3"[^>]*id="sms_part_budget_bg"/);
    assert.match(after.body, /<option value="cyrillic" selected/);
    // The Cyrillic variant is what the worker sends now.
    const cache = templateCache(get().db);
    await cache.refresh();
    const render = messageRenderer(cache.source, { publicUrl: 'https://izvestia.example.bg', unsubscribeUrl: (id) => `https://izvestia.example.bg/u/${id}` });
    const body = render('overdue_second', 'sms', 'bg', samplePayload('overdue_second', 'bg') as unknown as Record<string, unknown>).body;
    assert.match(body, /^PRIMER: Второ напомняне, кл\.№ \*{6}0101: 123,45 EUR \(241,45 лв\.\)/);
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
    assert.match(m.body ?? '', /^PRIMER: Customer \*{6}0101: EUR 123\.45/);
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
