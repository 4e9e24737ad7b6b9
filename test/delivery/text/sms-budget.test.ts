import { test } from 'node:test';
import assert from 'node:assert/strict';
import { defaultTemplates, templateVariables, type Lang, type MessageType } from '../../../src/delivery/text/default-templates.js';
import { listPlaceholders } from '../../../src/delivery/text/render.js';
import { worstCaseParts, worstCaseSms } from '../../../src/delivery/text/sms-budget.js';
import { renderSms, smsForScript } from '../../../src/delivery/text/sms-script.js';

// Every type the project ships, whoever added it: a new type is held to one part automatically.
const TYPES = Object.keys(defaultTemplates) as MessageType[];
const LANGS: Lang[] = ['bg', 'en'];

test('every shipped SMS template, each type and language, fits one GSM-7 part with its longest values', () => {
  assert.ok(TYPES.length >= 8);
  for (const type of TYPES) {
    for (const lang of LANGS) {
      const t = defaultTemplates[type][lang];
      const w = worstCaseSms(type, lang, t.sms, { script: t.smsScript });
      assert.deepEqual(w.unknown, [], `${type}.${lang}.sms uses placeholders with no known longest value`);
      assert.equal(w.encoding, 'gsm7', `${type}.${lang}: ${w.text}`);
      assert.ok(w.units <= 160, `${type}.${lang}: ${w.units} characters: ${w.text}`);
      assert.equal(w.parts, 1, `${type}.${lang}: ${w.text}`);
      // The texts stay valid templates of their type.
      for (const name of listPlaceholders(t.sms)) assert.ok(templateVariables(type, 'sms').includes(name), `${type}.${lang}.sms uses {{${name}}}`);
    }
  }
});

test('the SMS of each notice starts with who it is from and carries what the customer needs', () => {
  for (const type of ['overdue_reminder', 'overdue_second', 'overdue_final'] as const) {
    for (const lang of LANGS) {
      const sms = defaultTemplates[type][lang].sms;
      assert.ok(sms.startsWith('{{utility_short}}'), `${type}.${lang}`);
      const used = listPlaceholders(sms);
      const number = used.includes('customer_no') ? 'customer_no' : 'customer_number_masked';
      const facts = [number, 'total_eur', 'total_bgn_note', 'oldest_due_date', ...(type === 'overdue_final' ? ['disconnection_date'] : []), 'pay_url'];
      assert.deepEqual(used.filter((n) => facts.includes(n)), facts, `${type}.${lang}: ${sms}`);
    }
  }
});

test('the worst case takes the longest values: 16-digit number, 99 999,99 EUR with its leva, a 40-character link', () => {
  const w = worstCaseSms('overdue_final', 'bg', defaultTemplates.overdue_final.bg.sms);
  assert.match(w.text, /(\*{12}|9{12})9999/);
  assert.ok(w.text.includes('99 999,99 EUR (195 582,98 lv.)'), w.text);
  assert.ok(/https:\/\/\S{32}(\s|$)/.test(w.text), w.text);
  assert.ok(w.text.startsWith(`${'W'.repeat(20)}: `), w.text);
  const en = worstCaseSms('overdue_final', 'en', defaultTemplates.overdue_final.en.sms);
  assert.ok(en.text.includes('EUR 99,999.99 (BGN 195,582.98)'), en.text);
});

test('the Cyrillic variant of the same text is the multi-part one: UCS-2, three parts', () => {
  for (const type of ['overdue_reminder', 'overdue_second', 'overdue_final'] as const) {
    const w = worstCaseSms(type, 'bg', defaultTemplates[type].bg.sms, { script: 'cyrillic' });
    assert.equal(w.encoding, 'ucs2', type);
    assert.ok(w.parts >= 2 && w.parts <= 3, `${type}: ${w.parts} parts`);
  }
});

test('a longer text goes over one part, and the site values known exactly are used as they are', () => {
  const long = `${defaultTemplates.overdue_reminder.en.sms} Thank you!`;
  assert.equal(worstCaseParts('overdue_reminder', 'en', long), 2);
  assert.equal(worstCaseParts('overdue_reminder', 'en', long, { siteVars: { utility_short: 'PRIMER' } }), 1);
  // A placeholder nobody gave a longest value is reported, not guessed silently.
  assert.deepEqual(worstCaseSms('overdue_reminder', 'en', 'Hi {{mystery}}').unknown, ['mystery']);
});

test('the Latin script transliterates values as well as the text (the leva sign too)', () => {
  assert.equal(smsForScript('Дълг: 10,00 лв.'), 'Dalg: 10,00 lv.');
  assert.equal(smsForScript('Дълг: 10,00 лв.', 'cyrillic'), 'Дълг: 10,00 лв.');
  assert.equal(renderSms({ sms: 'Сума {{x}}' }, { x: '5 лв.' }), 'Suma 5 lv.');
  assert.equal(renderSms({ sms: 'Сума {{x}}', smsScript: 'cyrillic' }, { x: '5 лв.' }), 'Сума 5 лв.');
});
