// What bench/dispatch.ts sends, the same for izvestie's worker and for the bare transport loops:
// overdue reminders as the daily run queues them, so the worker also asks the notice guard
// (are the bills still unpaid?) right before each send.
import type { SendMailOptions } from 'nodemailer';
import type { NewMessage } from '../src/delivery/outbox/enqueue.js';
import { noticeRenderer, type NoticePayload } from '../src/dunning/render.js';

export const BENCH_CUSTOMER = '3000000001';
/** The one unpaid invoice every notice names. */
export const BENCH_INVOICE = 'BENCH-1';
const PUBLIC_URL = 'https://izvestie.example.bg';

/** One GSM-7 SMS part (under 160 characters), different for every message. */
export const benchSmsText = (i: number): string =>
  `Neplateni smetki za tok, klientski No ******${String(i).padStart(4, '0').slice(-4)}: 45.20 EUR. Platete na https://izvestie.example.bg/p Ako ste platili, blagodarim!`;

/** Three GSM-7 parts (307-459 characters): the longest notice, with every unpaid invoice listed. */
export const benchSmsText3 = (i: number): string =>
  `Neplateni smetki za tok, klientski No ******${String(i).padStart(4, '0').slice(-4)}: 45.20 EUR za 3 fakturi (No 2026-0001${String(i % 100).padStart(2, '0')} ot 24.09.2026 za 15.07 EUR, ` +
  `No 2026-0002${String(i % 100).padStart(2, '0')} ot 24.10.2026 za 15.07 EUR, No 2026-0003${String(i % 100).padStart(2, '0')} ot 24.11.2026 za 15.06 EUR). ` +
  `Molya platete gi do 15.12.2026, inache zahranvaneto mozhe da bade spryano. Platete na https://izvestie.example.bg/p ili v kasa. Ako ste platili, blagodarim! Info: 0700 10 010`;

/** The text of message i with `parts` parts (1 or 3). */
export const benchSmsTextOf = (i: number, parts: number): string => (parts === 1 ? benchSmsText(i) : benchSmsText3(i));

export const benchPhone = (i: number): string => `+359888${String(i).padStart(6, '0')}`;

function payload(i: number): NoticePayload {
  return {
    run_id: 1,
    stage: 'reminder',
    notified_on: '2026-11-24',
    customer_number: String(3_000_000_000 + i),
    customer_name: `Иван Петров ${i}`,
    oldest_due_date: '2026-10-24',
    invoices: [BENCH_INVOICE],
    total_eur_minor: 4520,
    total_bgn_minor: 8840,
    min_eur_minor: 100,
    disconnection_date: null,
    email_subscription_id: null,
  };
}

export function benchSmsRows(count: number, parts = 1, keyPrefix = 'bench:sms'): NewMessage[] {
  return Array.from({ length: count }, (_, i) => ({ businessKey: `${keyPrefix}:${i}`, kind: 'overdue_reminder', channel: 'sms', recipient: benchPhone(i), body: benchSmsTextOf(i, parts), payload: { ...payload(i) } }));
}

/** Emails are queued without texts, as the daily run queues them: the worker renders them. */
export function benchEmailRows(count: number): NewMessage[] {
  return Array.from({ length: count }, (_, i) => ({ businessKey: `bench:email:${i}`, kind: 'overdue_reminder', channel: 'email', recipient: `client${i}@example.bg`, payload: { ...payload(i) } }));
}

const render = noticeRenderer(PUBLIC_URL);

/** The same email for the bare nodemailer loop, rendered from the same template. */
export function benchEmail(i: number): SendMailOptions {
  const t = render('overdue_reminder', 'email', 'bg', { ...payload(i) });
  return { from: '"Известия за ток" <izvestia@izvestie.example.bg>', to: `client${i}@example.bg`, subject: t.subject, text: t.body, html: t.html };
}
