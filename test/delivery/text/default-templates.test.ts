import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Lang, MessageType, TemplateChannel, TemplateSet } from '../../../src/delivery/text/default-templates.js';
import { defaultTemplates, templateVariables } from '../../../src/delivery/text/default-templates.js';
import { isGsm7 } from '../../../src/delivery/text/gsm7.js';
import { bgnToEurMinor, formatMoney } from '../../../src/delivery/text/money.js';
import { formatDateBg, listPlaceholders, maskCustomerNumber, renderTemplate } from '../../../src/delivery/text/render.js';
import { countSms } from '../../../src/delivery/text/segments.js';
import { toGsmSafe } from '../../../src/delivery/text/transliterate.js';

const TYPES = Object.keys(defaultTemplates) as MessageType[];
const LANGS: Lang[] = ['bg', 'en'];
// viber: optional, the SMS text when absent (checked with the SMS).
type TextField = Exclude<keyof TemplateSet, 'smsScript' | 'viber'>;
const CHANNEL_OF: Record<TextField, TemplateChannel> = {
  sms: 'sms',
  emailSubject: 'email',
  emailText: 'email',
  emailHtml: 'email',
  letter: 'letter',
};

// Realistic, rather long values: a five-figure total, a BGN note, a 35-character payment link.
const BGN_TOTAL = 2414605;
function sampleVars(lang: Lang): Record<string, string | number> {
  return {
    customer_name: lang === 'bg' ? 'Александра Константинова-Петрова' : 'Alexandra Konstantinova-Petrova',
    customer_number_masked: maskCustomerNumber('3001234567'),
    total_eur: formatMoney(bgnToEurMinor(BGN_TOTAL), 'EUR', lang),
    total_bgn_note: ` (${formatMoney(BGN_TOTAL, 'BGN', lang)})`,
    invoice_count: 4,
    invoice_numbers: '0301234567, 0301298765, 0301345678, 0301399001',
    oldest_due_date: formatDateBg('2026-11-24'),
    disconnection_date: formatDateBg('2026-12-09'),
    pay_url: 'https://plati.example.bg/p/7Kx2mQ9a',
    customer_no: maskCustomerNumber('3001234567'),
    pay_code: 'bPay 71234/******4567',
    invoice_list: '- № 0301234567, падеж 24.11.2026, дължимо 3 086,42 EUR\n- № 0301298765, падеж 24.12.2026, дължимо 3 086,42 EUR',
    ways_to_pay: 'Банков превод:\n  IBAN: BG80 BNBG 9661 1020 3456 78 (Примерна банка АД)',
    pay_online_url: 'https://primer-energy.example.bg/plashtane',
    pay_bank_name: 'Примерна банка АД',
    pay_bank_iban: 'BG80 BNBG 9661 1020 3456 78',
    pay_bpay_code: '71234',
    pay_cash_desks: 'Easypay, Fastpay',
    pay_settlement_days: 2,
    suspension_fee: '15,34 EUR',
    restoration_fee: '15,34 EUR',
    complaints_url: 'https://primer-energy.example.bg/zhalbi',
    support_url: 'https://primer-energy.example.bg/podkrepa',
    unsubscribe_url: 'https://izvestia.example.bg/u/Q2x7Lm4pR8sT1vW9',
    code: '482915',
    minutes: 10,
    channel_bg: lang === 'bg' ? 'имейл' : 'email',
    channel_en: 'email',
    address_masked: '+359 88*** **45',
    manage_url: 'https://izvestia.example.bg/m/7Kx2mQ9a',
    utility_name: 'Пример Енерджи АД',
    utility_short: 'PRIMER',
    utility_phone: '0700 10 010',
    utility_website: 'https://primer-energy.example.bg',
    brand_colour: '#0b5cad',
    brand_text_colour: '#ffffff',
    logo_url: 'https://izvestia.example.bg/brand/logo?v=abc&x=1',
  };
}

function varsFor(type: MessageType, channel: TemplateChannel, lang: Lang): Record<string, string | number> {
  const all = sampleVars(lang);
  return Object.fromEntries(templateVariables(type, channel).map((name) => [name, all[name] as string | number]));
}

test('every type has every template in both languages, using only its variables', () => {
  assert.deepEqual(TYPES.sort(), [
    'contact_changed_notice',
    'contact_check',
    'overdue_final',
    'overdue_reminder',
    'overdue_second',
    'payment_received',
    'predue_reminder',
    'subscription_cancelled',
    'subscription_changed',
    'subscription_confirmed',
    'supply_restored',
    'verification_code',
  ]);
  for (const type of TYPES) {
    for (const lang of LANGS) {
      for (const [field, channel] of Object.entries(CHANNEL_OF) as Array<[TextField, TemplateChannel]>) {
        const template = defaultTemplates[type][lang][field];
        assert.ok(template.trim().length > 0, `${type}.${lang}.${field} is empty`);
        const allowed = templateVariables(type, channel);
        for (const name of listPlaceholders(template)) {
          assert.ok(allowed.includes(name), `${type}.${lang}.${field} uses {{${name}}}`);
        }
        // Rendering with exactly the allowed variables must succeed (throws on an unknown one).
        renderTemplate(template, varsFor(type, channel, lang), { html: field === 'emailHtml' });
      }
    }
  }
});

