import { batchGuard, registerGuard, type Guard } from '../delivery/guards.js';
import { rules } from './deps.js';

/**
 * A verification code message is sent only while its code can still be used: not used, not
 * replaced by a resend, not out of tries, not expired. Otherwise it is cancelled with the reason.
 * One query for all the messages asked about together.
 */
export const verificationCodeGuard: Guard = batchGuard(async (db, msgs) => {
  const reasons = new Map<number, string>();
  const ids = new Set<number>();
  for (const msg of msgs) {
    const id = msg.payload.code_id;
    if (typeof id !== 'number') reasons.set(msg.id, 'no code_id in payload');
    else ids.add(id);
  }
  if (ids.size === 0) return reasons;
  const rows = await db.selectFrom('verification_codes').select(['id', 'used_at', 'replaced_at', 'tries', 'expires_at']).where('id', 'in', [...ids]).execute();
  const codes = new Map(rows.map((c) => [Number(c.id), c]));
  for (const msg of msgs) {
    const id = msg.payload.code_id;
    if (typeof id !== 'number') continue;
    const c = codes.get(id);
    const reason = !c
      ? 'code unknown'
      : c.used_at !== null
        ? 'code used'
        : c.replaced_at !== null
          ? 'code replaced'
          : c.tries >= rules.codeTries
            ? 'code out of tries'
            : c.expires_at.getTime() <= Date.now()
              ? 'code expired'
              : null;
    if (reason !== null) reasons.set(msg.id, reason);
  }
  return reasons;
});

// Registered when the portal is loaded; a worker process without the portal must import this file.
registerGuard('verification_code', verificationCodeGuard);
