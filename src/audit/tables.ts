import type { ColumnType, Generated } from 'kysely';

export interface AuditEventsTable {
  id: Generated<number>;
  at: ColumnType<Date, Date | string | undefined, never>;
  actor: string;
  action: string;
  subject: string | null;
  details: ColumnType<Record<string, unknown>, string | undefined, never>;
}
