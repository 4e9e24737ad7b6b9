import { sql, type Kysely } from 'kysely';
import { recordAudit } from '../audit/record.js';
import { contactKey, maskAddress, sameContact } from '../contacts/address.js';
import type { DB } from '../db/schema.js';
import { enqueue } from '../delivery/outbox/enqueue.js';
import type { Lang } from '../delivery/text/default-templates.js';
import type { SiteVars } from '../delivery/text/site-variables.js';
import type { PortalDeps } from './deps.js';
import type { ContactChannel } from './flow-store.js';
import { confirmationMessage } from './messages.js';
import { PortalRefusal } from './refusal.js';

/** Who acted, for the audit trail: the customer online, on the web or in the utility's app. */
export interface Actor {
  via: 'web' | 'app';
  ip: string;
}

export interface LiveContact {
  id: number;
  channel: ContactChannel;
  address: string;
  consentVersion: string;
  lang: Lang;
}

export async function activeContacts(db: Kysely<DB>, customer: string): Promise<LiveContact[]> {
  const rows = await db
    .selectFrom('subscriptions')
    .select(['id', 'channel', 'address', 'consent_version', 'lang'])
    .where('customer_number', '=', customer)
    .where('status', '=', 'active')
    .orderBy('channel', 'desc')
    .execute();
  return rows.map((r) => ({ id: r.id, channel: r.channel, address: r.address, consentVersion: r.consent_version, lang: r.lang }));
}

export async function isActive(db: Kysely<DB>, subscriptionId: number): Promise<boolean> {
  const s = await db.selectFrom('subscriptions').select('status').where('id', '=', subscriptionId).executeTakeFirst();
  return s?.status === 'active';
}

/** True when the contact (in any letter case) already serves the cap of other customer numbers. */
export async function contactAtCap(db: Kysely<DB>, address: string, customer: string, cap: number): Promise<boolean> {
  const r = await db
    .selectFrom('subscriptions')
    .select((eb) => eb.fn.count<string>('customer_number').distinct().as('n'))
    .where(sql<string>`lower(address)`, '=', contactKey(address))
    .where('status', '=', 'active')
    .where('customer_number', '<>', customer)
    .executeTakeFirstOrThrow();
  return Number(r.n) >= cap;
}

