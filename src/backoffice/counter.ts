// Registration at the counter: staff register, change or cancel a customer's notices in person,
// under the portal's rules (contact format, the per-contact cap, the consent text and its version),
// with the staff member named in the audit trail and the subscription's source 'centre'. The
// customer stands at the desk, so the contact is active at once; the confirmation sent to it (and
// the notice to a replaced contact) tells the customer if someone else did it.
import { sql, type Kysely } from 'kysely';
import { recordAudit } from '../audit/record.js';
import { contactKey, maskAddress, sameContact } from '../contacts/address.js';
import type { DB } from '../db/schema.js';
import { enqueue } from '../delivery/outbox/enqueue.js';
import { confirmContacts, setPreDueOptIn } from '../dunning/lifecycle/preferences.js';
import type { Lang } from '../delivery/text/default-templates.js';
import type { SiteVars } from '../delivery/text/site-variables.js';
import { consent } from '../portal/consent.js';
import { parseContact } from '../portal/contact-input.js';
import type { ContactChannel } from '../portal/flow-store.js';
import { confirmationMessage } from '../portal/messages.js';
import { activeContacts, contactAtCap, endContacts, type LiveContact } from '../portal/subscriptions.js';

export interface CounterStaff {
  username: string;
  displayName: string;
  ip: string;
}

export interface CounterSettings {
  publicUrl: string;
  contactMaxCustomers: number;
  /** The root's site variables: the confirmations carry the utility's brand. */
  siteVars: SiteVars;
}

export type CounterRefusal = 'contact_invalid' | 'consent_required' | 'same_contact' | 'contact_cap' | 'no_customer';

export type CounterResult = { ok: true; subscriptionId: number; replaced: LiveContact | null } | { ok: false; reason: CounterRefusal };

const staffActor = (s: CounterStaff) => `staff:${s.username}`;

/** Registers (or, when the channel has a contact, changes) a contact for the customer. */
export async function registerAtCounter(
  db: Kysely<DB>,
  cfg: CounterSettings,
  r: { customer: string; channel: ContactChannel; contact: string; lang: Lang; consentVersion: string | null; staff: CounterStaff; now: Date },
): Promise<CounterResult> {
  const address = parseContact(r.channel, r.contact);
  if (address === null) return { ok: false, reason: 'contact_invalid' };
  // The customer accepts today's wording, read or shown to them at the desk.
  if (r.consentVersion !== consent.version) return { ok: false, reason: 'consent_required' };
  return db.transaction().execute(async (tx): Promise<CounterResult> => {
    const known = await tx.selectFrom('customers').select('customer_number').where('customer_number', '=', r.customer).executeTakeFirst();
    if (!known) return { ok: false, reason: 'no_customer' };
    const current = (await activeContacts(tx, r.customer)).find((s) => s.channel === r.channel);
    if (current && sameContact(current.address, address)) return { ok: false, reason: 'same_contact' };
    // The same lock as the portal's activation, so the cap cannot be raced past from either side.
    await sql`SELECT pg_advisory_xact_lock(hashtextextended(${`portal-contact:${contactKey(address)}`}, 0))`.execute(tx);
    if (await contactAtCap(tx, address, r.customer, cfg.contactMaxCustomers)) return { ok: false, reason: 'contact_cap' };
    // The active contact of the channel, and any code-awaiting one from the portal, give way.
    const old = await tx
      .selectFrom('subscriptions')
      .select(['id', 'channel', 'address', 'consent_version', 'lang', 'status'])
      .where('customer_number', '=', r.customer)
      .where('channel', '=', r.channel)
      .where('status', 'in', ['active', 'pending'])
      .forUpdate()
      .execute();
    if (old.length) {
      await tx
        .updateTable('subscriptions')
        .set({ status: 'unsubscribed', ended_at: r.now, end_reason: 'replaced', updated_at: r.now })
        .where('id', 'in', old.map((o) => o.id))
        .execute();
    }
    const replaced = old.find((o) => o.status === 'active') ?? null;
    const { id } = await tx
      .insertInto('subscriptions')
      .values({
        customer_number: r.customer,
        channel: r.channel,
        address,
        status: 'active',
        verified_at: r.now,
        source: 'centre',
        consent_version: consent.version,
        consent_at: r.now,
        lang: r.lang,
        created_at: r.now,
        updated_at: r.now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    const contact = { channel: r.channel, address };
    const common = { customerNumber: r.customer, manageUrl: `${cfg.publicUrl}/manage`, site: cfg.siteVars };
    const type = replaced ? 'subscription_changed' : 'subscription_confirmed';
    await enqueue(tx, confirmationMessage({ ...common, type, businessKey: `${type}:${id}`, to: contact, about: contact, lang: r.lang, subscriptionId: id }));
    if (replaced && !sameContact(replaced.address, address)) {
      await enqueue(
        tx,
        confirmationMessage({
          ...common,
          type: 'contact_changed_notice',
          businessKey: `contact_changed_notice:${replaced.id}:${id}`,
          to: { channel: replaced.channel, address: replaced.address },
          about: contact,
          lang: replaced.lang,
          subscriptionId: null,
        }),
      );
    }
    await recordAudit(tx, {
      actor: staffActor(r.staff),
      action: replaced ? 'subscription.changed' : 'subscription.registered',
      subject: r.customer,
      details: {
        source: 'centre',
        staff: r.staff.username,
        staff_name: r.staff.displayName,
        ip: r.staff.ip,
        channel: r.channel,
        subscription_id: id,
        address_masked: maskAddress(address),
        consent_version: consent.version,
        consent_at: r.now.toISOString(),
        verified_at: r.now.toISOString(),
        verified_by: 'staff at the counter',
        ...(replaced ? { replaced_subscription_id: replaced.id, replaced_address_masked: maskAddress(replaced.address) } : {}),
      },
    });
    return { ok: true, subscriptionId: id, replaced: replaced ? { id: replaced.id, channel: replaced.channel, address: replaced.address, consentVersion: replaced.consent_version, lang: replaced.lang } : null };
  });
}

/** Ends the customer's active contacts of these channels at their request; each contact is told. */
export async function cancelAtCounter(
  db: Kysely<DB>,
  cfg: CounterSettings,
  r: { customer: string; channels: readonly ContactChannel[]; staff: CounterStaff; now: Date },
): Promise<LiveContact[]> {
  return db.transaction().execute((tx) =>
    endContacts(tx, {
      customer: r.customer,
      channels: r.channels,
      now: r.now,
      manageUrl: `${cfg.publicUrl}/`,
      site: cfg.siteVars,
      actor: staffActor(r.staff),
      who: { source: 'centre', staff: r.staff.username, staff_name: r.staff.displayName, ip: r.staff.ip },
    }),
  );
}

// The customer's answers to the lifecycle messages, given at the desk: the portal's own settings
// (src/dunning/lifecycle/preferences.ts), audited with the staff member as the actor.

/** "Remind me before my bills fall due", on the customer's active contacts. */
export async function setPreDueAtCounter(db: Kysely<DB>, r: { customer: string; optIn: boolean; staff: CounterStaff }): Promise<void> {
  await setPreDueOptIn(db, r.customer, r.optIn, staffActor(r.staff));
}

/** "My contacts are still right": answers the yearly contact check; how many active contacts it covered. */
export async function confirmContactsAtCounter(db: Kysely<DB>, r: { customer: string; staff: CounterStaff; now: Date }): Promise<number> {
  return confirmContacts(db, r.customer, staffActor(r.staff), r.now);
}
