// The lists of the customer page, each shown as a table and exported as CSV from one definition.
import { formatMoney } from '../../delivery/text/money.js';
import { html } from '../../http/html.js';
import type { AuditRow, HoldRow, InvoiceRow, MessageRow, PaymentRow, SubscriptionRow } from '../customer-view.js';
import type { Found } from '../lookup.js';
import { BASE, type Ctx } from './context.js';
import { csvEur, fmtDate, fmtDateTime, fmtEur, iso } from './format.js';
import { label } from './labels.js';
import type { Column } from './list.js';

const statusClass = (s: string) => (['paid', 'delivered', 'sent', 'active', 'settled'].includes(s) ? 'ok' : ['overdue', 'failed', 'expired'].includes(s) ? 'bad' : 'wait');

export function foundColumns(c: Ctx): Column<Found>[] {
  return [
    { bg: 'Клиентски номер', en: 'Customer number', csv: (r) => r.customerNumber, cell: (r) => html`<a href="${BASE}/customers/${r.customerNumber}">${r.customerNumber}</a>` },
    { bg: 'Име', en: 'Name', csv: (r) => r.name },
    { bg: 'Адрес', en: 'Address', csv: (r) => `${r.street}, ${r.town}` },
    { bg: 'Вид', en: 'Class', csv: (r) => label(c, 'customerClass', r.customerClass) },
    { bg: 'Намерен по', en: 'Matched by', csv: (r) => r.matchedBy.map((m) => label(c, 'matchedBy', m)).join(', ') },
  ];
}

export function invoiceColumns(c: Ctx): Column<InvoiceRow>[] {
  return [
    { bg: 'Фактура', en: 'Invoice', csv: (r) => r.invoiceNumber },
    { bg: 'Издадена', en: 'Issued', csv: (r) => r.issueDate, cell: (r) => fmtDate(r.issueDate) },
    { bg: 'Падеж', en: 'Due', csv: (r) => r.dueDate, cell: (r) => fmtDate(r.dueDate) },
    { bg: 'Сума (EUR)', en: 'Amount (EUR)', csv: (r) => csvEur(r.amountEurMinor), cell: (r) => fmtEur(r.amountEurMinor, c.lang), numeric: true },
    { bg: 'Платено (EUR)', en: 'Paid (EUR)', csv: (r) => csvEur(r.paidEurMinor), cell: (r) => fmtEur(r.paidEurMinor, c.lang), numeric: true },
    // What the customer's own invoice says: leva for those issued before the euro.
    { bg: 'По фактурата', en: 'As invoiced', csv: (r) => `${csvEur(r.amountMinor)} ${r.currency}`, cell: (r) => formatMoney(r.amountMinor, r.currency, c.lang), numeric: true },
    { bg: 'Състояние', en: 'Status', csv: (r) => label(c, 'invoiceStatus', r.status), cell: (r) => html`<span class="status status--${statusClass(r.status)}">${label(c, 'invoiceStatus', r.status)}</span>` },
  ];
}

export function paymentColumns(c: Ctx): Column<PaymentRow>[] {
  return [
    { bg: 'Плащане', en: 'Payment', csv: (r) => r.reference },
    { bg: 'Платено на', en: 'Paid at', csv: (r) => iso(r.paidAt), cell: (r) => fmtDateTime(r.paidAt) },
    { bg: 'Сума (EUR)', en: 'Amount (EUR)', csv: (r) => csvEur(r.amountEurMinor), cell: (r) => fmtEur(r.amountEurMinor, c.lang), numeric: true },
    { bg: 'Фактура', en: 'Invoice', csv: (r) => r.invoiceNumber },
    { bg: 'Начин', en: 'Channel', csv: (r) => label(c, 'paymentChannel', r.channel) },
    { bg: 'Състояние', en: 'Status', csv: (r) => label(c, 'paymentStatus', r.status) },
  ];
}

export function subscriptionColumns(c: Ctx): Column<SubscriptionRow>[] {
  return [
    { bg: 'Канал', en: 'Channel', csv: (r) => label(c, 'channel', r.channel) },
    { bg: 'Контакт', en: 'Contact', csv: (r) => r.address, cell: (r) => html`<span class="mono">${r.address}</span>` },
    {
      bg: 'Състояние',
      en: 'Status',
      csv: (r) => `${label(c, 'subscriptionStatus', r.status)}${r.endReason ? ` (${label(c, 'endReason', r.endReason)})` : ''}${r.needsAttention ? ` – ${c.t('за проверка', 'needs attention')}` : ''}`,
    },
    { bg: 'Източник', en: 'Source', csv: (r) => label(c, 'source', r.source) },
    { bg: 'Език', en: 'Language', csv: (r) => r.lang },
    { bg: 'Съгласие', en: 'Consent', csv: (r) => `${r.consentVersion} ${iso(r.consentAt)}`, cell: (r) => `${r.consentVersion}, ${fmtDateTime(r.consentAt)}` },
    { bg: 'Потвърден', en: 'Verified', csv: (r) => iso(r.verifiedAt), cell: (r) => fmtDateTime(r.verifiedAt) },
    { bg: 'Прекратен', en: 'Ended', csv: (r) => iso(r.endedAt), cell: (r) => fmtDateTime(r.endedAt) },
  ];
}

