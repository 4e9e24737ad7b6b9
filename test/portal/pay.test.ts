import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTemplates, type Lang, type MessageType } from '../../src/delivery/text/default-templates.js';
import { DEMO_PAYMENT, noticeRenderer, type NoticePayload } from '../../src/dunning/render.js';
import { fillPayUrlTemplate, PAY_REF } from '../../src/portal/pay/link.js';
import { describeEachBackend } from '../support/db.js';
import { testRoot, testServer } from '../support/app.js';
import { addCustomer, addInvoice, customerNumber, notices, pay, reset, run } from '../dunning/fixtures.js';

// Due Monday 2 November 2026: reminder Tue 3, second Wed 11, final Wed 18 November.
const DUE = '2026-11-02';

const payload: NoticePayload = {
  run_id: 1,
  stage: 'final',
  notified_on: '2026-11-18',
  customer_number: '3001234567',
  customer_name: 'Мария Иванова',
  oldest_due_date: '2026-10-26',
  invoices: ['I-2', 'I-1'],
  invoice_due_dates: ['2026-10-26', '2026-11-02'],
  invoice_open_minor: [2000, 5000],
  total_eur_minor: 7000,
  total_bgn_minor: null,
  min_eur_minor: 0,
  disconnection_date: '2026-11-23',
  email_subscription_id: null,
  pay_ref: 'AbCdEfGh_-12',
};

describe('notice variables and the payment link', () => {
  test('PAY_URL_TEMPLATE: values URL-encoded, the amount as 123.45, the rest of the template kept', () => {
    assert.equal(
      fillPayUrlTemplate('https://pay.example.bg/p?c={customer_number}&a={amount}&i={invoice}&x={other}', { customerNumber: '30 01&7', amountMinor: 12345, invoice: 'INV/1 ä' }),
      'https://pay.example.bg/p?c=30%2001%267&a=123.45&i=INV%2F1%20%C3%A4&x={other}',
    );
    assert.equal(fillPayUrlTemplate('https://p.example.bg/{amount}', { customerNumber: '1', amountMinor: 5, invoice: '' }), 'https://p.example.bg/0.05');
  });

  test('{{pay_url}}: the filled template, else the notice’s payment page, else (no ref) the portal', () => {
    const letterOf = (pay: Partial<typeof DEMO_PAYMENT>, p: NoticePayload = payload) =>
      noticeRenderer('https://e.example.bg/', { payment: { ...DEMO_PAYMENT, ...pay }, templates: (kind, lang) => ({ set: { ...templateOf(kind, lang), letter: '{{pay_url}}|{{customer_no}}|{{pay_code}}' }, version: 1 }) })('overdue_final', 'letter', 'bg', p as unknown as Record<string, unknown>).body;
    assert.equal(letterOf({ urlTemplate: 'https://pay.example.bg/?c={customer_number}&a={amount}&i={invoice}' }), 'https://pay.example.bg/?c=3001234567&a=70.00&i=I-2|******4567|bPay 71234/******4567');
    assert.equal(letterOf({}), 'https://e.example.bg/p/AbCdEfGh_-12|******4567|bPay 71234/******4567');
    assert.equal(letterOf({ customerNumber: 'whole', bpayCode: '' }), 'https://e.example.bg/p/AbCdEfGh_-12|3001234567|');
    const { pay_ref: _ref, ...old } = payload;
    assert.equal(letterOf({}, old as NoticePayload), 'https://e.example.bg/|******4567|bPay 71234/******4567');
  });

  test('the invoice list and the ways to pay follow the settings; an unset way is not mentioned', () => {
    const letter = (pay: Partial<typeof DEMO_PAYMENT>, lang: 'bg' | 'en' = 'bg') =>
      noticeRenderer('https://e.example.bg', { payment: { ...DEMO_PAYMENT, ...pay } })('overdue_final', 'letter', lang, payload as unknown as Record<string, unknown>).body;
    const bg = letter({ customerNumber: 'whole' });
    assert.match(bg, /- № I-2, падеж 26\.10\.2026, дължимо 20,00 EUR\n- № I-1, падеж 02\.11\.2026, дължимо 50,00 EUR/);
    assert.match(bg, /IBAN: BG80 BNBG 9661 1020 3456 78 \(Примерна банка АД\)\n {2}Основание за плащане: клиентски № 3001234567/);
    assert.match(bg, /Код на търговеца: 71234\n {2}Абонатен номер: 3001234567/);
    const bare = letter({ bankIban: '', bpayCode: '', onlineUrl: '', cashDesks: '' });
    assert.doesNotMatch(bare, /IBAN|bPay|Онлайн|каса на/);
    assert.match(bare, /В брой:\n {2}В центровете за обслужване на клиенти, с клиентския Ви номер/);
    const en = letter({ suspensionFeeMinor: 2500, restorationFeeMinor: 1999 }, 'en');
    assert.match(en, /Disconnection costs EUR 25\.00 and restoring the supply EUR 19\.99\./);
    assert.match(en, /- No\. I-2, due 26\.10\.2026, open EUR 20\.00/);
  });
});

