import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type GeneratedAlways<T> = ColumnType<T, never, never>;

export type ChannelType = 'sms' | 'email' | 'letter' | 'viber';

export type MessageStatus = 'held' | 'queued' | 'sending' | 'sent' | 'delivered' | 'failed' | 'expired' | 'cancelled';

export type AttemptOutcome = 'accepted' | 'transient' | 'permanent' | 'unknown';

export interface OutboxMessagesTable {
  id: GeneratedAlways<number>;
  business_key: string;
  kind: string;
  customer_number: string | null;
  subscription_id: number | null;
  channel: ChannelType;
  recipient: string;
  lang: Generated<'bg' | 'en'>;
  subject: string | null;
  body: string | null;
  html: string | null;
  template_version: number | null;
  fallback: Generated<ChannelType[]>;
  parent_id: number | null;
  payload: ColumnType<Record<string, unknown>, string | undefined, string>;
  urgent: Generated<boolean>;
  status: Generated<MessageStatus>;
  not_before: Timestamp;
  expires_at: NullableTimestamp;
  attempts: Generated<number>;
  first_attempt_at: NullableTimestamp;
  leased_by: string | null;
  lease_until: NullableTimestamp;
  provider: string | null;
  provider_message_ids: Generated<string[]>;
  segments: number | null;
  encoding: string | null;
  cost_minor: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  sent_at: NullableTimestamp;
  delivered_at: NullableTimestamp;
  final_at: NullableTimestamp;
  cancel_reason: string | null;
  last_error: string | null;
  /** Migration 0023: which channel reached the customer of a delivered Viber message (the provider may send its SMS instead). */
  reached_via: ColumnType<'viber' | 'sms' | null, 'viber' | 'sms' | null | undefined, 'viber' | 'sms' | null>;
}

export interface MessageAttemptsTable {
  id: GeneratedAlways<number>;
  message_id: number;
  attempt: number;
  worker: string;
  provider: string;
  started_at: ColumnType<Date, Date | string, Date | string>;
  finished_at: NullableTimestamp;
  outcome: AttemptOutcome | null;
  answer: string | null;
  error: string | null;
}

export interface DeliveryReceiptsTable {
  id: GeneratedAlways<number>;
  provider: string;
  provider_message_id: string;
  status: string;
  error: string | null;
  received_at: Timestamp;
  raw: string | null;
  message_id: number | null;
}
