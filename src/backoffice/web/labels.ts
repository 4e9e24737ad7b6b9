// Names staff read for the codes stored in the database, Bulgarian and English.
import type { Ctx } from './context.js';

type Names = Record<string, [bg: string, en: string]>;

const LABELS = {
  invoiceStatus: { paid: ['платена', 'paid'], partly_paid: ['частично платена', 'partly paid'], open: ['неплатена', 'unpaid'], overdue: ['просрочена', 'overdue'] },
  messageStatus: {
    held: ['чака одобрение', 'awaiting approval'],
    queued: ['в опашката', 'queued'],
    sending: ['изпраща се', 'sending'],
    sent: ['изпратено', 'sent'],
    delivered: ['доставено', 'delivered'],
    failed: ['неуспешно', 'failed'],
    expired: ['изтекло', 'expired'],
    cancelled: ['отменено', 'cancelled'],
  },
  kind: {
    overdue_reminder: ['напомняне', 'reminder'],
    overdue_second: ['второ напомняне', 'second reminder'],
    overdue_final: ['последно напомняне', 'final reminder'],
    verification_code: ['код за потвърждение', 'verification code'],
    subscription_confirmed: ['потвърден абонамент', 'subscription confirmed'],
    subscription_changed: ['променен абонамент', 'subscription changed'],
    subscription_cancelled: ['прекратен абонамент', 'subscription cancelled'],
    contact_changed_notice: ['сменен контакт', 'contact changed'],
    template_test: ['пробно съобщение', 'test message'],
  },
  channel: { sms: ['SMS', 'SMS'], email: ['имейл', 'email'], letter: ['писмо', 'letter'] },
  holdReason: {
    vulnerable: ['уязвим клиент', 'vulnerable customer'],
    complaint: ['жалба', 'complaint'],
    dispute: ['спор', 'dispute'],
    promise_to_pay: ['обещание за плащане', 'promise to pay'],
    payment_plan: ['разсрочено плащане', 'payment plan'],
  },
  subscriptionStatus: { pending: ['чака потвърждение', 'pending'], active: ['активен', 'active'], unsubscribed: ['прекратен', 'ended'] },
  source: { online: ['онлайн', 'online'], centre: ['център', 'centre'], import: ['импорт', 'import'] },
  endReason: { replaced: ['заменен', 'replaced'], cancelled: ['отказан', 'cancelled'], failed: ['недоставим', 'undeliverable'] },
  customerClass: { household: ['битов', 'household'], business: ['небитов', 'business'] },
  paymentStatus: { in_transit: ['в път', 'in transit'], settled: ['постъпило', 'settled'] },
  paymentChannel: {
    bank: ['банка', 'bank'],
    cash_desk: ['каса', 'cash desk'],
    epay: ['ePay', 'ePay'],
    easypay: ['EasyPay', 'EasyPay'],
    direct_debit: ['директен дебит', 'direct debit'],
    card: ['карта', 'card'],
    other: ['друго', 'other'],
  },
  matchedBy: { customer: ['клиентски номер', 'customer number'], invoice: ['фактура', 'invoice'], phone: ['телефон', 'phone'], email: ['имейл', 'email'], name: ['име', 'name'] },
} satisfies Record<string, Names>;

export type LabelSet = keyof typeof LABELS;

export function label(c: Pick<Ctx, 't'>, set: LabelSet, code: string | null | undefined): string {
  if (code === null || code === undefined) return '—';
  const n = (LABELS[set] as Names)[code];
  return n ? c.t(n[0], n[1]) : code;
}
