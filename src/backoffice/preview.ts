// What a template will look like to a customer: the texts rendered with sample values, and for SMS
// the encoding, parts and price as written and as transliterated to Latin (GSM-7 when possible).
import type { Lang, TemplateSet } from '../delivery/text/default-templates.js';
import { formatMoney } from '../delivery/text/money.js';
import { formatDateBg, maskCustomerNumber, renderTemplate, type TemplateVars } from '../delivery/text/render.js';
import { countSms, type SmsEncoding } from '../delivery/text/segments.js';
import { toGsmSafe } from '../delivery/text/transliterate.js';
import type { NoticeKind } from '../dunning/policy.js';

/** Realistic values, as long as real ones get (a long name, several invoices, leva shown too). */
export function sampleVars(kind: NoticeKind, lang: Lang, publicUrl: string): TemplateVars {
  const vars: TemplateVars = {
    customer_name: lang === 'bg' ? 'Иван Петров Георгиев' : 'Ivan Petrov Georgiev',
    customer_number_masked: maskCustomerNumber('3000000101'),
    total_eur: formatMoney(12345, 'EUR', lang),
    total_bgn_note: lang === 'bg' ? ` (${formatMoney(24145, 'BGN', 'bg')})` : ` (${formatMoney(24145, 'BGN', 'en')})`,
    invoice_count: 2,
    invoice_numbers: '7000000001, 7000000002',
    oldest_due_date: formatDateBg('2026-11-20'),
    pay_url: `${publicUrl}/pay`,
    unsubscribe_url: `${publicUrl}/u/SAMPLE-TOKEN`,
  };
  if (kind === 'overdue_final') vars.disconnection_date = formatDateBg('2026-12-11');
  return vars;
}

export interface SmsFigures {
  text: string;
  encoding: SmsEncoding;
  units: number;
  segments: number;
  costMinor: number;
}

export interface Preview {
  lang: Lang;
  sms: SmsFigures;
  /** The same SMS transliterated (Bulgarian Transliteration Act) with typographic characters replaced. */
  smsLatin: SmsFigures;
  email: { subject: string; text: string; html: string };
  letter: string;
}

function figures(text: string, priceMinor: number): SmsFigures {
  const c = countSms(text);
  return { text, encoding: c.encoding, units: c.units, segments: c.segments, costMinor: c.segments * priceMinor };
}

export function previewTemplate(kind: NoticeKind, lang: Lang, set: TemplateSet, o: { publicUrl: string; smsPriceMinor: number }): Preview {
  const vars = sampleVars(kind, lang, o.publicUrl);
  // A placeholder the kind does not have shows up in the preview instead of failing the page.
  const render = (t: string, html = false) => {
    try {
      return renderTemplate(t, vars, { html });
    } catch (e) {
      return `⚠ ${(e as Error).message}`;
    }
  };
  const sms = render(set.sms);
  return {
    lang,
    sms: figures(sms, o.smsPriceMinor),
    smsLatin: figures(toGsmSafe(sms), o.smsPriceMinor),
    email: { subject: render(set.emailSubject), text: render(set.emailText), html: render(set.emailHtml, true) },
    letter: render(set.letter),
  };
}
