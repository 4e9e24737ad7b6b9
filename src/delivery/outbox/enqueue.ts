import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import type { Lang } from '../text/default-templates.js';
import type { ChannelType } from './tables.js';

/**
 * A message to send. Pass the transaction that makes the decision behind it, so the message
 * exists if and only if the decision was committed. Enqueueing straight from SQL
 * (INSERT ... SELECT ... ON CONFLICT (business_key) DO NOTHING): the columns to fill and their
 * defaults are described at the top of migrations/0003_outbox.sql.
 */
export interface NewMessage {
  /** Unique forever: the same decision taken again produces the same key and no second message. */
  businessKey: string;
  kind: string;
  channel: ChannelType;
  /** E.164 phone, email address, or the postal address block for a letter. */
  recipient: string;
  customerNumber?: string | null;
  subscriptionId?: number | null;
  lang?: Lang;
  subject?: string | null;
  /** Absent: rendered from payload by the worker right before sending. */
  body?: string | null;
  html?: string | null;
  /** The template version that rendered body (see RenderedText.templateVersion). */
  templateVersion?: number | null;
  /** Channels to try next, in order, if this one fails for good. */
  fallback?: ChannelType[];
  payload?: Record<string, unknown>;
  notBefore?: Date;
  expiresAt?: Date | null;
  urgent?: boolean;
  parentId?: number | null;
}

/** Inserts one message unless its business key exists; returns its id either way. */
export async function enqueue(db: Kysely<DB>, m: NewMessage): Promise<{ created: boolean; id: number }> {
  const inserted = await db
    .insertInto('outbox_messages')
    .values({
      business_key: m.businessKey,
      kind: m.kind,
      channel: m.channel,
      recipient: m.recipient,
      customer_number: m.customerNumber ?? null,
      subscription_id: m.subscriptionId ?? null,
      lang: m.lang ?? 'bg',
      subject: m.subject ?? null,
      body: m.body ?? null,
      html: m.html ?? null,
      template_version: m.templateVersion ?? null,
      fallback: m.fallback ?? [],
      payload: JSON.stringify(m.payload ?? {}),
      not_before: m.notBefore ?? sql<Date>`now()`,
      expires_at: m.expiresAt ?? null,
      urgent: m.urgent ?? false,
      parent_id: m.parentId ?? null,
    })
    .onConflict((oc) => oc.column('business_key').doNothing())
    .returning('id')
    .executeTakeFirst();
  if (inserted) return { created: true, id: inserted.id };
  const existing = await db.selectFrom('outbox_messages').select('id').where('business_key', '=', m.businessKey).executeTakeFirstOrThrow();
  return { created: false, id: existing.id };
}

// Bounded statements keep the parameter text of a 100,000-message run at a few MB each.
const CHUNK = 10_000;

/**
 * Inserts many messages set-based (one INSERT ... SELECT FROM unnest per 10,000 rows), skipping
 * business keys that exist (also duplicates within `rows`). Returns how many were created.
 */
export async function enqueueMany(db: Kysely<DB>, rows: readonly NewMessage[]): Promise<number> {
  let created = 0;
  for (let i = 0; i < rows.length; i += CHUNK) {
    const c = rows.slice(i, i + CHUNK);
    const r = await sql`
      INSERT INTO outbox_messages (business_key, kind, channel, recipient, customer_number, subscription_id, lang, subject,
        body, html, fallback, payload, not_before, expires_at, urgent, parent_id)
      SELECT k, kind, ch, rcpt, cn, sid, lang, subj, body, html, string_to_array(fb, ','), pl::jsonb, COALESCE(nb, now()), ex, urg, pid
      FROM unnest(${c.map((m) => m.businessKey)}::text[], ${c.map((m) => m.kind)}::text[], ${c.map((m) => m.channel)}::text[],
        ${c.map((m) => m.recipient)}::text[], ${c.map((m) => m.customerNumber ?? null)}::text[],
        ${c.map((m) => m.subscriptionId ?? null)}::bigint[], ${c.map((m) => m.lang ?? 'bg')}::text[],
        ${c.map((m) => m.subject ?? null)}::text[], ${c.map((m) => m.body ?? null)}::text[], ${c.map((m) => m.html ?? null)}::text[],
        ${c.map((m) => (m.fallback ?? []).join(','))}::text[], ${c.map((m) => JSON.stringify(m.payload ?? {}))}::text[],
        ${c.map((m) => m.notBefore?.toISOString() ?? null)}::timestamptz[], ${c.map((m) => m.expiresAt?.toISOString() ?? null)}::timestamptz[],
        ${c.map((m) => m.urgent ?? false)}::boolean[], ${c.map((m) => m.parentId ?? null)}::bigint[])
        AS t(k, kind, ch, rcpt, cn, sid, lang, subj, body, html, fb, pl, nb, ex, urg, pid)
      ON CONFLICT (business_key) DO NOTHING`.execute(db);
    created += Number(r.numAffectedRows ?? 0n);
  }
  return created;
}
