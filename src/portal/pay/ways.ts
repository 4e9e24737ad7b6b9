// The ways a customer can pay, from the utility's settings: the notices list them (as text) and
// the payment page shows them (as HTML) from this one list, so the two never disagree. A way whose
// setting is empty is not offered and not mentioned.
import type { PaymentSettings } from '../../config.js';
import type { Lang } from '../../delivery/text/default-templates.js';

export type PayWaySettings = Pick<PaymentSettings, 'onlineUrl' | 'bankName' | 'bankIban' | 'bpayCode' | 'cashDesks'>;

export interface PayWay {
  kind: 'online' | 'bank' | 'bpay' | 'cash';
  /** "Банков превод" / "Bank transfer". */
  label: string;
  /** What to enter or where to go, one fact a line. */
  lines: string[];
  /** The online way's link. */
  url?: string;
}

/**
 * The ways to pay one customer's bill. `customer` is the customer number as the message shows it
 * (NOTICE_CUSTOMER_NUMBER: masked or whole; the payment page always masks it). `onlineUrl` overrides the setting's (a PAY_URL_TEMPLATE link
 * already filled for this notice). Cash desks are always offered: the utility's own customer
 * centres take payments whatever networks are configured.
 */
export function payWays(s: PayWaySettings, customer: string, lang: Lang, onlineUrl: string = s.onlineUrl): PayWay[] {
  const bg = lang === 'bg';
  // A masked number is no reference to type: point to the invoice, where it is whole.
  const masked = customer.includes('*');
  const ref = !masked ? customer : bg ? `клиентският Ви номер (${customer}, целият е на фактурата)` : `your customer number (${customer}, in full on your invoice)`;
  const ways: PayWay[] = [];
  if (onlineUrl !== '') {
    ways.push({ kind: 'online', label: bg ? 'Онлайн с карта' : 'Online by card', lines: [onlineUrl], url: onlineUrl });
  }
  if (s.bankIban !== '') {
    ways.push({
      kind: 'bank',
      label: bg ? 'Банков превод' : 'Bank transfer',
      lines: [
        `IBAN: ${s.bankIban}${s.bankName === '' ? '' : ` (${s.bankName})`}`,
        bg ? `Основание за плащане: ${masked ? ref : `клиентски № ${ref}`}` : `Payment reference: ${masked ? ref : `customer no. ${ref}`}`,
      ],
    });
  }
  if (s.bpayCode !== '') {
    ways.push({
      kind: 'bpay',
      label: bg ? 'На банкомат (bPay)' : 'At an ATM (bPay)',
      lines: bg ? [`Код на търговеца: ${s.bpayCode}`, `Абонатен номер: ${ref}`] : [`Merchant code: ${s.bpayCode}`, `Subscriber number: ${ref}`],
    });
  }
  const desks = s.cashDesks === '' ? '' : bg ? ` и на каса на ${s.cashDesks}` : ` and at ${s.cashDesks} cash desks`;
  ways.push({
    kind: 'cash',
    label: bg ? 'В брой' : 'In cash',
    lines: [bg ? `В центровете за обслужване на клиенти${desks}, с клиентския Ви номер` : `At our customer centres${desks}, with your customer number`],
  });
  return ways;
}

/** The ways as plain text, one block a way: for the email and letter bodies ({{ways_to_pay}}). */
export function payWaysText(ways: PayWay[]): string {
  return ways.map((w) => `${w.label}:\n${w.lines.map((l) => `  ${l}`).join('\n')}`).join('\n');
}

/** The short payment code an SMS can carry ({{pay_code}}): the bPay merchant code and the customer number as shown; empty without a code. */
// Compact and Latin in both languages (an SMS stays in GSM-7): 'bPay 71234/******4567', at most 32
// characters (a code of up to 10, a customer number of up to 16).
export function payCode(s: Pick<PaymentSettings, 'bpayCode'>, customer: string): string {
  if (s.bpayCode === '') return '';
  return `bPay ${s.bpayCode}/${customer}`;
}
