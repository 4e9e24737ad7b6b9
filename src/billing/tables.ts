import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type GeneratedAlways<T> = ColumnType<T, never, never>;

export interface CustomersTable {
  customer_number: string;
  name: string;
  street: string;
  town: string;
  postcode: string;
  customer_class: 'household' | 'business';
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface InvoicesTable {
  invoice_number: string;
  customer_number: string;
  issue_date: string;
  due_date: string;
  amount_minor: number;
  currency: 'EUR' | 'BGN';
  amount_eur_minor: GeneratedAlways<number>;
  paid_eur_minor: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PaymentsTable {
  payment_reference: string;
  customer_number: string;
  invoice_number: string | null;
  amount_minor: number;
  currency: 'EUR' | 'BGN';
  amount_eur_minor: GeneratedAlways<number>;
  paid_at: Timestamp;
  channel: string;
  status: 'in_transit' | 'settled';
  settled_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  unallocated_eur_minor: Generated<number>;
  source: 'import' | 'api';
  idempotency_key: string | null;
  request_hash: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PaymentAllocationsTable {
  payment_reference: string;
  invoice_number: string;
  amount_eur_minor: number;
}

export interface SubscriptionsTable {
  id: Generated<number>;
  customer_number: string;
  channel: 'sms' | 'email';
  address: string;
  status: 'pending' | 'active' | 'unsubscribed';
  verified_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  source: 'online' | 'centre' | 'import';
  consent_version: string;
  consent_at: ColumnType<Date, Date | string, Date | string>;
  lang: Generated<'bg' | 'en'>;
  hard_failures: Generated<number>;
  needs_attention: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  ended_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  end_reason: ColumnType<'replaced' | 'cancelled' | 'failed' | null, 'replaced' | 'cancelled' | 'failed' | null | undefined>;
  /** Migration 0017: a reminder before bills fall due, and the yearly contact check and its answer. */
  predue_opt_in: Generated<boolean>;
  contact_checked_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  contact_confirmed_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  /** Migration 0023: the customer wants the SMS subscription's notices by SMS only, never Viber. */
  viber_opt_out: Generated<boolean>;
}
