// Everything the customer page shows, each list by its own index on customer_number.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export const VIEW_LIMIT = 200;

export interface CustomerView {
  customer: { number: string; name: string; street: string; town: string; postcode: string; customerClass: 'household' | 'business'; updatedAt: Date };
  balance: { dueEurMinor: number; overdueEurMinor: number; oldestOverdue: string | null };
}

export interface InvoiceRow {
  invoiceNumber: string;
  issueDate: string;
  dueDate: string;
  amountMinor: number;
  currency: 'EUR' | 'BGN';
  amountEurMinor: number;
  paidEurMinor: number;
  status: 'paid' | 'partly_paid' | 'open' | 'overdue';
}

export interface PaymentRow {
  reference: string;
  invoiceNumber: string | null;
  amountEurMinor: number;
  paidAt: Date;
  channel: string;
  status: 'in_transit' | 'settled';
}

export interface SubscriptionRow {
  id: number;
  channel: 'sms' | 'email';
  address: string;
  status: 'pending' | 'active' | 'unsubscribed';
  source: 'online' | 'centre' | 'import';
  lang: 'bg' | 'en';
  consentVersion: string;
  consentAt: Date;
  verifiedAt: Date | null;
  endedAt: Date | null;
  endReason: string | null;
  needsAttention: boolean;
  hardFailures: number;
}

export interface HoldRow {
  id: number;
  reason: string;
  until: string;
  note: string | null;
  createdBy: string;
  createdAt: Date;
  releasedAt: Date | null;
  releasedBy: string | null;
  active: boolean;
}

export interface MessageRow {
  id: number;
  kind: string;
  channel: 'sms' | 'email' | 'letter' | 'viber';
  recipient: string;
  status: string;
  createdAt: Date;
  sentAt: Date | null;
  deliveredAt: Date | null;
  finalAt: Date | null;
  attempts: number;
  provider: string | null;
  segments: number | null;
  encoding: string | null;
  costMinor: number | null;
  reason: string | null;
  parentId: number | null;
  /** The template version that rendered the texts (0: shipped); null for texts written by hand or not rendered yet. */
  templateVersion: number | null;
}

export interface AuditRow {
  at: Date;
  actor: string;
  action: string;
  subject: string | null;
  details: Record<string, unknown>;
}

export async function loadCustomer(db: Kysely<DB>, number: string, today: string): Promise<CustomerView | null> {
  const c = await db.selectFrom('customers').selectAll().where('customer_number', '=', number).executeTakeFirst();
  if (!c) return null;
  const b = await db
    .selectFrom('invoices')
    .select([
      sql<string>`coalesce(sum(amount_eur_minor - paid_eur_minor), 0)`.as('due'),
      sql<string>`coalesce(sum(amount_eur_minor - paid_eur_minor) FILTER (WHERE due_date < ${today}::date), 0)`.as('overdue'),
      sql<string | null>`min(due_date) FILTER (WHERE due_date < ${today}::date)`.as('oldest'),
    ])
    .where('customer_number', '=', number)
    .where(sql<boolean>`paid_eur_minor < amount_eur_minor`)
    .executeTakeFirstOrThrow();
  return {
    customer: { number: c.customer_number, name: c.name, street: c.street, town: c.town, postcode: c.postcode, customerClass: c.customer_class, updatedAt: c.updated_at },
    balance: { dueEurMinor: Number(b.due), overdueEurMinor: Number(b.overdue), oldestOverdue: b.oldest },
  };
}

export async function customerInvoices(db: Kysely<DB>, number: string, today: string): Promise<InvoiceRow[]> {
  const rows = await db.selectFrom('invoices').selectAll().where('customer_number', '=', number).orderBy('due_date', 'desc').orderBy('invoice_number', 'desc').limit(VIEW_LIMIT).execute();
  return rows.map((r) => ({
    invoiceNumber: r.invoice_number,
    issueDate: r.issue_date,
    dueDate: r.due_date,
    amountMinor: r.amount_minor,
    currency: r.currency,
    amountEurMinor: r.amount_eur_minor,
    paidEurMinor: r.paid_eur_minor,
    status: r.paid_eur_minor >= r.amount_eur_minor ? 'paid' : r.due_date < today ? 'overdue' : r.paid_eur_minor > 0 ? 'partly_paid' : 'open',
  }));
}

export async function customerPayments(db: Kysely<DB>, number: string): Promise<PaymentRow[]> {
  const rows = await db.selectFrom('payments').selectAll().where('customer_number', '=', number).orderBy('paid_at', 'desc').limit(VIEW_LIMIT).execute();
  return rows.map((r) => ({ reference: r.payment_reference, invoiceNumber: r.invoice_number, amountEurMinor: r.amount_eur_minor, paidAt: r.paid_at, channel: r.channel, status: r.status }));
}

export async function customerSubscriptions(db: Kysely<DB>, number: string): Promise<SubscriptionRow[]> {
  const rows = await db.selectFrom('subscriptions').selectAll().where('customer_number', '=', number).orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map((r) => ({
    id: r.id,
    channel: r.channel,
    address: r.address,
    status: r.status,
    source: r.source,
    lang: r.lang,
    consentVersion: r.consent_version,
    consentAt: r.consent_at,
    verifiedAt: r.verified_at,
    endedAt: r.ended_at,
    endReason: r.end_reason,
    needsAttention: r.needs_attention,
    hardFailures: r.hard_failures,
  }));
}

export async function customerHolds(db: Kysely<DB>, number: string, today: string): Promise<HoldRow[]> {
  const rows = await db.selectFrom('dunning_holds').selectAll().where('customer_number', '=', number).orderBy('created_at', 'desc').execute();
  return rows.map((r) => ({
    id: r.id,
    reason: r.reason,
    until: r.until,
    note: r.note,
    createdBy: r.created_by,
    createdAt: r.created_at,
    releasedAt: r.released_at,
    releasedBy: r.released_by,
    active: r.released_at === null && r.until >= today,
  }));
}

export async function customerMessages(db: Kysely<DB>, number: string): Promise<MessageRow[]> {
  const rows = await db
    .selectFrom('outbox_messages')
    .select(['id', 'kind', 'channel', 'recipient', 'status', 'created_at', 'sent_at', 'delivered_at', 'final_at', 'attempts', 'provider', 'segments', 'encoding', 'cost_minor', 'cancel_reason', 'last_error', 'parent_id', 'template_version'])
    .where('customer_number', '=', number)
    .orderBy('created_at', 'desc')
    .orderBy('id', 'desc')
    .limit(VIEW_LIMIT)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    channel: r.channel,
    recipient: r.recipient,
    status: r.status,
    createdAt: r.created_at,
    sentAt: r.sent_at,
    deliveredAt: r.delivered_at,
    finalAt: r.final_at,
    attempts: r.attempts,
    provider: r.provider,
    segments: r.segments,
    encoding: r.encoding,
    costMinor: r.cost_minor,
    reason: r.cancel_reason ?? r.last_error,
    parentId: r.parent_id,
    templateVersion: r.template_version,
  }));
}

/** Billing and portal events name the customer number; dunning ones 'customer:<number>'. */
export async function customerAudit(db: Kysely<DB>, number: string): Promise<AuditRow[]> {
  const rows = await db
    .selectFrom('audit_events')
    .select(['at', 'actor', 'action', 'subject', 'details'])
    .where('subject', 'in', [number, `customer:${number}`])
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(VIEW_LIMIT)
    .execute();
  return rows;
}
