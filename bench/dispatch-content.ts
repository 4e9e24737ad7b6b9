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

export function benchSmsRows(count: number): NewMessage[] {
  return Array.from({ length: count }, (_, i) => ({ businessKey: `bench:sms:${i}`, kind: 'overdue_reminder', channel: 'sms', recipient: benchPhone(i), body: benchSmsText(i), payload: { ...payload(i) } }));
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
