import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { escapeHtml, formatDateBg, listPlaceholders, maskCustomerNumber, renderTemplate } from '../../../src/delivery/text/render.js';

test('renderTemplate fills placeholders, numbers included', () => {
  assert.equal(renderTemplate('Дължите {{total}} по {{ count }} сметки.', { total: '12,34 EUR', count: 3 }), 'Дължите 12,34 EUR по 3 сметки.');
  assert.equal(renderTemplate('{{a}}{{a}}', { a: 'x' }), 'xx');
  assert.equal(renderTemplate('no placeholders', {}), 'no placeholders');
  // Replacement patterns in values are plain text.
  assert.equal(renderTemplate('{{v}}', { v: "$& $1 $' {{v}}" }), "$& $1 $' {{v}}");
});

test('renderTemplate throws an error naming an unknown placeholder', () => {
  assert.throws(() => renderTemplate('Здравейте, {{customer_nmae}}!', { customer_name: 'Иван' }), /\{\{customer_nmae\}\}/);
  assert.throws(() => renderTemplate('{{total eur}}', { total_eur: '1' }), /\{\{total eur\}\}/);
  // Inherited properties are not variables.
  assert.throws(() => renderTemplate('{{toString}}', {}), /toString/);
});

test('renderTemplate with html escapes values, never the template', () => {
  const out = renderTemplate('<p title="{{name}}">{{name}}</p>', { name: `<script>alert("x")</script> & 'co'` }, { html: true });
  assert.equal(out, '<p title="&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;co&#39;</p>');
  assert.equal(renderTemplate('{{name}}', { name: '<b>' }), '<b>');
});

test('escapeHtml leaves no markup-significant character', () => {
  assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  fc.assert(
    fc.property(fc.string({ unit: 'binary' }), (s) => {
      const escaped = escapeHtml(s);
      assert.ok(!/[<>"']/.test(escaped));
      assert.ok(!/&(?!amp;|lt;|gt;|quot;|#39;)/.test(escaped));
    }),
  );
});

test('listPlaceholders lists each name once, in order of appearance', () => {
  assert.deepEqual(listPlaceholders('{{b}} {{ a }} {{b}} {{c_d}}'), ['b', 'a', 'c_d']);
  assert.deepEqual(listPlaceholders('plain {single} text'), []);
});

test('maskCustomerNumber keeps the last four characters', () => {
  assert.equal(maskCustomerNumber('1234567890'), '******7890');
  assert.equal(maskCustomerNumber('12345'), '*2345');
  assert.equal(maskCustomerNumber('1234'), '****');
  assert.equal(maskCustomerNumber(''), '');
});

test('formatDateBg', () => {
  assert.equal(formatDateBg('2026-11-24'), '24.11.2026');
  assert.equal(formatDateBg('2028-02-29'), '29.02.2028');
  for (const bad of ['2026-02-30', '2026-13-01', '2026-00-10', '24.11.2026', '2026-1-5', '2026-11-24T00:00:00Z', '']) {
    assert.throws(() => formatDateBg(bad), RangeError, bad);
  }
});
