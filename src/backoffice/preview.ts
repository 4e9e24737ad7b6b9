// What a template will look like to a customer: a sample notice rendered by the very renderer the
// worker uses (the root's, over the draft), for SMS the encoding, parts and price as written and
// as transliterated to Latin (GSM-7 when possible), and for Viber the characters and the price of
// one message (Viber has no parts).
import type { Renderer } from '../delivery/outbox/message.js';
import type { Lang } from '../delivery/text/default-templates.js';
import { countSms, type SmsEncoding } from '../delivery/text/segments.js';
import { toGsmSafe } from '../delivery/text/transliterate.js';
import { isNoticeKind } from '../dunning/policy.js';
import type { LifecycleKind } from '../dunning/lifecycle/kinds.js';
import type { EditableKind } from './templates-store.js';
import type { NoticePayload } from '../dunning/render.js';

/**
 * A notice's payload as the daily run writes it, with values as long as real ones get (a long
 * name, several invoices, the leva equivalent shown too).
 */
export function samplePayload(kind: EditableKind, lang: Lang): Record<string, unknown> {
  if (!isNoticeKind(kind)) return lifecycleSample(kind, lang);
  const notice: NoticePayload = {
    run_id: 0,
    stage: kind,
    notified_on: '2026-11-27',
    customer_number: '3000000101',
    customer_name: lang === 'bg' ? 'Иван Петров Георгиев' : 'Ivan Petrov Georgiev',
    oldest_due_date: '2026-11-20',
    invoices: ['7000000001', '7000000002'],
    invoice_due_dates: ['2026-10-20', '2026-11-20'],
    invoice_open_minor: [6172, 6173],
    total_eur_minor: 12345,
    total_bgn_minor: 24145,
    min_eur_minor: 500,
    disconnection_date: kind === 'overdue_final' ? '2026-12-11' : null,
    email_subscription_id: null,
    pay_ref: 'Ab3dE9xQ2kLm',
  };
  return notice as unknown as Record<string, unknown>;
}

// As the lifecycle messages' statements write them (src/dunning/lifecycle/).
function lifecycleSample(kind: LifecycleKind, lang: Lang): Record<string, unknown> {
  const base = {
    customer_number: '3000000101',
    customer_name: lang === 'bg' ? 'Иван Петров Георгиев' : 'Ivan Petrov Georgiev',
    email_subscription_id: null,
  };
  switch (kind) {
    case 'predue_reminder':
      return { ...base, invoice_number: '7000000002', due_date: '2026-12-15', amount_eur_minor: 6173, amount_bgn_minor: null };
    case 'payment_received':
      return { ...base, amount_eur_minor: 12345, amount_bgn_minor: null, paid_on: '2026-11-28' };
    case 'supply_restored':
      return { ...base, amount_eur_minor: 12345, amount_bgn_minor: null, paid_on: '2026-11-28', restore_hours: 24, express_hours: 4, express_fee_eur_minor: 3000 };
    case 'contact_check':
      return { ...base, channel: 'sms', address: '+359888123456' };
  }
}

export interface SmsFigures {
  text: string;
  encoding: SmsEncoding;
  units: number;
  segments: number;
  costMinor: number;
}

export interface ViberFigures {
  text: string;
  characters: number;
  /** VIBER_PRICE_PER_MESSAGE (null: no Viber provider set, no price known). */
  costMinor: number | null;
}

export interface Preview {
  lang: Lang;
  /** The Viber message (the SMS text as written when the template has no Viber text). */
  viber: ViberFigures;
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

/** The sample notice of `kind` rendered by `render` (the root's renderer over the draft) for each channel. */
export function previewTemplate(render: Renderer, kind: EditableKind, lang: Lang, smsPriceMinor: number, viberPriceMinor: number | null = null): Preview {
  const payload = samplePayload(kind, lang);
  // A placeholder the kind does not have shows up in the preview instead of failing the page.
  const text = (channel: 'sms' | 'viber' | 'email' | 'letter') => {
    try {
      return render(kind, channel, lang, payload);
    } catch (e) {
      const problem = `⚠ ${(e as Error).message}`;
      return { subject: problem, body: problem, html: problem };
    }
  };
  const sms = text('sms').body;
  const email = text('email');
  const viber = text('viber').body;
  return {
    lang,
    viber: { text: viber, characters: [...viber].length, costMinor: viberPriceMinor },
    sms: figures(sms, smsPriceMinor),
    smsLatin: figures(toGsmSafe(sms), smsPriceMinor),
    email: { subject: email.subject ?? '', text: email.body, html: email.html ?? '' },
    letter: text('letter').body,
  };
}
