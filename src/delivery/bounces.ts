import type { Kysely } from 'kysely';
import type { Config } from '../config.js';
import type { Database } from '../db/open.js';
import type { DB } from '../db/schema.js';
import type { Logger } from '../log.js';
import { BounceReceiver } from './email/bounce-receiver.js';
import type { Bounce } from './email/dsn.js';
import type { FailureContext } from './outbox/fallback.js';
import { recordReceipt } from './outbox/receipts.js';
import type { MessageStatus } from './outbox/tables.js';

export interface BounceResult {
  /** The email message the bounce names; null: none of ours (nothing was recorded). */
  messageId: number | null;
  /** The receipt status it was recorded as (SMPP spelling, as every receipt). */
  receipt: string | null;
  duplicate: boolean;
  /** The message's status afterwards. */
  status: MessageStatus | null;
}

/**
 * A DSN as a delivery receipt. Hard (failed, 5.x.x): UNDELIV, the address refused it. Failed
 * otherwise (the remote MTA gave up on a temporary problem, e.g. 4.4.7): EXPIRED, which fails the
 * message without counting against the address. delivered: DELIVRD. delayed, relayed, expanded:
 * recorded only.
 */
export function bounceReceiptStatus(b: Bounce): string {
  if (b.hard) return 'UNDELIV';
  if (b.action === 'failed') return 'EXPIRED';
  if (b.action === 'delivered') return 'DELIVRD';
  const word = b.action.toUpperCase();
  return /^[A-Z_]{1,20}$/.test(word) ? word : 'UNKNOWN';
}

/**
 * Records a bounce against the email message it names (VERP or the returned headers) as a
 * receipt: a hard one fails the message, counts a hard failure on the contact and hands over to
 * the message's fallback chain; a soft one is stored only. Repeats change nothing.
 */
export async function recordBounce(db: Kysely<DB>, bounce: Bounce, ctx: FailureContext): Promise<BounceResult> {
  const none: BounceResult = { messageId: null, receipt: null, duplicate: false, status: null };
  if (bounce.messageId === null) return none;
  const msg = await db
    .selectFrom('outbox_messages')
    .select(['id', 'channel', 'provider', 'provider_message_ids'])
    .where('id', '=', bounce.messageId)
    .executeTakeFirst();
  // A VERP number that is not one of our emails: forged or from another system.
  if (!msg || msg.channel !== 'email') return none;
  const status = bounceReceiptStatus(bounce);
  const raw = [`action=${bounce.action}`, `status=${bounce.status}`, bounce.recipient ? `recipient=${bounce.recipient}` : '', bounce.diagnostic ? `diagnostic=${bounce.diagnostic}` : '']
    .filter(Boolean)
    .join('; ');
  const r = await recordReceipt(
    db,
    {
      // Under the message's own provider id, so it sits with the message's other receipts; a
      // bounce of a send not yet recorded waits under its VERP name.
      provider: msg.provider ?? 'smtp',
      providerMessageId: msg.provider_message_ids[0] ?? `bounce+${msg.id}`,
      status,
      error: bounce.diagnostic ?? `${bounce.action} ${bounce.status}`,
      raw,
      messageId: msg.id,
    },
    ctx,
  );
  return { messageId: msg.id, receipt: status, duplicate: r.duplicate, status: r.status };
}

/**
 * Starts the built-in SMTP receiver for the VERP return path when BOUNCE_SMTP_PORT and
 * BOUNCE_DOMAIN are set (and email goes out over SMTP); null otherwise. Stop it on shutdown.
 */
export async function startBounceReceiver(o: { config: Config; database: Database; logger: Logger; failure: FailureContext }): Promise<BounceReceiver | null> {
  const { config, database } = o;
  const smtp = config.delivery.smtp;
  if (!smtp || smtp.bounceSmtpPort === null || smtp.bounceDomain === null) return null;
  const log = o.logger.child({ component: 'bounces' });
  const ctx = o.failure;
  const receiver = new BounceReceiver({
    host: config.http.host,
    port: smtp.bounceSmtpPort,
    domain: smtp.bounceDomain,
    logger: log,
    onBounce: async (bounce) => {
      const r = await recordBounce(database.db, bounce, ctx);
      if (r.messageId === null) log.warn({ bounce }, 'bounce names no email of ours; dropped');
      else log.info({ messageId: r.messageId, receipt: r.receipt, duplicate: r.duplicate, status: r.status }, 'bounce recorded');
    },
  });
  await receiver.start();
  return receiver;
}
