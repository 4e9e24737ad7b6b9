// A customer's answers to the lifecycle messages: "remind me before my bills fall due" (on every
// active subscription of the customer, so that whichever channel the reminder takes knows it) and
// "my contacts are still right" (the yearly contact check; its guard then cancels a check still
// waiting to be sent). Both from the portal's manage page or by staff at a customer centre.
import { sql, type Kysely } from 'kysely';
import { recordAudit } from '../../audit/record.js';
import type { DB } from '../../db/schema.js';

export interface Preferences {
  preDueOptIn: boolean;
  /** The last time the customer confirmed the contacts (null: never since they were verified). */
  confirmedAt: Date | null;
}

export async function preferencesOf(db: Kysely<DB>, customer: string): Promise<Preferences> {
  const r = await db
    .selectFrom('subscriptions')
    .select([sql<boolean>`coalesce(bool_or(predue_opt_in), false)`.as('opt_in'), sql<Date | null>`min(contact_confirmed_at)`.as('confirmed')])
    .where('customer_number', '=', customer)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return { preDueOptIn: r?.opt_in === true, confirmedAt: r?.confirmed ?? null };
}

export async function setPreDueOptIn(db: Kysely<DB>, customer: string, optIn: boolean, actor: string): Promise<void> {
  await db.transaction().execute(async (tx) => {
    await tx.updateTable('subscriptions').set({ predue_opt_in: optIn, updated_at: new Date() }).where('customer_number', '=', customer).where('status', '=', 'active').execute();
    await recordAudit(tx, { actor, action: 'subscription.predue_opt_in', subject: `customer:${customer}`, details: { opt_in: optIn } });
  });
}

export async function confirmContacts(db: Kysely<DB>, customer: string, actor: string, now: Date): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const r = await tx.updateTable('subscriptions').set({ contact_confirmed_at: now, updated_at: now }).where('customer_number', '=', customer).where('status', '=', 'active').executeTakeFirst();
    const n = Number(r.numUpdatedRows);
    await recordAudit(tx, { actor, action: 'subscription.contacts_confirmed', subject: `customer:${customer}`, details: { subscriptions: n } });
    return n;
  });
}
