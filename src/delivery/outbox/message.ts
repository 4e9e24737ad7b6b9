import type { Selectable } from 'kysely';
import type { Lang } from '../text/default-templates.js';
import type { ChannelType, OutboxMessagesTable } from './tables.js';

export type OutboxRow = Selectable<OutboxMessagesTable>;

export interface RenderedText {
  subject?: string;
  body: string;
  html?: string;
  /** The version of the template that rendered it (0: the shipped default); absent for texts written by hand. */
  templateVersion?: number;
}

/** Renders a message's texts for a channel from its payload (template variables). */
export type Renderer = (kind: string, channel: ChannelType, lang: Lang, payload: Record<string, unknown>) => RenderedText;

/** A message as a channel sees it: texts always rendered. */
export interface OutboxMessage {
  id: number;
  businessKey: string;
  kind: string;
  customerNumber: string | null;
  subscriptionId: number | null;
  channel: ChannelType;
  recipient: string;
  lang: Lang;
  subject: string | null;
  body: string;
  html: string | null;
  /** The version of the template that rendered the texts (0: shipped); null for texts written by hand. */
  templateVersion: number | null;
  fallback: ChannelType[];
  parentId: number | null;
  payload: Record<string, unknown>;
  urgent: boolean;
  notBefore: Date;
  expiresAt: Date | null;
  /** Attempts before the current one. */
  attempts: number;
  firstAttemptAt: Date | null;
  createdAt: Date;
}

/** A row enqueued with body NULL (set-based from SQL) gets its texts rendered here, before sending. */
export function toMessage(row: OutboxRow, render: Renderer): OutboxMessage {
  const text: RenderedText =
    row.body === null ? render(row.kind, row.channel, row.lang, row.payload) : { body: row.body, ...(row.subject === null ? {} : { subject: row.subject }), ...(row.html === null ? {} : { html: row.html }) };
  return {
    id: row.id,
    businessKey: row.business_key,
    kind: row.kind,
    customerNumber: row.customer_number,
    subscriptionId: row.subscription_id,
    channel: row.channel,
    recipient: row.recipient,
    lang: row.lang,
    subject: text.subject ?? null,
    body: text.body,
    html: text.html ?? null,
    templateVersion: row.body === null ? (text.templateVersion ?? null) : row.template_version,
    fallback: row.fallback,
    parentId: row.parent_id,
    payload: row.payload,
    urgent: row.urgent,
    notBefore: row.not_before,
    expiresAt: row.expires_at,
    attempts: row.attempts,
    firstAttemptAt: row.first_attempt_at,
    createdAt: row.created_at,
  };
}
