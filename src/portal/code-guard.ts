import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.js';
import { registerGuard, type Guard } from '../delivery/guards.js';
import type { OutboxMessage } from '../delivery/outbox/message.js';
import { rules } from './deps.js';

/**
 * A verification code message is sent only while its code can still be used: not used, not
 * replaced by a resend, not out of tries, not expired. Otherwise it is cancelled with the reason.
 */
export const verificationCodeGuard: Guard = async (db: Kysely<DB>, msg: OutboxMessage) => {
  const id = msg.payload.code_id;
  if (typeof id !== 'number') return 'no code_id in payload';
  const c = await db.selectFrom('verification_codes').select(['used_at', 'replaced_at', 'tries', 'expires_at']).where('id', '=', id).executeTakeFirst();
  if (!c) return 'code unknown';
  if (c.used_at !== null) return 'code used';
  if (c.replaced_at !== null) return 'code replaced';
  if (c.tries >= rules.codeTries) return 'code out of tries';
  if (c.expires_at.getTime() <= Date.now()) return 'code expired';
  return null;
};

// Registered when the portal is loaded; a worker process without the portal must import this file.
registerGuard('verification_code', verificationCodeGuard);
