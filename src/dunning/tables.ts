import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
type GeneratedAlways<T> = ColumnType<T, never, never>;

export type HoldReason = 'vulnerable' | 'complaint' | 'dispute' | 'promise_to_pay' | 'payment_plan';
export type RunTrigger = 'schedule' | 'cli' | 'api' | 'demo';

export interface DunningPoliciesTable {
  version: number;
  policy: ColumnType<unknown, string, never>;
  created_by: string;
  created_at: Timestamp;
  note: string | null;
}

export interface CalendarOverridesTable {
  date: string;
  kind: 'day_off' | 'working_day';
  note: string;
  created_by: string;
  created_at: Timestamp;
}

export interface DunningHoldsTable {
  id: GeneratedAlways<number>;
  customer_number: string;
  reason: HoldReason;
  until: string;
  note: string | null;
  created_by: string;
  created_at: Timestamp;
  released_at: NullableTimestamp;
  released_by: string | null;
}

export interface DunningRunsTable {
  id: GeneratedAlways<number>;
  run_date: string;
  trigger: RunTrigger;
  actor: string;
  policy_version: number;
  started_at: Timestamp;
  finished_at: NullableTimestamp;
  overdue_customers: Generated<number>;
  notices_created: Generated<number>;
  disconnection_count: Generated<number>;
  sms_segments: Generated<number>;
  sms_cost_minor: Generated<number>;
  figures: ColumnType<unknown, string | undefined, string>;
}

export interface DunningListingsTable {
  customer_number: string;
  oldest_due_date: string;
  listed_on: string;
  run_id: number;
}
