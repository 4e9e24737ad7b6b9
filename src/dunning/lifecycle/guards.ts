// Asked right before a lifecycle message is sent (one query for a group): a pre-due reminder whose
// invoice has been paid in the meantime, or a contact check the customer has already answered, is
// cancelled instead. Thanks and reconnection messages stay wanted once written.
import { sql } from 'kysely';
import { batchGuard, type GuardMap } from '../../delivery/guards.js';

export const preDueGuard = batchGuard(async (db, msgs) => {
  const r = await sql<{ id: number; reason: string }>`
    SELECT m.id, 'invoice paid' AS reason FROM outbox_messages m
      JOIN invoices i ON i.invoice_number = m.payload->>'invoice_number'
     WHERE m.id = ANY(${msgs.map((m) => m.id)}::bigint[]) AND i.paid_eur_minor >= i.amount_eur_minor`.execute(db);
  return new Map(r.rows.map((x) => [Number(x.id), x.reason]));
});

export const contactCheckGuard = batchGuard(async (db, msgs) => {
  const r = await sql<{ id: number; reason: string }>`
    SELECT m.id, 'contact confirmed' AS reason FROM outbox_messages m
      JOIN subscriptions s ON s.id = m.subscription_id
     WHERE m.id = ANY(${msgs.map((m) => m.id)}::bigint[]) AND s.contact_confirmed_at >= m.created_at`.execute(db);
  return new Map(r.rows.map((x) => [Number(x.id), x.reason]));
});

/** The lifecycle kinds' guards, for the composition root's guard map. */
export const lifecycleGuards: GuardMap = Object.freeze({ predue_reminder: preDueGuard, contact_check: contactCheckGuard });
