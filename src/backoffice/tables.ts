import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type GeneratedAlways<T> = ColumnType<T, never, never>;

export type Role = 'agent' | 'supervisor' | 'admin';

export interface StaffUsersTable {
  id: GeneratedAlways<number>;
  username: string;
  display_name: string;
  role: Role;
  password_hash: Buffer;
  password_salt: Buffer;
  password_params: ColumnType<Record<string, unknown>, string, string>;
  password_changed_at: Timestamp;
  totp_secret: Buffer | null;
  totp_last_step: number | null;
  failed_logins: Generated<number>;
  locked_until: NullableTimestamp;
  disabled_at: NullableTimestamp;
  last_login_at: NullableTimestamp;
  created_by: string;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface StaffSessionsTable {
  token_hash: Buffer;
  user_id: number;
  stage: 'second_factor' | 'active';
  csrf: string;
  data: ColumnType<Record<string, unknown>, string | undefined, string>;
  ip: string;
  created_at: ColumnType<Date, Date | string, Date | string>;
  last_seen_at: ColumnType<Date, Date | string, Date | string>;
  expires_at: ColumnType<Date, Date | string, Date | string>;
}

export interface MessageTemplatesTable {
  kind: string;
  lang: 'bg' | 'en';
  version: number;
  sms: string;
  email_subject: string;
  email_text: string;
  email_html: string;
  letter: string;
  /** 'latin' (transliterated, GSM-7) or 'cyrillic' (UCS-2); migration 0018. */
  sms_script: Generated<'latin' | 'cyrillic'>;
  /** Parts the SMS's worst case may take; NULL: SMS_PART_BUDGET. */
  sms_part_budget: number | null;
  /** The Viber text; NULL: the SMS text as written (migration 0024). */
  viber: ColumnType<string | null, string | null | undefined, never>;
  note: string | null;
  created_by: string;
  created_at: Timestamp;
}

export interface DunningRunApprovalsTable {
  run_id: number;
  run_date: string;
  planned_notices: number;
  usual_notices: number;
  requested_at: Timestamp;
  decision: 'approved' | 'rejected' | null;
  decided_by: string | null;
  decided_at: NullableTimestamp;
  note: string | null;
}