/** A subscription waiting for its code. An older pending one of the same channel gives way to it. */
export async function createPending(
  tx: Kysely<DB>,
  p: { customer: string; channel: ContactChannel; address: string; consentVersion: string; lang: Lang; now: Date },
): Promise<number> {
  await tx
    .updateTable('subscriptions')
    .set({ status: 'unsubscribed', ended_at: p.now, end_reason: 'replaced', updated_at: p.now })
    .where('customer_number', '=', p.customer)
    .where('channel', '=', p.channel)
    .where('status', '=', 'pending')
    .execute();
  const row = await tx
    .insertInto('subscriptions')
    .values({
      customer_number: p.customer,
      channel: p.channel,
      address: p.address,
      status: 'pending',
      source: 'online',
      consent_version: p.consentVersion,
      consent_at: p.now,
      lang: p.lang,
      created_at: p.now,
      updated_at: p.now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

const manageUrl = (deps: PortalDeps) => `${deps.config.http.publicUrl}/manage`;

/**
 * A verified pending subscription becomes the customer's active one for its channel, replacing the
 * previous contact (which is told of the change). Confirmations and the audit event are written in
 * the same transaction.
 */
export async function activate(tx: Kysely<DB>, deps: PortalDeps, a: { subscriptionId: number; actor: Actor; now: Date }): Promise<{ replaced: LiveContact | null }> {
  const sub = await tx.selectFrom('subscriptions').selectAll().where('id', '=', a.subscriptionId).forUpdate().executeTakeFirst();
  if (!sub || sub.status !== 'pending') throw new PortalRefusal('code_expired');
  // Serialises activations of one contact, so the cap cannot be raced past.
  await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`portal-contact:${contactKey(sub.address)}`}, 0))`.execute(tx);
  if (await contactAtCap(tx, sub.address, sub.customer_number, deps.config.portal.contactMaxCustomers)) throw new PortalRefusal('contact_cap');
  const old = await tx
    .updateTable('subscriptions')
    .set({ status: 'unsubscribed', ended_at: a.now, end_reason: 'replaced', updated_at: a.now })
    .where('customer_number', '=', sub.customer_number)
    .where('channel', '=', sub.channel)
    .where('status', '=', 'active')
    .returning(['id', 'channel', 'address', 'consent_version', 'lang'])
    .executeTakeFirst();
  await tx.updateTable('subscriptions').set({ status: 'active', verified_at: a.now, updated_at: a.now }).where('id', '=', sub.id).execute();

  const contact = { channel: sub.channel, address: sub.address };
  const common = { customerNumber: sub.customer_number, manageUrl: manageUrl(deps), site: deps.siteVars };
  await enqueue(
    tx,
    confirmationMessage({
      ...common,
      type: old ? 'subscription_changed' : 'subscription_confirmed',
      businessKey: `${old ? 'subscription_changed' : 'subscription_confirmed'}:${sub.id}`,
      to: contact,
      about: contact,
      lang: sub.lang,
      subscriptionId: sub.id,
    }),
  );
  if (old && !sameContact(old.address, sub.address)) {
    await enqueue(
      tx,
      confirmationMessage({
        ...common,
        type: 'contact_changed_notice',
        businessKey: `contact_changed_notice:${old.id}:${sub.id}`,
        to: { channel: old.channel, address: old.address },
        about: contact,
        lang: old.lang,
        subscriptionId: null,
      }),
    );
  }
  await recordAudit(tx, {
    actor: `online:${a.actor.via}`,
    action: old ? 'subscription.changed' : 'subscription.registered',
    subject: sub.customer_number,
    details: {
      source: 'online',
      ip: a.actor.ip,
      channel: sub.channel,
      subscription_id: sub.id,
      address_masked: maskAddress(sub.address),
      consent_version: sub.consent_version,
      consent_at: sub.consent_at.toISOString(),
      verified_at: a.now.toISOString(),
      ...(old ? { replaced_subscription_id: old.id, replaced_address_masked: maskAddress(old.address) } : {}),
    },
  });
  return { replaced: old ? { id: old.id, channel: old.channel, address: old.address, consentVersion: old.consent_version, lang: old.lang } : null };
}

/** Ends the customer's active subscriptions of these channels online; each contact gets a confirmation. */
export async function cancel(
  tx: Kysely<DB>,
  deps: PortalDeps,
  a: { customer: string; channels: readonly ContactChannel[]; actor: Actor; now: Date },
): Promise<LiveContact[]> {
  return endContacts(tx, {
    customer: a.customer,
    channels: a.channels,
    now: a.now,
    manageUrl: `${deps.config.http.publicUrl}/`,
    site: deps.siteVars,
    actor: `online:${a.actor.via}`,
    who: { source: 'online', ip: a.actor.ip },
  });
}

/**
 * Ends the customer's active subscriptions of these channels at their request, online or at the
 * counter: each contact gets a confirmation, and each ending is audited with `who` did it.
 */
export async function endContacts(
  tx: Kysely<DB>,
  a: { customer: string; channels: readonly ContactChannel[]; now: Date; manageUrl: string; site: SiteVars; actor: string; who: Record<string, string> },
): Promise<LiveContact[]> {
  if (a.channels.length === 0) return [];
  const ended = await tx
    .updateTable('subscriptions')
    .set({ status: 'unsubscribed', ended_at: a.now, end_reason: 'cancelled', updated_at: a.now })
    .where('customer_number', '=', a.customer)
    .where('status', '=', 'active')
    .where('channel', 'in', a.channels)
    .returning(['id', 'channel', 'address', 'consent_version', 'lang'])
    .execute();
  for (const s of ended) {
    const contact = { channel: s.channel, address: s.address };
    await enqueue(
      tx,
      confirmationMessage({
        type: 'subscription_cancelled',
        businessKey: `subscription_cancelled:${s.id}`,
        to: contact,
        about: contact,
        lang: s.lang,
        customerNumber: a.customer,
        subscriptionId: null,
        manageUrl: a.manageUrl,
        site: a.site,
      }),
    );
    await recordAudit(tx, {
      actor: a.actor,
      action: 'subscription.cancelled',
      subject: a.customer,
      details: {
        ...a.who,
        channel: s.channel,
        subscription_id: s.id,
        address_masked: maskAddress(s.address),
        consent_version: s.consent_version,
        cancelled_at: a.now.toISOString(),
      },
    });
  }
  return ended.map((s) => ({ id: s.id, channel: s.channel, address: s.address, consentVersion: s.consent_version, lang: s.lang }));
}
