import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';

export interface AuditEntry {
  actor: string;
  action: string;
  subject?: string | null;
  details?: Record<string, unknown>;
}

/** Appends to the audit trail; call it inside the transaction of the change it describes. */
export async function recordAudit(db: Kysely<DB>, e: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({ actor: e.actor, action: e.action, subject: e.subject ?? null, details: JSON.stringify(e.details ?? {}) })
    .execute();
}
