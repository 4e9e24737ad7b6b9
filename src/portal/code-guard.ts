import { batchGuard, type Guard } from '../delivery/guards.js';
import { rules } from './deps.js';

function whyUnusable(c: { used_at: Date | null; replaced_at: Date | null; tries: number; expires_at: Date } | undefined): string | null {
  if (!c) return 'code unknown';
  if (c.used_at !== null) return 'code used';
  if (c.replaced_at !== null) return 'code replaced';
  if (c.tries >= rules.codeTries) return 'code out of tries';
  if (c.expires_at.getTime() <= Date.now()) return 'code expired';
  return null;
}

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
    const reason = whyUnusable(codes.get(id));
    if (reason !== null) reasons.set(msg.id, reason);
  }
  return reasons;
});
