import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type GeneratedAlways<T> = ColumnType<T, never, never>;

export interface PortalSessionsTable {
  token_hash: Buffer;
  data: ColumnType<Record<string, unknown>, string, string>;
  created_at: Generated<Date>;
  expires_at: Timestamp;
}

export type CodePurpose = 'register' | 'add' | 'change' | 'login';

export interface VerificationCodesTable {
  id: GeneratedAlways<number>;
  session_hash: Buffer;
  customer_number: string;
  channel: 'sms' | 'email';
  address: string;
  purpose: CodePurpose;
  subscription_id: number | null;
  salt: Buffer;
  code_hash: Buffer;
  tries: Generated<number>;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  replaced_at: NullableTimestamp;
  message_id: number | null;
  scrubbed: Generated<boolean>;
  client_ip: string;
}

export interface PortalCountersTable {
  scope: 'customer' | 'ip_attempt' | 'ip_failure' | 'ip_code' | 'sms_budget' | 'ip_pay';
  key: string;
  window_start: Timestamp;
  hits: number;
  locked_until: NullableTimestamp;
  locks: Generated<number>;
}
