// The messages the portal renders itself at decision time (codes, confirmations) carry the utility's
// brand like every other message: its name and customer-centre phone in the signature, its short
// name at the start of the SMS, its logo and colour in the HTML — from BRAND_* and PUBLIC_URL.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { describeEachBackend } from '../support/db.js';
import { apiClient, lastCode, messagesTo, portalApp, seedCustomers, type SeededCustomer } from './fixtures.js';

const BRAND = {
  BRAND_NAME: 'Тест Ток ЕАД',
  BRAND_SHORT_NAME: 'TESTTOK',
  BRAND_PHONE: '0800 22 33',
  BRAND_COLOUR: '#00703c',
  PUBLIC_URL: 'https://izvestie.test-tok.example',
};
const LOGO = /<img src="https:\/\/izvestie\.test-tok\.example\/brand\/logo\?v=[\w-]{8}" alt="Тест Ток ЕАД"/;

function assertBranded(m: { kind: string; subject: string | null; body: string | null; html: string | null }, lang: 'bg' | 'en'): void {
  const what = `${m.kind} (${lang})`;
  const signature = lang === 'bg' ? /С уважение,\nТест Ток ЕАД\nЦентър за обслужване на клиенти: 0800 22 33$/ : /Kind regards,\nТест Ток ЕАД\nCustomer centre: 0800 22 33$/;
  assert.match(m.body ?? '', signature, what);
  assert.match(m.html ?? '', LOGO, what);
  assert.match(m.html ?? '', /border-bottom:4px solid #00703c/, what);
  assert.match(m.html ?? '', /Тест Ток ЕАД<br>/, what);
  for (const text of [m.body, m.html]) {
    assert.doesNotMatch(text ?? '', /Пример Енерджи|0700 10 010|Customer Service|Екипът за обслужване/, `${what}: no demo brand, no unbranded signature`);
  }
}

describeEachBackend('portal messages in the utility’s brand', (get) => {
  let app: FastifyInstance;
  let customers: SeededCustomer[];
  before(async () => {
    customers = await seedCustomers(get(), 5_400_200_001, 4);
    ({ app } = await portalApp(get(), { env: BRAND }));
  });
  after(async () => {
    await app.close();
  });

  test('the verification code email and the confirmation email carry the brand; the blanked code message keeps it', async () => {
    const api = apiClient(app, '192.0.2.61');
    await api.identify(customers[0]!);
    assert.equal((await api.register({ email: 'brand.bg@example.bg' })).status, 202);
    const [code] = await messagesTo(get(), 'brand.bg@example.bg');
    assert.equal(code?.kind, 'verification_code');
    assertBranded(code!, 'bg');
    const digits = await lastCode(get(), 'brand.bg@example.bg');
    assert.match(code!.body ?? '', new RegExp(`Кодът Ви за потвърждение е: ${digits}`));

    assert.equal((await api.verify('email', digits)).status, 200);
    const [blanked, confirmed] = await messagesTo(get(), 'brand.bg@example.bg');
    assert.ok(!`${blanked!.body}${blanked!.html}`.includes(digits), 'the used code is blanked');
    assert.match(blanked!.body ?? '', /••••••/);
    assertBranded(blanked!, 'bg');
    assert.equal(blanked!.payload.scrubbed, undefined, 'the blanked texts were swapped in and not kept twice');
    assert.equal(confirmed?.kind, 'subscription_confirmed');
    assertBranded(confirmed!, 'bg');
    assert.match(confirmed!.html ?? '', /background-color:#00703c;color:#ffffff;[^"]*">Управление на абонамента</);
    assert.match(confirmed!.body ?? '', /Управление на абонамента: https:\/\/izvestie\.test-tok\.example\/manage/);
  });

  test('in English, and on SMS: the short name opens the message, which stays one GSM-7 part', async () => {
    const api = apiClient(app, '192.0.2.62');
    const c = customers[1]!;
    const flow = await api.call('POST', '/identity', { customer_number: c.customerNumber, invoice_number: c.invoice, purpose: 'register', lang: 'en' });
    assert.equal(flow.status, 201);
    api.token = flow.json.flow_token as string;
    assert.equal((await api.register({ sms: '0888 500 611', email: 'brand.en@example.bg' })).status, 202);
    const [sms] = await messagesTo(get(), '+359888500611');
    assert.match(sms?.body ?? '', /^TESTTOK: /);
    assert.ok((sms?.body ?? '').length <= 160, sms?.body ?? '');
    const [email] = await messagesTo(get(), 'brand.en@example.bg');
    assert.equal(email?.lang, 'en');
    assert.equal(email?.subject, 'Your verification code');
    assertBranded(email!, 'en');
    assert.equal((await api.verify('sms', await lastCode(get(), '+359888500611'))).status, 200);
    const confirmation = (await messagesTo(get(), '+359888500611')).find((m) => m.kind === 'subscription_confirmed');
    assert.match(confirmation?.body ?? '', /^TESTTOK: /);
  });

  test('a code replaced by a resend is blanked from the texts it was sent with', async () => {
    const api = apiClient(app, '192.0.2.63');
    await api.identify(customers[2]!);
    await api.register({ email: 'brand.resend@example.bg' });
    const first = await lastCode(get(), 'brand.resend@example.bg');
    assert.equal((await api.resend('email')).status, 202);
    const [old] = await messagesTo(get(), 'brand.resend@example.bg');
    assert.ok(!`${old!.body}${old!.html}`.includes(first));
    assertBranded(old!, 'bg');
  });

  test('a code message without the blanked texts in its payload (enqueued by an older version) has its digits blanked all the same', async () => {
    const api = apiClient(app, '192.0.2.64');
    await api.identify(customers[3]!);
    await api.register({ email: 'brand.legacy@example.bg' });
    const first = await lastCode(get(), 'brand.legacy@example.bg');
    const [sent] = await messagesTo(get(), 'brand.legacy@example.bg');
    await get().db.updateTable('outbox_messages').set({ payload: JSON.stringify({ code_id: sent!.payload.code_id }) }).where('id', '=', sent!.id).execute();
    assert.equal((await api.resend('email')).status, 202);
    const [old] = await messagesTo(get(), 'brand.legacy@example.bg');
    assert.ok(!`${old!.body}${old!.html}`.includes(first), 'the replaced code is blanked');
    assert.match(old!.body ?? '', /Кодът Ви за потвърждение е: ••••••/);
    assert.match(old!.html ?? '', /Кодът Ви за потвърждение е: ••••••/);
    assertBranded(old!, 'bg');
  });
});
