import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import type { OutboxMessage } from './outbox/message.js';

/**
 * Asked right before a message is sent: null if it is still wanted, else the reason to cancel it
 * (e.g. 'invoices paid' for an overdue notice, 'code expired' for a verification code). A guard
 * may also answer for many messages at once (`batch`); the worker then asks once per group of
 * messages about to be sent, instead of once per message.
 */
export type Guard = ((db: Kysely<DB>, msg: OutboxMessage) => Promise<string | null>) & { batch?: BatchGuard };

/** The reasons to cancel, by message id, of the messages no longer wanted; the others are absent. */
export type BatchGuard = (db: Kysely<DB>, msgs: readonly OutboxMessage[]) => Promise<Map<number, string>>;

export type GuardMap = Readonly<Record<string, Guard>>;

/** A guard written for many messages at once, also callable for one. */
export function batchGuard(batch: BatchGuard): Guard {
  const one = async (db: Kysely<DB>, msg: OutboxMessage) => (await batch(db, [msg])).get(msg.id) ?? null;
  return Object.assign(one, { batch });
}

/**
 * Every message: its subscription must not have ended, nor moved to another address. A pending
 * one passes, since verification codes go to contacts not yet verified. One query for all.
 */
async function subscriptionGuard(db: Kysely<DB>, msgs: readonly OutboxMessage[]): Promise<Map<number, string>> {
  const reasons = new Map<number, string>();
  const ids = [...new Set(msgs.flatMap((m) => (m.subscriptionId === null ? [] : [m.subscriptionId])))];
  if (ids.length === 0) return reasons;
  const rows = await db.selectFrom('subscriptions').select(['id', 'status', 'address']).where('id', 'in', ids).execute();
  const byId = new Map(rows.map((s) => [Number(s.id), s]));
  for (const m of msgs) {
    if (m.subscriptionId === null) continue;
    const s = byId.get(m.subscriptionId);
    if (!s || s.status === 'unsubscribed') reasons.set(m.id, 'subscription ended');
    else if (s.address !== m.recipient) reasons.set(m.id, 'subscription address changed');
  }
  return reasons;
}

/** The guard of each kind for its messages: one call of its batch form, else one call per message. */
async function kindGuards(db: Kysely<DB>, msgs: readonly OutboxMessage[], map: GuardMap): Promise<Map<number, string>> {
  const byKind = new Map<Guard, OutboxMessage[]>();
  for (const m of msgs) {
    const g = map[m.kind];
    if (g === undefined) continue;
    const list = byKind.get(g);
    if (list) list.push(m);
    else byKind.set(g, [m]);
  }
  const reasons = new Map<number, string>();
  await Promise.all(
    [...byKind].map(async ([g, list]) => {
      if (g.batch) {
        for (const [id, reason] of await g.batch(db, list)) reasons.set(id, reason);
        return;
      }
      await Promise.all(
        list.map(async (m) => {
          const reason = await g(db, m);
          if (reason !== null) reasons.set(m.id, reason);
        }),
      );
    }),
  );
  return reasons;
}

/**
 * Of these messages, the ones no longer wanted, with the reason: the built-in subscription check
 * first, then the guard of the message's kind. Both are asked at once (a few queries for the whole
 * group, whatever its size); a message failing both gets the subscription's reason.
 */
export async function whyNotWantedMany(db: Kysely<DB>, msgs: readonly OutboxMessage[], map: GuardMap): Promise<Map<number, string>> {
  if (msgs.length === 0) return new Map();
  const [subscription, kind] = await Promise.all([subscriptionGuard(db, msgs), kindGuards(db, msgs, map)]);
  for (const [id, reason] of subscription) kind.set(id, reason);
  return kind;
}
