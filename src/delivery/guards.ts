import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { OutboxMessage } from './outbox/message.js';

/**
 * Asked right before a message is sent: null if it is still wanted, else the reason to cancel it
 * (e.g. 'invoices paid' for an overdue notice, 'code expired' for a verification code).
 */
export type Guard = (db: Kysely<DB>, msg: OutboxMessage) => Promise<string | null>;

export type GuardMap = Readonly<Record<string, Guard>>;

/** The guards by message kind a Worker uses unless it is given its own map. */
export const guards: Record<string, Guard> = {};

export function registerGuard(kind: string, guard: Guard): void {
  if (guards[kind] !== undefined) throw new Error(`a guard for ${kind} is already registered`);
  guards[kind] = guard;
}

/**
 * Every message: its subscription must not have ended, nor moved to another address. A pending
 * one passes, since verification codes go to contacts not yet verified.
 */
async function subscriptionGuard(db: Kysely<DB>, msg: OutboxMessage): Promise<string | null> {
  if (msg.subscriptionId === null) return null;
  const s = await db.selectFrom('subscriptions').select(['status', 'address']).where('id', '=', msg.subscriptionId).executeTakeFirst();
  if (!s || s.status === 'unsubscribed') return 'subscription ended';
  if (s.address !== msg.recipient) return 'subscription address changed';
  return null;
}

/** The built-in check, then the guard of the message's kind, if any. */
export async function whyNotWanted(db: Kysely<DB>, msg: OutboxMessage, map: GuardMap): Promise<string | null> {
  return (await subscriptionGuard(db, msg)) ?? (await map[msg.kind]?.(db, msg)) ?? null;
}