export function holdColumns(c: Ctx): Column<HoldRow>[] {
  return [
    { bg: 'Причина', en: 'Reason', csv: (r) => label(c, 'holdReason', r.reason) },
    { bg: 'До', en: 'Until', csv: (r) => r.until, cell: (r) => fmtDate(r.until) },
    { bg: 'Бележка', en: 'Note', csv: (r) => r.note },
    { bg: 'Поставено', en: 'Placed', csv: (r) => `${r.createdBy} ${iso(r.createdAt)}`, cell: (r) => `${r.createdBy}, ${fmtDateTime(r.createdAt)}` },
    {
      bg: 'Състояние',
      en: 'Status',
      csv: (r) => (r.active ? c.t('действа', 'active') : r.releasedAt ? `${c.t('снето', 'lifted')} ${r.releasedBy ?? ''} ${iso(r.releasedAt)}` : c.t('изтекло', 'expired')),
      cell: (r) => (r.active ? c.t('действа', 'active') : r.releasedAt ? `${c.t('снето', 'lifted')}: ${r.releasedBy ?? ''}, ${fmtDateTime(r.releasedAt)}` : c.t('изтекло', 'expired')),
    },
  ];
}

export function messageColumns(c: Ctx): Column<MessageRow>[] {
  return [
    { bg: 'Създадено', en: 'Created', csv: (r) => iso(r.createdAt), cell: (r) => fmtDateTime(r.createdAt) },
    { bg: 'Вид', en: 'Kind', csv: (r) => label(c, 'kind', r.kind) },
    { bg: 'Канал', en: 'Channel', csv: (r) => label(c, 'channel', r.channel) },
    { bg: 'Получател', en: 'Recipient', csv: (r) => r.recipient, cell: (r) => html`<span class="mono">${r.recipient.split('\n')[0] ?? ''}</span>` },
    { bg: 'Състояние', en: 'Status', csv: (r) => label(c, 'messageStatus', r.status), cell: (r) => html`<span class="status status--${statusClass(r.status)}">${label(c, 'messageStatus', r.status)}</span>` },
    { bg: 'Изпратено', en: 'Sent', csv: (r) => iso(r.sentAt), cell: (r) => fmtDateTime(r.sentAt) },
    { bg: 'Доставено', en: 'Delivered', csv: (r) => iso(r.deliveredAt), cell: (r) => fmtDateTime(r.deliveredAt) },
    { bg: 'Опити', en: 'Attempts', csv: (r) => r.attempts, numeric: true },
    { bg: 'Части', en: 'Segments', csv: (r) => r.segments, numeric: true },
    { bg: 'Кодиране', en: 'Encoding', csv: (r) => r.encoding },
    { bg: 'Цена (EUR)', en: 'Cost (EUR)', csv: (r) => csvEur(r.costMinor), cell: (r) => (r.costMinor === null ? '—' : fmtEur(r.costMinor, c.lang)), numeric: true },
    { bg: 'Доставчик', en: 'Provider', csv: (r) => r.provider },
    {
      bg: 'Шаблон',
      en: 'Template',
      csv: (r) => r.templateVersion,
      cell: (r) => (r.templateVersion === null ? '—' : r.templateVersion === 0 ? c.t('по подразбиране', 'default') : `v${r.templateVersion}`),
    },
    { bg: 'Причина', en: 'Reason', csv: (r) => r.reason },
  ];
}

export const auditColumns: Column<AuditRow>[] = [
  { bg: 'Време', en: 'Time', csv: (r) => iso(r.at), cell: (r) => fmtDateTime(r.at) },
  { bg: 'Кой', en: 'Who', csv: (r) => r.actor },
  { bg: 'Действие', en: 'Action', csv: (r) => r.action, cell: (r) => html`<span class="mono">${r.action}</span>` },
  { bg: 'Обект', en: 'Subject', csv: (r) => r.subject },
  { bg: 'Подробности', en: 'Details', csv: (r) => JSON.stringify(r.details), cell: (r) => html`<span class="mono">${JSON.stringify(r.details)}</span>` },
];