function templateOf(kind: string, lang: Lang) {
  return defaultTemplates[kind as MessageType][lang];
}

describeEachBackend('a notice from the daily run, and its payment page', (get) => {
  beforeEach(() => reset(get().db));

  async function finalNotice() {
    const { db } = get();
    const c = await addCustomer(db, 1, { email: true, name: 'Мария Иванова' });
    await addInvoice(db, c, 'I-1', DUE, 5000);
    await addInvoice(db, c, 'I-2', DUE, 3000, 1000);
    await run(db, '2026-11-18');
    const [n] = await notices(db);
    assert.ok(n);
    return { customer: c, notice: n };
  }

  test('the email and the letter say everything the law asks, from the settings', async () => {
    const { notice } = await finalNotice();
    assert.equal(notice.kind, 'overdue_final');
    assert.match(String(notice.payload.pay_ref), PAY_REF);
    const root = await testRoot(get(), {
      PUBLIC_URL: 'https://e.example.bg',
      BRAND_SHORT_NAME: 'VOLTA',
      BRAND_PHONE: '0800 12 345',
      PAY_BANK_IBAN: 'BG18 RZBB 9155 1001 2345 67',
      PAY_BANK_NAME: 'Тестова банка',
      PAY_BPAY_CODE: '55501',
      PAY_CASH_DESKS: 'Easypay',
      PAY_ONLINE_URL: 'https://volta.example.bg/pay',
      PAY_SETTLEMENT_WORKING_DAYS: '3',
      NOTICE_SUSPENSION_FEE_EUR: '21.50',
      NOTICE_RESTORATION_FEE_EUR: '18',
      NOTICE_COMPLAINTS_URL: 'https://volta.example.bg/complaints',
      NOTICE_SUPPORT_URL: 'https://volta.example.bg/help',
      NOTICE_CUSTOMER_NUMBER: 'whole',
    });
    const cn = customerNumber(1);
    const link = `https://e.example.bg/p/${String(notice.payload.pay_ref)}`;
    for (const channel of ['email', 'letter'] as const) {
      const text = root.render('overdue_final', channel, 'bg', notice.payload).body;
      const must = [
        `клиентски № ${cn}`,
        '70,00 EUR', // the amount due
        '- № I-1, падеж 02.11.2026, дължимо 50,00 EUR',
        '- № I-2, падеж 02.11.2026, дължимо 20,00 EUR',
        'след 23.11.2026', // the disconnection date
        'IBAN: BG18 RZBB 9155 1001 2345 67 (Тестова банка)',
        `Основание за плащане: клиентски № ${cn}`,
        'Код на търговеца: 55501',
        'каса на Easypay',
        'https://volta.example.bg/pay',
        'до 3 работни дни',
        'Прекъсването струва 21,50 EUR, а възстановяването на захранването – 18,00 EUR',
        'захранването няма да бъде прекъснато',
        'https://volta.example.bg/complaints',
        'разсрочено плащане',
        'уязвим клиент',
        'https://volta.example.bg/help',
        '0800 12 345',
        link,
      ];
      for (const m of must) assert.ok(text.includes(m), `${channel} lacks «${m}»:\n${text}`);
      assert.doesNotMatch(text, /Примерна банка|71234|Fastpay|primer-energy|0700 10 010/, `${channel} names a demo value`);
    }
    const email = root.render('overdue_final', 'email', 'en', notice.payload);
    assert.match(email.subject ?? '', new RegExp(`disconnection possible after 23\\.11\\.2026 - customer no\\. ${cn}`));
    assert.ok(email.html?.includes(`href="${link}"`));
  });

  test('the payment page: the amount, the due date, every way to pay, the number masked, no name or address', async () => {
    const { notice } = await finalNotice();
    const app = await testServer(get(), { PUBLIC_URL: 'https://e.example.bg' });
    const ref = String(notice.payload.pay_ref);
    const res = await app.inject({ method: 'GET', url: `/p/${ref}`, remoteAddress: '192.0.2.1' });
    assert.equal(res.statusCode, 200);
    const body = res.body;
    for (const m of ['Плащане на сметка за ток', '******0001', '70,00 EUR', '02.11.2026', 'BG80 BNBG 9661 1020 3456 78', '71234', 'Easypay, Fastpay', 'https://primer-energy.example.bg/plashtane', '0700 10 010']) {
      assert.ok(body.includes(m), `page lacks ${m}`);
    }
    assert.doesNotMatch(body, /Мария|Иванова|Шипка|Варна|3000000001|I-1|I-2/);
    assert.equal(res.headers['cache-control'], 'no-store');
    const en = await app.inject({ method: 'GET', url: `/p/${ref}?lang=en`, remoteAddress: '192.0.2.1' });
    assert.match(en.body, /Paying your electricity bill[\s\S]*EUR 70\.00[\s\S]*Bank transfer/);
    await app.close();
  });

  test('a tampered or guessed link gets the same plain 404; a paid notice says it is paid', async () => {
    const { customer, notice } = await finalNotice();
    const app = await testServer(get(), { PUBLIC_URL: 'https://e.example.bg' });
    const ref = String(notice.payload.pay_ref);
    const tampered = ref.slice(0, -1) + (ref.endsWith('A') ? 'B' : 'A');
    const get404 = async (url: string) => {
      const r = await app.inject({ method: 'GET', url, remoteAddress: '192.0.2.2' });
      assert.equal(r.statusCode, 404, url);
      return r.body;
    };
    // The same page but for the language switch, which links back to the path asked for.
    const a = (await get404(`/p/${tampered}`)).replaceAll(tampered, 'REF');
    const b = (await get404('/p/AAAAAAAAAAAA')).replaceAll('AAAAAAAAAAAA', 'REF');
    const c = (await get404('/p/x')).replaceAll('/p/x', '/p/REF');
    assert.equal(a, b);
    assert.equal(a, c);
    assert.doesNotMatch(a, /EUR|IBAN/);

    await pay(get().db, customer, 'I-2', 2000, '2026-11-19T10:00:00Z');
    const part = await app.inject({ method: 'GET', url: `/p/${ref}`, remoteAddress: '192.0.2.2' });
    assert.match(part.body, /Част от сумата вече е платена\. Остава за плащане: <strong>50,00 EUR<\/strong>/);
    await pay(get().db, customer, 'I-1', 5000, '2026-11-19T11:00:00Z');
    const paid = await app.inject({ method: 'GET', url: `/p/${ref}`, remoteAddress: '192.0.2.2' });
    assert.equal(paid.statusCode, 200);
    assert.match(paid.body, /Платено\. Благодарим Ви!/);
    assert.doesNotMatch(paid.body, /IBAN/);
    await app.close();
  });

  test('views are limited per client address (429 with Retry-After), other addresses unaffected', async () => {
    const { notice } = await finalNotice();
    const app = await testServer(get(), { PAY_PAGE_IP_REQUESTS_PER_HOUR: '3' });
    const ref = String(notice.payload.pay_ref);
    const statuses: number[] = [];
    for (const url of [`/p/${ref}`, '/p/AAAAAAAAAAAA', `/p/${ref}`, `/p/${ref}`]) {
      statuses.push((await app.inject({ method: 'GET', url, remoteAddress: '198.51.100.7' })).statusCode);
    }
    assert.deepEqual(statuses, [200, 404, 200, 429]);
    const limited = await app.inject({ method: 'GET', url: `/p/${ref}`, remoteAddress: '198.51.100.7' });
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assert.equal((await app.inject({ method: 'GET', url: `/p/${ref}`, remoteAddress: '198.51.100.8' })).statusCode, 200);
    await app.close();
  });
});
