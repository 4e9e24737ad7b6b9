import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.js';
import { countSms } from '../text/segments.js';
import type { Channel } from './types.js';

/**
 * The channel of the embedded default and of demos: records, never sends. The message ends
 * 'sent' by provider 'sandbox' with the real SMS part count and encoding (cost follows from them).
 */
export function sandboxChannel(channel: 'sms' | 'email'): Channel {
  return {
    name: 'sandbox',
    channel,
    async send(msg) {
      const answer = 'recorded by the sandbox, not sent';
      if (channel === 'email') return { providerMessageIds: [`sandbox-${msg.id}`], answer };
      const { segments, encoding } = countSms(msg.body);
      return { providerMessageIds: [`sandbox-${msg.id}`], segments, encoding, answer };
    },
  };
}

export interface SandboxMessage {
  id: number;
  kind: string;
  channel: string;
  recipient: string;
  lang: string;
  subject: string | null;
  body: string | null;
  html: string | null;
  status: string;
  segments: number | null;
  encoding: string | null;
  cost_minor: number | null;
  created_at: Date;
  sent_at: Date | null;
  business_key: string;
  parent_id: number | null;
}

/** What the sandbox "sent", newest first (for /dev/outbox). */
export async function listSandboxMessages(db: Kysely<DB>, opts: { limit: number }): Promise<SandboxMessage[]> {
  return db
    .selectFrom('outbox_messages')
    .select(['id', 'kind', 'channel', 'recipient', 'lang', 'subject', 'body', 'html', 'status', 'segments', 'encoding', 'cost_minor', 'created_at', 'sent_at', 'business_key', 'parent_id'])
    .where('provider', '=', 'sandbox')
    .orderBy('id', 'desc')
    .limit(Math.max(1, Math.min(opts.limit, 1000)))
    .execute();
}