test('overdue notices carry the facts the customer needs', () => {
  for (const type of ['overdue_reminder', 'overdue_second', 'overdue_final'] as const) {
    for (const lang of LANGS) {
      const t = defaultTemplates[type][lang];
      for (const name of ['customer_no', 'total_eur', 'total_bgn_note', 'pay_url']) {
        assert.ok(listPlaceholders(t.sms).includes(name), `${type}.${lang}.sms lacks ${name}`);
      }
      for (const field of ['emailText', 'emailHtml', 'letter'] as const) {
        // What the Energy Act (art. 38б, 38з) and Directive 2019/944 (art. 10, 28a) ask a written notice to say.
        const required = ['customer_name', 'customer_no', 'total_eur', 'invoice_list', 'oldest_due_date', 'pay_url', 'ways_to_pay', 'pay_settlement_days'];
        required.push('suspension_fee', 'restoration_fee', 'complaints_url', 'support_url', 'utility_phone');
        for (const name of required) {
          assert.ok(listPlaceholders(t[field]).includes(name), `${type}.${lang}.${field} lacks ${name}`);
        }
      }
      for (const field of ['emailText', 'emailHtml'] as const) {
        assert.ok(listPlaceholders(t[field]).includes('unsubscribe_url'), `${type}.${lang}.${field} lacks unsubscribe_url`);
      }
      if (type === 'overdue_final') {
        for (const field of ['sms', 'emailText', 'emailHtml', 'letter'] as const) {
          assert.ok(listPlaceholders(t[field]).includes('disconnection_date'), `${type}.${lang}.${field} lacks disconnection_date`);
        }
      }
    }
  }
  for (const lang of LANGS) {
    assert.ok(listPlaceholders(defaultTemplates.verification_code[lang].sms).includes('code'));
  }
});

test('every SMS fits: Bulgarian in one GSM-7 part transliterated (3 UCS-2 parts as Cyrillic), English in one GSM-7 part', () => {
  for (const type of TYPES) {
    const bg = renderTemplate(defaultTemplates[type].bg.sms, varsFor(type, 'sms', 'bg'));
    const bgCount = countSms(bg);
    assert.equal(bgCount.encoding, 'ucs2', type);
    assert.ok(bgCount.segments <= 3, `${type} bg: ${bgCount.units} units, ${bgCount.segments} parts: ${bg}`);
    const latin = countSms(toGsmSafe(bg));
    assert.equal(latin.encoding, 'gsm7', `${type} bg transliterated: ${toGsmSafe(bg)}`);
    assert.equal(latin.segments, 1, `${type} bg transliterated: ${latin.segments} parts`);

    const en = renderTemplate(defaultTemplates[type].en.sms, varsFor(type, 'sms', 'en'));
    const enCount = countSms(en);
    assert.equal(enCount.encoding, 'gsm7', `${type} en: ${en}`);
    assert.equal(enCount.segments, 1, `${type} en: ${enCount.segments} parts`);
  }
});

test('static text: English is GSM-7 everywhere, Bulgarian transliterates to GSM-7', () => {
  const strip = (t: string) => t.replace(/\{\{[^{}]*\}\}/g, '');
  for (const type of TYPES) {
    assert.ok(isGsm7(strip(defaultTemplates[type].en.sms)), `${type}.en.sms`);
    assert.ok(isGsm7(strip(defaultTemplates[type].en.emailSubject)), `${type}.en.emailSubject`);
    assert.ok(isGsm7(toGsmSafe(strip(defaultTemplates[type].bg.sms))), `${type}.bg.sms`);
  }
});

test('HTML emails escape values, keep links and declare their language', () => {
  const hostile: Record<string, string | number> = { ...sampleVars('bg'), customer_name: '<img src=x onerror=alert(1)> "Иван" & Co' };
  for (const type of ['overdue_reminder', 'overdue_final'] as const) {
    for (const lang of LANGS) {
      const vars = Object.fromEntries(templateVariables(type, 'email').map((n) => [n, hostile[n] as string | number]));
      const html = renderTemplate(defaultTemplates[type][lang].emailHtml, vars, { html: true });
      assert.ok(html.startsWith('<!DOCTYPE html>'));
      assert.ok(html.includes(`<html lang="${lang}">`));
      assert.ok(!html.includes('<img src=x'), 'a value became markup');
      // The utility's logo and colour (site variables), the URL escaped in its attribute.
      assert.ok(html.includes('<img src="https://izvestia.example.bg/brand/logo?v=abc&amp;x=1" alt="Пример Енерджи АД"'));
      assert.ok(html.includes('background-color:#0b5cad;color:#ffffff;'));
      assert.ok(html.includes('Пример Енерджи АД<br>'), 'signed with the utility name');
      assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; &quot;Иван&quot; &amp; Co'));
      assert.ok(html.includes(`href="${hostile.pay_url}"`));
      assert.ok(html.includes(`href="${hostile.unsubscribe_url}"`));
      assert.ok(!html.includes('{{'));
      // Inline styles only: mail clients drop <style> blocks and external sheets.
      assert.ok(!/<style|<link/.test(html));
    }
  }
});

test('plain-text email and letter keep paragraphs and put links on their own', () => {
  const t = defaultTemplates.overdue_reminder.bg;
  const text = renderTemplate(t.emailText, varsFor('overdue_reminder', 'email', 'bg'));
  assert.ok(text.startsWith('Здравейте, Александра Константинова-Петрова,\n\n'));
  assert.ok(text.includes('Платете сега: https://plati.example.bg/p/7Kx2mQ9a'));
  assert.ok(text.includes('https://izvestia.example.bg/u/Q2x7Lm4pR8sT1vW9'));
  assert.ok(!/<[a-z]/i.test(text));
  const letter = renderTemplate(t.letter, varsFor('overdue_reminder', 'letter', 'bg'));
  assert.ok(letter.includes('Дължима сума: 12 345,68 EUR (24 146,05 лв.)'), letter);
  assert.ok(!letter.includes('izvestia.example.bg/u/'));
});
