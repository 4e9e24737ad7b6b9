import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Lang } from '../text/default-templates.js';
import { enqueue } from './enqueue.js';
import type { OutboxRow, Renderer } from './message.js';
import type { ChannelType } from './tables.js';

/** What failing a message for good needs, wherever the failure is learnt (send or receipt). */
export interface FailureContext {
  render: Renderer;
  /** Permanent failures to one contact before it is flagged needs_attention. */
  hardFailureThreshold: number;
}

interface Recipient {
  address: string;
  subscriptionId: number | null;
  lang: Lang | null;
}

/** The customer's contact of that channel now: the active subscription, or the postal address. */
async function resolveRecipient(tx: Kysely<DB>, customerNumber: string, channel: ChannelType): Promise<Recipient | null> {
  if (channel === 'letter') {
    const c = await tx.selectFrom('customers').select(['name', 'street', 'town', 'postcode']).where('customer_number', '=', customerNumber).executeTakeFirst();
    if (!c) return null;
    const block = [c.name, c.street, `${c.postcode} ${c.town}`].filter((l) => l.trim() !== '').join('\n');
    return { address: block, subscriptionId: null, lang: null };
  }
  // Viber goes to the phone of the SMS subscription, unless the customer opted out of Viber.
  const s = await tx
    .selectFrom('subscriptions')
    .select(['id', 'address', 'lang'])
    .where('customer_number', '=', customerNumber)
    .where('channel', '=', channel === 'viber' ? 'sms' : channel)
    .where('status', '=', 'active')
    .$if(channel === 'viber', (q) => q.where('viber_opt_out', '=', false))
    .executeTakeFirst();
  return s ? { address: s.address, subscriptionId: s.id, lang: s.lang } : null;
}

/**
 * After `failed` was marked failed (in this transaction): counts a hard failure against its
 * contact, and hands the message to the first channel of its fallback chain that has a contact,
 * as a new message (business key + ':' + channel) rendered for that channel. Returns its id.
 */
export async function handOver(
  tx: Kysely<DB>,
  failed: OutboxRow,
  o: { hardFailure: boolean; now: Date; ctx: FailureContext },
): Promise<number | null> {
  // A number without Viber is no fault of the phone subscription: only SMS, email and letters count.
  if (o.hardFailure && failed.subscription_id !== null && failed.channel !== 'viber') {
    await tx
      .updateTable('subscriptions')
      .set({
        hard_failures: sql`hard_failures + 1`,
        needs_attention: sql`needs_attention OR hard_failures + 1 >= ${o.ctx.hardFailureThreshold}`,
        updated_at: o.now,
      })
      .where('id', '=', failed.subscription_id)
      .execute();
  }
  const skipped: string[] = [];
  let id: number | null = null;
  for (let i = 0; i < failed.fallback.length && failed.customer_number !== null && id === null; i++) {
    const channel = failed.fallback[i] as ChannelType;
    const to = await resolveRecipient(tx, failed.customer_number, channel);
    if (to === null) {
      skipped.push(`${channel}: no contact`);
      continue;
    }
    const lang = to.lang ?? failed.lang;
    let text;
    try {
      text = o.ctx.render(failed.kind, channel, lang, failed.payload);
    } catch (e) {
      skipped.push(`${channel}: cannot render: ${(e as Error).message}`);
      continue;
    }
    id = (
      await enqueue(tx, {
        businessKey: `${failed.business_key}:${channel}`,
        kind: failed.kind,
        channel,
        recipient: to.address,
        customerNumber: failed.customer_number,
        subscriptionId: to.subscriptionId,
        lang,
        subject: text.subject ?? null,
        body: text.body,
        html: text.html ?? null,
        templateVersion: text.templateVersion ?? null,
        fallback: failed.fallback.slice(i + 1),
        payload: failed.payload,
        notBefore: o.now,
        expiresAt: failed.expires_at,
        urgent: failed.urgent,
        parentId: failed.id,
      })
    ).id;
  }
  if (skipped.length > 0) {
    await tx
      .updateTable('outbox_messages')
      .set({ last_error: sql`concat_ws('; ', last_error, ${`fallback skipped (${skipped.join('; ')})`}::text)` })
      .where('id', '=', failed.id)
      .execute();
  }
  return id;
}
