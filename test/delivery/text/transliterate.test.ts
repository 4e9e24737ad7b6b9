import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isGsm7 } from '../../../src/delivery/text/gsm7.js';
import { countSms } from '../../../src/delivery/text/segments.js';
import { toGsmSafe, transliterateBg } from '../../../src/delivery/text/transliterate.js';

test('the Bulgarian alphabet follows the Transliteration Act table', () => {
  assert.equal(
    transliterateBg('абвгдежзийклмнопрстуфхцчшщъьюя'),
    'abvgdezhziyklmnoprstufhtschshshtayyuya',
  );
  assert.equal(
    transliterateBg('А Б В Г Д Е Ж З И Й К Л М Н О П Р С Т У Ф Х Ц Ч Ш Щ Ъ Ь Ю Я'),
    'A B V G D E Zh Z I Y K L M N O P R S T U F H Ts Ch Sh Sht A Y Yu Ya',
  );
});

test('named cases from the domain notes', () => {
  const cases: Array<[string, string]> = [
    ['България', 'Bulgaria'],
    ['БЪЛГАРИЯ', 'BULGARIA'],
    ['Република България', 'Republika Bulgaria'],
    ['София', 'Sofia'],
    ['Щастие', 'Shtastie'],
    ['Ъгъл', 'Agal'],
    ['ЩЕ', 'SHTE'],
    ['СОФИЯ', 'SOFIA'],
    ['Юлия', 'Yulia'],
    ['Мария', 'Maria'],
    ['Ияков', 'Iyakov'],
    ['Пияница', 'Piyanitsa'],
    ['Щ', 'Sht'],
    ['Жълт цвят', 'Zhalt tsvyat'],
    ['ЦЕНТЪР', 'TSENTAR'],
    ['Христо Ботев', 'Hristo Botev'],
    ['Йордан Йовков', 'Yordan Yovkov'],
    ['Благоевград', 'Blagoevgrad'],
    ['София-град', 'Sofia-grad'],
    ['ЕНЕРГО-ПРО', 'ENERGO-PRO'],
    ['Ямбол, 2026 г.', 'Yambol, 2026 g.'],
  ];
  for (const [cyrillic, latin] of cases) assert.equal(transliterateBg(cyrillic), latin, cyrillic);
});

test('non-Cyrillic characters pass through unchanged', () => {
  assert.equal(transliterateBg('Hello, World! 😀 „12“ № 5'), 'Hello, World! 😀 „12“ № 5');
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (text) => {
      fc.pre(!/\p{Script=Cyrillic}/u.test(text));
      assert.equal(transliterateBg(text), text);
    }),
  );
});

const BG_LETTERS = 'абвгдежзийклмнопрстуфхцчшщъьюяѝѐ';
const bgText = fc.string({
  unit: fc.oneof(
    fc.constantFrom(...BG_LETTERS.split('')),
    fc.constantFrom(...BG_LETTERS.toUpperCase().split('')),
    fc.constantFrom(' ', ' ', '.', ',', '!', '?', '-', ':', '0', '7', '\n'),
  ),
  maxLength: 300,
  size: 'max',
});

test('transliterated Bulgarian text is always GSM-7 and no longer Cyrillic', () => {
  fc.assert(
    fc.property(bgText, (text) => {
      const latin = transliterateBg(text);
      assert.ok(isGsm7(latin), latin);
      assert.ok(!/\p{Script=Cyrillic}/u.test(latin));
      // Letter case survives: lower case stays lower case.
      assert.equal(transliterateBg(text.toLowerCase()), transliterateBg(text.toLowerCase()).toLowerCase());
    }),
  );
});

test('toGsmSafe replaces typographic characters that force UCS-2', () => {
  assert.equal(toGsmSafe('„Кавички“ и ”други”'), '"Kavichki" i "drugi"');
  assert.equal(toGsmSafe('‘а’ – б — в'), "'a' - b - v");
  assert.equal(toGsmSafe('Договор № 15\u00a0от днес…'), 'Dogovor No 15 ot dnes...');
  assert.equal(toGsmSafe('«Тест»'), '"Test"');
  assert.ok(isGsm7(toGsmSafe('„София“ – № 1\u00a0…')));
  // Characters with no GSM-7 equivalent stay; the text is then sent as UCS-2.
  assert.equal(toGsmSafe('Здравей 😀'), 'Zdravey 😀');
});

test('a 159-character Cyrillic notice is 3 UCS-2 parts and at most 2 GSM-7 parts transliterated', () => {
  const notice =
    'Уважаеми клиенти, на 24.11.2026 г. от 09:00 до 16:00 ч. поради планирани ремонтни дейности ' +
    'ще бъде прекъснато електрозахранването в кв. „Младост 1“, гр. Варна.';
  assert.equal(notice.length, 159);
  assert.deepEqual(countSms(notice), { encoding: 'ucs2', units: 159, segments: 3 });
  const latin = countSms(toGsmSafe(notice));
  assert.equal(latin.encoding, 'gsm7');
  assert.ok(latin.segments <= 2, `${latin.segments} parts`);
});
